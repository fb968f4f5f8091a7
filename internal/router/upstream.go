package router

import (
	"sync"
	"sync/atomic"
)

// Upstream is the live state of one backend: its in-flight request count and whether it has
// been removed from the table. A Selector reads it; only the router changes it.
type Upstream struct {
	Backend
	inflight atomic.Int64
	retired  atomic.Bool
	idleOnce sync.Once
	idle     chan struct{} // closed once retired with nothing in flight
	fast     fastBackend   // u as the fast path sees it, with its keep-alive connections
}

// newUpstream returns the state of a backend that has just joined.
func newUpstream(b Backend) *Upstream {
	u := &Upstream{Backend: b, idle: make(chan struct{})}
	u.fast.u = u
	return u
}

// InFlight returns the number of requests being proxied to the backend right now.
func (u *Upstream) InFlight() int64 { return u.inflight.Load() }

// acquire counts a request against u. It fails once u is retired, so that a Drain which saw
// zero requests in flight stays right: either Drain sees the count, or acquire sees the flag.
func (u *Upstream) acquire() bool {
	u.inflight.Add(1)
	if u.retired.Load() {
		u.release()
		return false
	}
	return true
}

// release ends a request counted by acquire.
func (u *Upstream) release() {
	if u.inflight.Add(-1) == 0 && u.retired.Load() {
		u.markIdle()
	}
}

// retire takes u out of service: no new request will acquire it.
func (u *Upstream) retire() {
	u.retired.Store(true)
	if u.inflight.Load() == 0 {
		u.markIdle()
	}
}

// markIdle closes the idle channel once.
func (u *Upstream) markIdle() {
	u.idleOnce.Do(func() {
		close(u.idle)
		u.fast.conns.Close()
	})
}

// drained reports whether u is retired and has no request in flight.
func (u *Upstream) drained() bool {
	select {
	case <-u.idle:
		return true
	default:
		return false
	}
}
