package runc

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

// BenchmarkDisk measures what a dyno's disk adds to its start (copy the template, attach a
// loop device, mount) and to its stop (unmount, remove the image).
func BenchmarkDisk(b *testing.B) {
	if err := Available(); err != nil {
		runtimetest.Skip(b, "apt-get install -y runc e2fsprogs (and run as root): "+err.Error())
	}
	r := &Runtime{cfg: Config{Root: b.TempDir()}}
	if _, err := r.diskTemplate(b.Context(), 2048); err != nil {
		b.Fatal(err)
	}
	var stop time.Duration
	for i := 0; b.Loop(); i++ {
		dir := filepath.Join(r.cfg.Root, "d")
		os.MkdirAll(dir, 0o700)
		if err := r.mountDisk(b.Context(), dir, "berat-bench", 2048, 1000); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		t0 := time.Now()
		if err := unmountDisk(dir); err != nil {
			b.Fatal(err)
		}
		os.RemoveAll(dir)
		stop += time.Since(t0)
		b.StartTimer()
	}
	b.ReportMetric(float64(stop.Microseconds())/1000/float64(b.N), "stop-ms/op")
}
