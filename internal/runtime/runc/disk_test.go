package runc_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

// TestDiskBound: a dyno writing past its size's disk bound to /app gets ENOSPC; the host
// file behind it holds no more than the bound, and another dyno writes to its /app as usual.
func TestDiskBound(t *testing.T) {
	e := runtimetest.NewEnv(t, newRuntime)
	size := bera.DynoSize{Name: "test", MemoryMB: 256, CPUShare: 256, PIDs: 64, DiskMB: 64}
	full := e.Spec("run.1", "dd if=/dev/zero of=/app/big bs=1M count=100 2>&1; echo exit=$?; df -m /app | tail -1")
	full.Size = size
	got := mustRun(e, full)
	t.Logf("dd: %s", got)
	if !strings.Contains(got, "No space left on device") || !strings.Contains(got, "exit=1") {
		t.Errorf("dd past the bound said %q, want No space left on device and exit=1", got)
	}
	// The dyno stays (exited) until stopped: its disk is still full while the second writes.
	img := filepath.Join(e.State, "dynos", full.ID, testPrefix+full.ID+".img")
	var st syscall.Stat_t
	if err := syscall.Stat(img, &st); err != nil {
		t.Fatal(err)
	}
	if used := st.Blocks * 512; used > 64<<20 {
		t.Errorf("the dyno's disk image holds %d bytes on the host, want at most 64 MiB", used)
	}
	other := e.Spec("run.2", "dd if=/dev/zero of=/app/some bs=1M count=20 2>/dev/null && echo wrote")
	other.Size = size
	if got := mustRun(e, other); got != "wrote" {
		t.Errorf("second dyno writing 20 MiB to /app: %q, want wrote", got)
	}
	for _, spec := range []runtime.DynoSpec{full, other} {
		if _, err := e.RT.Stop(t.Context(), spec.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	if left := runc.Leftovers(testPrefix, testBridge); len(left) > 0 {
		t.Errorf("after Stop: %v", left)
	}
	if _, err := os.Stat(img); err == nil {
		t.Errorf("%s still exists after Stop", img)
	}
}

// TestDiskDefaultBound: a dyno of a named size has the size's bound at /app.
func TestDiskDefaultBound(t *testing.T) {
	e := runtimetest.NewEnv(t, newRuntime)
	spec := e.Spec("run.1", "df -m /app | tail -1 | tr -s ' ' | cut -d' ' -f2")
	spec.Size, _ = bera.LookupDynoSize("standard-2X")
	got := mustRun(e, spec)
	// ext4's own metadata takes a little of the image.
	if !strings.HasPrefix(got, "40") || len(got) != 4 {
		t.Errorf("/app size = %q MiB, want about 4096", got)
	}
}

// TestDiskAdopted: a dyno's disk stays mounted across a runtime restart, and the new
// runtime's Stop of the adopted dyno unmounts it and frees its loop device.
func TestDiskAdopted(t *testing.T) {
	Require(t)
	state := t.TempDir()
	cfg := runc.Config{Root: state, Prefix: testPrefix, Bridge: testBridge, Subnet: testSubnet}
	first, err := runc.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	spec := runtime.DynoSpec{ID: "adopted-disk", App: "a", AppID: "app-a", Name: "web.1", Type: "web",
		Command: "echo kept > /app/written; sleep 1000", SlugDir: runtimetest.MustSlug(t)}
	if _, err := first.Start(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	first.Close()
	second, err := runc.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if _, err := second.List(t.Context()); err != nil {
		t.Fatal(err)
	}
	upper := filepath.Join(state, "dynos", spec.ID, "disk", "upper", "written")
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if b, _ := os.ReadFile(upper); string(b) == "kept\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dyno's write is not on its disk at %s", upper)
		}
	}
	if left := runc.Leftovers(testPrefix, testBridge); !strings.Contains(strings.Join(left, " "), "loop ") {
		t.Errorf("no loop device listed for the running dyno: %v", left)
	}
	if _, err := second.Stop(t.Context(), spec.ID, 0); err != nil {
		t.Fatal(err)
	}
	if left := runc.Leftovers(testPrefix, testBridge); len(left) > 0 {
		t.Errorf("after stopping the adopted dyno: %v", left)
	}
}
