package api

import (
	"context"
	"net/http"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/certs"
	"github.com/kingvon-ke/bera/internal/wire"
)

// DomainStore keeps custom domains, manual certificates and the ACM switch. It is an
// optional capability of Store (checked with a type assertion; *store.Store has it):
// without it an app lists only its own APP.DOMAIN hostname.
type DomainStore interface {
	CreateDomain(ctx context.Context, d *bera.Domain) error
	ListDomains(ctx context.Context, appID string) ([]*bera.Domain, error)
	Domain(ctx context.Context, appID, idOrHostname string) (*bera.Domain, error)
	DeleteDomain(ctx context.Context, appID, idOrHostname string) error
	ACM(ctx context.Context, appID string) (bool, error)
	SetACM(ctx context.Context, appID string, enabled bool) error

	CreateEndpoint(ctx context.Context, ep *bera.Endpoint) error
	ListEndpoints(ctx context.Context, appID string) ([]*bera.Endpoint, error)
	Endpoint(ctx context.Context, appID, idOrName string) (*bera.Endpoint, error)
	UpdateEndpoint(ctx context.Context, appID, idOrName, chain, key string) (*bera.Endpoint, error)
	DeleteEndpoint(ctx context.Context, appID, idOrName string) error
}

// domains returns the store's DomainStore, or a 404 for stores without one.
func (s *Server) domains() (DomainStore, error) {
	ds, ok := s.store.(DomainStore)
	if !ok {
		return nil, bera.Errorf(bera.ENotFound, "Custom domains are not available on this server.")
	}
	return ds, nil
}

// ownDomain is the app's APP.DOMAIN hostname as Heroku's kind "heroku" domain.
func (s *Server) ownDomain(app *bera.App) wire.Domain {
	host := app.Name + "." + s.cfg.Domain
	return wire.Domain{ID: stableID("domain", host), Hostname: host, Kind: bera.DomainKindHeroku, Status: bera.DomainStatusNone,
		App: appRef(app), CreatedAt: ts(app.CreatedAt), UpdatedAt: ts(app.UpdatedAt)}
}

// toDomain shapes a custom domain; its CNAME target is the app's own hostname.
func (s *Server) toDomain(app *bera.App, d *bera.Domain, eps map[string]string) wire.Domain {
	cname := app.Name + "." + s.cfg.Domain
	j := wire.Domain{ID: d.ID, Hostname: d.Hostname, Kind: d.Kind, CNAME: &cname, Status: d.Status,
		ACMStatus: optString(d.ACMStatus), ACMStatusReason: optString(d.ACMStatusReason),
		App: appRef(app), CreatedAt: ts(d.CreatedAt), UpdatedAt: ts(d.UpdatedAt)}
	if d.EndpointID != "" {
		j.SNIEndpoint = &wire.IDName{ID: d.EndpointID, Name: eps[d.EndpointID]}
	}
	return j
}

// endpointNames maps the app's endpoint IDs to names, for domains' sni_endpoint.
func endpointNames(ctx context.Context, ds DomainStore, appID string) (map[string]string, error) {
	eps, err := ds.ListEndpoints(ctx, appID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(eps))
	for _, ep := range eps {
		out[ep.ID] = ep.Name
	}
	return out, nil
}

// appDomains returns the app's own hostname followed by its custom domains.
func (s *Server) appDomains(ctx context.Context, app *bera.App) ([]wire.Domain, error) {
	out := []wire.Domain{s.ownDomain(app)}
	ds, ok := s.store.(DomainStore)
	if !ok {
		return out, nil
	}
	list, err := ds.ListDomains(ctx, app.ID)
	if err != nil {
		return nil, err
	}
	eps, err := endpointNames(ctx, ds, app.ID)
	if err != nil {
		return nil, err
	}
	for _, d := range list {
		out = append(out, s.toDomain(app, d, eps))
	}
	return out, nil
}

// domainRangeFields are the Range fields of the domain list: only id, as the Heroku CLI sends
// (the range parser does not take values with dots, such as hostnames).
var domainRangeFields = []string{"id"}

var domainRangeKeys = map[string]func(wire.Domain) string{
	"id": func(d wire.Domain) string { return d.ID },
}

// handleDomainList lists the app's domains, paginated by Range on id.
func (s *Server) handleDomainList(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	all, err := s.appDomains(r.Context(), app)
	if err != nil {
		return err
	}
	page, status, err := paginate(w, r, all, domainRangeKeys, domainRangeFields, false)
	if err != nil {
		return err
	}
	return writeJSON(w, status, page)
}

func (s *Server) handleDomainInfo(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	all, err := s.appDomains(r.Context(), app)
	if err != nil {
		return err
	}
	want := r.PathValue("domain")
	for _, d := range all {
		if d.ID == want || d.Hostname == want {
			return writeJSON(w, http.StatusOK, d)
		}
	}
	return bera.NotFound("domain")
}

func (s *Server) handleDomainCreate(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	ds, err := s.domains()
	if err != nil {
		return err
	}
	var req wire.DomainCreate
	if err := decode(r, &req, false); err != nil {
		return err
	}
	host, err := certs.NormalizeHostname(req.Hostname, s.cfg.Domain)
	if err != nil {
		return err
	}
	d := &bera.Domain{AppID: app.ID, Hostname: host}
	eps := map[string]string{}
	if req.SNIEndpoint != nil && *req.SNIEndpoint != "" {
		ep, err := ds.Endpoint(r.Context(), app.ID, *req.SNIEndpoint)
		if err != nil {
			return err
		}
		d.EndpointID, eps[ep.ID] = ep.ID, ep.Name
	}
	if err := ds.CreateDomain(r.Context(), d); err != nil {
		return err
	}
	s.routesChanged(app.ID)
	s.logf(r, app.ID, "Add "+host+" domain")
	return writeJSON(w, http.StatusCreated, s.toDomain(app, d, eps))
}

func (s *Server) handleDomainDelete(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	ds, err := s.domains()
	if err != nil {
		return err
	}
	d, err := ds.Domain(r.Context(), app.ID, r.PathValue("domain"))
	if err != nil {
		return err
	}
	if err := ds.DeleteDomain(r.Context(), app.ID, d.ID); err != nil {
		return err
	}
	s.routesChanged(app.ID)
	s.logf(r, app.ID, "Remove "+d.Hostname+" domain")
	return writeJSON(w, http.StatusOK, s.toDomain(app, d, nil))
}
