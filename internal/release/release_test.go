package release_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/release"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// env is a release Service over a real store and event bus, recording the app log and the
// converge requests.
type env struct {
	st   *store.Store
	svc  *release.Service
	sub  events.Subscription
	app  *bera.App
	user *bera.User

	mu        sync.Mutex // guards the following
	logs      []string
	converged int
}

// stores runs fn on SQLite and on PostgreSQL.
func stores(t *testing.T, fn func(t *testing.T, open func(testing.TB) *store.Store)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, storetest.OpenSQLite) })
	t.Run("postgres", func(t *testing.T) { fn(t, storetest.OpenPostgres) })
}

func newEnv(t *testing.T, st *store.Store, limits bera.FormationLimits) *env {
	t.Helper()
	e := &env{st: st, user: &bera.User{Email: "dev@example.com"}}
	if err := st.CreateUser(t.Context(), e.user); err != nil {
		t.Fatal(err)
	}
	e.app = &bera.App{Name: "rel-app", OwnerID: e.user.ID}
	if _, err := st.CreateApp(t.Context(), e.app); err != nil {
		t.Fatal(err)
	}
	bus := events.NewInMem()
	sub, err := bus.Subscribe(t.Context(), []string{e.app.ID})
	if err != nil {
		t.Fatal(err)
	}
	e.sub = sub
	t.Cleanup(sub.Close)
	e.svc = release.New(release.Config{Store: st, Events: bus, Converger: e, Log: e.log, FormationLimits: limits})
	return e
}

// Converge implements release.Converger.
func (e *env) Converge(appID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.converged++
}

func (e *env) log(appID, msg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.logs = append(e.logs, msg)
}

// take returns and forgets the log lines and the number of converges so far.
func (e *env) take() ([]string, int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	logs, n := e.logs, e.converged
	e.logs, e.converged = nil, 0
	return logs, n
}

// events returns the release versions published so far.
func (e *env) events(t *testing.T) []int {
	t.Helper()
	var versions []int
	for {
		select {
		case ev := <-e.sub.C():
			rc, ok := ev.Payload.(events.ReleaseCreated)
			if !ok || ev.AppID != e.app.ID || ev.Time.IsZero() {
				t.Errorf("event %+v, want a ReleaseCreated of the app", ev)
			}
			versions = append(versions, rc.Version)
		default:
			return versions
		}
	}
}

// state renders the current release and the formation as a user would check them.
func (e *env) state(t *testing.T) string {
	t.Helper()
	cur, err := e.st.CurrentRelease(t.Context(), e.app.ID)
	if err != nil {
		t.Fatal(err)
	}
	forms, err := e.st.ListFormation(t.Context(), e.app.ID)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v%d slug=%s;", cur.Version, cur.SlugID)
	for _, f := range forms {
		fmt.Fprintf(&b, " %s=%s@%d:%s", f.Type, f.Command, f.Quantity, f.Size)
	}
	return b.String()
}

func ptr[T any](v T) *T { return &v }

func (e *env) deploy(t *testing.T, slug string, types map[string]string) *bera.Release {
	t.Helper()
	rel, err := e.svc.Create(t.Context(), e.app, release.Change{Description: "Deploy " + slug, User: e.user,
		SlugID: ptr(slug), ProcessTypes: types})
	if err != nil {
		t.Fatalf("deploy %s: %v", slug, err)
	}
	return rel
}

