package deploy_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/deploy"
	"github.com/kingvon-ke/bera/internal/slug/slugfs"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// phaseRunner stands for the dyno reconciler: its release phase exits with code after
// calling during, and it records what the deploy asked of it.
type phaseRunner struct {
	code   int
	during func(rel *bera.Release, name, command string)

	mu        sync.Mutex // guards the following
	converged int
	waited    []string
}

func (p *phaseRunner) Converge(string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.converged++
}

func (p *phaseRunner) WaitRelease(_ context.Context, _, releaseID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.waited = append(p.waited, releaseID)
	return nil
}

func (p *phaseRunner) RunOnce(_ context.Context, _ string, rel *bera.Release, name, command string, out io.Writer) (int, error) {
	if p.during != nil {
		p.during(rel, name, command)
	}
	fmt.Fprintln(out, "migrating")
	return p.code, nil
}

// releaseEnv is a deployEnv whose app log is recorded and whose dynos are a phaseRunner.
type releaseEnv struct {
	*deployEnv
	conv *phaseRunner
	mu   sync.Mutex // guards logs
	logs []string
}

func newReleaseEnv(t *testing.T) *releaseEnv {
	t.Helper()
	st := storetest.OpenSQLite(t)
	slugs, err := slugfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	user := &bera.User{Email: "owner@example.com"}
	if err := st.CreateUser(t.Context(), user); err != nil {
		t.Fatal(err)
	}
	e := &releaseEnv{conv: &phaseRunner{}}
	d := deploy.New(deploy.Config{Store: st, Slugs: slugs, DataDir: t.TempDir(), Converger: e.conv,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Log: func(_, msg string) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.logs = append(e.logs, msg)
		}})
	e.deployEnv = &deployEnv{st: st, d: d, user: user}
	return e
}

// current renders the app's current release and formation commands.
func current(t *testing.T, st *store.Store, app *bera.App) string {
	t.Helper()
	rel, err := st.CurrentRelease(context.Background(), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	forms, err := st.ListFormation(context.Background(), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	s := fmt.Sprintf("v%d", rel.Version)
	for _, f := range forms {
		s += fmt.Sprintf(" %s=%s", f.Type, f.Command)
	}
	return s
}

// A deploy makes the next release from the built slug, with the app's config as it is when
// the release is written, and the slug's process types (not the release phase) as the
// formation; it logs the release and waits for its dynos.
func TestDeploy_CreatesRelease(t *testing.T) {
	e := newReleaseEnv(t)
	app := e.app(t, "rel-deploy")
	if out, err := e.pushProcfile(t, app, "web: serve-1\n", ""); err != nil {
		t.Fatalf("deploy: %v\n%s", err, out)
	}
	if _, _, err := e.st.UpdateConfigVars(t.Context(), app.ID, e.user.ID, []bera.ConfigChange{{Key: "A", Value: ptr("1")}}); err != nil {
		t.Fatal(err)
	}
	out, err := e.pushProcfile(t, app, "web: serve-2\nworker: work\n", "")
	if err != nil {
		t.Fatalf("deploy: %v\n%s", err, out)
	}
	if got, want := current(t, e.st, app), "v4 web=serve-2 worker=work"; got != want {
		t.Errorf("current = %q, want %q", got, want)
	}
	rel, err := e.st.CurrentRelease(t.Context(), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	builds, err := e.st.ListBuilds(t.Context(), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := builds[len(builds)-1]
	if rel.Description != "Deploy aaaaaaaa" || rel.Config["A"] != "1" || rel.UserID != e.user.ID ||
		rel.SlugID == "" || last.ReleaseID != rel.ID || last.SlugID != rel.SlugID || last.Status != bera.BuildSucceeded {
		t.Errorf("release %+v, build %+v", rel, last)
	}
	if !strings.Contains(out, "Released v4") {
		t.Errorf("output lacks \"Released v4\":\n%s", out)
	}
	e.mu.Lock()
	logs := strings.Join(e.logs, "\n")
	e.mu.Unlock()
	if !strings.HasSuffix(logs, "Deploy aaaaaaaa by user owner@example.com\nRelease v4 created by user owner@example.com") {
		t.Errorf("app log:\n%s", logs)
	}
	// One converge per deploy, and the deploy waited for its release's dynos.
	if e.conv.converged != 2 || len(e.conv.waited) != 2 || e.conv.waited[1] != rel.ID {
		t.Errorf("%d converges, waited for %v", e.conv.converged, e.conv.waited)
	}
}

// The release phase runs the Procfile's release command against the new release while the
// previous one, with its commands, stays current; the release becomes current, with its
// process types, once the command succeeded.
func TestDeploy_ReleasePhase(t *testing.T) {
	e := newReleaseEnv(t)
	app := e.app(t, "rel-phase")
	if out, err := e.pushProcfile(t, app, "web: serve-1\n", ""); err != nil {
		t.Fatalf("deploy: %v\n%s", err, out)
	}
	var during, ran string
	e.conv.during = func(rel *bera.Release, name, command string) {
		during = current(t, e.st, app)
		ran = fmt.Sprintf("%s %s %s v%d", name, command, rel.Status, rel.Version)
	}
	out, err := e.pushProcfile(t, app, "web: serve-2\nrelease: ./migrate\n", "")
	if err != nil {
		t.Fatalf("deploy: %v\n%s", err, out)
	}
	if want := "v2 web=serve-1"; during != want {
		t.Errorf("during the release phase current = %q, want %q", during, want)
	}
	if want := "release.3 ./migrate pending v3"; ran != want {
		t.Errorf("release phase ran %q, want %q", ran, want)
	}
	if got, want := current(t, e.st, app), "v3 web=serve-2"; got != want {
		t.Errorf("after the release phase current = %q, want %q", got, want)
	}
	if !strings.Contains(out, "-----> Running release command...\n       migrating\n") || !strings.Contains(out, "Released v3") {
		t.Errorf("output:\n%s", out)
	}
}

// A failed release command fails the deploy: the release is marked failed, the previous
// release and its commands keep running, and nothing is logged as released.
func TestDeploy_ReleasePhaseFails(t *testing.T) {
	e := newReleaseEnv(t)
	app := e.app(t, "rel-fail")
	if out, err := e.pushProcfile(t, app, "web: serve-1\n", ""); err != nil {
		t.Fatalf("deploy: %v\n%s", err, out)
	}
	e.conv.code = 1
	out, err := e.pushProcfile(t, app, "web: serve-2\nrelease: ./migrate\n", "")
	want := "Release command failed (exit status 1): v3 was not deployed; v3's predecessor keeps running."
	if bera.ErrorMessage(err) != want {
		t.Fatalf("deploy = %v, want %q\n%s", err, want, out)
	}
	rel, err := e.st.Release(t.Context(), app.ID, "3")
	if err != nil || rel.Status != bera.ReleaseFailed {
		t.Fatalf("v3 = %+v (%v), want failed", rel, err)
	}
	if got, want := current(t, e.st, app), "v2 web=serve-1"; got != want {
		t.Errorf("current = %q, want %q", got, want)
	}
	builds, err := e.st.ListBuilds(t.Context(), app.ID)
	if err != nil || builds[len(builds)-1].Status != bera.BuildFailed {
		t.Errorf("last build = %+v (%v), want failed", builds[len(builds)-1], err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, line := range e.logs {
		if strings.Contains(line, "v3") {
			t.Errorf("app log has %q", line)
		}
	}
	if e.conv.converged != 1 {
		t.Errorf("%d converges, want 1 (the first deploy's)", e.conv.converged)
	}
}

func ptr[T any](v T) *T { return &v }
