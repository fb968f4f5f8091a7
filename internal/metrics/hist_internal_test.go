package metrics

import (
	"math"
	"testing"
	"time"
)

// TestLatencyBucket checks that each duration lands in the bucket whose bounds hold it, the
// bucket the logarithm names.
func TestLatencyBucket(t *testing.T) {
	logBucket := func(d time.Duration) int {
		if d <= latencyBase {
			return 0
		}
		i := int(math.Ceil(math.Log(float64(d)/float64(latencyBase)) / math.Log(latencyGrowth)))
		return min(i, latencyBuckets-1)
	}
	for d := time.Duration(0); d < time.Hour; d = d*101/100 + 7 {
		i := latencyBucket(d)
		if d > bucketUpper(i) && i != latencyBuckets-1 || i > 0 && d <= bucketUpper(i-1) {
			t.Fatalf("%v in bucket %d of (%v, %v]", d, i, bucketUpper(i-1), bucketUpper(i))
		}
		if want := logBucket(d); i != want {
			t.Errorf("%v in bucket %d, the logarithm says %d", d, i, want)
		}
	}
	if i := latencyBucket(24 * time.Hour); i != latencyBuckets-1 {
		t.Errorf("a day is in bucket %d, want the last", i)
	}
}
