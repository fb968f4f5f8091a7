package dyno_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/dyno"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// sim is a Reconciler on the fake runtime over a real SQLite store, for tests that run in a
// synctest bubble: time is fake, so a 20-minute back-off passes at once and every timing is
// exact.
type sim struct {
	t     *testing.T
	st    *store.Store
	reads *countingStore
	rt    *fakeRuntime
	rec   *dyno.Reconciler
	logs  *logLines
	app   *bera.App
	rels  []*bera.Release // by version - 1
	t0    time.Time
}

// newSim opens the store with one app (v1, no slug) whose Procfile has web and worker; run
// starts the reconciler.
func newSim(t *testing.T) *sim {
	t.Helper()
	ctx := t.Context()
	st := storetest.OpenSQLite(t)
	u := &bera.User{Email: "owner@example.com"}
	must(t, st.CreateUser(ctx, u))
	s := &sim{t: t, st: st, reads: &countingStore{Store: st}, rt: newFakeRuntime(), logs: &logLines{}, t0: time.Now()}
	s.app = s.newApp("sim-app", u.ID)
	v1, err := st.ListReleases(ctx, s.app.ID)
	must(t, err)
	s.rels = v1
	return s
}

func (s *sim) newApp(name, ownerID string) *bera.App {
	s.t.Helper()
	app := &bera.App{Name: name, OwnerID: ownerID}
	_, err := s.st.CreateApp(s.t.Context(), app)
	must(s.t, err)
	must(s.t, s.st.SetProcessTypes(s.t.Context(), app.ID, map[string]string{"web": "./web", "worker": "./worker"}))
	return app
}

// run starts the reconciler with cfg (Store, Runtime, Probe, Slugs and Log are the sim's);
// it stops when the test ends.
func (s *sim) run(cfg dyno.Config) {
	cfg.Store, cfg.Runtime, cfg.Probe, cfg.Slugs, cfg.Log = s.reads, s.rt, s.rt.probe, slugDir("/slug"), s.logs.add
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s.rec = dyno.New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.rec.Run(ctx) }()
	s.t.Cleanup(func() { cancel(); <-done })
	synctest.Wait()
}

// release makes a release of the sim app current with env as its config (V is set to the
// version, "v2"), and converges.
func (s *sim) release(env map[string]string) *bera.Release {
	s.t.Helper()
	return s.releaseOf(s.app, len(s.rels)+1, env, func(r *bera.Release) { s.rels = append(s.rels, r) })
}

func (s *sim) releaseOf(app *bera.App, version int, env map[string]string, created func(*bera.Release)) *bera.Release {
	s.t.Helper()
	ctx := s.t.Context()
	sl := &bera.Slug{AppID: app.ID, ProcessTypes: map[string]string{"web": "./web", "worker": "./worker"}}
	must(s.t, s.st.CreateSlug(ctx, sl))
	cfg := maps.Clone(env)
	if cfg == nil {
		cfg = map[string]string{}
	}
	cfg["V"] = fmt.Sprintf("v%d", version)
	rel := &bera.Release{AppID: app.ID, Description: "Deploy", SlugID: sl.ID, Config: cfg, UserID: app.OwnerID}
	must(s.t, s.st.CreateRelease(ctx, rel))
	if rel.Version != version {
		s.t.Fatalf("release is v%d, want v%d", rel.Version, version)
	}
	created(rel)
	if s.rec != nil {
		s.rec.Converge(app.ID)
		synctest.Wait()
	}
	return rel
}

// scale sets a process type's quantity and converges.
func (s *sim) scale(typ string, n int) {
	s.t.Helper()
	_, err := s.st.UpdateFormation(s.t.Context(), s.app.ID, []bera.FormationUpdate{{Type: typ, Quantity: &n}})
	must(s.t, err)
	if s.rec != nil {
		s.rec.Converge(s.app.ID)
		synctest.Wait()
	}
}

// at sleeps until d after the sim began, and lets every goroutine settle.
func (s *sim) at(d time.Duration) {
	s.t.Helper()
	if now := time.Since(s.t0); now > d {
		s.t.Fatalf("at(%s): it is %s already", d, now)
	}
	time.Sleep(time.Until(s.t0.Add(d)))
	synctest.Wait()
}

// dynos is "web.1:v2:up ..." as the API lists the app's dynos.
func (s *sim) dynos() string {
	var out []string
	for _, d := range s.rec.Dynos(s.app.ID) {
		out = append(out, fmt.Sprintf("%s:v%d:%s", d.Name, d.ReleaseVersion, d.State))
	}
	return strings.Join(out, " ")
}

// backends is "web.1:v2 ..." of the web dynos the router may use.
func (s *sim) backends() string {
	up, _ := s.rec.Backends(s.app.ID)
	var out []string
	for _, b := range up {
		for _, d := range s.rec.Dynos(s.app.ID) {
			if d.Name == b.Name && d.State == bera.DynoUp {
				out = append(out, fmt.Sprintf("%s:v%d", b.Name, d.ReleaseVersion))
			}
		}
	}
	return strings.Join(out, " ")
}

// startTimes is when the runtime started dynos named name.
func (s *sim) startTimes(name string) []time.Duration {
	var out []time.Duration
	for _, o := range s.rt.opsLike("start " + name + " ") {
		out = append(out, o.at)
	}
	return out
}

// countingStore counts the reconciler's store reads, by method ("ListCurrent" for every
// app, "ListCurrent app" for one).
type countingStore struct {
	dyno.Store
	mu    sync.Mutex
	calls map[string]int
	fails int // how many more ListCurrent calls fail, as with the database down
}

// failNext makes the next n ListCurrent calls fail.
func (c *countingStore) failNext(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fails = n
}

func (c *countingStore) failing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fails--
	return c.fails >= 0
}

func (c *countingStore) count(what string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[what]++
}

// take returns the counts since the last take, as "ListCurrent=3 ...".
func (c *countingStore) take() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, k := range slices.Sorted(maps.Keys(c.calls)) {
		out = append(out, fmt.Sprintf("%s=%d", k, c.calls[k]))
	}
	clear(c.calls)
	return strings.Join(out, " ")
}

func (c *countingStore) ListCurrent(ctx context.Context, appID string) ([]*bera.Current, error) {
	if appID == "" {
		c.count("ListCurrent")
	} else {
		c.count("ListCurrent app")
	}
	if c.failing() {
		return nil, errors.New("database is down")
	}
	return c.Store.ListCurrent(ctx, appID)
}

func (c *countingStore) ListApps(ctx context.Context, userID string) ([]*bera.App, error) {
	c.count("ListApps")
	return c.Store.ListApps(ctx, userID)
}

func (c *countingStore) ListFormation(ctx context.Context, appID string) ([]*bera.Formation, error) {
	c.count("ListFormation")
	return c.Store.ListFormation(ctx, appID)
}

func (c *countingStore) Release(ctx context.Context, appID, idOrVersion string) (*bera.Release, error) {
	c.count("Release")
	return c.Store.Release(ctx, appID, idOrVersion)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func seconds(ds ...int) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = time.Duration(d) * time.Second
	}
	return out
}
