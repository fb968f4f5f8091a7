package runc_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

// TestAdoptedLostShim adopts a dyno whose shim was killed, so that no exit file will ever
// be written, and stops it: the runtime still notices the container's exit.
func TestAdoptedLostShim(t *testing.T) {
	e := runtimetest.NewEnv(t, newRuntime)
	spec := e.Spec("web.1", runtimetest.ServeCommand)
	e.MustStart(spec)
	e.MustAwait(spec.ID, "listening")
	if err := e.RT.Close(); err != nil {
		t.Fatal(err)
	}
	killShim(t, filepath.Join(e.State, "dynos", spec.ID))

	rt := newRuntime(t, e.State, nil)
	list, err := rt.List(t.Context())
	if err != nil || len(list) != 1 || list[0].State != runtime.StateRunning {
		t.Fatalf("List = %+v, %v; want the dyno running", list, err)
	}
	// Still running a while later: losing the shim is not an exit.
	time.Sleep(2500 * time.Millisecond)
	if st, err := rt.Inspect(t.Context(), spec.ID); err != nil || st.State != runtime.StateRunning {
		t.Fatalf("Inspect = %+v, %v; want running", st, err)
	}
	begin := time.Now()
	st, err := rt.Stop(t.Context(), spec.ID, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != runtime.StateExited || st.ExitCode != -1 || st.Killed {
		t.Errorf("Stop = %+v, want exited without a code and not killed", st)
	}
	if took := time.Since(begin); took > 20*time.Second {
		t.Errorf("Stop took %v", took)
	}
}

// killShim kills the shell that runs runc for the dyno in dir (a child of this process),
// leaving runc and the container running.
func killShim(t *testing.T, dir string) {
	t.Helper()
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range procs {
		stat, err := os.ReadFile(p)
		cmdline, err2 := os.ReadFile(filepath.Join(filepath.Dir(p), "cmdline"))
		if err != nil || err2 != nil || !bytes.Contains(cmdline, []byte(dir+"\x00")) {
			continue
		}
		// stat: pid (comm) state ppid ...
		fields := bytes.Fields(stat[bytes.LastIndexByte(stat, ')')+1:])
		if ppid, _ := strconv.Atoi(string(fields[1])); ppid != os.Getpid() {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal("no shim found")
}
