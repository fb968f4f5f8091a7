package metrics

import (
	"maps"
	"time"
)

// Point is one minute of an app: its router traffic and its dynos' resources.
type Point struct {
	// Time is the start of the minute (UTC).
	Time time.Time
	// Requests counts the requests that finished in the minute; Status splits them by
	// status class: Status[0] is 1xx … Status[4] is 5xx (router errors included).
	Requests uint32
	Status   [5]uint32
	// P50, P95 and P99 are percentiles of the response time (connect plus service), 0
	// without requests.
	P50, P95, P99 time.Duration
	// BytesOut is the response body bytes sent to clients.
	BytesOut uint64
	// Dynos is the most dynos sampled at once in the minute.
	Dynos uint16
	// Restarts counts dyno crashes (each is followed by a restart).
	Restarts uint16
	// Errors counts Heroku error codes by code: the router's H codes and the dynos' R
	// codes (R14, R15 from the memory quota). Nil in a minute without any.
	Errors map[string]uint32
	// CPU is the mean number of CPU cores the app's dynos used together.
	CPU float32
	// RSSMean and RSSMax are the app's resident memory (all dynos together) over the
	// minute's samples; SwapMax is the most swap used.
	RSSMean, RSSMax, SwapMax uint64
}

// minuteAcc accumulates the current minute of an app.
type minuteAcc struct {
	p        Point
	lat      latencies
	cpu      time.Duration // CPU time used, summed over dynos
	rssSum   uint64
	samples  uint32
	hasPoint bool
}

func (a *minuteAcc) observe(status int, d time.Duration, bytes int64, code string) {
	a.hasPoint = true
	if code != "" {
		a.countError(code)
	}
	a.p.Requests++
	if c := status/100 - 1; c >= 0 && c < 5 {
		a.p.Status[c]++
	}
	a.p.BytesOut += uint64(max(bytes, 0))
	a.lat.add(d)
}

// countError counts one occurrence of an error code in the minute.
func (a *minuteAcc) countError(code string) {
	a.hasPoint = true
	if a.p.Errors == nil {
		a.p.Errors = map[string]uint32{}
	}
	a.p.Errors[code]++
}

// sample adds one sampling of the app's dynos: how many, their memory, and the CPU time
// they used since the last sampling.
func (a *minuteAcc) sample(dynos int, rss, swap uint64, cpu time.Duration) {
	a.hasPoint = true
	a.p.Dynos = max(a.p.Dynos, uint16(min(dynos, 1<<16-1)))
	a.rssSum += rss
	a.samples++
	a.p.RSSMax = max(a.p.RSSMax, rss)
	a.p.SwapMax = max(a.p.SwapMax, swap)
	a.cpu += cpu
}

// close finishes the minute into a Point; span is how much of the minute has passed (a
// minute, except for the current one), over which CPU time is averaged.
func (a *minuteAcc) close(span time.Duration) Point {
	p := a.p
	// The current minute's point is returned while the minute still counts into its map.
	p.Errors = maps.Clone(a.p.Errors)
	p.P50, p.P95, p.P99 = a.lat.quantile(0.50), a.lat.quantile(0.95), a.lat.quantile(0.99)
	if a.samples > 0 {
		p.RSSMean = a.rssSum / uint64(a.samples)
	}
	p.CPU = float32(a.cpu.Seconds() / max(span, time.Second).Seconds())
	return p
}

// ring keeps the last n closed minutes of an app, oldest first. It grows up to n points,
// then overwrites the oldest, so an app with little history costs little memory.
type ring struct {
	pts  []Point
	next int // where the next point goes once full
	n    int
}

func (r *ring) add(p Point) {
	if len(r.pts) < r.n {
		r.pts = append(r.pts, p)
		return
	}
	r.pts[r.next] = p
	r.next = (r.next + 1) % r.n
}

// between returns the points with since <= Time < until, oldest first.
func (r *ring) between(since, until time.Time) []Point {
	var out []Point
	for i := range r.pts {
		p := r.pts[(r.next+i)%len(r.pts)]
		if !p.Time.Before(since) && p.Time.Before(until) {
			out = append(out, p)
		}
	}
	return out
}
