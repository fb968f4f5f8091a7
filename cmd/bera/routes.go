package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/kingvon-ke/bera"

	"github.com/kingvon-ke/bera/internal/dyno"
	"github.com/kingvon-ke/bera/internal/router"
	"github.com/kingvon-ke/bera/internal/store"
)

// routeSync keeps the router's host table in step with apps and their up web dynos: one app
// at once when its dynos change, and the whole table every second (renames, deletes,
// maintenance).
type routeSync struct {
	store  *store.Store
	rec    *dyno.Reconciler
	router *router.Router
	domain string
	log    *slog.Logger
	// adopted, when set, closes once the reconciler has adopted the dynos a previous server
	// left running; the first table waits for it, so that it routes to them.
	adopted <-chan struct{}
	// ready closes once the first table is in place.
	ready chan struct{}
	// mu orders table writes: each reads the reconciler's dynos and writes the router under
	// it, so a full rebuild whose store reads began before a dyno stopped cannot put the
	// dyno back after app() took it out (its pooled connections to a dead address would
	// then hang requests until H12).
	mu sync.Mutex
}

// app upserts one app's route; called by the reconciler when the app's dynos change. The
// route's dynos are replaced first, from memory, so a dyno that exited or is stopping leaves
// the table before the store is read for the rest of the route.
func (s *routeSync) app(appID string) {
	s.mu.Lock()
	up, crashed := s.rec.Backends(appID)
	s.router.SetBackends(appID, backends(up), crashed) //nolint:errcheck // unknown apps get their route below
	s.mu.Unlock()
	app, err := s.store.App(context.Background(), appID)
	if err != nil {
		s.router.Remove(appID)
		return
	}
	custom, err := s.customHosts(context.Background(), app.ID)
	if err != nil {
		s.log.Error("list domains for route", "app", app.Name, "err", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.router.Upsert(s.route(app, custom[app.ID])); err != nil {
		s.log.Error("update route", "app", app.Name, "err", err)
	}
}

// run rebuilds the whole table every second until ctx ends.
func (s *routeSync) run(ctx context.Context) error {
	select {
	case <-s.adopted:
	case <-ctx.Done():
		return nil
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for first := true; ; first = false {
		s.rebuild(ctx)
		if first {
			close(s.ready)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

func (s *routeSync) rebuild(ctx context.Context) {
	apps, err := s.store.ListApps(ctx, "")
	if err != nil {
		s.log.Error("list apps for routes", "err", err)
		return
	}
	custom, err := s.customHosts(ctx, "")
	if err != nil {
		s.log.Error("list domains for routes", "err", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	routes := make([]router.Route, 0, len(apps))
	for _, app := range apps {
		routes = append(routes, s.route(app, custom[app.ID]))
	}
	t, err := router.NewTable(routes)
	if err != nil {
		s.log.Error("build route table", "err", err)
		return
	}
	s.router.SetTable(t)
}

// route is an app's entry in the host table: APP.DOMAIN and its custom domains, with its up
// web dynos.
func (s *routeSync) route(app *bera.App, custom []string) router.Route {
	up, crashed := s.rec.Backends(app.ID)
	return router.Route{AppID: app.ID, AppName: app.Name, Hosts: append([]string{app.Name + "." + s.domain}, custom...),
		Maintenance: app.Maintenance, Crashed: crashed, Backends: backends(up)}
}

func backends(up []dyno.Backend) []router.Backend {
	out := make([]router.Backend, 0, len(up))
	for _, b := range up {
		out = append(out, router.Backend{Dyno: b.Name, Addr: b.Addr})
	}
	return out
}

// customHosts maps app IDs to their custom domains (one app's, or all when appID is "").
func (s *routeSync) customHosts(ctx context.Context, appID string) (map[string][]string, error) {
	domains, err := s.store.ListDomains(ctx, appID)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, d := range domains {
		out[d.AppID] = append(out[d.AppID], d.Hostname)
	}
	return out, nil
}
