package runc_test

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime"

	"github.com/kingvon-ke/bera/internal/runtime/runc"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

func BenchmarkStart(b *testing.B) {
	Require(b)
	rt, err := runc.New(b.Context(), runc.Config{Root: b.TempDir(), Prefix: testPrefix, Bridge: testBridge, Subnet: testSubnet})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	runtimetest.BenchStart(b, rt)
}

// BenchmarkStart10AtOnce measures how long ten dynos take to start side by side (the
// reconciler's scale); they are stopped outside the timer. cpu-ms/dyno is the CPU time of
// one dyno's start and stop: this process's and its reaped children's (the shim, runc run,
// runc init, the dyno's sleep and the runc commands of the stop).
func BenchmarkStart10AtOnce(b *testing.B) {
	Require(b)
	rt, err := runc.New(b.Context(), runc.Config{Root: b.TempDir(), Prefix: testPrefix, Bridge: testBridge, Subnet: testSubnet})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	slug := runtimetest.MustSlug(b)
	begin := cpuTime()
	for i := 0; b.Loop(); i++ {
		var wg sync.WaitGroup
		ids := make([]string, 10)
		for j := range ids {
			ids[j] = fmt.Sprintf("bench%d-%d", i, j)
			wg.Go(func() {
				spec := runtime.DynoSpec{ID: ids[j], App: "bench", AppID: "app-bench", Name: fmt.Sprintf("web.%d", j+1),
					Type: "web", Command: "sleep 1000", SlugDir: slug}
				if _, err := rt.Start(context.Background(), spec); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		for _, id := range ids {
			wg.Go(func() { rt.Stop(context.Background(), id, 0) })
		}
		wg.Wait()
		b.StartTimer()
	}
	b.ReportMetric(float64((cpuTime()-begin).Milliseconds())/float64(10*b.N), "cpu-ms/dyno")
}

// BenchmarkWatchIdle10 measures what watching ten running dynos that do nothing costs: the
// CPU time of this process and of the programs it runs (runc), per second of watching,
// reported as cpu-ms/s. Each iteration watches for one second.
func BenchmarkWatchIdle10(b *testing.B) {
	Require(b)
	rt, err := runc.New(b.Context(), runc.Config{Root: b.TempDir(), Prefix: testPrefix, Bridge: testBridge, Subnet: testSubnet})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	slug := runtimetest.MustSlug(b)
	var ids []string
	for j := range 10 {
		spec := runtime.DynoSpec{ID: fmt.Sprintf("idle-%d", j), App: "bench", AppID: "app-bench", Name: fmt.Sprintf("web.%d", j+1),
			Type: "web", Command: "sleep 1000", SlugDir: slug}
		if _, err := rt.Start(context.Background(), spec); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, spec.ID)
	}
	defer func() {
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Go(func() { rt.Stop(context.Background(), id, 0) })
		}
		wg.Wait()
	}()
	time.Sleep(time.Second) // the starts' own work is over
	begin := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		time.Sleep(time.Second)
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-begin).Milliseconds())/b.Elapsed().Seconds(), "cpu-ms/s")
}

// cpuTime is the user and system time of this process and its reaped children.
func cpuTime() time.Duration {
	var self, children syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	var total time.Duration
	for _, tv := range []syscall.Timeval{self.Utime, self.Stime, children.Utime, children.Stime} {
		total += time.Duration(tv.Nano())
	}
	return total
}
