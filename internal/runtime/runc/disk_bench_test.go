package runc

import (
	"log/slog"
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

// BenchmarkReadyDisk measures what a dyno's disk adds to its start when one is ready
// (diskpool.go): moving it to the dyno's directory. Making it is outside the timer.
func BenchmarkReadyDisk(b *testing.B) {
	if err := Available(); err != nil {
		runtimetest.Skip(b, "apt-get install -y runc e2fsprogs (and run as root): "+err.Error())
	}
	r := &Runtime{cfg: Config{Root: b.TempDir(), Prefix: "berat-"}, disks: newDiskPool(1), log: slog.Default()}
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		d, err := r.makeReadyDisk(b.Context(), 2048, i)
		if err != nil {
			b.Fatal(err)
		}
		r.disks.put(2048, d)
		dir := filepath.Join(r.cfg.Root, "d")
		b.StartTimer()
		if !r.useReadyDisk(dir, "berat-bench", 2048, 1000) {
			b.Fatal("no ready disk used")
		}
		b.StopTimer()
		if err := removeDiskDir(dir); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
