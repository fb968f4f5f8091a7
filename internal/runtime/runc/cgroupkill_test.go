package runc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

// TestKillCgroup: processes put in a real cgroup of the dyno's name are killed, the ones
// outside it are not.
func TestKillCgroup(t *testing.T) {
	if os.Geteuid() != 0 {
		runtimetest.Skip(t, "run the tests as root (cgroups)")
	}
	name := "bera/bera-killtest-" + strconv.Itoa(os.Getpid())
	dir := filepath.Join(runtime.CgroupRoot, "pids", name)
	if _, err := os.Stat(filepath.Join(runtime.CgroupRoot, "pids")); err != nil {
		dir = filepath.Join(runtime.CgroupRoot, name) // cgroup v2
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("create a cgroup: %v", err)
	}
	inside := startSleep(t)
	outside := startSleep(t)
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(inside.Process.Pid)), 0o644); err != nil {
		t.Fatalf("move a process into the cgroup: %v", err)
	}
	t.Cleanup(func() { os.Remove(dir) })

	if n := killCgroup(runtime.CgroupRoot, name); n != 1 {
		t.Errorf("signalled %d processes, want 1", n)
	}
	done := make(chan error, 1)
	go func() { done <- inside.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the process in the cgroup is still running")
	}
	if err := syscall.Kill(outside.Process.Pid, 0); err != nil {
		t.Errorf("the process outside the cgroup: %v", err)
	}
	if n := killCgroup(runtime.CgroupRoot, "bera/bera-no-such-dyno"); n != 0 {
		t.Errorf("a missing cgroup: signalled %d processes", n)
	}
}

func startSleep(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}
