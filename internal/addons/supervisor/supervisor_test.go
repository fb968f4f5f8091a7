package supervisor_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/addons/supervisor"
)

// shSpec runs a shell that writes its pid file and waits, standing in for a server.
func shSpec(t *testing.T) supervisor.Spec {
	dir := t.TempDir()
	return supervisor.Spec{
		ID: "inst", Path: "/bin/sh", Dir: dir,
		Args:    []string{"-c", `echo $$ > pid; while :; do sleep 0.05; done`},
		PIDFile: filepath.Join(dir, "pid"), Log: filepath.Join(dir, "log"),
		Owner: addons.Owner{UID: os.Geteuid(), GID: os.Getegid()},
	}
}

func newSupervisor(t *testing.T) *supervisor.Supervisor {
	s := supervisor.New(supervisor.Config{Poll: 10 * time.Millisecond, Backoff: 10 * time.Millisecond, StopTimeout: 5 * time.Second})
	t.Cleanup(func() { s.Close() })
	return s
}

// eventually polls cond until it holds or 10 s have passed.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

func processAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !bytes.Contains(b, []byte(") Z "))
}

func TestSupervisor_RestartAdoptStop(t *testing.T) {
	spec := shSpec(t)
	s := newSupervisor(t)
	if adopted, err := s.Start(spec); err != nil || adopted {
		t.Fatalf("Start=%v, %v, want a new process", adopted, err)
	}
	if _, err := s.Start(spec); err != supervisor.ErrSupervised {
		t.Fatalf("second Start err=%v, want ErrSupervised", err)
	}
	first, _ := s.PID(spec.ID)
	eventually(t, "the pid file is written", func() bool { _, err := os.Stat(spec.PIDFile); return err == nil })

	syscall.Kill(first, syscall.SIGKILL)
	var second int
	eventually(t, "the killed process is restarted", func() bool {
		second, _ = s.PID(spec.ID)
		return second != first && processAlive(second) && pidFile(t, spec) == second
	})

	// Close leaves the process running; a new Supervisor adopts it.
	s.Close()
	if !processAlive(second) {
		t.Fatal("Close stopped the process")
	}
	s2 := newSupervisor(t)
	if adopted, err := s2.Start(spec); err != nil || !adopted {
		t.Fatalf("Start after Close=%v, %v, want adopted", adopted, err)
	}
	if pid, _ := s2.PID(spec.ID); pid != second {
		t.Fatalf("adopted pid %d, want %d", pid, second)
	}
	if err := s2.Stop(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	if processAlive(second) {
		t.Fatal("Stop left the process running")
	}
	if _, ok := s2.PID(spec.ID); ok {
		t.Fatal("PID reported a stopped instance")
	}
}

func TestSupervisor_StopUnsupervised(t *testing.T) {
	spec := shSpec(t)
	s := newSupervisor(t)
	s.Start(spec)
	pid, _ := s.PID(spec.ID)
	eventually(t, "the pid file is written", func() bool { return pidFile(t, spec) == pid })
	s.Close()
	// Stop after Close, and a later Supervisor that never started the instance, find it
	// through its pid file.
	if err := s.Stop(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	if processAlive(pid) {
		t.Fatal("Stop after Close left the process running")
	}
	s2 := newSupervisor(t)
	s2.Start(spec)
	pid, _ = s2.PID(spec.ID)
	eventually(t, "the pid file is written", func() bool { return pidFile(t, spec) == pid })
	s2.Close()
	s3 := newSupervisor(t)
	if err := s3.Stop(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	if processAlive(pid) {
		t.Fatal("Stop left an unsupervised process running")
	}
}

func TestSupervisor_StaleNotAdopted(t *testing.T) {
	spec := shSpec(t)
	// A pid file left by a reboot naming a process that is not ours: this test process.
	os.WriteFile(spec.PIDFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
	s := newSupervisor(t)
	if adopted, err := s.Start(spec); err != nil || adopted {
		t.Fatalf("Start=%v, %v, want a new process", adopted, err)
	}
	if pid, _ := s.PID(spec.ID); pid == os.Getpid() {
		t.Fatal("adopted a foreign process")
	}
	if err := s.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func pidFile(t *testing.T, spec supervisor.Spec) int {
	b, _ := os.ReadFile(spec.PIDFile)
	n, _ := strconv.Atoi(string(bytes.TrimSpace(b)))
	return n
}

func TestSupervisor_ShutdownCanceled(t *testing.T) {
	spec := shSpec(t)
	s := newSupervisor(t)
	s.Start(spec)
	pid, _ := s.PID(spec.ID)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if processAlive(pid) {
		t.Fatal("Shutdown with a cancelled context left the process running")
	}
}
