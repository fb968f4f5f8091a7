package dyno_test

import (
	"context"
	"io"
	"log/slog"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/dyno"
	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/runtime/process"
)

// stateLines collects the "State changed" lines (and the rest) the reconciler logs.
type stateLines struct {
	mu    sync.Mutex
	lines []string // "web.1: message"
}

func (l *stateLines) add(_, source, dyno, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, source+" "+dyno+": "+msg)
}

func (l *stateLines) has(line string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Contains(l.lines, line)
}

// eventsEnv is a reconciler on the process runtime that publishes to a bus.
type eventsEnv struct {
	rec  *dyno.Reconciler
	sub  events.Subscription
	logs *stateLines
	app  *bera.App
	rel  *bera.Release
}

// newEventsEnv makes a reconciler of one app with a web dyno, its release's MODE set to
// mode; run starts it.
func newEventsEnv(t *testing.T, mode string) *eventsEnv {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatalf("python3 is needed for a web dyno: %v", err)
	}
	app := &bera.App{ID: "app-events", Name: "events"}
	rel := &bera.Release{ID: "5f1c2b3a-8a6f-4a57-9a2e-3f1f2c3d4e5f", AppID: app.ID, Version: 1, SlugID: "slug-1", Config: map[string]string{"MODE": mode}}
	st := oneApp{app: app, rel: rel, form: &bera.Formation{AppID: app.ID, Type: "web", Quantity: 1, Size: bera.DefaultDynoSize, Command: webCommand}}
	bus := events.NewInMem()
	sub, err := bus.Subscribe(t.Context(), []string{app.ID})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Close)
	proc := process.New(process.Config{})
	logs := &stateLines{}
	rec := dyno.New(dyno.Config{Store: st, Runtime: proc, Slugs: slugDir(t.TempDir()), Interval: 100 * time.Millisecond,
		BootTimeout: 20 * time.Second, StopGrace: time.Second, Log: logs.add, Events: bus,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(func() { proc.Close() })
	return &eventsEnv{rec: rec, sub: sub, logs: logs, app: app, rel: rel}
}

// run runs the reconciler until the test ends.
func (e *eventsEnv) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.rec.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// next returns the next DynoState event, failing after 30 s. By the time it arrives, the
// reconciler has written the matching "State changed" line: it logs, then publishes.
func (e *eventsEnv) next(t *testing.T) events.DynoState {
	t.Helper()
	select {
	case ev := <-e.sub.C():
		s, ok := ev.Payload.(events.DynoState)
		if !ok || ev.AppID != e.app.ID || ev.Time.IsZero() {
			t.Fatalf("event %+v, want a dyno state of %s", ev, e.app.ID)
		}
		if line := "heroku " + s.Dyno + ": State changed from " + s.From + " to " + s.To; !e.logs.has(line) {
			t.Errorf("published %+v without the log line %q", s, line)
		}
		return s
	case <-time.After(30 * time.Second):
		t.Fatal("no dyno state event within 30 s")
	}
	return events.DynoState{}
}

// The reconciler publishes every state change of a dyno as a typed DynoState event, next to
// the "State changed" line Heroku shows in the app's log: a web dyno that boots goes from
// starting to up; one whose command exits goes from starting to crashed.
func TestReconciler_PublishesDynoStates(t *testing.T) {
	for _, tt := range []struct{ mode, to string }{{"good", bera.DynoUp}, {"bad", bera.DynoCrashed}} {
		t.Run(tt.mode, func(t *testing.T) {
			e := newEventsEnv(t, tt.mode)
			e.run(t)
			e.rec.Converge(e.app.ID)
			want := events.DynoState{Dyno: "web.1", From: bera.DynoStarting, To: tt.to}
			if got := e.next(t); got != want {
				t.Errorf("first state change %+v, want %+v", got, want)
			}
		})
	}
}

// A release-phase dyno (RunOnce) publishes starting → up → complete.
func TestRunOnce_PublishesDynoStates(t *testing.T) {
	e := newEventsEnv(t, "good")
	code, err := e.rec.RunOnce(t.Context(), e.app.ID, e.rel, "release.1", "echo migrated", io.Discard)
	if err != nil || code != 0 {
		t.Fatalf("RunOnce: %d, %v", code, err)
	}
	for _, want := range []events.DynoState{{Dyno: "release.1", From: "starting", To: "up"}, {Dyno: "release.1", From: "up", To: "complete"}} {
		if got := e.next(t); got != want {
			t.Errorf("state change %+v, want %+v", got, want)
		}
	}
}
