package dashboard

import (
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/wire"
)

func TestNiceCeil(t *testing.T) {
	for in, want := range map[float64]float64{0: 0, 0.33: 0.5, 1: 1, 1.2: 2, 3: 5, 7: 10, 250: 500, 900: 1000} {
		if got := niceCeil(in); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", in, got, want)
		}
	}
}

// TestSegments checks that a series breaks where it has no data and spans the plot area.
func TestSegments(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var pts []wire.MetricPoint
	for i, ms := range []float64{10, 0, 20, 40} {
		p := wire.MetricPoint{Time: t0.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)}
		if ms > 0 {
			p.Requests, p.ResponseTimeMS = 1, &wire.Percentiles{P50: ms}
		}
		pts = append(pts, p)
	}
	bs := bucketize(pts, maxBuckets)
	got := segments(bs, 40, func(b bucket) (float64, bool) { return b.p50, b.ok })
	want := []string{"56.0,132.0 56.0,132.0", "440.0,92.0 632.0,12.0"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("segments = %q, want %q", got, want)
	}
	if merged := bucketize(pts, 2); len(merged) != 2 || merged[0].minutes != 2 || merged[1].p50 != 40 {
		t.Fatalf("bucketize into 2 = %+v", merged)
	}
}