func TestCreate_Deploy(t *testing.T) {
	stores(t, func(t *testing.T, open func(testing.TB) *store.Store) {
		e := newEnv(t, open(t), bera.FormationLimits{})
		rel, err := e.svc.Create(t.Context(), e.app, release.Change{Description: "Deploy 0123abcd", User: e.user,
			SlugID: ptr("slug-1"), ProcessTypes: map[string]string{"web": "serve", "worker": "work", "release": "migrate"},
			NewTypeFormation: []bera.FormationUpdate{{Type: "worker", Quantity: ptr(2)}, {Type: "clock", Quantity: ptr(1)}}})
		if err != nil {
			t.Fatal(err)
		}
		if rel.Version != 2 || rel.Status != bera.ReleaseSucceeded || !rel.Current || rel.SlugID != "slug-1" {
			t.Errorf("release = %+v", rel)
		}
		// The release phase is no formation type; app.json's quantity applies to a new type.
		if got, want := e.state(t), "v2 slug=slug-1; web=serve@1:standard-1X worker=work@2:standard-1X"; got != want {
			t.Errorf("state = %q, want %q", got, want)
		}
		logs, converged := e.take()
		wantLogs := []string{"Deploy 0123abcd by user dev@example.com", "Release v2 created by user dev@example.com"}
		if !slices.Equal(logs, wantLogs) || converged != 1 {
			t.Errorf("logs %q and %d converges, want %q and 1", logs, converged, wantLogs)
		}
		if got := e.events(t); !slices.Equal(got, []int{2}) {
			t.Errorf("events for versions %v, want [2]", got)
		}
		// A later deploy keeps the quantities of types the app has: app.json's are for new ones.
		if err := createErr(t, e, release.Change{Description: "Deploy again", User: e.user, SlugID: ptr("slug-2"),
			ProcessTypes:     map[string]string{"web": "serve2", "worker": "work2"},
			NewTypeFormation: []bera.FormationUpdate{{Type: "worker", Quantity: ptr(5)}}}); err != nil {
			t.Fatal(err)
		}
		if got, want := e.state(t), "v3 slug=slug-2; web=serve2@1:standard-1X worker=work2@2:standard-1X"; got != want {
			t.Errorf("state = %q, want %q", got, want)
		}
	})
}

func TestCreate_ConfigChange(t *testing.T) {
	stores(t, func(t *testing.T, open func(testing.TB) *store.Store) {
		e := newEnv(t, open(t), bera.FormationLimits{})
		e.deploy(t, "slug-1", map[string]string{"web": "serve"})
		e.take()
		e.events(t)
		changes := []bera.ConfigChange{{Key: "A", Value: ptr("1")}, {Key: "B", Value: ptr("2")}}
		if _, err := e.svc.Create(t.Context(), e.app, release.Change{Description: bera.ConfigDescription(changes), User: e.user, ConfigChanges: changes}); err != nil {
			t.Fatal(err)
		}
		unset := []bera.ConfigChange{{Key: "A"}}
		rel, err := e.svc.Create(t.Context(), e.app, release.Change{Description: bera.ConfigDescription(unset), User: e.user, ConfigChanges: unset})
		if err != nil {
			t.Fatal(err)
		}
		// Same slug and formation; the config is the old one with the changes.
		if rel.Version != 4 || !maps.Equal(rel.Config, map[string]string{"B": "2"}) {
			t.Errorf("release = %+v", rel)
		}
		if got, want := e.state(t), "v4 slug=slug-1; web=serve@1:standard-1X"; got != want {
			t.Errorf("state = %q, want %q", got, want)
		}
		cfg, err := e.st.ConfigVars(t.Context(), e.app.ID)
		if err != nil || !maps.Equal(cfg, rel.Config) {
			t.Errorf("config = %v (%v), want %v", cfg, err, rel.Config)
		}
		logs, converged := e.take()
		if logs[2] != "Remove A config vars by user dev@example.com" || logs[3] != "Release v4 created by user dev@example.com" || converged != 2 {
			t.Errorf("logs %q, %d converges", logs, converged)
		}
		if got := e.events(t); !slices.Equal(got, []int{3, 4}) {
			t.Errorf("events for versions %v, want [3 4]", got)
		}
	})
}

