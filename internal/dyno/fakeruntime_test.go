package dyno_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime"
)

// fakeRuntime is a runtime.Runtime whose dynos live in memory and do what their config says,
// so the reconciler's timing can be tested in a synctest bubble, where real processes and
// sockets do not follow the fake clock. It is the fault-injection seam: a dyno's release
// config decides whether it binds its port (BIND: a delay, or "never"; default at once),
// exits on its own (EXIT_AFTER, EXIT_CODE), or ignores SIGTERM (IGNORE_TERM=1). Its dynos
// survive a restart of the reconciler: List returns them.
type fakeRuntime struct {
	startDelay time.Duration // how long each Start takes

	mu    sync.Mutex // guards the following
	dynos map[string]*fakeDyno
	ops   []op
	t0    time.Time
}

// op is one thing the reconciler had the runtime do, at a time since t0.
type op struct {
	at   time.Duration
	what string // "start web.1 <release config's V>", "stop web.1 v2 grace=30s"
}

func (o op) String() string { return fmt.Sprintf("%s@%s", o.what, o.at) }

type fakeDyno struct {
	spec   runtime.DynoSpec
	status runtime.Status
	bound  bool
	ignore bool          // IGNORE_TERM
	done   chan struct{} // closed when it exits
	timers []*time.Timer
}

func newFakeRuntime() *fakeRuntime {
	return &fakeRuntime{dynos: map[string]*fakeDyno{}, t0: time.Now()}
}

func (f *fakeRuntime) record(format string, args ...any) {
	f.ops = append(f.ops, op{at: time.Since(f.t0), what: fmt.Sprintf(format, args...)})
}

// opsLike returns the recorded operations whose text starts with prefix.
func (f *fakeRuntime) opsLike(prefix string) []op {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []op
	for _, o := range f.ops {
		if len(o.what) >= len(prefix) && o.what[:len(prefix)] == prefix {
			out = append(out, o)
		}
	}
	return out
}

func (f *fakeRuntime) Capabilities() runtime.Capabilities {
	return runtime.Capabilities{SurvivesRestart: true}
}

func (f *fakeRuntime) Start(ctx context.Context, spec runtime.DynoSpec) (runtime.Status, error) {
	if f.startDelay > 0 {
		select {
		case <-time.After(f.startDelay):
		case <-ctx.Done():
			return runtime.Status{}, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dynos[spec.ID] != nil {
		return runtime.Status{}, errors.New("dyno exists")
	}
	d := f.add(spec, runtime.StateRunning)
	f.record("start %s %s", spec.Name, spec.Env["V"])
	switch bind := spec.Env["BIND"]; bind {
	case "", "0s":
		d.bound = true
	case "never":
	default:
		delay, _ := time.ParseDuration(bind)
		d.timers = append(d.timers, time.AfterFunc(delay, func() { f.mu.Lock(); d.bound = true; f.mu.Unlock() }))
	}
	if after := spec.Env["EXIT_AFTER"]; after != "" {
		delay, _ := time.ParseDuration(after)
		code, _ := strconv.Atoi(spec.Env["EXIT_CODE"])
		d.timers = append(d.timers, time.AfterFunc(delay, func() { f.mu.Lock(); f.exit(d, code); f.mu.Unlock() }))
	}
	return d.status, nil
}

// add tracks a dyno; Start calls it, and tests to leave dynos as a previous server would.
// f.mu is held.
func (f *fakeRuntime) add(spec runtime.DynoSpec, state runtime.State) *fakeDyno {
	d := &fakeDyno{spec: spec, ignore: spec.Env["IGNORE_TERM"] == "1", done: make(chan struct{}),
		status: runtime.Status{ID: spec.ID, App: spec.App, AppID: spec.AppID, Name: spec.Name, Type: spec.Type,
			State: runtime.StateRunning, Addr: "fake:" + spec.ID, PID: 1, StartedAt: time.Now()}}
	f.dynos[spec.ID] = d
	if state == runtime.StateExited {
		f.exit(d, 1)
	}
	return d
}

// exit ends a running dyno with code. f.mu is held.
func (f *fakeRuntime) exit(d *fakeDyno, code int) {
	if d.status.State == runtime.StateExited {
		return
	}
	d.status.State, d.status.ExitCode, d.status.PID, d.status.ExitedAt = runtime.StateExited, code, 0, time.Now()
	d.bound = false
	for _, t := range d.timers {
		t.Stop()
	}
	close(d.done)
}

// probe is the reconciler's Config.Probe: a dyno's port is open once it bound.
func (f *fakeRuntime) probe(_ context.Context, addr string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.dynos {
		if d.status.Addr == addr && d.bound {
			return nil
		}
	}
	return errors.New("connection refused")
}

func (f *fakeRuntime) Stop(ctx context.Context, id string, grace time.Duration) (runtime.Status, error) {
	f.mu.Lock()
	d := f.dynos[id]
	if d == nil {
		f.mu.Unlock()
		return runtime.Status{}, runtime.NotFound(id)
	}
	f.record("stop %s %s grace=%s", d.spec.Name, d.spec.Env["V"], grace)
	ignore := d.ignore && d.status.State == runtime.StateRunning
	f.mu.Unlock()
	killed := false
	if ignore && grace > 0 {
		time.Sleep(grace) // SIGTERM is ignored: SIGKILL once the grace period is over
		killed = true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	code := 143
	if killed || grace == 0 {
		code = 137
	}
	f.exit(d, code)
	delete(f.dynos, id)
	st := d.status
	st.Killed = killed
	return st, nil
}

func (f *fakeRuntime) Signal(context.Context, string, syscall.Signal) error { return nil }

func (f *fakeRuntime) Inspect(_ context.Context, id string) (runtime.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d := f.dynos[id]; d != nil {
		return d.status, nil
	}
	return runtime.Status{}, runtime.NotFound(id)
}

func (f *fakeRuntime) Wait(ctx context.Context, id string) (runtime.Status, error) {
	f.mu.Lock()
	d := f.dynos[id]
	f.mu.Unlock()
	if d == nil {
		return runtime.Status{}, runtime.NotFound(id)
	}
	select {
	case <-d.done:
	case <-ctx.Done():
		return runtime.Status{}, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return d.status, nil
}

func (f *fakeRuntime) List(context.Context) ([]runtime.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []runtime.Status
	for _, id := range slices.Sorted(maps.Keys(f.dynos)) {
		out = append(out, f.dynos[id].status)
	}
	return out, nil
}

func (f *fakeRuntime) Close() error { return nil }

// running is "web.1:V ..." of the dynos the runtime runs (not exited), sorted.
func (f *fakeRuntime) running() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, d := range f.dynos {
		if d.status.State == runtime.StateRunning {
			out = append(out, d.spec.Name+":"+d.spec.Env["V"])
		}
	}
	slices.Sort(out)
	return out
}
