package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/release"
	"github.com/kingvon-ke/bera/internal/wire"
)

// The data API is what Heroku's CLI calls for pg:* and redis:* on its data host
// (HEROKU_DATA_HOST=127.0.0.1 sends it to this listener): /client/v11 and /postgres/v0 for
// heroku-postgresql, /redis/v0 for heroku-redis. Databases are named by add-on id or name;
// the caller must be able to see the add-on, as on the Platform API.

const (
	postgresService = "heroku-postgresql"
	redisService    = "heroku-redis"
)

// dataRoutes are the data API's routes, part of the route table.
func (s *Server) dataRoutes() []route {
	return []route{
		{method: "GET", path: "/client/v11/databases/{addon}", summary: "Data API: a heroku-postgresql database with its pg:info figures", h: s.handlePGInfo},
		{method: "GET", path: "/postgres/v0/databases/{addon}/credentials", summary: "Data API: the credentials of a heroku-postgresql database (no passwords)", h: s.handlePGCredentialList},
		{method: "GET", path: "/postgres/v0/databases/{addon}/credentials/{credential}", summary: "Data API: a credential of a heroku-postgresql database, with its password", h: s.handlePGCredentialInfo},
		{method: "POST", path: "/postgres/v0/databases/{addon}/credentials/{credential}/credentials_rotation", summary: "Data API: give a credential a new password; attached apps get the new URL in a release", h: s.handlePGRotate},
		{method: "POST", path: "/postgres/v0/databases/{addon}/credentials_rotation", summary: "Data API: rotate every credential of a heroku-postgresql database", h: s.handlePGRotate},
		{method: "GET", path: "/redis/v0/databases/{addon}", summary: "Data API: a heroku-redis database with its redis:info figures", h: s.handleRedisInfo},
		{method: "POST", path: "/redis/v0/databases/{addon}/credentials_rotation", summary: "Data API: give a heroku-redis database a new password; attached apps get the new URL in a release", h: s.handleRedisRotate},
	}
}

// dataAddon returns the provisioned add-on of service that r's {addon} names, with its
// provider. A 404 for anything else: pg:info then says "not yet provisioned".
func (s *Server) dataAddon(r *http.Request, service string) (*bera.Addon, addons.Provider, error) {
	a, err := s.addonFor(r.Context(), r.PathValue("addon"))
	if err != nil {
		return nil, nil, err
	}
	if a.Service != service || a.State != bera.AddonProvisioned || s.cfg.Addons == nil {
		return nil, nil, errAddonNotFound()
	}
	prov, err := s.cfg.Addons.Provider(service)
	if err != nil {
		return nil, nil, errAddonNotFound()
	}
	return a, prov, nil
}

// instanceErr turns a provider's ErrNotFound into the add-on's 404.
func instanceErr(err error) error {
	if errors.Is(err, addons.ErrNotFound) {
		return errAddonNotFound()
	}
	return err
}

func infoRows(rows []addons.InfoRow) []wire.DataInfoRow {
	out := make([]wire.DataInfoRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, wire.DataInfoRow{Name: r.Name, Values: r.Values})
	}
	return out
}

// planPart is the plan name after "service:".
func planPart(plan string) string {
	_, part, _ := strings.Cut(plan, ":")
	return part
}

func (s *Server) handlePGInfo(w http.ResponseWriter, r *http.Request) error {
	a, prov, err := s.dataAddon(r, postgresService)
	if err != nil {
		return err
	}
	info, err := prov.Info(r.Context(), a.ID)
	if err != nil {
		return instanceErr(err)
	}
	return writeJSON(w, http.StatusOK, wire.PGDatabase{AddonID: a.ID, Name: a.Name, Plan: planPart(a.Plan),
		ResourceURL: a.URL, Info: infoRows(info.Rows), CreatedAt: ts(a.CreatedAt)})
}

func toPGCredential(a *bera.Addon, c addons.Credential, withPassword bool) wire.PGCredential {
	u := wire.PGCredentialUser{User: c.User, State: "active"}
	if withPassword {
		u.Password = c.Password
	}
	return wire.PGCredential{UUID: stableID("credential", a.ID+"/"+c.Name), Name: c.Name, State: "active",
		Database: c.Database, Host: c.Host, Port: c.Port, Credentials: []wire.PGCredentialUser{u}}
}

