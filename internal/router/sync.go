package router

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/kingvon-ke/bera"
)

// Apps is where a Syncer reads the apps it routes. *store.Store satisfies it.
type Apps interface {
	// App returns one app by ID, or an error with code bera.ENotFound once it is gone.
	App(ctx context.Context, idOrName string) (*bera.App, error)
	// ListApps returns every app when userID is "".
	ListApps(ctx context.Context, userID string) ([]*bera.App, error)
	// ListDomains returns an app's custom domains, or every app's when appID is "".
	ListDomains(ctx context.Context, appID string) ([]*bera.Domain, error)
}

// SyncConfig configures a Syncer.
type SyncConfig struct {
	// Router is the router whose table the Syncer owns: nothing else may change the table.
	Router *Router
	// Apps is read for apps' names, maintenance and custom domains. Required.
	Apps Apps
	// Backends returns an app's up web dynos, and whether it has crashed web dynos, from
	// memory (the dyno reconciler's). It is called with the Syncer's lock held, so it must
	// not call back into the Syncer. Required.
	Backends func(appID string) (up []Backend, crashed bool)
	// Domain is the apps' base domain: an app answers at APP.Domain.
	Domain string
	// Adopted, when set, holds Run's first listing until it closes, so that the first table
	// routes to the dynos a previous server left running once they are adopted.
	Adopted <-chan struct{}
	// Resync is how often the whole table is rebuilt from Apps, as a safety net for changes
	// nobody reported (another server's). Default 30 s.
	Resync time.Duration
	// Retry is how long Run waits to list again after the first listing failed. Default 1 s.
	Retry  time.Duration
	Logger *slog.Logger
}

// Syncer owns a Router's host table. It lists every app once (Run), then applies changes:
// an app's dynos (DynosChanged, from memory, at once) and an app's name, maintenance or
// domains (AppChanged, read from Apps in Run's goroutine), plus a full resync every
// SyncConfig.Resync.
//
// Every write to the table reads the app's dynos at that moment, under one lock, so a
// rebuild whose reads began before a dyno stopped never puts the dyno back: once
// DynosChanged has taken a dyno out, it stays out, and Drain waits for its requests.
type Syncer struct {
	cfg   SyncConfig
	log   *slog.Logger
	ready chan struct{}
	wake  chan struct{}

	mu sync.Mutex // guards the following, and orders every write to the table
	// apps are the routed apps' names, hosts and maintenance, by ID.
	apps map[string]appRoute
	// pending are the apps to read again from Apps.
	pending map[string]bool
	// resync asks Run for a full rebuild at its next turn.
	resync bool
}

// appRoute is what the Syncer keeps of an app besides its dynos.
type appRoute struct {
	name        string
	hosts       []string
	maintenance bool
}

// NewSyncer returns a Syncer for cfg; call Run to start it.
func NewSyncer(cfg SyncConfig) *Syncer {
	cfg.Resync = orDefault(cfg.Resync, 30*time.Second)
	cfg.Retry = orDefault(cfg.Retry, time.Second)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Syncer{cfg: cfg, log: cfg.Logger.With("component", "routes"), ready: make(chan struct{}),
		wake: make(chan struct{}, 1), apps: map[string]appRoute{}, pending: map[string]bool{}}
}

// Ready is closed once the first table is in place: serve the router after it.
func (s *Syncer) Ready() <-chan struct{} { return s.ready }

// DynosChanged puts an app's current dynos in its route at once; call it whenever an app's
// web dynos change (the reconciler's OnChange). It does no I/O. An app the Syncer does not
// route yet is read from Apps by Run.
func (s *Syncer) DynosChanged(appID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.apps[appID]; !ok {
		s.markLocked(appID)
		return
	}
	s.upsertLocked(appID)
}

// AppChanged asks Run to read an app again (created, renamed, deleted, maintenance, custom
// domains). It never blocks.
func (s *Syncer) AppChanged(appID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.markLocked(appID)
}

// Resync asks Run for a full rebuild of the table now. It never blocks.
func (s *Syncer) Resync() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resync = true
	s.poke()
}

func (s *Syncer) markLocked(appID string) {
	s.pending[appID] = true
	s.poke()
}

func (s *Syncer) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run lists every app (after Adopted), closes Ready, then applies changes and resyncs
// until ctx ends. It returns nil when ctx ends.
func (s *Syncer) Run(ctx context.Context) error {
	select {
	case <-s.cfg.Adopted:
	case <-ctx.Done():
		return nil
	}
	if !s.first(ctx) {
		return nil
	}
	close(s.ready)
	tick := time.NewTicker(s.cfg.Resync)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			s.rebuild(ctx)
		case <-s.wake:
			s.applyPending(ctx)
		}
	}
}

