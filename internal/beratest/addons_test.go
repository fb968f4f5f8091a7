package beratest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestKillAddons: a process working in DATA/addons/<id> is killed, one elsewhere is not.
func TestKillAddons(t *testing.T) {
	data := t.TempDir()
	inside := filepath.Join(data, "addons", "one")
	if err := os.MkdirAll(inside, 0o755); err != nil {
		t.Fatal(err)
	}
	in, out := exec.Command("sleep", "60"), exec.Command("sleep", "60")
	in.Dir, out.Dir = inside, data
	for _, c := range []*exec.Cmd{in, out} {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	}
	if n := killAddons(data); n != 1 {
		t.Errorf("killed %d processes, want 1", n)
	}
	done := make(chan error, 1)
	go func() { done <- in.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the instance under DATA/addons is still running")
	}
	if out.ProcessState != nil {
		t.Error("the process outside DATA/addons was killed")
	}
}
