package runtimetest

// Behaviours that depend on what a backend offers: Attacher, Capabilities.ReportsOOM and
// Capabilities.SurvivesRestart. Backends without them skip these tests.

import (
	"bufio"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/runtime"
)

func testAttach(t *testing.T, f Factory) {
	t.Run("Pipes", func(t *testing.T) {
		e := NewEnv(t, f)
		s := mustAttach(e, e.Spec("run.1", "read x; echo got $x; echo oops >&2"), false)
		io.WriteString(s.Stdin, "ping\n")
		if got := readLine(t, s.Stdout); got != "got ping" {
			t.Errorf("stdout = %q, want %q", got, "got ping")
		}
		if got := readLine(t, s.Stderr); got != "oops" {
			t.Errorf("stderr = %q, want oops", got)
		}
		if st := e.MustWait(s.ID); st.ExitCode != 0 {
			t.Errorf("exit code %d, want 0", st.ExitCode)
		}
	})
	t.Run("TTY", func(t *testing.T) {
		e := NewEnv(t, f)
		s := mustAttach(e, e.Spec("run.1", `if [ -t 0 ] && [ -t 1 ]; then echo is-a-tty; fi; while read x; do stty size; done`), true)
		out := bufio.NewReader(s.Stdout)
		readUntil(t, out, "is-a-tty")
		if err := s.Resize(30, 100); err != nil {
			t.Fatal(err)
		}
		// A resize may reach the process a moment later (runc passes SIGWINCH on to the
		// container's own terminal): ask for the size until it shows.
		stop := make(chan struct{})
		var asking sync.WaitGroup
		asking.Go(func() {
			for {
				io.WriteString(s.Stdin, "go\n")
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		})
		readUntil(t, out, "30 100")
		close(stop)
		asking.Wait()
		io.WriteString(s.Stdin, "\x04") // end of input: the loop, and the dyno, end
		e.MustWait(s.ID)
	})
}

func mustAttach(e *Env, spec runtime.DynoSpec, tty bool) *runtime.Session {
	e.T.Helper()
	a, ok := e.RT.(runtime.Attacher)
	if !ok {
		e.T.Skip("backend does not implement runtime.Attacher")
	}
	s, err := a.Attach(e.T.Context(), spec, tty)
	if err != nil {
		e.T.Fatalf("Attach: %v", err)
	}
	e.T.Cleanup(func() { s.Close(); e.RT.Stop(e.T.Context(), spec.ID, 0) })
	return s
}

// readUntil reads lines (a tty echoes input) until one equals want.
func readUntil(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	var seen []string
	for {
		line, err := r.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line == want {
			return
		}
		seen = append(seen, line)
		if err != nil {
			t.Fatalf("no line %q in attached output %q: %v", want, seen, err)
		}
	}
}

func readLine(t *testing.T, r io.Reader) string {
	t.Helper()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("read attached output: %v (got %q)", err, line)
	}
	return strings.TrimRight(line, "\r\n")
}

func testOOM(t *testing.T, f Factory) {
	e := NewEnv(t, f)
	if !e.RT.Capabilities().ReportsOOM {
		t.Skip("backend does not limit memory")
	}
	spec := e.Spec("worker.1", Python+" app.py hog")
	spec.Size = bera.DynoSize{Name: "test", MemoryMB: 64, CPUShare: 256, PIDs: 64}
	e.MustStart(spec)
	st := e.MustWait(spec.ID)
	if !st.OOMKilled || st.ExitCode != 137 {
		t.Errorf("status = %+v, want OOM-killed with 137", st)
	}
}

func testAdopt(t *testing.T, f Factory) {
	e := NewEnv(t, f)
	if !e.RT.Capabilities().SurvivesRestart {
		t.Skip("backend dynos die with the server")
	}
	spec := e.Spec("web.1", ServeCommand)
	started := e.MustStart(spec)
	e.MustAwait(spec.ID, "listening")
	if err := e.RT.Close(); err != nil {
		t.Fatal(err)
	}
	out2 := NewCollector()
	rt2 := e.factory(t, e.State, out2.Add)
	list, err := rt2.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != spec.ID || list[0].State != runtime.StateRunning || list[0].Addr != started.Addr || list[0].Name != "web.1" {
		t.Fatalf("List after restart = %+v, want web.1 running at %s", list, started.Addr)
	}
	if got := MustGet(t, started.Addr); got != "hello from web.1" {
		t.Errorf("adopted dyno answered %q", got)
	}
	if !out2.Await(t.Context(), spec.ID, "request 1") {
		t.Error("adopted dyno's output did not reach the new runtime")
	}
	if lines := out2.Lines(spec.ID, runtime.Stdout); len(lines) != 1 {
		t.Errorf("new runtime got lines %q, want only the new one", lines)
	}
	st, err := rt2.Stop(t.Context(), spec.ID, time.Minute)
	if err != nil || st.ExitCode != 143 {
		t.Errorf("Stop adopted = %+v, %v; want exit 143", st, err)
	}
}
