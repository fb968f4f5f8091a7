package api

import (
	"context"
	"net/http"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/certs"
	"github.com/kingvon-ke/bera/internal/wire"
)

// toEndpoint shapes a manual certificate; domains are the app's custom domains it covers.
func toEndpoint(app *bera.App, ep *bera.Endpoint, domains []*bera.Domain) wire.SNIEndpoint {
	j := wire.SNIEndpoint{ID: ep.ID, Name: ep.Name, CertificateChain: ep.CertificateChain, Domains: []string{},
		App: appRef(app), CreatedAt: ts(ep.CreatedAt), UpdatedAt: ts(ep.UpdatedAt)}
	cert, err := certs.ParseKeyPair(ep.CertificateChain, ep.PrivateKey)
	if err != nil {
		return j
	}
	info := certs.Describe(cert)
	j.SSLCert = wire.SSLCert{CASigned: info.Trusted, CertDomains: info.Domains, ExpiresAt: ts(info.NotAfter),
		Issuer: info.Issuer, SelfSigned: info.SelfSigned, StartsAt: ts(info.NotBefore), Subject: info.Subject,
		ID: stableID("ssl-cert", ep.ID+ts(ep.UpdatedAt))}
	for _, d := range domains {
		if d.EndpointID == ep.ID || certs.Covers(cert, d.Hostname) {
			j.Domains = append(j.Domains, d.ID)
		}
	}
	return j
}

// checkEndpoint parses the request's pair and checks its names, so bad certificates, and
// certificates for names the app does not own (the platform's domain, other apps' custom
// domains), are refused before they are stored.
func (s *Server) checkEndpoint(ctx context.Context, ds DomainStore, app *bera.App, req *wire.SNIEndpointCreate) error {
	cert, err := certs.ParseKeyPair(req.CertificateChain, req.PrivateKey)
	if err != nil {
		return err
	}
	all, err := ds.ListDomains(ctx, "")
	if err != nil {
		return err
	}
	return certs.CheckOwnNames(cert, app.ID, s.cfg.Domain, all)
}

func (s *Server) handleSNIEndpointList(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	ds, ok := s.store.(DomainStore)
	if !ok {
		return writeJSON(w, http.StatusOK, []wire.SNIEndpoint{})
	}
	eps, err := ds.ListEndpoints(r.Context(), app.ID)
	if err != nil {
		return err
	}
	domains, err := ds.ListDomains(r.Context(), app.ID)
	if err != nil {
		return err
	}
	out := make([]wire.SNIEndpoint, 0, len(eps))
	for _, ep := range eps {
		out = append(out, toEndpoint(app, ep, domains))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleSNIEndpointInfo(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	ds, err := s.domains()
	if err != nil {
		return err
	}
	ep, err := ds.Endpoint(r.Context(), app.ID, r.PathValue("sni_endpoint"))
	if err != nil {
		return err
	}
	return s.writeEndpoint(w, r, ds, app, ep, http.StatusOK)
}

func (s *Server) writeEndpoint(w http.ResponseWriter, r *http.Request, ds DomainStore, app *bera.App, ep *bera.Endpoint, status int) error {
	domains, err := ds.ListDomains(r.Context(), app.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, status, toEndpoint(app, ep, domains))
}

func (s *Server) handleSNIEndpointCreate(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	ds, err := s.domains()
	if err != nil {
		return err
	}
	var req wire.SNIEndpointCreate
	if err := decode(r, &req, false); err != nil {
		return err
	}
	if err := s.checkEndpoint(r.Context(), ds, app, &req); err != nil {
		return err
	}
	ep := &bera.Endpoint{AppID: app.ID, Name: req.Name, CertificateChain: req.CertificateChain, PrivateKey: req.PrivateKey}
	if err := ds.CreateEndpoint(r.Context(), ep); err != nil {
		return err
	}
	s.routesChanged(app.ID)
	s.logf(r, app.ID, "Add SSL certificate "+ep.Name)
	return s.writeEndpoint(w, r, ds, app, ep, http.StatusCreated)
}

func (s *Server) handleSNIEndpointUpdate(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	ds, err := s.domains()
	if err != nil {
		return err
	}
	var req wire.SNIEndpointCreate
	if err := decode(r, &req, false); err != nil {
		return err
	}
	if err := s.checkEndpoint(r.Context(), ds, app, &req); err != nil {
		return err
	}
	ep, err := ds.UpdateEndpoint(r.Context(), app.ID, r.PathValue("sni_endpoint"), req.CertificateChain, req.PrivateKey)
	if err != nil {
		return err
	}
	s.routesChanged(app.ID)
	return s.writeEndpoint(w, r, ds, app, ep, http.StatusOK)
}

func (s *Server) handleSNIEndpointDelete(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	ds, err := s.domains()
	if err != nil {
		return err
	}
	ep, err := ds.Endpoint(r.Context(), app.ID, r.PathValue("sni_endpoint"))
	if err != nil {
		return err
	}
	if err := ds.DeleteEndpoint(r.Context(), app.ID, ep.ID); err != nil {
		return err
	}
	s.routesChanged(app.ID)
	s.logf(r, app.ID, "Remove SSL certificate "+ep.Name)
	return writeJSON(w, http.StatusOK, toEndpoint(app, ep, nil))
}

// handleACMEnable turns automatic certificates on (POST /apps/{app}/acm) and returns the
// app with acm true.
func (s *Server) handleACMEnable(w http.ResponseWriter, r *http.Request) error {
	return s.setACM(w, r, true)
}

// handleACMDisable turns automatic certificates off (DELETE /apps/{app}/acm).
func (s *Server) handleACMDisable(w http.ResponseWriter, r *http.Request) error {
	return s.setACM(w, r, false)
}

// handleACMRefresh (PATCH /apps/{app}/acm) marks failed domains pending again, so the
// certificate manager retries them.
func (s *Server) handleACMRefresh(w http.ResponseWriter, r *http.Request) error {
	return s.setACM(w, r, true)
}

func (s *Server) setACM(w http.ResponseWriter, r *http.Request, on bool) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	ds, err := s.domains()
	if err != nil {
		return err
	}
	if err := ds.SetACM(r.Context(), app.ID, on); err != nil {
		return err
	}
	s.routesChanged(app.ID)
	j := s.toApp(app, r)
	j.ACM = on
	return writeJSON(w, http.StatusOK, j)
}
