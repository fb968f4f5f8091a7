// Package runtimetest is the conformance suite every runtime backend passes: Run starts
// real dynos on the backend and checks the behaviours the reconciler relies on.
package runtimetest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/runtime"
)

// Factory returns a fresh runtime keeping its state in stateDir and sending output lines
// to output. Called twice with the same stateDir, the second runtime must see what the
// first left running (for backends that survive restarts). The factory registers the
// runtime's Close with t.Cleanup.
type Factory func(t *testing.T, stateDir string, output func(runtime.Line)) runtime.Runtime

// Env is one test's runtime, output and slug.
type Env struct {
	T     *testing.T
	RT    runtime.Runtime
	Out   *Collector
	Slug  string
	State string
	// AppID is the app id of the dynos Spec makes: "app-" + the test's name.
	AppID   string
	factory Factory
}

// NewEnv makes a runtime with a fresh state dir and a test slug.
func NewEnv(t *testing.T, f Factory) *Env {
	t.Helper()
	e := &Env{T: t, Out: NewCollector(), Slug: MustSlug(t), State: t.TempDir(), AppID: "app-" + t.Name(), factory: f}
	e.RT = f(t, e.State, e.Out.Add)
	return e
}

// For returns a copy of e that reports to t, for subtests sharing one runtime.
func (e *Env) For(t *testing.T) *Env {
	c := *e
	c.T = t
	return &c
}

// Spec returns a dyno spec for command on the test slug, with a unique id.
func (e *Env) Spec(name, command string) runtime.DynoSpec {
	b := make([]byte, 4)
	rand.Read(b)
	return runtime.DynoSpec{
		ID: "t" + hex.EncodeToString(b), App: "conformance", AppID: e.AppID,
		Name: name, Type: strings.Split(name, ".")[0], Command: command, SlugDir: e.Slug,
		Env: map[string]string{"GREETING": "hi there"},
	}
}

// MustStart starts spec and stops the dyno when the test ends.
func (e *Env) MustStart(spec runtime.DynoSpec) runtime.Status {
	e.T.Helper()
	st, err := e.RT.Start(e.T.Context(), spec)
	if err != nil {
		e.T.Fatalf("Start(%s): %v", spec.Name, err)
	}
	e.T.Cleanup(func() { e.RT.Stop(context.Background(), spec.ID, 0) })
	return st
}

// MustWait waits for the dyno to exit.
func (e *Env) MustWait(id string) runtime.Status {
	e.T.Helper()
	st, err := e.RT.Wait(e.T.Context(), id)
	if err != nil {
		e.T.Fatalf("Wait(%s): %v", id, err)
	}
	return st
}

// MustAwait waits for a line containing substr from dyno id.
func (e *Env) MustAwait(id, substr string) {
	e.T.Helper()
	if !e.Out.Await(e.T.Context(), id, substr) {
		e.T.Fatalf("dyno %s never printed %q", id, substr)
	}
}

// MustGet connects to addr and returns the first line the test app answers.
func MustGet(tb testing.TB, addr string) string {
	tb.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatalf("dial dyno: %v", err)
	}
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		tb.Fatalf("read from dyno: %v", err)
	}
	return strings.TrimSpace(line)
}

// ServeCommand is the command of a dyno that listens on $PORT.
const ServeCommand = Python + " app.py serve"

// Run runs the conformance suite against the backend made by f.
func Run(t *testing.T, f Factory) {
	t.Run("ServesOnPort", func(t *testing.T) { testServesOnPort(t, f) })
	t.Run("Output", func(t *testing.T) { testOutput(t, f) })
	t.Run("FastOutput", func(t *testing.T) { testFastOutput(t, f) })
	t.Run("ExitCode", func(t *testing.T) { testExitCode(t, f) })
	t.Run("Env", func(t *testing.T) { testEnv(t, f) })
	t.Run("StopTerm", func(t *testing.T) { testStopTerm(t, f) })
	t.Run("StopKill", func(t *testing.T) { testStopKill(t, f) })
	t.Run("Signal", func(t *testing.T) { testSignal(t, f) })
	t.Run("Errors", func(t *testing.T) { testErrors(t, f) })
	t.Run("Attach", func(t *testing.T) { testAttach(t, f) })
	t.Run("OOM", func(t *testing.T) { testOOM(t, f) })
	t.Run("Adopt", func(t *testing.T) { testAdopt(t, f) })
	t.Run("Usage", func(t *testing.T) { testUsage(t, f) })
}

func testServesOnPort(t *testing.T, f Factory) {
	e := NewEnv(t, f)
	a, b := e.Spec("web.1", ServeCommand), e.Spec("web.2", ServeCommand)
	sa, sb := e.MustStart(a), e.MustStart(b)
	if sa.State != runtime.StateRunning || sa.Addr == "" || sa.PID == 0 {
		t.Fatalf("Start status = %+v, want running with addr and pid", sa)
	}
	if sa.Addr == sb.Addr {
		t.Fatalf("two dynos share the address %s", sa.Addr)
	}
	e.MustAwait(a.ID, "listening")
	e.MustAwait(b.ID, "listening")
	if got, want := MustGet(t, sa.Addr), "hello from web.1"; got != want {
		t.Errorf("web.1 answered %q, want %q", got, want)
	}
	if got, want := MustGet(t, sb.Addr), "hello from web.2"; got != want {
		t.Errorf("web.2 answered %q, want %q", got, want)
	}
	e.MustAwait(a.ID, "request 1")
	st, err := e.RT.Inspect(t.Context(), a.ID)
	if err != nil || st.State != runtime.StateRunning || st.Addr != sa.Addr {
		t.Errorf("Inspect = %+v, %v; want running at %s", st, err, sa.Addr)
	}
}

