package dyno

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/runtime"
)

func (r *Reconciler) put(t *tracked) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.apps[t.AppID] == nil {
		r.apps[t.AppID] = map[string]*tracked{}
	}
	r.apps[t.AppID][t.ID] = t
}

func (r *Reconciler) get(appID, id string) *tracked {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.apps[appID][id]
}

func (r *Reconciler) remove(t *tracked) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.apps[t.AppID], t.ID)
	if len(r.apps[t.AppID]) == 0 {
		delete(r.apps, t.AppID)
	}
}

func (r *Reconciler) supersede(appID, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t := r.apps[appID][id]; t != nil {
		t.superseded = true
	}
}

// restartOf returns what a restart of dyno id carries over: the dyno it was to replace and
// its crash count.
func (r *Reconciler) restartOf(appID, id string) (replaces string, crashes int) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if t := r.apps[appID][id]; t != nil {
		return t.replaces, t.crashes
	}
	return "", 0
}

// orphans returns the app's superseded dynos that nothing will stop: crashed ones (they
// serve nothing, and Plan no longer sees them to restart or stop them) and those no live
// dyno is to replace any more (its replacement was stopped, or scaled away).
func (r *Reconciler) orphans(appID string) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	wanted := map[string]bool{}
	for _, t := range r.apps[appID] {
		if !t.stopping && t.replaces != "" {
			wanted[t.replaces] = true
		}
	}
	var out []string
	for id, t := range r.apps[appID] {
		if t.superseded && !t.stopping && (t.State == bera.DynoCrashed || !wanted[id]) {
			out = append(out, id)
		}
	}
	return out
}

func (r *Reconciler) trackedApps() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ids := make([]string, 0, len(r.apps))
	for id := range r.apps {
		ids = append(ids, id)
	}
	return ids
}

// actual lists the app's dynos that Plan should see: one per name, not being stopped or
// replaced.
func (r *Reconciler) actual(appID string) []Actual {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []Actual
	for _, t := range r.apps[appID] {
		if !t.stopping && !t.superseded {
			out = append(out, t.Actual)
		}
	}
	return out
}

// Dynos returns the app's dynos for the API, sorted by name.
func (r *Reconciler) Dynos(appID string) []bera.Dyno {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]bera.Dyno, 0, len(r.apps[appID]))
	for _, t := range r.apps[appID] {
		state := t.State
		if t.superseded && state == bera.DynoCrashed {
			continue // an old release's crashed dyno, on its way out (reap)
		}
		if t.stopping && state != bera.DynoCrashed {
			state = bera.DynoDown
		}
		out = append(out, bera.Dyno{ID: t.ID, AppID: appID, Name: t.Name, Type: t.Type, State: state, Command: t.Command,
			Size: t.Size, ReleaseID: t.ReleaseID, ReleaseVersion: t.Version, CreatedAt: t.StartedAt, UpdatedAt: t.UpdatedAt})
	}
	sort.Slice(out, func(i, j int) bool {
		ti, ni := splitName(out[i].Name)
		tj, nj := splitName(out[j].Name)
		return ti < tj || (ti == tj && ni < nj)
	})
	return out
}

// Backend is a web dyno the router may send requests to.
type Backend struct {
	Name string
	Addr string
}

// Backends returns the app's up web dynos, and whether it has crashed web dynos.
func (r *Reconciler) Backends(appID string) (up []Backend, crashed bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, t := range r.apps[appID] {
		if t.Type != "web" || t.stopping {
			continue
		}
		switch t.State {
		case bera.DynoUp:
			up = append(up, Backend{Name: t.Name, Addr: t.Addr})
		case bera.DynoCrashed:
			crashed = true
		}
	}
	sort.Slice(up, func(i, j int) bool { return up[i].Name < up[j].Name })
	return up, crashed
}

// Up returns the app's up dynos of every process type (web, worker, ...), by name: what a
// Private Space's DNS names list.
func (r *Reconciler) Up(appID string) []Backend {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var up []Backend
	for _, t := range r.apps[appID] {
		if t.State == bera.DynoUp && !t.stopping && t.Addr != "" {
			up = append(up, Backend{Name: t.Name, Addr: t.Addr})
		}
	}
	sort.Slice(up, func(i, j int) bool { return up[i].Name < up[j].Name })
	return up
}

