package metrics

import (
	"math"
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

var logGrowth = math.Log(latencyGrowth)

// latencies is a fixed-size log-scale histogram of durations, for percentiles of one
// minute of requests. The zero value is empty.
type latencies struct {
	counts [latencyBuckets]uint32
	n      uint32
}

func latencyBucket(d time.Duration) int {
	if d <= latencyBase {
		return 0
	}
	i := int(math.Ceil(math.Log(float64(d)/float64(latencyBase)) / logGrowth))
	return min(i, latencyBuckets-1)
}

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
