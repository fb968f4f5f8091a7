package runc_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

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
// reconciler's scale); they are stopped outside the timer.
func BenchmarkStart10AtOnce(b *testing.B) {
	Require(b)
	rt, err := runc.New(b.Context(), runc.Config{Root: b.TempDir(), Prefix: testPrefix, Bridge: testBridge, Subnet: testSubnet})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	slug := runtimetest.MustSlug(b)
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
}
