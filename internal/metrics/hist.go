package metrics

import (
	"math"
	"slices"
	"time"
)

// latencyBuckets is the number of buckets of a latencies histogram: bucket i holds
// durations up to about latencyBase·latencyGrowth^i, from 0.1 ms to past 30 minutes, so a
// percentile read from it is within 5% of the true value.
const (
	latencyBuckets = 340
	latencyBase    = 100 * time.Microsecond
	latencyGrowth  = 1.05
)

// latencies is a fixed-size log-scale histogram of durations, for percentiles of one
// minute of requests. The zero value is empty.
type latencies struct {
	counts [latencyBuckets]uint32
	n      uint32
}

// latencyBucket is the bucket of d: the first whose upper bound holds it, the last for
// anything longer. (A binary search of the bounds costs a third of computing a logarithm,
// for each routed request.)
func latencyBucket(d time.Duration) int {
	i, _ := slices.BinarySearch(latencyBounds[:latencyBuckets-1], d)
	return i
}

// latencyBounds holds each bucket's upper bound.
var latencyBounds = func() (b [latencyBuckets]time.Duration) {
	for i := range b {
		b[i] = bucketUpper(i)
	}
	return b
}()

// bucketUpper is the largest duration bucket i holds.
func bucketUpper(i int) time.Duration {
	return time.Duration(float64(latencyBase) * math.Pow(latencyGrowth, float64(i)))
}

func (h *latencies) add(d time.Duration) {
	h.counts[latencyBucket(d)]++
	h.n++
}

// quantile returns the duration below which a fraction q of the samples fall (the upper
// bound of the bucket holding the rank), 0 when empty.
func (h *latencies) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint32(math.Ceil(q * float64(h.n)))
	var seen uint32
	for i, c := range h.counts {
		seen += c
		if seen >= max(rank, 1) {
			return bucketUpper(i)
		}
	}
	return bucketUpper(latencyBuckets - 1)
}
