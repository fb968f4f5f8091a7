package runc_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime/runc"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

// TestReadyDisks: once a dyno of a size started, the runtime makes disks of that size ahead
// (after a quiet spell); the next dyno gets one, owned by its uid and bounded as usual, and
// Close removes the ones left.
func TestReadyDisks(t *testing.T) {
	e := runtimetest.NewEnv(t, newRuntime)
	ready := filepath.Join(e.State, "disks", "ready")
	first := e.Spec("run.1", "echo first")
	if got := mustRun(e, first); got != "first" {
		t.Fatalf("first dyno said %q", got)
	}
	var n int
	for deadline := time.Now().Add(20 * time.Second); n < runc.DefaultReadyDisks; time.Sleep(50 * time.Millisecond) {
		entries, _ := os.ReadDir(ready)
		n = len(entries)
		if time.Now().After(deadline) {
			t.Fatalf("%d ready disks after 20 s, want %d", n, runc.DefaultReadyDisks)
		}
	}
	if left := runc.ReadyDiskLeftovers(testPrefix); len(left) < runc.DefaultReadyDisks {
		t.Errorf("ReadyDiskLeftovers lists %v, want the %d ready disks", left, runc.DefaultReadyDisks)
	}
	second := e.Spec("run.2", "id -u; touch /app/written && echo wrote; df -m /app | tail -1 | tr -s ' ' | cut -d' ' -f2")
	got := mustRun(e, second)
	if entries, _ := os.ReadDir(ready); len(entries) != n-1 {
		t.Errorf("%d ready disks after a start, want %d: the dyno did not take one", len(entries), n-1)
	}
	if !strings.Contains(got, "|wrote|") {
		t.Errorf("dyno on a ready disk said %q, want it to write to /app", got)
	}
	img := filepath.Join(e.State, "dynos", second.ID, testPrefix+second.ID+".img")
	if _, err := os.Stat(img); err != nil {
		t.Errorf("the dyno's image is not named for it: %v", err)
	}
	if left := runc.Leftovers(testPrefix, testBridge); !strings.Contains(strings.Join(left, " "), testPrefix+second.ID+".img") {
		t.Errorf("Leftovers does not list the running dyno's disk by its image: %v", left)
	}
	for _, id := range []string{first.ID, second.ID} {
		if _, err := e.RT.Stop(t.Context(), id, 0); err != nil {
			t.Fatal(err)
		}
	}
	if left := runc.Leftovers(testPrefix, testBridge); len(left) > 0 {
		t.Errorf("after Stop: %v", left)
	}
	e.RT.Close()
	if left := runc.ReadyDiskLeftovers(testPrefix); len(left) > 0 {
		t.Errorf("after Close: %v", left)
	}
}