// first lists until it succeeds; false when ctx ended first.
func (s *Syncer) first(ctx context.Context) bool {
	for !s.rebuild(ctx) {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(s.cfg.Retry):
		}
	}
	return true
}

// applyPending reads the apps marked changed, or rebuilds everything when asked to.
func (s *Syncer) applyPending(ctx context.Context) {
	s.mu.Lock()
	ids, full := s.pending, s.resync
	s.pending, s.resync = map[string]bool{}, false
	s.mu.Unlock()
	if full {
		s.rebuild(ctx)
		return
	}
	for id := range ids {
		s.refresh(ctx, id)
	}
}

// rebuild lists every app and replaces the whole table; false when the listing failed.
func (s *Syncer) rebuild(ctx context.Context) bool {
	// Changes reported from here on are read again after this listing.
	s.mu.Lock()
	clear(s.pending)
	s.mu.Unlock()
	apps, err := s.cfg.Apps.ListApps(ctx, "")
	if err != nil {
		s.logError(ctx, "list apps for routes", err)
		return false
	}
	domains, err := s.cfg.Apps.ListDomains(ctx, "")
	if err != nil {
		s.logError(ctx, "list domains for routes", err)
		return false
	}
	custom := hostsByApp(domains)
	next := make(map[string]appRoute, len(apps))
	for _, app := range apps {
		next[app.ID] = s.appRoute(app, custom[app.ID])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	routes := make([]Route, 0, len(next))
	for id, a := range next {
		routes = append(routes, s.route(id, a))
	}
	t, err := NewTable(routes)
	if err != nil {
		s.log.Error("build route table", "err", err)
		return false
	}
	s.apps = next
	s.cfg.Router.SetTable(t)
	return true
}

// refresh reads one app and puts its route in the table, or takes it out once it is gone.
func (s *Syncer) refresh(ctx context.Context, appID string) {
	app, err := s.cfg.Apps.App(ctx, appID)
	if bera.ErrorCode(err) == bera.ENotFound {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.apps, appID)
		s.cfg.Router.Remove(appID)
		return
	}
	if err != nil {
		s.logError(ctx, "read app for route", err, "app", appID)
		return
	}
	domains, err := s.cfg.Apps.ListDomains(ctx, appID)
	if err != nil {
		s.logError(ctx, "list domains for route", err, "app", app.Name)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps[appID] = s.appRoute(app, hostsByApp(domains)[appID])
	s.upsertLocked(appID)
}

// upsertLocked writes an app's route with its dynos as they are now. A failure (a host
// another app still holds while a domain moves between apps) asks for a full rebuild,
// which reads all apps at once.
func (s *Syncer) upsertLocked(appID string) {
	if err := s.cfg.Router.Upsert(s.route(appID, s.apps[appID])); err != nil {
		s.log.Warn("update route; rebuilding the table", "app", s.apps[appID].name, "err", err)
		s.resync = true
		s.poke()
	}
}

// route is an app's entry in the table, with its dynos read now; s.mu must be held.
func (s *Syncer) route(appID string, a appRoute) Route {
	up, crashed := s.cfg.Backends(appID)
	return Route{AppID: appID, AppName: a.name, Hosts: a.hosts, Maintenance: a.maintenance, Crashed: crashed, Backends: up}
}

// appRoute is app's APP.DOMAIN name and custom domains, and its maintenance switch. An app
// with internal routing (in a Private Space) has no public host at all: the router answers
// for it as for a name no app has, and only its space's dynos reach it.
func (s *Syncer) appRoute(app *bera.App, custom []string) appRoute {
	if app.InternalRouting {
		return appRoute{name: app.Name, maintenance: app.Maintenance}
	}
	return appRoute{name: app.Name, hosts: append([]string{app.Name + "." + s.cfg.Domain}, custom...), maintenance: app.Maintenance}
}

func (s *Syncer) logError(ctx context.Context, msg string, err error, args ...any) {
	if ctx.Err() == nil {
		s.log.Error(msg, append(args, "err", err)...)
	}
}

// hostsByApp maps app IDs to their custom domains' hostnames.
func hostsByApp(domains []*bera.Domain) map[string][]string {
	out := map[string][]string{}
	for _, d := range domains {
		out[d.AppID] = append(out[d.AppID], d.Hostname)
	}
	return out
}
