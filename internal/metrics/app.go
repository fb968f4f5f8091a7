package metrics

import (
	"sync"
	"time"

	"github.com/kingvon-ke/bera/internal/router"
)

// promBuckets are the upper bounds (seconds) of the response-time histogram exported to
// Prometheus, for histogram_quantile.
var promBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// appState is everything kept about one app.
type appState struct {
	id      string
	created time.Time

	mu sync.Mutex // guards the following
	// Cumulative counters for Prometheus.
	requests [5]uint64 // by status class, 1xx..5xx
	hcodes   map[router.Code]uint64
	buckets  []uint64 // per promBuckets entry, not cumulative
	durSum   time.Duration
	bytes    uint64
	restarts map[string]uint64 // by dyno name
	// Rollups.
	minute time.Time // start of the minute acc holds
	next   time.Time // start of the following minute
	acc    minuteAcc
	hist   ring
}

func newAppState(id string, now time.Time, keep int) *appState {
	s := &appState{id: id, created: now, hcodes: map[router.Code]uint64{}, restarts: map[string]uint64{},
		buckets: make([]uint64, len(promBuckets)+1), hist: ring{n: keep}}
	s.setMinute(now.Truncate(time.Minute))
	return s
}

func (s *appState) setMinute(m time.Time) {
	s.minute, s.next = m, m.Add(time.Minute)
}

// rollLocked closes the accumulated minute when now is past it.
func (s *appState) rollLocked(now time.Time) {
	if now.Before(s.next) {
		return
	}
	if s.acc.hasPoint {
		p := s.acc.close(time.Minute)
		p.Time = s.minute.UTC()
		s.hist.add(p)
	}
	s.acc = minuteAcc{}
	s.setMinute(now.Truncate(time.Minute))
}

func (s *appState) observe(now time.Time, e *router.Entry) {
	d := e.Connect + e.Service
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rollLocked(now)
	s.acc.observe(e.Status, d, e.Bytes, string(e.Code))
	if c := e.Status/100 - 1; c >= 0 && c < 5 {
		s.requests[c]++
	}
	if e.Code != "" {
		s.hcodes[e.Code]++
	}
	s.buckets[promBucket(d)]++
	s.durSum += d
	s.bytes += uint64(max(e.Bytes, 0))
}

func promBucket(d time.Duration) int {
	secs := d.Seconds()
	for i, le := range promBuckets {
		if secs <= le {
			return i
		}
	}
	return len(promBuckets)
}

func (s *appState) sample(now time.Time, dynos int, rss, swap uint64, cpu time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rollLocked(now)
	s.acc.sample(dynos, rss, swap, cpu)
}

func (s *appState) crashed(now time.Time, dyno string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rollLocked(now)
	s.acc.hasPoint = true
	s.acc.p.Restarts++
	s.restarts[dyno]++
}

func (s *appState) codeError(now time.Time, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rollLocked(now)
	s.acc.countError(code)
}

// points returns the closed minutes in [since, until), plus the current one when it is in
// range (partial, marked by its Time).
func (s *appState) points(now, since, until time.Time) []Point {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rollLocked(now)
	out := s.hist.between(since, until)
	if s.acc.hasPoint && !s.minute.Before(since) && s.minute.Before(until) {
		p := s.acc.close(now.Sub(s.minute))
		p.Time = s.minute.UTC()
		out = append(out, p)
	}
	return out
}
