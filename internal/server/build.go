package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/kingvon-ke/bera/internal/api"
	"github.com/kingvon-ke/bera/internal/cnb/builtin"
	"github.com/kingvon-ke/bera/internal/dashboard"
	"github.com/kingvon-ke/bera/internal/deploy"
	"github.com/kingvon-ke/bera/internal/dyno"
	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/image"
	"github.com/kingvon-ke/bera/internal/metrics"
	"github.com/kingvon-ke/bera/internal/release"
	"github.com/kingvon-ke/bera/internal/router"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/slug"
	"github.com/kingvon-ke/bera/internal/slug/slugfs"
	"github.com/kingvon-ke/bera/internal/source"
	"github.com/kingvon-ke/bera/internal/spaces"
	"github.com/kingvon-ke/bera/internal/store"
)

// core is what the API and the deploys are built on: the store, logs, events, the runtime
// and the reconciler with the router in front of its dynos.
type core struct {
	st    *store.Store
	bus   *events.InMem
	logs  *logWiring
	rt    runtime.Runtime
	slugs *slugfs.Store
	dirs  *deploy.SlugDirs
	// images holds the OCI images of Cloud Native Buildpacks builds; nil on a runtime that
	// cannot run them (process dynos), where CNB builds are refused.
	images *image.Store
	rec    *dyno.Reconciler
	// routes owns the router's host table.
	routes *router.Syncer
	// metrics are the app metrics as the API serves them.
	metrics api.Metrics
	// spaces runs the Private Spaces' networks and resolvers; nil on a runtime without
	// networks of its own (process dynos).
	spaces *spaces.Service
}

// build makes every part, in the order of their dependencies.
func (s *Server) build(ctx context.Context, key []byte) error {
	c, err := s.buildCore(ctx, key)
	if err != nil {
		return err
	}
	return s.buildAPI(ctx, c, key)
}

// buildCore opens the store, logs and runtime, and builds the router, the reconciler and
// the parts that follow the reconciler's dynos (route table, metrics).
func (s *Server) buildCore(ctx context.Context, key []byte) (*core, error) {
	cfg, log := &s.cfg, s.log
	c := &core{bus: events.NewInMem()}
	var err error
	if c.st, err = openStore(ctx, cfg, key); err != nil {
		return nil, err
	}
	s.onClose(c.st.Close)
	if c.logs, err = newLogWiring(cfg, key, c.st, c.bus, log); err != nil {
		return nil, err
	}
	s.onClose(c.logs.drains.Close)
	if err := c.logs.startDrains(ctx, c.st.ListLogDrains, log); err != nil {
		return nil, err
	}
	if err := s.prepareStore(ctx, c.st); err != nil {
		return nil, err
	}
	if c.rt, err = selectRuntime(ctx, cfg, c.logs.dynoOutput, log); err != nil {
		return nil, err
	}
	s.onClose(c.rt.Close)
	if c.slugs, err = slugfs.New(filepath.Join(cfg.Data, "slugs")); err != nil {
		return nil, err
	}
	c.dirs = &deploy.SlugDirs{Root: filepath.Join(cfg.Data, "slugdirs"), Lookup: c.st, Slugs: c.slugs, Owner: slugOwner(c.rt)}
	if c.rt.Capabilities().Isolated {
		if c.images, err = image.Open(filepath.Join(cfg.Data, "images")); err != nil {
			return nil, err
		}
		c.dirs.Images = c.images
	}
	if nets, ok := c.rt.(runtime.Networks); ok {
		c.spaces = spaces.New(spaces.Config{Store: c.st, Networks: nets, Logger: log, Up: func(appID string) []spaces.Dyno {
			var out []spaces.Dyno
			for _, d := range c.rec.Up(appID) {
				out = append(out, spaces.Dyno{Name: d.Name, Addr: d.Addr})
			}
			return out
		}})
		s.onClose(c.spaces.Close)
	}
	s.buildDynos(c)
	if c.spaces != nil {
		// Before the reconciler runs: the dynos of a space join its network.
		if err := c.spaces.Start(ctx); err != nil {
			log.Error("bring up Private Spaces", "err", err)
		}
	}
	return c, nil
}

