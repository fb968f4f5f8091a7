package server

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kingvon-ke/bera/internal/certs"
	"github.com/kingvon-ke/bera/internal/certs/acme"
	"github.com/kingvon-ke/bera/internal/router"
	"github.com/kingvon-ke/bera/internal/store"
)

// appTLS serves apps over HTTPS on --router-tls-listen, with certificates from a
// certs.Manager (manual ones by SNI, ACME's when --acme-ca is set, else the default
// certificate for APP.DOMAIN), which also answers ACME challenges and the http-to-https
// redirect on the HTTP router.
type appTLS struct {
	certs *certs.Manager
	addr  string       // --router-tls-listen
	ln    net.Listener // nil when off
	acme  bool         // --acme-ca is set
	log   *slog.Logger
}

// newAppTLS builds the certificate manager (with ACME when --acme-ca is set), and opens
// --router-tls-listen when it is set.
func newAppTLS(cfg *Config, st *store.Store, log *slog.Logger) (*appTLS, error) {
	def, err := listenerTLS(cfg)
	if err != nil {
		return nil, err
	}
	auto, err := newACME(cfg, st, log)
	if err != nil {
		return nil, err
	}
	t := &appTLS{addr: cfg.RouterTLSListen, acme: auto != nil, log: log.With("component", "tls")}
	t.certs = certs.NewManager(certs.ManagerConfig{Store: st, Default: &def.Certificates[0], Auto: auto,
		HTTPSAddr: cfg.RouterTLSListen, Logger: log})
	if cfg.RouterTLSListen != "" {
		if t.ln, err = net.Listen("tcp", cfg.RouterTLSListen); err != nil {
			return nil, fmt.Errorf("listen on %s: %w", cfg.RouterTLSListen, err)
		}
	}
	return t, nil
}

// newACME returns the ACME manager when --acme-ca is set, else nil.
func newACME(cfg *Config, st *store.Store, log *slog.Logger) (certs.Automatic, error) {
	if cfg.ACMECA == "" {
		return nil, nil
	}
	roots, err := loadRoots(cfg.ACMECARoot)
	if err != nil {
		return nil, err
	}
	return acme.New(acme.Config{Store: st, CA: cfg.ACMECA, Roots: roots, Email: cfg.ACMEEmail,
		HTTPAddr: cfg.RouterListen, Logger: log})
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
		return nil, errors.New("--acme-ca-root: no PEM certificate in " + path)
	}
	return pool, nil
}

// start wraps the plain-HTTP router's slow path (challenges, redirect), diverts the hosts
// to redirect to it, and adds the certificate manager and, with --router-tls-listen, the
// HTTPS router server to g.
func (t *appTLS) start(ctx context.Context, g *errgroup.Group, rtr *router.Router, front *router.Frontend) {
	front.Slow.Handler = t.certs.HTTPHandler(front.Slow.Handler)
	g.Go(func() error { return t.certs.Run(ctx) })
	if t.ln == nil {
		return
	}
	front.Divert = t.certs.Redirects
	ln := t.ln
	srv := rtr.NewServer(t.addr)
	srv.TLSConfig = t.certs.TLSConfig()
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
	t.log.Info("https router started", "listen", ln.Addr().String(), "acme", t.acme)
}
