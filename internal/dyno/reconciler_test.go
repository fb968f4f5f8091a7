package dyno_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/dyno"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/process"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// slugDir serves every slug as the same empty directory.
type slugDir string

func (d slugDir) Prepare(_ context.Context, _ string, spec *runtime.DynoSpec) error {
	spec.SlugDir = string(d)
	return nil
}

// reconcilerEnv is a Reconciler on the process runtime over a real SQLite store.
type reconcilerEnv struct {
	st  *store.Store
	rt  *process.Runtime
	rec *dyno.Reconciler
	app *bera.App
}

// webCommand serves HTTP when MODE is good and exits at once otherwise.
const webCommand = `if [ "$MODE" = good ]; then exec python3 -m http.server "$PORT" --bind 127.0.0.1; fi; echo bad; exit 1`

func newReconcilerEnv(t *testing.T) *reconcilerEnv {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatalf("python3 is needed for a web dyno: %v", err)
	}
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	u := &bera.User{Email: "owner@example.com"}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	app := &bera.App{Name: "reap-app", OwnerID: u.ID}
	if _, err := st.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if err := st.SetProcessTypes(ctx, app.ID, map[string]string{"web": webCommand}); err != nil {
		t.Fatal(err)
	}
	rt := process.New(process.Config{})
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	rec := dyno.New(dyno.Config{Store: st, Runtime: rt, Slugs: slugDir(t.TempDir()), Interval: 100 * time.Millisecond,
		BootTimeout: 20 * time.Second, StopGrace: time.Second, Logger: logger})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- rec.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		rt.Close()
	})
	return &reconcilerEnv{st: st, rt: rt, rec: rec, app: app}
}

// release creates a release with MODE=mode and makes it current.
func (e *reconcilerEnv) release(t *testing.T, mode string) *bera.Release {
	t.Helper()
	ctx := context.Background()
	sl := &bera.Slug{AppID: e.app.ID, Checksum: "SHA256:" + strings.Repeat("0", 64), ProcessTypes: map[string]string{"web": webCommand}}
	if err := e.st.CreateSlug(ctx, sl); err != nil {
		t.Fatal(err)
	}
	rel := &bera.Release{AppID: e.app.ID, Description: "Deploy " + mode, Status: bera.ReleaseSucceeded, SlugID: sl.ID,
		Config: map[string]string{"MODE": mode}, UserID: e.app.OwnerID}
	if err := e.st.CreateRelease(ctx, rel); err != nil {
		t.Fatal(err)
	}
	e.rec.Converge(e.app.ID)
	return rel
}

// state is "name:vN:state ..." of the API's dynos, and "vN:state ..." of the runtime's.
func (e *reconcilerEnv) state(t *testing.T, versions map[string]int) (api, rt string) {
	t.Helper()
	var a []string
	for _, d := range e.rec.Dynos(e.app.ID) {
		a = append(a, fmt.Sprintf("%s:v%d:%s", d.Name, d.ReleaseVersion, d.State))
	}
	list, err := e.rt.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var r []string
	for _, st := range list {
		v := 0
		for id, n := range versions {
			if strings.HasPrefix(st.ID, "d"+strings.ReplaceAll(id, "-", "")) {
				v = n
			}
		}
		r = append(r, fmt.Sprintf("v%d:%s", v, st.State))
	}
	return strings.Join(a, " "), strings.Join(r, " ")
}

// waitFor polls until ok holds for the dynos, or fails after 20 s.
func (e *reconcilerEnv) waitFor(t *testing.T, what string, versions map[string]int, ok func(api, rt string) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		api, rt := e.state(t, versions)
		if ok(api, rt) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached; dynos %q, runtime %q", what, api, rt)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A crashed dyno of an old release used to stay beside the new release's dynos (in ps, and
// in the runtime) until a restart, once the new release's dyno crashed too.
func TestReconciler_ReapsCrashedDynosOfOldReleases(t *testing.T) {
	e := newReconcilerEnv(t)
	versions := map[string]int{}
	r2 := e.release(t, "bad")
	versions[r2.ID] = r2.Version
	e.waitFor(t, "v2 crashed", versions, func(api, _ string) bool { return api == fmt.Sprintf("web.1:v%d:crashed", r2.Version) })

	r3 := e.release(t, "bad")
	versions[r3.ID] = r3.Version
	old := fmt.Sprintf("v%d:", r2.Version)
	e.waitFor(t, "v2 gone once v3 crashed", versions, func(api, rt string) bool {
		return strings.Contains(api, fmt.Sprintf("v%d:crashed", r3.Version)) && !strings.Contains(api, old) && !strings.Contains(rt, old)
	})
	// And it stays gone while v3 goes on crashing and restarting.
	time.Sleep(time.Second)
	if api, rt := e.state(t, versions); strings.Contains(api, old) || strings.Contains(rt, old) {
		t.Fatalf("v2's dyno came back: dynos %q, runtime %q", api, rt)
	}

	r4 := e.release(t, "good")
	versions[r4.ID] = r4.Version
	want := fmt.Sprintf("web.1:v%d:up", r4.Version)
	e.waitFor(t, "only v4 up", versions, func(api, rt string) bool {
		return api == want && rt == fmt.Sprintf("v%d:running", r4.Version)
	})
}