// buildDynos builds the router, the reconciler, and after it the route table and the
// metrics sampler, which follow its changes.
func (s *Server) buildDynos(c *core) {
	cfg, log := &s.cfg, s.log
	m := newMetrics(c.st, log)
	s.router = router.New(router.Config{Logger: log.With("component", "router"), Sink: c.logs, Metrics: m, DisableFastPath: !cfg.RouterFastPath, EventLoop: cfg.RouterEventLoop})
	adopted := make(chan struct{}) // closed once the reconciler adopted the running dynos
	changes := &dynoChanges{}
	onAdopted := func() {
		close(adopted)
		if c.spaces != nil {
			c.spaces.Adopted()
		}
	}
	c.rec = dyno.New(dyno.Config{Store: c.st, OnAdopted: onAdopted, Runtime: c.rt, Logger: log,
		OnChange: changes.changed, Drain: s.router.Drain, Slugs: c.dirs, Log: m.CountErrors(c.logs.platform), Events: c.bus,
		NetworkOf: c.networkOf()})
	rec := c.rec
	c.routes = router.NewSyncer(router.SyncConfig{Router: s.router, Apps: c.st, Domain: cfg.Domain, Adopted: adopted, Logger: log,
		Backends: func(appID string) ([]router.Backend, bool) { return routeBackends(rec.Backends(appID)) }})
	changes.follow(c.routes.DynosChanged)
	changes.follow(countCrashes(m, c.rec))
	if c.spaces != nil {
		changes.follow(c.spaces.DynosChanged)
	}
	s.routesReady = c.routes.Ready()
	sampler := newSampler(m, c.st, c.rec, c.rt, c.logs.platform)
	c.metrics = apiMetrics{m}
	s.addPart("reconciler", c.rec.Run)
	s.addPart("routes", c.routes.Run)
	s.addPart("metrics", func(ctx context.Context) error { return runMetrics(ctx, m, sampler, cfg.MetricsListen, log) })
	s.addPart("alerts", m.NewAlerts(metrics.AlertsConfig{Store: c.st, Log: c.logs.platform}).Run)
	s.addPart("logs", c.logs.run)
}

// buildAPI builds the deploys, one-off dynos, sources, git and the API on --listen, and the
// router's front ends.
func (s *Server) buildAPI(ctx context.Context, c *core, key []byte) error {
	cfg, log := &s.cfg, s.log
	tlsCfg, err := listenerTLS(cfg)
	if err != nil {
		return err
	}
	runs, err := newRunWiring(cfg, c.st, c.rt, c.dirs, c.logs, c.bus, tlsCfg, log)
	if err != nil {
		return err
	}
	s.onClose(runs.Close)
	s.addPart("rendezvous", runs.serve)
	if s.apiLn, err = net.Listen("tcp", cfg.Listen); err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	s.onClose(s.apiLn.Close)
	addonRegistry, err := s.newAddons(key, runtime.HostAddress(c.rt).String())
	if err != nil {
		return err
	}
	access := newAddonAccess(c.rt, c.st, addonRegistry, log)
	var apiStore api.Store = c.st
	if access != nil {
		apiStore = addonStore{Store: c.st, access: access}
	}
	// API scaling and releases check the formation limits in turn.
	formationLock := &sync.Mutex{}
	releases := release.New(release.Config{Store: c.st, Events: c.bus, Converger: access.converger(c.rec), Log: c.logs.api,
		FormationLimits: cfg.FormationLimits(), FormationLock: formationLock})
	deployer, err := s.newDeployer(c, releases, formationLock)
	if err != nil {
		return err
	}
	if s.appsTLS, err = newAppTLS(cfg, c.st, log); err != nil {
		return err
	}
	srcs := newSources(cfg, c.st, deployer, key, s.apiLn.Addr().String(), log)
	s.addPart("sources", func(ctx context.Context) error { return runSources(ctx, srcs) })
	// Backups go to the slug store's backend, in a store of their own that the slug
	// pruner does not see.
	dumps, err := slugfs.New(filepath.Join(cfg.Data, "backups", "dumps"))
	if err != nil {
		return err
	}
	backupBlobs := slug.Blobs{Store: dumps}
	apiServer := api.NewServer(api.Config{
		Store: apiStore, Dynos: runs.dynos(c.rec), Runs: runs, LogSessions: c.logs, Log: c.logs.api, Drains: c.logs,
		AllowPrivateDrains: cfg.AllowPrivateDrains, AllowLocalBuildpacks: cfg.AllowLocalBuildpacks, Logger: log,
		Domain: cfg.Domain, WebScheme: "http", WebURLSuffix: s.webURLSuffix(), RequestBudget: budget(cfg.APIRateLimit),
		Metrics: c.metrics, Sources: srcs, Events: c.bus,
		FormationLimits: cfg.FormationLimits(), FormationLock: formationLock, Releases: releases,
		RoutesChanged: func(appID string) {
			c.routes.AppChanged(appID)
			s.appsTLS.certs.Changed(appID)
		},
		Addons: addonRegistry, BackupDir: filepath.Join(cfg.Data, "backups"), BackupBlobs: backupBlobs,
		Spaces: c.spaceNetworks(), CommonNetwork: commonNetwork(cfg),
	})
	s.onClose(func() error { apiServer.Close(); return nil })
	if err := apiServer.ResumeAddons(ctx); err != nil {
		return err
	}
	access.sync(ctx) // the dynos adopted from a previous server get their add-ons back
	git := newGitServer(cfg, c.st, apiServer, deployer, s.apiLn.Addr().String(), log)
	mux := http.NewServeMux()
	git.Register(mux)
	mux.Handle("GET "+logSessionsPath+"{app}", c.logs.sessions)
	dash, err := dashboard.New(dashboard.Config{API: apiServer, Alerts: c.st, Logger: log})
	if err != nil {
		return err
	}
	s.onClose(dash.Close)
	mux.Handle("/", dash.ForBrowsers(apiServer))
	s.apiTLS = tlsCfg
	s.api = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	s.api.RegisterOnShutdown(func() { dash.Close() }) // open pages' live streams must not hold the shutdown
	s.front = s.router.NewFrontend(cfg.RouterListen)
	s.addPart("prune", func(ctx context.Context) error {
		p := &deploy.Pruner{Store: c.st, Slugs: c.slugs, SlugDirs: filepath.Join(cfg.Data, "slugdirs"), Grace: time.Hour}
		if c.images != nil {
			p.Images = c.images
		}
		return pruneLoop(ctx, p, log)
	})
	log.Info("bera server started", "listen", s.apiLn.Addr().String(), "data", cfg.Data, "database", c.st.Dialect(),
		"domain", cfg.Domain, "runtime", runtimeName(c.rt))
	return nil
}

