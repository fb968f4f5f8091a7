package runc

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// TestNotifierWakes checks that each file the shim writes wakes the goroutine reading it,
// and only that one: the tailers' own offset files wake nobody.
func TestNotifierWakes(t *testing.T) {
	n, err := newNotifier()
	if err != nil {
		beratest.Missing(t, "inotify is not available: "+err.Error())
	}
	defer n.close()
	dir := t.TempDir()
	w := newWakes()
	if err := n.watch(dir, w); err != nil {
		t.Fatal(err)
	}
	write := func(name string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The shim writes the exit file under another name and renames it. Events arrive in
	// order: once it woke its reader, the events before it have been dispatched too.
	marker := func(what string) {
		t.Helper()
		write("exit.tmp")
		if err := os.Rename(filepath.Join(dir, "exit.tmp"), filepath.Join(dir, "exit")); err != nil {
			t.Fatal(err)
		}
		mustWake(t, w.exit, what)
	}
	write("stdout.offset")
	write("stderr.offset")
	write("runc.log")
	marker("exit file")
	for name, c := range map[string]chan struct{}{"stdout": w.stdout, "stderr": w.stderr, "exit": w.exit} {
		if woken(c) {
			t.Errorf("%s woken by a file that is not its own", name)
		}
	}
	write("stdout.000000")
	mustWake(t, w.stdout, "stdout chunk")
	write("stderr.000003")
	mustWake(t, w.stderr, "stderr chunk")

	marker("exit file again")
	woken(w.stdout)
	woken(w.stderr)
	n.unwatch(dir)
	write("stdout.000001")
	write("exit")
	other := newWakes()
	dir2 := t.TempDir()
	if err := n.watch(dir2, other); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir2, "exit"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	mustWake(t, other.exit, "exit file in a second directory")
	if woken(w.stdout) || woken(w.exit) {
		t.Error("woken after unwatch")
	}
}

// woken reports whether c holds a wake-up, and takes it.
func woken(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func mustWake(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s woke nobody", what)
	}
}

// TestWatchPID checks that the channel closes when the process exits, not before.
func TestWatchPID(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited, stop := watchPID(cmd.Process.Pid)
	defer stop()
	if exited == nil {
		beratest.Missing(t, "pidfd_open is not available (Linux 5.3 or later)")
	}
	select {
	case <-exited:
		t.Fatal("reported exited while it runs")
	case <-time.After(100 * time.Millisecond):
	}
	cmd.Process.Kill()
	mustWake(t, exited, "the exit")
	cmd.Wait()

	if c, _ := watchPID(cmd.Process.Pid); c != nil {
		t.Error("a reaped process can be watched")
	}
}
