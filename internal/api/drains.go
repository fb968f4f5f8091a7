package api

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/netguard"
	"github.com/kingvon-ke/bera/internal/wire"
)

// Drains runs log drains. The store keeps them; Drains delivers to them.
type Drains interface {
	Add(d *bera.LogDrain) error
	Remove(id string)
}

func toDrain(d *bera.LogDrain, app *bera.App) wire.LogDrain {
	return wire.LogDrain{ID: d.ID, URL: d.URL, Token: d.Token, App: appRef(app),
		CreatedAt: ts(d.CreatedAt), UpdatedAt: ts(d.UpdatedAt)}
}

func (s *Server) handleDrainList(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	ds, err := s.store.ListLogDrains(r.Context(), app.ID)
	if err != nil {
		return err
	}
	out := make([]wire.LogDrain, 0, len(ds))
	for _, d := range ds {
		out = append(out, toDrain(d, app))
	}
	return writeJSON(w, http.StatusOK, out)
}

// handleDrainCreate adds a syslog://, syslog+tls:// or https:// drain (`drains:add URL`).
func (s *Server) handleDrainCreate(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	var req wire.LogDrainCreate
	if err := decode(r, &req, false); err != nil {
		return err
	}
	if err := s.checkDrainURL(req.URL); err != nil {
		return err
	}
	d := &bera.LogDrain{AppID: app.ID, URL: req.URL, Token: "d." + uuid.NewString()}
	if err := s.store.CreateLogDrain(r.Context(), d); err != nil {
		return err
	}
	if s.cfg.Drains != nil {
		if err := s.cfg.Drains.Add(d); err != nil {
			s.store.DeleteLogDrain(r.Context(), app.ID, d.ID)
			return err
		}
	}
	return writeJSON(w, http.StatusCreated, toDrain(d, app))
}

// checkDrainURL allows syslog, syslog+tls, http and https URLs with a host. Unless the server
// allows it, loopback, private and link-local addresses are refused, so a drain cannot be
// used to reach services on the Bera host or its private network. This catches addresses
// in any spelling ("127.1", "[::ffff:127.0.0.1]") and localhost names early; the drain
// checks the address it dials, which catches every other name that resolves to one.
func (s *Server) checkDrainURL(raw string) error {
	bad := func(msg string) error { return &bera.Error{Code: bera.EInvalid, Resource: "log_drain", Message: msg} }
	u, err := url.Parse(raw)
	if err != nil || len(raw) > 2048 || u.Host == "" {
		return bad("Drain URL must be an absolute URL such as syslog+tls://logs.example.com:6514 or https://logs.example.com/in.")
	}
	switch u.Scheme {
	case "syslog", "syslog+tls", "https", "http":
	default:
		return bad("Drain URLs use syslog://, syslog+tls://, https:// or http://.")
	}
	if (u.Scheme == "syslog" || u.Scheme == "syslog+tls") && u.Port() == "" {
		return bad("Syslog drain URLs need a port, such as syslog+tls://logs.example.com:6514.")
	}
	if s.cfg.AllowPrivateDrains {
		return nil
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	ip, isAddr := netguard.ParseHost(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || isAddr && !netguard.IsPublic(ip) {
		return bad("Drains must point to a public host; this server does not allow loopback or private addresses.")
	}
	return nil
}

// drainParam finds {drain} by id, token or (URL-encoded) URL.
func (s *Server) drainParam(r *http.Request, app *bera.App) (*bera.LogDrain, error) {
	ds, err := s.store.ListLogDrains(r.Context(), app.ID)
	if err != nil {
		return nil, err
	}
	p := r.PathValue("drain")
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	for _, d := range ds {
		if d.ID == p || d.Token == p || d.URL == p {
			return d, nil
		}
	}
	return nil, bera.NotFound("log drain")
}

func (s *Server) handleDrainInfo(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	d, err := s.drainParam(r, app)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toDrain(d, app))
}

func (s *Server) handleDrainDelete(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	d, err := s.drainParam(r, app)
	if err != nil {
		return err
	}
	if err := s.store.DeleteLogDrain(r.Context(), app.ID, d.ID); err != nil {
		return err
	}
	if s.cfg.Drains != nil {
		s.cfg.Drains.Remove(d.ID)
	}
	return writeJSON(w, http.StatusOK, toDrain(d, app))
}