// A rollback is a new release with an old release's slug, config, add-on plans and process
// types.
func TestCreate_Rollback(t *testing.T) {
	stores(t, func(t *testing.T, open func(testing.TB) *store.Store) {
		e := newEnv(t, open(t), bera.FormationLimits{})
		v2 := e.deploy(t, "slug-1", map[string]string{"web": "old", "worker": "w"})
		if _, err := e.svc.Create(t.Context(), e.app, release.Change{Description: "Set A config vars", User: e.user,
			ConfigChanges: []bera.ConfigChange{{Key: "A", Value: ptr("1")}}}); err != nil {
			t.Fatal(err)
		}
		e.deploy(t, "slug-2", map[string]string{"web": "new"})
		rel, err := e.svc.Create(t.Context(), e.app, release.Change{Description: "Rollback to v2", User: e.user,
			SlugID: &v2.SlugID, Config: v2.Config, AddonPlanNames: v2.AddonPlanNames, ProcessTypes: map[string]string{"web": "old", "worker": "w"}})
		if err != nil {
			t.Fatal(err)
		}
		if rel.Version != 5 || rel.Description != "Rollback to v2" || len(rel.Config) != 0 {
			t.Errorf("rollback release = %+v", rel)
		}
		if got, want := e.state(t), "v5 slug=slug-1; web=old@1:standard-1X worker=w@0:standard-1X"; got != want {
			t.Errorf("state = %q, want %q", got, want)
		}
	})
}

// The limits are checked before anything is written: a refused change leaves no release, no
// formation, no log line, no event and no converge.
func TestCreate_FormationRefused(t *testing.T) {
	stores(t, func(t *testing.T, open func(testing.TB) *store.Store) {
		e := newEnv(t, open(t), bera.FormationLimits{MaxPerApp: 3})
		e.deploy(t, "slug-1", map[string]string{"web": "serve"})
		e.take()
		e.events(t)
		before := e.state(t)
		ch := release.Change{Description: "Deploy big", User: e.user, SlugID: ptr("slug-2"),
			ProcessTypes:     map[string]string{"web": "serve", "worker": "work"},
			NewTypeFormation: []bera.FormationUpdate{{Type: "worker", Quantity: ptr(3)}}}
		for name, err := range map[string]error{"Check": e.svc.Check(t.Context(), e.app, ch), "Create": createErr(t, e, ch)} {
			if bera.ErrorCode(err) != bera.EInvalid || !strings.Contains(bera.ErrorMessage(err), "at most 3 dynos") {
				t.Errorf("%s = %v, want the per-app cap", name, err)
			}
		}
		logs, converged := e.take()
		if got := e.state(t); got != before || len(logs) != 0 || converged != 0 || len(e.events(t)) != 0 {
			t.Errorf("a refused change left state %q (was %q), logs %q, %d converges", got, before, logs, converged)
		}
		// With OnFormationRefused the quantities are left out and the release goes ahead.
		var refused error
		ch.OnFormationRefused = func(err error) { refused = err }
		if _, err := e.svc.Create(t.Context(), e.app, ch); err != nil {
			t.Fatal(err)
		}
		if got, want := e.state(t), "v3 slug=slug-2; web=serve@1:standard-1X worker=work@0:standard-1X"; got != want || refused == nil {
			t.Errorf("state = %q (refusal %v), want %q", got, refused, want)
		}
	})
}

func createErr(t *testing.T, e *env, ch release.Change) error {
	_, err := e.svc.Create(t.Context(), e.app, ch)
	return err
}

