package oneoff_test

import (
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/oneoff"
	"github.com/kingvon-ke/bera/internal/runtime/process"
)

// newPublishingManager is newManager with the manager's events on a bus, followed for app.
func newPublishingManager(t *testing.T) (*oneoff.Manager, events.Subscription) {
	t.Helper()
	rt := process.New(process.Config{})
	t.Cleanup(func() { rt.Close() })
	bus := events.NewInMem()
	sub, err := bus.Subscribe(t.Context(), []string{app.ID})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Close)
	rels := releases{{ID: "r1", Version: 2, SlugID: "s1", Current: true}}
	m := oneoff.New(oneoff.Config{Runtime: rt, Releases: rels, Slugs: slugDir(t.TempDir()), Events: bus})
	t.Cleanup(func() { m.Close() })
	return m, sub
}

// wantStates reads the next dyno state events from sub and compares them with want.
func wantStates(t *testing.T, sub events.Subscription, want ...events.DynoState) {
	t.Helper()
	for _, w := range want {
		select {
		case e := <-sub.C():
			if e.Payload != w || e.AppID != app.ID || e.Time.IsZero() {
				t.Errorf("event %+v, want %+v of %s", e, w, app.ID)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no event within 30 s, want %+v", w)
		}
	}
}

// A one-off dyno publishes its state changes as typed DynoState events: a detached run goes
// starting → up → complete; an attached one whose client never came, stopped, goes from
// starting to complete.
func TestManager_PublishesDynoStates(t *testing.T) {
	m, sub := newPublishingManager(t)
	d, _, err := m.Create(t.Context(), app, oneoff.Options{Command: "echo hi"})
	if err != nil {
		t.Fatal(err)
	}
	wantStates(t, sub, events.DynoState{Dyno: d.Name, From: bera.DynoStarting, To: bera.DynoUp},
		events.DynoState{Dyno: d.Name, From: bera.DynoUp, To: "complete"})

	d, _, err = m.Create(t.Context(), app, oneoff.Options{Command: "echo never", Attach: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Stop(t.Context(), app.ID, d.Name); err != nil {
		t.Fatal(err)
	}
	wantStates(t, sub, events.DynoState{Dyno: d.Name, From: bera.DynoStarting, To: "complete"})
}
