package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kingvon-ke/bera/internal/account"
	"github.com/kingvon-ke/bera/internal/pki"
	"github.com/kingvon-ke/bera/internal/router"
	"github.com/kingvon-ke/bera/internal/secret"
	"github.com/kingvon-ke/bera/internal/sniff"
	"github.com/kingvon-ke/bera/internal/store"
)

// Server is a whole Bera server: every long-lived part, built by New in the order of their
// dependencies, run by Run and released by Close.
type Server struct {
	cfg Config
	log *slog.Logger

	// closers release what New opened, in reverse order (Close).
	closers   []func() error
	closeOnce sync.Once
	closeErr  error

	// parts run side by side in Run until its context ends.
	parts []part

	apiLn    net.Listener // --listen, before TLS sniffing
	apiTLS   *tls.Config  // --listen's TLS (sniff tells it from plain HTTP)
	api      *http.Server
	routerLn net.Listener // --router-listen, maybe handed over by the previous server
	router   *router.Router
	front    *router.Frontend
	appsTLS  *appTLS
	// routesReady closes once the route table routes to the adopted dynos.
	routesReady <-chan struct{}
}

// part is one long-lived part of the server: it runs until ctx ends and returns nil then.
type part struct {
	name string
	run  func(ctx context.Context) error
}

// New builds a server for cfg: it opens the data dir, the store and every listener (so a
// busy port fails here) and wires the parts; Run runs them. On error, what was opened is
// closed again.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = newLogger(cfg.LogLevel)
	}
	if cfg.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cfg.Executable = exe
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	if err := s.open(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// open opens and builds everything; what it opened is in s.closers even when it fails.
func (s *Server) open(ctx context.Context) error {
	key, err := loadSecretKey(&s.cfg)
	if err != nil {
		return err
	}
	// The router's socket first: from here on, clients wait for this server instead of
	// being refused while it starts.
	if s.routerLn, err = listenRouter(ctx, &s.cfg, s.log); err != nil {
		return err
	}
	s.onClose(s.routerLn.Close)
	return s.build(ctx, key)
}

// onClose adds f to what Close releases.
func (s *Server) onClose(f func() error) { s.closers = append(s.closers, f) }

// addPart adds a part that Run runs.
func (s *Server) addPart(name string, run func(ctx context.Context) error) {
	s.parts = append(s.parts, part{name: name, run: run})
}

// Addr is the address the API, git and dashboard listener is bound to.
func (s *Server) Addr() net.Addr { return s.apiLn.Addr() }

// RouterAddr is the address the HTTP router is bound to.
func (s *Server) RouterAddr() net.Addr { return s.routerLn.Addr() }

// Run runs every part until ctx ends or one fails, then shuts down: the API stops
// accepting and finishes its requests in flight (10 s), the router's socket goes to a holder
// for the next server (RouterHandover), and the router finishes its own (10 s). Call Close
// afterwards.
func (s *Server) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, p := range s.parts {
		g.Go(func() error {
			if err := p.run(gctx); err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			return nil
		})
	}
	s.appsTLS.start(gctx, g, s.router, s.front)
	g.Go(func() error { return s.serveRouter(gctx) })
	g.Go(func() error {
		if err := s.api.Serve(sniff.New(s.apiLn, s.apiTLS, 10*time.Second)); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		return s.shutdown(context.WithoutCancel(ctx))
	})
	return g.Wait()
}

// serveRouter serves apps once the table routes to the adopted dynos; connections wait in
// the socket's queue until then.
func (s *Server) serveRouter(ctx context.Context) error {
	select {
	case <-s.routesReady:
	case <-ctx.Done():
	}
	if err := s.front.Serve(s.routerLn); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// shutdown stops the listeners in order: the router serves to the last.
func (s *Server) shutdown(ctx context.Context) error {
	s.log.Info("shutting down")
	actx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := s.api.Shutdown(actx)
	handOverRouter(s.routerLn, &s.cfg, s.cfg.RouterHandover, s.log)
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s.front.Shutdown(rctx)
	s.router.Close()
	return err
}

// Close releases what New opened: one-off dynos stop, the runtime lets go of its dynos
// (runc dynos keep running for the next server; process dynos stop), drains, the store and
// the listeners close. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		for i := len(s.closers) - 1; i >= 0; i-- {
			if err := s.closers[i](); err != nil && !errors.Is(err, net.ErrClosed) {
				errs = append(errs, err)
			}
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// loadSecretKey creates the data dir and loads (or makes) the key that seals config vars.
func loadSecretKey(cfg *Config) ([]byte, error) {
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	key, err := secret.LoadOrCreateKey(filepath.Join(cfg.Data, "secret.key"), cfg.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("load secret key: %w", err)
	}
	return key, nil
}

// OpenStore opens the metadata store of the server cfg describes (cfg.Data, cfg.DatabaseURL
// and the secret key), for `bera admin`. It creates the data dir and key when missing.
func OpenStore(ctx context.Context, cfg *Config) (*store.Store, error) {
	key, err := loadSecretKey(cfg)
	if err != nil {
		return nil, err
	}
	return openStore(ctx, cfg, key)
}

// openStore opens the metadata store with config vars sealed by key.
func openStore(ctx context.Context, cfg *Config, key []byte) (*store.Store, error) {
	box, err := secret.NewBox(key)
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, store.Config{DatabaseURL: cfg.DatabaseURL, SQLitePath: filepath.Join(cfg.Data, "bera.db"), Cipher: box})
}

// prepareStore makes the first admin on an empty store and fails the builds and release
// phases a previous server left running: they died with it.
func (s *Server) prepareStore(ctx context.Context, st *store.Store) error {
	out := s.cfg.Stdout
	if out == nil {
		out = io.Discard
	}
	if err := account.Bootstrap(ctx, st, s.cfg.Data, s.cfg.AdminEmail, s.cfg.AdminPassword, out); err != nil {
		return err
	}
	if b, r, err := st.FailInterrupted(ctx); err != nil {
		return err
	} else if b+r > 0 {
		s.log.Warn("marked interrupted deploys failed", "builds", b, "releases", r)
	}
	return nil
}

// listenerTLS returns the TLS config of the --listen port: the given certificate, or one
// signed by the local CA in DATA/ca.pem for loopback, the host name and the apps' domain.
func listenerTLS(cfg *Config) (*tls.Config, error) {
	var cert tls.Certificate
	var err error
	if cfg.TLSCert != "" {
		cert, err = tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	} else {
		var ca *pki.CA
		if ca, err = pki.LoadOrCreateCA(cfg.Data); err == nil {
			cert, err = ca.Issue(listenerHosts(cfg))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("tls certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS12}, nil
}

func listenerHosts(cfg *Config) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1", cfg.Domain, "*." + cfg.Domain}
	if h, _, err := net.SplitHostPort(cfg.Listen); err == nil && h != "" && h != "0.0.0.0" && h != "::" {
		hosts = append(hosts, h)
	}
	if name, err := os.Hostname(); err == nil {
		hosts = append(hosts, name)
	}
	return hosts
}

// portSuffix returns ":PORT" of addr, or "" when it is the default port.
func portSuffix(addr, defaultPort string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == defaultPort {
		return ""
	}
	return ":" + port
}

// budget maps --api-rate-limit to api.Config.RequestBudget, where negative disables.
func budget(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}
