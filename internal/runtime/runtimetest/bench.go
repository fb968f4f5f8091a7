package runtimetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime"
)

// BenchStart measures how long Start takes for a dyno that runs `sleep`, and separately
// how long Stop takes with no grace period. Dynos are stopped outside the timer.
func BenchStart(b *testing.B, rt runtime.Runtime) {
	slug := MustSlug(b)
	ctx := context.Background()
	var stopTotal time.Duration
	for i := 0; b.Loop(); i++ {
		spec := runtime.DynoSpec{ID: fmt.Sprintf("bench%d", i), App: "bench", AppID: "app-bench",
			Name: "web.1", Type: "web", Command: "sleep 1000", SlugDir: slug}
		if _, err := rt.Start(ctx, spec); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		t0 := time.Now()
		if _, err := rt.Stop(ctx, spec.ID, 0); err != nil {
			b.Fatal(err)
		}
		stopTotal += time.Since(t0)
		b.StartTimer()
	}
	b.ReportMetric(float64(stopTotal.Milliseconds())/float64(b.N), "stop-ms/op")
}