// Restart replaces the app's dynos of a type (or one dyno by name, or all when target is
// ""): new ones start, the old ones stop once the new are up.
func (r *Reconciler) Restart(appID, target string) {
	r.mu.Lock()
	for _, t := range r.apps[appID] {
		if target == "" || t.Type == target || t.Name == target {
			t.ReleaseID = "" // Plan replaces a dyno whose release differs
			t.crashes = 0
		}
	}
	r.mu.Unlock()
	r.Converge(appID)
}

// WaitRelease waits until every web dyno of the app runs releaseID and is up. It fails when
// one of them crashed, or when ctx ends.
func (r *Reconciler) WaitRelease(ctx context.Context, appID, releaseID string) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		done, err := r.releaseState(appID, releaseID)
		if done || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return bera.Errorf(bera.EUnavailable, "the new dynos did not come up in time")
		case <-tick.C:
		}
	}
}

func (r *Reconciler) releaseState(appID, releaseID string) (bool, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	sawNew := false
	for _, t := range r.apps[appID] {
		if t.Type != "web" || t.stopping {
			continue
		}
		if t.ReleaseID == releaseID {
			sawNew = true
			switch t.State {
			case bera.DynoCrashed:
				return false, bera.Errorf(bera.EInvalid, "web dyno %s crashed", t.Name)
			case bera.DynoStarting:
				return false, nil
			}
		} else if !t.superseded {
			return false, nil
		}
	}
	return sawNew, nil
}

// adopt tracks the dynos a previous server left running (runtimes that survive restarts),
// and stops those of apps that no longer exist: nothing else would.
func (r *Reconciler) adopt(ctx context.Context) {
	list, err := r.cfg.Runtime.List(ctx)
	if err != nil {
		r.log.Error("list runtime dynos", "err", err)
		return
	}
	list = r.reapOrphans(ctx, list)
	for _, st := range list {
		relID, name, ok := parseDynoID(st.ID)
		if !ok {
			if strings.HasPrefix(st.ID, "o") || strings.HasPrefix(st.ID, "run-") {
				// A release-phase or one-off dyno whose client went with the previous server.
				r.cfg.Runtime.Stop(ctx, st.ID, 0)
			}
			continue
		}
		t := &tracked{Actual: Actual{ID: st.ID, Name: name, ReleaseID: relID, State: bera.DynoUp}, AppID: st.AppID,
			Type: st.Type, Addr: st.Addr, StartedAt: st.StartedAt, UpdatedAt: r.cfg.Now()}
		if st.State == runtime.StateExited {
			t.State = bera.DynoCrashed
		}
		r.adoptFormation(ctx, t)
		r.put(t)
		r.wg.Add(1)
		go r.watchExit(ctx, st.AppID, st.ID)
		r.log.Info("adopted dyno", "app", st.AppID, "dyno", name)
	}
}

// reapOrphans stops, in the background, the listed dynos whose app is not in the store (an
// app destroyed while its dynos ran and the server was down or stopping), and returns the
// others. If the apps cannot be listed, it keeps them all: the periodic passes stop a
// deleted app's dynos once adopted.
func (r *Reconciler) reapOrphans(ctx context.Context, list []runtime.Status) []runtime.Status {
	apps, err := r.cfg.Store.ListApps(ctx, "")
	if err != nil {
		r.log.Error("list apps to find orphaned dynos", "err", err)
		return list
	}
	known := make(map[string]bool, len(apps))
	for _, a := range apps {
		known[a.ID] = true
	}
	kept := list[:0:0]
	for _, st := range list {
		if known[st.AppID] {
			kept = append(kept, st)
			continue
		}
		r.log.Warn("stopping a dyno of an app that does not exist", "app", st.AppID, "dyno", st.Name, "id", st.ID)
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if _, err := r.cfg.Runtime.Stop(context.WithoutCancel(ctx), st.ID, r.cfg.StopGrace); err != nil && bera.ErrorCode(err) != bera.ENotFound {
				r.log.Error("stop orphaned dyno", "app", st.AppID, "dyno", st.Name, "err", err)
			}
		}()
	}
	return kept
}

// adoptFormation fills size and command from the formation, so an adopted dyno that matches
// it is kept rather than replaced.
func (r *Reconciler) adoptFormation(ctx context.Context, t *tracked) {
	forms, err := r.cfg.Store.ListFormation(ctx, t.AppID)
	if err != nil {
		return
	}
	for _, f := range forms {
		if f.Type == t.Type {
			t.Size, t.Command = f.Size, f.Command
		}
	}
	if rel, err := r.cfg.Store.Release(ctx, t.AppID, t.ReleaseID); err == nil {
		t.Version = rel.Version
	}
}
