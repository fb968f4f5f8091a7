package runc

import (
	"net/netip"
	"os"
	"testing"

	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

// TestReadyDisksOfAKilledRuntime: ready disks a runtime left (its server killed) are
// unmounted and removed by the next runtime on the same Root.
func TestReadyDisksOfAKilledRuntime(t *testing.T) {
	if err := Available(); err != nil {
		runtimetest.Skip(t, "apt-get install -y runc e2fsprogs (and run as root): "+err.Error())
	}
	root := t.TempDir()
	killed := &Runtime{cfg: Config{Root: root, Prefix: "berat-"}}
	t.Cleanup(func() { killed.removeReadyDisks() }) // if the test fails before New did
	for seq := range 2 {
		if _, err := killed.makeReadyDisk(t.Context(), 64, seq); err != nil {
			t.Fatal(err)
		}
	}
	if left := ReadyDiskLeftovers("berat-"); len(left) < 2 {
		t.Fatalf("made two ready disks, ReadyDiskLeftovers lists %v", left)
	}
	rt, err := New(t.Context(), Config{Root: root, Prefix: "berat-", Bridge: "berat0", Subnet: netip.MustParsePrefix("10.87.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if entries, _ := os.ReadDir(rt.readyDir()); len(entries) > 0 {
		t.Errorf("%d ready disks left in %s", len(entries), rt.readyDir())
	}
	if left := ReadyDiskLeftovers("berat-"); len(left) > 0 {
		t.Errorf("after New: %v", left)
	}
}
