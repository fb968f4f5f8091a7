package deploy_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/deploy"
	"github.com/kingvon-ke/bera/internal/slug/slugfs"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// deployEnv is a Deployer over a real SQLite store and slug directory, building with the
// built-in buildpacks as plain processes, without dynos.
type deployEnv struct {
	st   *store.Store
	d    *deploy.Deployer
	user *bera.User
}

func newDeployEnv(t *testing.T, limits bera.FormationLimits) *deployEnv {
	t.Helper()
	return newDeployEnvWith(t, limits, nil)
}

func newDeployEnvWith(t *testing.T, limits bera.FormationLimits, conv func(*store.Store) deploy.Converger) *deployEnv {
	t.Helper()
	st := storetest.OpenSQLite(t)
	slugs, err := slugfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	user := &bera.User{Email: "owner@example.com"}
	if err := st.CreateUser(context.Background(), user); err != nil {
		t.Fatal(err)
	}
	cfg := deploy.Config{Store: st, Slugs: slugs, DataDir: t.TempDir(), FormationLimits: limits,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if conv != nil {
		cfg.Converger = conv(st)
	}
	d := deploy.New(cfg)
	return &deployEnv{st: st, d: d, user: user}
}

func (e *deployEnv) app(t *testing.T, name string) *bera.App {
	t.Helper()
	app := &bera.App{Name: name, OwnerID: e.user.ID}
	if _, err := e.st.CreateApp(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	return app
}

// push deploys a tree with a Procfile (web and worker) and the given app.json.
func (e *deployEnv) push(t *testing.T, app *bera.App, appJSON string) (string, error) {
	t.Helper()
	return e.pushProcfile(t, app, "web: sleep 1000\nworker: sleep 1000\n", appJSON)
}

func (e *deployEnv) pushProcfile(t *testing.T, app *bera.App, procfile, appJSON string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"Procfile": procfile}
	if appJSON != "" {
		files["app.json"] = appJSON
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out strings.Builder
	err := e.d.Deploy(context.Background(), app, e.user, bera.Source{Dir: dir, Commit: strings.Repeat("a", 40), Ref: "refs/heads/main"}, &out)
	return out.String(), err
}

func (e *deployEnv) formation(t *testing.T, app *bera.App) map[string]*bera.Formation {
	t.Helper()
	forms, err := e.st.ListFormation(context.Background(), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*bera.Formation{}
	for _, f := range forms {
		out[f.Type] = f
	}
	return out
}

func (e *deployEnv) releases(t *testing.T, app *bera.App) int {
	t.Helper()
	rels, err := e.st.ListReleases(context.Background(), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	return len(rels)
}

// app.json's formation used to be written as it was: one push started 101 worker dynos.
func TestDeploy_AppJSONFormationIsCapped(t *testing.T) {
	e := newDeployEnv(t, bera.FormationLimits{})
	app := e.app(t, "aj-cap")
	_, err := e.push(t, app, `{"formation":{"worker":{"quantity":101}}}`)
	if bera.ErrorCode(err) != bera.EInvalid || !strings.Contains(bera.ErrorMessage(err), "an app may run at most 100 dynos") {
		t.Fatalf("deploy with 101 workers = %v, want the per-app cap", err)
	}
	// Quantities whose sum would wrap round are refused too.
	_, err = e.push(t, app, `{"formation":{"web":{"quantity":4611686018427387904},"worker":{"quantity":4611686018427387904}}}`)
	if bera.ErrorCode(err) != bera.EInvalid {
		t.Fatalf("deploy with 2×2^62 dynos = %v, want refused", err)
	}
	if forms, n := e.formation(t, app), e.releases(t, app); len(forms) != 0 || n != 1 {
		t.Fatalf("a refused deploy changed state: formation %v, %d releases", forms, n)
	}
	// Within the cap the same file is applied.
	if out, err := e.push(t, app, `{"formation":{"worker":{"quantity":99,"size":"standard-2x"}}}`); err != nil {
		t.Fatalf("deploy: %v\n%s", err, out)
	}
	forms := e.formation(t, app)
	if forms["web"].Quantity != 1 || forms["worker"].Quantity != 99 || forms["worker"].Size != "standard-2X" {
		t.Fatalf("formation web=%d worker=%d:%s", forms["web"].Quantity, forms["worker"].Quantity, forms["worker"].Size)
	}
}

func TestDeploy_AppJSONFormationAccountAndSizes(t *testing.T) {
	e := newDeployEnv(t, bera.FormationLimits{MaxPerAccount: 5, Sizes: []string{"standard-1X"}})
	first := e.app(t, "aj-first")
	if out, err := e.push(t, first, `{"formation":{"worker":{"quantity":3}}}`); err != nil {
		t.Fatalf("deploy: %v\n%s", err, out)
	}
	second := e.app(t, "aj-second")
	_, err := e.push(t, second, `{"formation":{"worker":{"quantity":1}}}`)
	if bera.ErrorCode(err) != bera.EInvalid || !strings.Contains(bera.ErrorMessage(err), "may run at most 5 dynos together") {
		t.Fatalf("deploy over the account cap = %v", err)
	}
	_, err = e.push(t, second, `{"formation":{"worker":{"quantity":0,"size":"performance-l"}}}`)
	if bera.ErrorCode(err) != bera.EInvalid || !strings.Contains(bera.ErrorMessage(err), "Size performance-L is not available on this server") {
		t.Fatalf("deploy with a size not offered = %v", err)
	}
	if forms := e.formation(t, second); len(forms) != 0 {
		t.Fatalf("refused deploys changed the formation: %v", forms)
	}
	if out, err := e.push(t, second, `{"formation":{"worker":{"quantity":0,"size":"free"}}}`); err != nil {
		t.Fatalf("deploy within the caps (unknown size ignored): %v\n%s", err, out)
	}
}

// scaleDuringRelease is a Converger whose release phase scales another app, as a concurrent
// `ps:scale` would while the release command runs.
type scaleDuringRelease struct {
	st    *store.Store
	other *bera.App
	n     int
}

func (c *scaleDuringRelease) Converge(string)                                   {}
func (c *scaleDuringRelease) WaitRelease(context.Context, string, string) error { return nil }
func (c *scaleDuringRelease) RunOnce(ctx context.Context, _ string, _ *bera.Release, _, _ string, _ io.Writer) (int, error) {
	_, err := c.st.UpdateFormation(ctx, c.other.ID, []bera.FormationUpdate{{Type: "web", Quantity: &c.n}})
	return 0, err
}

// The limits are checked again when the formation is written: if the account was scaled up
// after the deploy's first check, app.json's quantities are left out instead of going over.
func TestDeploy_AppJSONFormationRecheckedAtWrite(t *testing.T) {
	var conv *scaleDuringRelease
	e := newDeployEnvWith(t, bera.FormationLimits{MaxPerAccount: 6}, func(st *store.Store) deploy.Converger {
		conv = &scaleDuringRelease{st: st, n: 4}
		return conv
	})
	other := e.app(t, "rc-other")
	if out, err := e.push(t, other, ""); err != nil {
		t.Fatalf("deploy: %v\n%s", err, out)
	}
	conv.other = other
	app := e.app(t, "rc-app")
	out, err := e.pushProcfile(t, app, "web: sleep 1000\nworker: sleep 1000\nrelease: true\n", `{"formation":{"worker":{"quantity":3}}}`)
	if err != nil {
		t.Fatalf("deploy: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Not applying app.json's formation: Cannot run 4 dynos") {
		t.Errorf("output lacks the warning:\n%s", out)
	}
	forms := e.formation(t, app)
	if forms["web"].Quantity != 1 || forms["worker"].Quantity != 0 {
		t.Fatalf("formation web=%d worker=%d, want 1 and 0", forms["web"].Quantity, forms["worker"].Quantity)
	}
}
