// Package metrics measures apps for Prometheus and for the dashboard: per-dyno CPU and
// memory as the runtime reports them (runtime.UsageReporter), crash restarts, and per-app
// router traffic (requests by status class, response-time percentiles, throughput).
//
// Metrics is the router's Metrics hook and the reconciler's change hook; a Sampler reads
// the dynos' usage into it every Interval. The same numbers come out two ways:
//   - Handler serves every app in the Prometheus text format (bera_router_*, bera_dyno_*);
//   - Rollups returns an app's 1-minute points, kept for Retention (24 h) in a bounded ring
//     per app (about 110 bytes a minute, so at most ~160 KB per app).
//
// An Alerts loop (NewAlerts) checks the apps' threshold alerts against the rollups once a
// minute and writes heroku[alerts] lines when one triggers or resolves.
//
// Nothing survives a restart of the server: counters start again at zero, which Prometheus'
// rate() handles, and the rollups start empty.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/router"
	"github.com/kingvon-ke/bera/internal/runtime"
)

// App is an app's id and its current name (the "app" label).
type App struct {
	ID, Name string
}

// AppLister lists every app. Metrics labels apps by name and forgets deleted apps.
type AppLister interface {
	ListApps(ctx context.Context) ([]App, error)
}

// Dyno is one running dyno to sample.
type Dyno struct {
	// ID is the runtime's dyno id; AppID, Name (web.1) and Type (web) label it.
	ID, AppID, Name, Type string
	// Quota is the dyno size's memory in bytes; 0 means none. See SamplerConfig.OverQuota.
	Quota uint64
}

// DynoLister lists the running dynos of every app.
type DynoLister interface {
	RunningDynos(ctx context.Context) ([]Dyno, error)
}

// Config configures Metrics. Zero fields take the defaults listed.
type Config struct {
	// Apps names apps for labels. Optional: without it the label is the app id.
	Apps AppLister
	// Retention is how long 1-minute points are kept. Default 24 h.
	Retention time.Duration
	Logger    *slog.Logger
	Now       func() time.Time
}

// Metrics collects and serves the measurements. Its methods are safe for concurrent use.
type Metrics struct {
	cfg     Config
	log     *slog.Logger
	handler http.Handler
	apps    sync.Map  // app id -> *appState
	started time.Time // when the rollups began

	mu      sync.Mutex // guards the following
	names   map[string]string
	dynos   map[string]dynoSample      // the last sampling, by dyno id
	crashed map[string]map[string]bool // app id -> crashed dyno ids already counted
}

// dynoSample is one dyno's last reading.
type dynoSample struct {
	Dyno
	runtime.Usage
}

var _ router.Metrics = (*Metrics)(nil)

// New returns Metrics for cfg; a Sampler (NewSampler) feeds it the dynos' usage.
func New(cfg Config) *Metrics {
	if cfg.Retention == 0 {
		cfg.Retention = 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Metrics{cfg: cfg, log: cfg.Logger.With("component", "metrics"), names: map[string]string{}, started: cfg.Now(),
		dynos: map[string]dynoSample{}, crashed: map[string]map[string]bool{}}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), (*collector)(m))
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(m.log.Handler(), slog.LevelWarn)})
	return m
}

// Handler serves every app's metrics in the Prometheus exposition format. It does no
// authentication: mount it behind the API's or on a loopback listener.
func (m *Metrics) Handler() http.Handler { return m.handler }

// Observe implements router.Metrics: it counts one routed request.
func (m *Metrics) Observe(e *router.Entry) {
	if e.AppID == "" {
		return
	}
	m.app(e.AppID).observe(m.cfg.Now(), e)
}

// DynosChanged is the reconciler's change hook: it counts each crashed dyno of the app
// once, as one restart (a crashed formation dyno is restarted after its back-off).
func (m *Metrics) DynosChanged(appID string, dynos []bera.Dyno) {
	var newly []string
	m.mu.Lock()
	seen := map[string]bool{}
	for _, d := range dynos {
		if d.State != bera.DynoCrashed {
			continue
		}
		seen[d.ID] = true
		if !m.crashed[appID][d.ID] {
			newly = append(newly, d.Name)
		}
	}
	if len(seen) == 0 {
		delete(m.crashed, appID)
	} else {
		m.crashed[appID] = seen
	}
	m.mu.Unlock()
	for _, name := range newly {
		m.DynoCrashed(appID, name)
	}
}

// DynoCrashed counts one crash (and so one restart) of the app's dyno name.
func (m *Metrics) DynoCrashed(appID, name string) {
	m.app(appID).crashed(m.cfg.Now(), name)
}

// DynoError counts an R code (R14, R15) of one of the app's dynos in its rollups; the
// router's H codes are counted by Observe.
func (m *Metrics) DynoError(appID, code string) {
	m.app(appID).codeError(m.cfg.Now(), code)
}

// Rollups returns the app's 1-minute points with since <= Time < until, oldest first;
// minutes with no traffic and no dyno sample have no point. The current minute, if in
// range, is included as it stands. Points older than Retention are never returned.
func (m *Metrics) Rollups(appID string, since, until time.Time) []Point {
	now := m.cfg.Now()
	if oldest := now.Add(-m.cfg.Retention); since.Before(oldest) {
		since = oldest
	}
	v, ok := m.apps.Load(appID)
	if !ok {
		return nil
	}
	return v.(*appState).points(now, since, until)
}

func (m *Metrics) app(id string) *appState {
	if v, ok := m.apps.Load(id); ok {
		return v.(*appState)
	}
	keep := int(m.cfg.Retention / time.Minute)
	v, _ := m.apps.LoadOrStore(id, newAppState(id, m.cfg.Now(), keep))
	return v.(*appState)
}

// appName returns the app's name for labels, its id when unknown.
func (m *Metrics) appName(id string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n := m.names[id]; n != "" {
		return n
	}
	return id
}
