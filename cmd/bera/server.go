package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kingvon-ke/bera/internal/account"
	"github.com/kingvon-ke/bera/internal/api"
	"github.com/kingvon-ke/bera/internal/deploy"
	"github.com/kingvon-ke/bera/internal/dyno"
	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/pki"
	"github.com/kingvon-ke/bera/internal/release"
	"github.com/kingvon-ke/bera/internal/router"
	"github.com/kingvon-ke/bera/internal/secret"
	"github.com/kingvon-ke/bera/internal/slug/slugfs"
	"github.com/kingvon-ke/bera/internal/sniff"
	"github.com/kingvon-ke/bera/internal/source"
	"github.com/kingvon-ke/bera/internal/store"
)

// runServer runs `bera server` until ctx is cancelled (SIGINT/SIGTERM), then shuts down:
// stop accepting, finish in-flight requests (10 s), close the store.
func runServer(ctx context.Context, args []string) error {
	cfg, err := parseServerFlags(args, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	stopProfile, err := startCPUProfile()
	if err != nil {
		return err
	}
	defer stopProfile()
	key, err := loadSecretKey(cfg)
	if err != nil {
		return err
	}
	// The router's socket first: from here on, clients wait for this server instead of
	// being refused while it starts.
	routerLn, err := listenRouter(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer routerLn.Close()
	st, err := openStore(ctx, cfg, key)
	if err != nil {
		return err
	}
	defer st.Close()
	lw, err := newLogWiring(cfg, key, st, log)
	if err != nil {
		return err
	}
	defer lw.drains.Close()
	bus := events.NewInMem()
	lw.log = events.LogTap{Log: lw.log, Events: bus} // log lines on /ws
	if err := lw.startDrains(ctx, st.ListLogDrains, log); err != nil {
		return err
	}
	if err := account.Bootstrap(ctx, st, cfg.Data, os.Getenv("BERA_ADMIN_EMAIL"), os.Getenv("BERA_ADMIN_PASSWORD"), os.Stdout); err != nil {
		return err
	}
	// Builds and release phases die with the server that ran them.
	if b, r, err := st.FailInterrupted(ctx); err != nil {
		return err
	} else if b+r > 0 {
		log.Warn("marked interrupted deploys failed", "builds", b, "releases", r)
	}
	tlsCfg, err := listenerTLS(cfg)
	if err != nil {
		return err
	}
	rt, err := selectRuntime(ctx, cfg, lw.dynoOutput, log)
	if err != nil {
		return err
	}
	defer rt.Close()
	slugs, err := slugfs.New(filepath.Join(cfg.Data, "slugs"))
	if err != nil {
		return err
	}
	met := newMetricsWiring(cfg, st, rt, lw.platform, log)
	rtr := router.New(router.Config{Logger: log.With("component", "router"), Sink: lw, Metrics: met.m, DisableFastPath: !cfg.RouterFastPath})
	adopted := make(chan struct{}) // closed once the reconciler adopted the running dynos
	var rec *dyno.Reconciler
	routes := router.NewSyncer(router.SyncConfig{Router: rtr, Apps: st, Domain: cfg.Domain, Adopted: adopted, Logger: log,
		Backends: func(appID string) ([]router.Backend, bool) { return routeBackends(rec.Backends(appID)) }})
	slugDirs := &deploy.SlugDirs{Root: filepath.Join(cfg.Data, "slugdirs"), Lookup: st, Slugs: slugs, Owner: slugOwner(rt)}
	rec = dyno.New(dyno.Config{Store: st, OnAdopted: func() { close(adopted) }, Runtime: rt, Logger: log, OnChange: met.onChange(routes.DynosChanged), Drain: rtr.Drain,
		Slugs:  slugDirs,
		Log:    lw.platform,
		Events: bus,
	})
	met.rec = rec
	appsTLS, err := newAppTLS(cfg, st, log)
	if err != nil {
		return err
	}
	runs, err := newRunWiring(cfg, st, rt, slugDirs, lw, bus, tlsCfg, log)
	if err != nil {
		return err
	}
	defer runs.Close()
	srcs := &sourceWiring{}
	// API scaling and deploys check the formation limits in turn.
	formationLock := &sync.Mutex{}
	releases := release.New(release.Config{Store: st, Events: bus, Converger: rec, Log: lw.api,
		FormationLimits: cfg.formationLimits(), FormationLock: formationLock})
	apiServer := api.NewServer(api.Config{
		Store: st, Dynos: runs.dynos(rec), Runs: runs, LogSessions: lw, Log: lw.api, Drains: lw, AllowPrivateDrains: cfg.AllowPrivateDrains, AllowLocalBuildpacks: cfg.AllowLocalBuildpacks, Logger: log, Domain: cfg.Domain, WebScheme: "http",
		WebURLSuffix: portSuffix(cfg.RouterListen, "80"), RequestBudget: budget(cfg.APIRateLimit),
		Metrics:         met.api(),
		Sources:         srcs,
		Events:          bus,
		FormationLimits: cfg.formationLimits(),
		FormationLock:   formationLock,
		Releases:        releases,
		RoutesChanged: func(appID string) {
			routes.AppChanged(appID)
			appsTLS.certs.Changed(appID)
		},
	})
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	toolCache, err := openToolCache(cfg, log)
	if err != nil {
		return err
	}
	deployer := deploy.New(deploy.Config{Store: source.DeployStore{Store: st}, Releases: releases, Slugs: slugs, DataDir: cfg.Data, Converger: rec, Logger: log, Log: lw.api, AllowLocalBuildpacks: cfg.AllowLocalBuildpacks,
		FormationLimits: cfg.formationLimits(),
		FormationLock:   formationLock,
		Runner:          buildRunner(rt, cfg, log),
		ToolCache:       toolCache,
		WebURL: func(app string) string {
			return "http://" + app + "." + cfg.Domain + portSuffix(cfg.RouterListen, "80") + "/"
		}})
	evDeployer := buildEvents{deployer, bus} // build output on /ws
	srcs.start(cfg, st, evDeployer, key, ln.Addr().String(), log)
	git, err := newGitServer(cfg, st, apiServer, evDeployer, ln.Addr().String(), log)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	git.Register(mux)
	mux.Handle("GET "+logSessionsPath+"{app}", lw.sessions)
	mux.Handle("/", apiServer)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	log.Info("bera server started", "listen", ln.Addr().String(), "data", cfg.Data, "database", st.Dialect(),
		"domain", cfg.Domain, "runtime", runtimeName(rt))

	routerSrv := rtr.NewFrontend(cfg.RouterListen)

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return rec.Run(gctx) })
	g.Go(func() error { warmToolCache(gctx, toolCache, log); return nil })
	g.Go(func() error { return srcs.run(gctx) })
	g.Go(func() error { return lw.run(gctx) })
	g.Go(func() error {
		return pruneLoop(gctx, &deploy.Pruner{Store: st, Slugs: slugs, SlugDirs: filepath.Join(cfg.Data, "slugdirs"), Grace: time.Hour}, log)
	})
	g.Go(func() error { return routes.Run(gctx) })
	g.Go(func() error { return met.run(gctx) })
	appsTLS.start(gctx, g, rtr, routerSrv)
	g.Go(func() error { return runs.serve(gctx) })
	g.Go(func() error {
		// Serve once the table routes to the adopted dynos; connections wait until then.
		select {
		case <-routes.Ready():
		case <-gctx.Done():
		}
		if err := routerSrv.Serve(routerLn); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		if err := srv.Serve(sniff.New(ln, tlsCfg, 10*time.Second)); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		log.Info("shutting down")
		// The router serves to the last: the API first, then the router's socket goes to
		// a holder for the next server, and only then does the router stop accepting.
		// Each gets 10 s for its requests in flight.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		err := srv.Shutdown(actx)
		handOverRouter(routerLn, cfg, cfg.RouterHandover, log)
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		routerSrv.Shutdown(rctx)
		rtr.Close()
		return err
	})
	return g.Wait()
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// loadSecretKey creates the data dir and loads (or makes) the key that seals config vars.
func loadSecretKey(cfg *serverConfig) ([]byte, error) {
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	key, err := secret.LoadOrCreateKey(filepath.Join(cfg.Data, "secret.key"), os.Getenv("BERA_SECRET_KEY"))
	if err != nil {
		return nil, fmt.Errorf("load secret key: %w", err)
	}
	return key, nil
}

// openStore opens the metadata store with config vars sealed by key.
func openStore(ctx context.Context, cfg *serverConfig, key []byte) (*store.Store, error) {
	box, err := secret.NewBox(key)
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, store.Config{DatabaseURL: cfg.DatabaseURL, SQLitePath: filepath.Join(cfg.Data, "bera.db"), Cipher: box})
}

// listenerTLS returns the TLS config of the --listen port: the given certificate, or one
// signed by the local CA in DATA/ca.pem for loopback, the host name and the apps' domain.
func listenerTLS(cfg *serverConfig) (*tls.Config, error) {
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

func listenerHosts(cfg *serverConfig) []string {
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