func (s *Server) handlePGCredentialList(w http.ResponseWriter, r *http.Request) error {
	a, prov, err := s.dataAddon(r, postgresService)
	if err != nil {
		return err
	}
	creds, err := prov.Credentials(r.Context(), a.ID)
	if err != nil {
		return instanceErr(err)
	}
	out := make([]wire.PGCredential, 0, len(creds))
	for _, c := range creds {
		out = append(out, toPGCredential(a, c, false))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handlePGCredentialInfo(w http.ResponseWriter, r *http.Request) error {
	a, prov, err := s.dataAddon(r, postgresService)
	if err != nil {
		return err
	}
	creds, err := prov.Credentials(r.Context(), a.ID)
	if err != nil {
		return instanceErr(err)
	}
	for _, c := range creds {
		if c.Name == r.PathValue("credential") {
			return writeJSON(w, http.StatusOK, toPGCredential(a, c, true))
		}
	}
	return bera.NotFound("credential")
}

// handlePGRotate rotates one credential ({credential}) or, without it, every credential.
func (s *Server) handlePGRotate(w http.ResponseWriter, r *http.Request) error {
	a, prov, err := s.dataAddon(r, postgresService)
	if err != nil {
		return err
	}
	var body wire.PGRotation
	if err := decode(r, &body, true); err != nil {
		return err
	}
	names := []string{r.PathValue("credential")}
	if names[0] == "" {
		creds, err := prov.Credentials(r.Context(), a.ID)
		if err != nil {
			return instanceErr(err)
		}
		names = names[:0]
		for _, c := range creds {
			names = append(names, c.Name)
		}
	}
	for _, name := range names {
		if err := s.rotate(r.Context(), a, prov, name, bera.UserFrom(r.Context())); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, wire.DataMessage{Message: "Credentials rotated."})
}

// rotate gives credential name of a a new password and, for the default credential, sets
// the new URL on every app the add-on is attached to, in a release each (which restarts
// their dynos). The old password is refused from the provider's answer on.
func (s *Server) rotate(ctx context.Context, a *bera.Addon, prov addons.Provider, name string, user *bera.User) error {
	s.addonMu.Lock()
	defer s.addonMu.Unlock()
	cred, err := prov.Rotate(ctx, a.ID, name)
	if errors.Is(err, addons.ErrNotFound) {
		return bera.NotFound("credential")
	}
	if err != nil {
		return err
	}
	s.log.Info("add-on credential rotated", "addon", a.Name, "credential", name)
	ctx = context.WithoutCancel(ctx)
	atts, err := s.store.ListAttachments(ctx, "", a.ID)
	if err != nil {
		return err
	}
	s.addonChanged(a, events.AddonCredentialsRotated, "", addonApps(a, atts))
	if name != "default" {
		// The default credential's rotation is logged by its releases.
		s.addonLog(a.AppID, user, fmt.Sprintf("Rotate credential %s of @ref:%s", name, a.Name))
		return nil
	}
	if err := s.store.RotateAddonURL(ctx, a.ID, cred.URL); err != nil {
		return err
	}
	a.URL = cred.URL
	var errs []error
	for _, t := range atts {
		if t.Namespace != "" {
			continue
		}
		app, err := s.store.App(ctx, t.AppID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		url := cred.URL
		_, err = s.releases.Create(ctx, app, release.Change{Description: fmt.Sprintf("Update %s by credential rotation (@ref:%s)", t.Name, a.Name),
			User: user, ConfigChanges: []bera.ConfigChange{{Key: t.ConfigVar(), Value: &url}}})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// redisPlan is the plan redis:cli reads: a plain instance says "hobby-…", the only plan
// prefix for which the CLI talks plain TCP to resource_url; a TLS instance keeps its plan
// and prefers native TLS (same port, certificate not checked by the CLI).
func redisPlan(a *bera.Addon) (plan string, tls bool) {
	if strings.HasPrefix(a.URL, "rediss://") {
		return planPart(a.Plan), true
	}
	return "hobby-" + planPart(a.Plan), false
}

func (s *Server) handleRedisInfo(w http.ResponseWriter, r *http.Request) error {
	a, prov, err := s.dataAddon(r, redisService)
	if err != nil {
		return err
	}
	info, err := prov.Info(r.Context(), a.ID)
	if err != nil {
		return instanceErr(err)
	}
	plan, tls := redisPlan(a)
	return writeJSON(w, http.StatusOK, wire.RedisDatabase{AddonID: a.ID, Name: a.Name, Plan: plan, PreferNativeTLS: tls,
		ResourceURL: a.URL, Info: infoRows(info.Rows), CreatedAt: ts(a.CreatedAt)})
}

func (s *Server) handleRedisRotate(w http.ResponseWriter, r *http.Request) error {
	a, prov, err := s.dataAddon(r, redisService)
	if err != nil {
		return err
	}
	if err := s.rotate(r.Context(), a, prov, "default", bera.UserFrom(r.Context())); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.DataMessage{Message: "Credentials rotated."})
}