// newDeployer builds deploys (git push, sources), which publish their build output on /ws.
func (s *Server) newDeployer(c *core, releases *release.Service, formationLock *sync.Mutex) (*deploy.Deployer, error) {
	cfg, log := &s.cfg, s.log
	toolCache, err := openToolCache(cfg, log)
	if err != nil {
		return nil, err
	}
	s.addPart("tool cache", func(ctx context.Context) error { warmToolCache(ctx, toolCache, log); return nil })
	suffix := s.webURLSuffix()
	dc := deploy.Config{Store: source.DeployStore{Store: c.st}, Releases: releases, Slugs: c.slugs, DataDir: cfg.Data,
		Converger: c.rec, Logger: log, Log: c.logs.api, Events: c.bus, AllowLocalBuildpacks: cfg.AllowLocalBuildpacks,
		FormationLimits: cfg.FormationLimits(), FormationLock: formationLock,
		Runner: buildRunner(c.rt, cfg, log), ToolCache: toolCache,
		WebURL:   func(app string) string { return "http://" + app + "." + cfg.Domain + suffix + "/" },
		Registry: cfg.Registry, RegistryInsecure: cfg.RegistryInsecure,
	}
	if c.images != nil {
		dc.Images, dc.CNBBuiltins, dc.CNBBinDir = c.images, builtin.Materialize, lazyCNBBinDir(cfg)
	}
	return deploy.New(dc), nil
}

// webURLSuffix is the port of app URLs (http://APP.DOMAIN:PORT/): the router's, unless 80.
func (s *Server) webURLSuffix() string { return portSuffix(s.routerLn.Addr().String(), "80") }

// networkOf is the reconciler's NetworkOf: nil (every dyno in the common runtime) without
// spaces.
func (c *core) networkOf() func(ctx context.Context, appID string) (string, error) {
	if c.spaces == nil {
		return nil
	}
	return c.spaces.NetworkOf
}

// spaceNetworks is the API's SpaceNetworks, a nil interface without spaces.
func (c *core) spaceNetworks() api.SpaceNetworks {
	if c.spaces == nil {
		return nil
	}
	return c.spaces
}
