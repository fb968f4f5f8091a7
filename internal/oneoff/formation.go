package oneoff

import (
	"context"

	"github.com/kingvon-ke/bera"
)

// Formation is an app's formation dynos, which the reconciler keeps; *dyno.Reconciler
// satisfies it, and so does the value WithFormation returns (api.Dynos has this shape).
type Formation interface {
	// Dynos lists the app's dynos.
	Dynos(appID string) []bera.Dyno
	// Converge asks for a pass over the app.
	Converge(appID string)
	// Restart replaces the app's dynos: all when target is "", else of a type or one by name.
	Restart(appID, target string)
}

// WithFormation returns the dynos of f and m as one list, as `heroku ps` shows them:
// formation dynos first, then one-off dynos. Restarting a one-off dyno by name (DELETE
// /apps/{app}/dynos/run.N) stops it, since a one-off dyno is not restarted; every other
// restart, and Converge, goes to f.
func (m *Manager) WithFormation(f Formation) Formation { return withFormation{f: f, m: m} }

type withFormation struct {
	f Formation
	m *Manager
}

func (w withFormation) Dynos(appID string) []bera.Dyno {
	return append(w.f.Dynos(appID), w.m.Dynos(appID)...)
}

func (w withFormation) Converge(appID string) { w.f.Converge(appID) }

func (w withFormation) Restart(appID, target string) {
	if target != "" && w.m.Has(appID, target) {
		w.m.Stop(context.Background(), appID, target)
		return
	}
	w.f.Restart(appID, target)
}