// With a release phase the release is pending, and the old release and its commands keep
// running, until the phase succeeded; then the release and its process types become current
// together.
func TestCreate_ReleasePhase(t *testing.T) {
	stores(t, func(t *testing.T, open func(testing.TB) *store.Store) {
		e := newEnv(t, open(t), bera.FormationLimits{})
		e.deploy(t, "slug-1", map[string]string{"web": "old"})
		e.take()
		e.events(t)
		var during string
		var phaseRel bera.Release
		rel, err := e.svc.Create(t.Context(), e.app, release.Change{Description: "Deploy new", User: e.user, SlugID: ptr("slug-2"),
			ProcessTypes: map[string]string{"web": "new", "release": "migrate"},
			ReleasePhase: func(ctx context.Context, rel *bera.Release) error {
				phaseRel = *rel
				during = e.state(t)
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		if phaseRel.Status != bera.ReleasePending || phaseRel.Version != 3 || phaseRel.SlugID != "slug-2" {
			t.Errorf("release phase ran with %+v", phaseRel)
		}
		if want := "v2 slug=slug-1; web=old@1:standard-1X"; during != want {
			t.Errorf("state during the release phase = %q, want %q", during, want)
		}
		if got, want := e.state(t), "v3 slug=slug-2; web=new@1:standard-1X"; got != want || !rel.Current || rel.Status != bera.ReleaseSucceeded {
			t.Errorf("state after = %q (release %+v), want %q", got, rel, want)
		}
		if logs, converged := e.take(); len(logs) != 2 || converged != 1 || !slices.Equal(e.events(t), []int{3}) {
			t.Errorf("logs %q, %d converges", logs, converged)
		}
	})
}

// A failed release phase marks the release failed and changes nothing else that runs.
func TestCreate_ReleasePhaseFails(t *testing.T) {
	stores(t, func(t *testing.T, open func(testing.TB) *store.Store) {
		e := newEnv(t, open(t), bera.FormationLimits{})
		e.deploy(t, "slug-1", map[string]string{"web": "old"})
		e.take()
		e.events(t)
		before := e.state(t)
		failed := errors.New("exit status 1")
		_, err := e.svc.Create(t.Context(), e.app, release.Change{Description: "Deploy new", User: e.user, SlugID: ptr("slug-2"),
			ProcessTypes: map[string]string{"web": "new", "release": "migrate"},
			ReleasePhase: func(context.Context, *bera.Release) error { return failed }})
		if !errors.Is(err, failed) {
			t.Fatalf("Create = %v, want the phase's error", err)
		}
		rel, err := e.st.Release(t.Context(), e.app.ID, "3")
		if err != nil || rel.Status != bera.ReleaseFailed {
			t.Fatalf("v3 = %+v (%v), want failed", rel, err)
		}
		logs, converged := e.take()
		if got := e.state(t); got != before || len(logs) != 0 || converged != 0 {
			t.Errorf("state %q (was %q), logs %q, %d converges", got, before, logs, converged)
		}
		// The pending release was announced when it was written, as Heroku lists it.
		if got := e.events(t); !slices.Equal(got, []int{3}) {
			t.Errorf("events for versions %v, want [3]", got)
		}
	})
}

// A reader never sees a release with another release's commands: while deploys run, each
// with its own slug and commands, a reader that finds the same formation before and after
// reading the current release finds that release's commands in it.
func TestCreate_ReleaseAndCommandsTogether(t *testing.T) {
	stores(t, func(t *testing.T, open func(testing.TB) *store.Store) {
		e := newEnv(t, open(t), bera.FormationLimits{})
		e.deploy(t, "slug-0", map[string]string{"web": "run slug-0"})
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() {
			for ctx.Err() == nil {
				if msg := readOnce(t, e); msg != "" {
					t.Error(msg)
					return
				}
			}
		})
		for i := 1; i <= 40; i++ {
			slug := fmt.Sprintf("slug-%d", i)
			e.deploy(t, slug, map[string]string{"web": "run " + slug})
		}
		cancel()
		wg.Wait()
	})
}

// readOnce reads formation, current release and formation; it reports a mismatch between a
// stable formation and the release.
func readOnce(t *testing.T, e *env) string {
	ctx := context.Background()
	command := func() string {
		forms, err := e.st.ListFormation(ctx, e.app.ID)
		if err != nil || len(forms) != 1 {
			return fmt.Sprintf("formation %v (%v)", forms, err)
		}
		return forms[0].Command
	}
	first := command()
	cur, err := e.st.CurrentRelease(ctx, e.app.ID)
	if err != nil {
		return err.Error()
	}
	if second := command(); first == second && first != "run "+cur.SlugID {
		return fmt.Sprintf("current release v%d (%s) with command %q", cur.Version, cur.SlugID, first)
	}
	return ""
}
