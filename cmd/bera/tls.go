package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kingvon-ke/bera/internal/certs"
	"github.com/kingvon-ke/bera/internal/certs/acme"
	"github.com/kingvon-ke/bera/internal/router"
	"github.com/kingvon-ke/bera/internal/store"
)

// redirectFeature is the app feature that sends plain HTTP requests to its custom domains
// to HTTPS.
const redirectFeature = "http-to-https"

// appTLS serves apps over HTTPS on --router-tls-listen: a certificate for each handshake from
// the manual certificates in the store (by SNI), the ACME manager (when --acme-ca is set) or
// the default certificate for APP.DOMAIN; and on the HTTP router, ACME HTTP-01 challenges and
// the http-to-https redirect.
type appTLS struct {
	cfg  *serverConfig
	st   *store.Store
	sel  *certs.Selector
	acme *acme.Manager // nil when ACME is off
	log  *slog.Logger
	ln   net.Listener // --router-tls-listen; nil when off
	// redirect holds the custom hostnames whose apps have http-to-https on.
	redirect atomic.Pointer[map[string]bool]
}

// newAppTLS builds the certificate selector, the ACME manager when --acme-ca is set, and
// opens --router-tls-listen when it is set.
func newAppTLS(cfg *serverConfig, st *store.Store, log *slog.Logger) (*appTLS, error) {
	t := &appTLS{cfg: cfg, st: st, sel: &certs.Selector{}, log: log.With("component", "tls")}
	t.redirect.Store(&map[string]bool{})
	def, err := listenerTLS(cfg)
	if err != nil {
		return nil, err
	}
	t.sel.Default = &def.Certificates[0]
	if err := t.newACME(cfg, st, log); err != nil {
		return nil, err
	}
	if cfg.RouterTLSListen != "" {
		if t.ln, err = net.Listen("tcp", cfg.RouterTLSListen); err != nil {
			return nil, fmt.Errorf("listen on %s: %w", cfg.RouterTLSListen, err)
		}
	}
	return t, nil
}

// newACME sets up the ACME manager when --acme-ca is set.
func (t *appTLS) newACME(cfg *serverConfig, st *store.Store, log *slog.Logger) error {
	if cfg.ACMECA == "" {
		return nil
	}
	roots, err := loadRoots(cfg.ACMECARoot)
	if err != nil {
		return err
	}
	t.acme, err = acme.New(acme.Config{Store: st, CA: cfg.ACMECA, Roots: roots, Email: cfg.ACMEEmail,
		HTTPAddr: cfg.RouterListen, Logger: log})
	if err != nil {
		return err
	}
	t.sel.Fallback = t.acme.GetCertificate
	return nil
}

// loadRoots reads a PEM bundle of CA roots; "" means the system roots (nil).
func loadRoots(path string) (*x509.CertPool, error) {
	if path == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--acme-ca-root: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, usageError("--acme-ca-root: no PEM certificate in " + path)
	}
	return pool, nil
}

// start wraps the plain-HTTP router's slow path (challenges, redirect), diverts the hosts
// to redirect to it, and adds the certificate loops and, with --router-tls-listen, the
// HTTPS router server to g.
func (t *appTLS) start(ctx context.Context, g *errgroup.Group, rtr *router.Router, front *router.Frontend) {
	front.Slow.Handler = t.httpHandler(front.Slow.Handler)
	if t.ln != nil {
		front.Divert = func(host []byte) bool { return (*t.redirect.Load())[string(host)] }
	}
	g.Go(func() error { return t.reload(ctx) })
	if t.acme != nil {
		g.Go(func() error { return t.acme.Run(ctx) })
	}
	if t.ln == nil {
		return
	}
	ln := t.ln
	srv := rtr.NewServer(t.cfg.RouterTLSListen)
	srv.TLSConfig = &tls.Config{GetCertificate: t.sel.GetCertificate, NextProtos: []string{"h2", "http/1.1"}, MinVersion: tls.VersionTLS12}
	g.Go(func() error {
		if err := srv.ServeTLS(ln, "", ""); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	t.log.Info("https router started", "listen", ln.Addr().String(), "acme", t.acme != nil)
}

// httpHandler answers ACME challenges and redirects http-to-https apps' custom domains,
// passing everything else to h.
func (t *appTLS) httpHandler(h http.Handler) http.Handler {
	if t.ln != nil {
		h = t.redirectHTTPS(h)
	}
	if t.acme != nil {
		h = t.acme.HTTPChallengeHandler(h)
	}
	return h
}

func (t *appTLS) redirectHTTPS(h http.Handler) http.Handler {
	suffix := portSuffix(t.cfg.RouterTLSListen, "443")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := router.NormalizeHost(r.Host)
		if !(*t.redirect.Load())[host] {
			h.ServeHTTP(w, r)
			return
		}
		code := http.StatusMovedPermanently
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			code = http.StatusPermanentRedirect
		}
		http.Redirect(w, r, "https://"+host+suffix+r.URL.RequestURI(), code)
	})
}

// reload refreshes the manual certificates and the redirect set from the store every
// second, so changes made through any server show up on all of them.
func (t *appTLS) reload(ctx context.Context) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if err := t.reloadOnce(ctx); err != nil && ctx.Err() == nil {
			t.log.Error("reload certificates", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

func (t *appTLS) reloadOnce(ctx context.Context) error {
	eps, err := t.st.ListEndpoints(ctx, "")
	if err != nil {
		return err
	}
	domains, err := t.st.ListDomains(ctx, "")
	if err != nil {
		return err
	}
	if err := t.sel.SetEndpoints(eps, domains); err != nil {
		t.log.Warn("unusable manual certificate", "err", err)
	}
	redirect, on := map[string]bool{}, map[string]bool{}
	for _, d := range domains {
		enabled, seen := on[d.AppID]
		if !seen {
			if enabled, err = t.featureOn(ctx, d.AppID); err != nil {
				return err
			}
			on[d.AppID] = enabled
		}
		redirect[d.Hostname] = enabled
	}
	t.redirect.Store(&redirect)
	return nil
}

func (t *appTLS) featureOn(ctx context.Context, appID string) (bool, error) {
	fs, err := t.st.AppFeatures(ctx, appID)
	if err != nil {
		return false, err
	}
	for _, f := range fs {
		if f.Name == redirectFeature {
			return f.Enabled, nil
		}
	}
	return false, nil
}