func testOutput(t *testing.T, f Factory) {
	e := NewEnv(t, f)
	spec := e.Spec("run.1", `echo one; echo two >&2; printf 'three\r\n'; printf 'no newline'`)
	e.MustStart(spec)
	e.MustWait(spec.ID)
	if got, want := strings.Join(e.Out.Lines(spec.ID, runtime.Stdout), "|"), "one|three|no newline"; got != want {
		t.Errorf("stdout lines = %q, want %q", got, want)
	}
	if got, want := strings.Join(e.Out.Lines(spec.ID, runtime.Stderr), "|"), "two"; got != want {
		t.Errorf("stderr lines = %q, want %q", got, want)
	}
}

func testFastOutput(t *testing.T, f Factory) {
	e := NewEnv(t, f)
	const n = 50000
	spec := e.Spec("run.1", fmt.Sprintf("seq 1 %d", n))
	e.MustStart(spec)
	e.MustWait(spec.ID)
	lines := e.Out.Lines(spec.ID, runtime.Stdout)
	if len(lines) != n {
		t.Fatalf("got %d lines, want %d", len(lines), n)
	}
	for i, l := range lines {
		if l != fmt.Sprint(i+1) {
			t.Fatalf("line %d = %q, want %d", i, l, i+1)
		}
	}
}

func testExitCode(t *testing.T, f Factory) {
	for _, code := range []int{0, 3, 42} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			e := NewEnv(t, f)
			spec := e.Spec("run.1", fmt.Sprintf("exit %d", code))
			e.MustStart(spec)
			st := e.MustWait(spec.ID)
			if st.State != runtime.StateExited || st.ExitCode != code || st.OOMKilled {
				t.Errorf("status = %+v, want exited with %d", st, code)
			}
			if st, _ := e.RT.Inspect(t.Context(), spec.ID); st.State != runtime.StateExited {
				t.Errorf("Inspect after exit: state %q, want exited (known until Stop)", st.State)
			}
		})
	}
}

func testEnv(t *testing.T, f Factory) {
	e := NewEnv(t, f)
	spec := e.Spec("worker.7", `echo "dyno=$DYNO port=$PORT greeting=$GREETING"`)
	spec.Port = 5123
	e.MustStart(spec)
	e.MustWait(spec.ID)
	want := "dyno=worker.7 port=5123 greeting=hi there"
	if got := strings.Join(e.Out.Lines(spec.ID, runtime.Stdout), "|"); got != want {
		t.Errorf("env line = %q, want %q", got, want)
	}
}

func testStopTerm(t *testing.T, f Factory) {
	e := NewEnv(t, f)
	spec := e.Spec("web.1", ServeCommand)
	e.MustStart(spec)
	e.MustAwait(spec.ID, "listening")
	st, err := e.RT.Stop(t.Context(), spec.ID, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != runtime.StateExited || st.ExitCode != 143 || st.Killed {
		t.Errorf("Stop = %+v, want exited 143 without kill", st)
	}
	if _, err := e.RT.Inspect(t.Context(), spec.ID); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Inspect after Stop: %v, want ErrNotFound", err)
	}
}

func testStopKill(t *testing.T, f Factory) {
	e := NewEnv(t, f)
	spec := e.Spec("web.1", `trap '' TERM; echo ready; sleep 1000`)
	e.MustStart(spec)
	e.MustAwait(spec.ID, "ready")
	st, err := e.RT.Stop(t.Context(), spec.ID, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if st.ExitCode != 137 || !st.Killed {
		t.Errorf("Stop = %+v, want exit 137, killed", st)
	}
}

func testSignal(t *testing.T, f Factory) {
	e := NewEnv(t, f)
	// A child of the shell, not the shell (pid 1 under runc, shielded by the kernel), gets it.
	spec2 := e.Spec("worker.2", Python+` -c "import signal,sys; signal.signal(signal.SIGUSR1, lambda *a: sys.exit(7)); print('ready', flush=True); signal.pause()"`)
	e.MustStart(spec2)
	e.MustAwait(spec2.ID, "ready")
	if err := e.RT.Signal(t.Context(), spec2.ID, syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if st := e.MustWait(spec2.ID); st.ExitCode != 7 {
		t.Errorf("exit code after SIGUSR1 = %d, want 7", st.ExitCode)
	}
}

func testErrors(t *testing.T, f Factory) {
	e := NewEnv(t, f)
	if _, err := e.RT.Inspect(t.Context(), "nope"); !errors.Is(err, runtime.ErrNotFound) || bera.ErrorCode(err) != bera.ENotFound {
		t.Errorf("Inspect(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := e.RT.Stop(t.Context(), "nope", 0); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Stop(unknown) = %v, want ErrNotFound", err)
	}
	bad := e.Spec("web.1", "true")
	bad.ID = "../escape"
	if _, err := e.RT.Start(t.Context(), bad); bera.ErrorCode(err) != bera.EInvalid {
		t.Errorf("Start(bad id) = %v, want invalid_params", err)
	}
	spec := e.Spec("web.1", "sleep 1000")
	e.MustStart(spec)
	if _, err := e.RT.Start(t.Context(), spec); bera.ErrorCode(err) != bera.EConflict {
		t.Errorf("Start(same id) = %v, want conflict", err)
	}
}
