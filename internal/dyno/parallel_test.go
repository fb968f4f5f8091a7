package dyno_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/dyno"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/process"
)

// slowStarts is a runtime whose Start takes delay longer, like a container runtime's, and
// that counts how many Starts run at once.
type slowStarts struct {
	runtime.Runtime
	delay          time.Duration
	inFlight, most atomic.Int32
	started        atomic.Int32
}

func (s *slowStarts) Start(ctx context.Context, spec runtime.DynoSpec) (runtime.Status, error) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.most.Load()
		if n <= m || s.most.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(s.delay)
	st, err := s.Runtime.Start(ctx, spec)
	if err == nil {
		s.started.Add(1)
	}
	return st, err
}

// scalable is oneApp whose web quantity can change while the reconciler reads it.
type scalable struct {
	oneApp
	mu  sync.Mutex
	qty int
}

func (s *scalable) scale(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.qty = n
}

func (s *scalable) ListFormation(ctx context.Context, appID string) ([]*bera.Formation, error) {
	forms, err := s.oneApp.ListFormation(ctx, appID)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range forms {
		c := *f
		c.Quantity = s.qty
		forms[i] = &c
	}
	return forms, err
}

func (s *scalable) ListCurrent(ctx context.Context, appID string) ([]*bera.Current, error) {
	current, err := s.oneApp.ListCurrent(ctx, appID)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range current {
		for _, f := range c.Formation {
			f.Quantity = s.qty
		}
	}
	return current, err
}

// logLines collects the platform lines the reconciler logs.
type logLines struct {
	mu    sync.Mutex
	lines []string // "web.1: message"
}

func (l *logLines) add(_, _, dyno, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, dyno+": "+msg)
}

func (l *logLines) of(dyno string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		if msg, ok := strings.CutPrefix(line, dyno+": "); ok {
			out = append(out, msg)
		}
	}
	return out
}

type scaleEnv struct {
	st   *scalable
	rt   *slowStarts
	rec  *dyno.Reconciler
	logs *logLines
}

func newScaleEnv(t *testing.T, delay time.Duration, parallel int) *scaleEnv {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatalf("python3 is needed for a web dyno: %v", err)
	}
	st := &scalable{oneApp: oneApp{
		app:  &bera.App{ID: "app-scale", Name: "scale"},
		rel:  &bera.Release{ID: "0b9e6a3c-8a6f-4a57-9a2e-3f1f2c3d4e5f", AppID: "app-scale", Version: 3, SlugID: "slug-1", Config: map[string]string{"MODE": "good"}},
		form: &bera.Formation{AppID: "app-scale", Type: "web", Size: bera.DefaultDynoSize, Command: webCommand},
	}}
	proc := process.New(process.Config{})
	rt := &slowStarts{Runtime: proc, delay: delay}
	logs := &logLines{}
	rec := dyno.New(dyno.Config{Store: st, Runtime: rt, Slugs: slugDir(t.TempDir()), Interval: 100 * time.Millisecond,
		BootTimeout: 20 * time.Second, StopGrace: time.Second, ParallelStarts: parallel, Log: logs.add,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rec.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		proc.Close()
	})
	return &scaleEnv{st: st, rt: rt, rec: rec, logs: logs}
}

// states is "web.1:up web.2:starting ..." of the app's dynos.
func (e *scaleEnv) states() string {
	var s []string
	for _, d := range e.rec.Dynos(e.st.app.ID) {
		s = append(s, d.Name+":"+d.State)
	}
	return strings.Join(s, " ")
}

func (e *scaleEnv) waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			list, _ := e.rt.List(context.Background())
			t.Fatalf("%s: not reached; dynos %q, %d in the runtime", what, e.states(), len(list))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A scale to N starts the dynos side by side, at most ParallelStarts at once, and each
// dyno's platform lines come once and in order.
func TestReconciler_ScaleStartsDynosConcurrently(t *testing.T) {
	const n, parallel = 8, 4
	e := newScaleEnv(t, 300*time.Millisecond, parallel)
	e.st.scale(n)
	e.rec.Converge(e.st.app.ID)
	var want []string
	for i := 1; i <= n; i++ {
		want = append(want, fmt.Sprintf("web.%d:up", i))
	}
	e.waitFor(t, "all up", func() bool { return e.states() == strings.Join(want, " ") })

	if most := e.rt.most.Load(); most < 2 || most > parallel {
		t.Errorf("at most %d starts ran at once, want 2 to %d", most, parallel)
	}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("web.%d", i)
		got := strings.Join(e.logs.of(name), "\n")
		wantLog := "Starting process with command `" + webCommand + "`\nState changed from starting to up"
		if got != wantLog {
			t.Errorf("%s logged:\n%s\nwant:\n%s", name, got, wantLog)
		}
	}
	for _, b := range func() []dyno.Backend { up, _ := e.rec.Backends(e.st.app.ID); return up }() {
		if c, err := net.DialTimeout("tcp", b.Addr, 5*time.Second); err != nil {
			t.Errorf("%s at %s: %v", b.Name, b.Addr, err)
		} else {
			c.Close()
		}
	}
	if s := e.rt.started.Load(); s != n {
		t.Errorf("the runtime started %d dynos, want %d", s, n)
	}
}

// Dynos scaled away while their starts are still in progress are stopped once started,
// never left running untracked.
func TestReconciler_ScaleDownDuringStarts(t *testing.T) {
	e := newScaleEnv(t, 400*time.Millisecond, 3)
	e.st.scale(6)
	e.rec.Converge(e.st.app.ID)
	e.waitFor(t, "starting", func() bool { return e.rt.inFlight.Load() > 0 })
	e.st.scale(0)
	e.rec.Converge(e.st.app.ID)
	e.waitFor(t, "all gone", func() bool {
		list, err := e.rt.List(context.Background())
		return err == nil && len(list) == 0 && e.rt.inFlight.Load() == 0 && e.states() == ""
	})
	// And nothing comes back after the starts that were queued finished.
	time.Sleep(500 * time.Millisecond)
	if list, _ := e.rt.List(context.Background()); len(list) != 0 || e.states() != "" {
		t.Fatalf("dynos after the scale to 0: %q, %d in the runtime", e.states(), len(list))
	}
}
