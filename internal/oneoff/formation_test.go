package oneoff_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/oneoff"
)

// formation is the reconciler's side: fixed dynos, and the restarts and passes asked of it.
type formation struct {
	dynos     []bera.Dyno
	restarts  []string
	converged []string
}

func (f *formation) Dynos(string) []bera.Dyno     { return slices.Clone(f.dynos) }
func (f *formation) Converge(appID string)        { f.converged = append(f.converged, appID) }
func (f *formation) Restart(appID, target string) { f.restarts = append(f.restarts, target) }

func TestManager_WithFormation(t *testing.T) {
	m, logs := newManager(t)
	run, _, err := m.Create(t.Context(), app, oneoff.Options{Command: "sleep 300"})
	if err != nil {
		t.Fatal(err)
	}
	f := &formation{dynos: []bera.Dyno{{ID: "w1", Name: "web.1", Type: "web", State: bera.DynoUp}}}
	all := m.WithFormation(f)

	var names []string
	for _, d := range all.Dynos(app.ID) {
		names = append(names, d.Name)
	}
	if want := []string{"web.1", run.Name}; !slices.Equal(names, want) {
		t.Errorf("Dynos=%v, want %v (formation first)", names, want)
	}

	// Formation targets go to the reconciler; a one-off dyno's name stops it.
	for _, target := range []string{"", "web", "web.1", run.Name} {
		all.Restart(app.ID, target)
	}
	if want := []string{"", "web", "web.1"}; !slices.Equal(f.restarts, want) {
		t.Errorf("reconciler restarts=%q, want %q", f.restarts, want)
	}
	if want := "heroku[" + run.Name + "]: Stopping all processes with SIGTERM"; !strings.Contains(logs.String(), want) {
		t.Errorf("restarting %s did not stop it; logs lack %q:\n%s", run.Name, want, logs)
	}
	m.Close() // waits for the watcher, which forgets the stopped dyno
	if got := m.Dynos(app.ID); len(got) != 0 {
		t.Errorf("one-off dynos after restarting %s: %+v, want none", run.Name, got)
	}
	// Once stopped, the name is no one-off dyno's: the reconciler gets it.
	all.Restart(app.ID, run.Name)
	if got := f.restarts[len(f.restarts)-1]; got != run.Name {
		t.Errorf("last reconciler restart=%q, want %q", got, run.Name)
	}
	all.Converge(app.ID)
	if !slices.Equal(f.converged, []string{app.ID}) {
		t.Errorf("converged=%v, want [%s]", f.converged, app.ID)
	}
}
