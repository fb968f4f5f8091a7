package dyno

import (
	"context"
	"net"
	"time"

	"github.com/kingvon-ke/bera"
)

// retryDelay is how soon a pass whose store read failed is tried again.
const retryDelay = 2 * time.Second

// passDue runs the passes whose wake-up time has come: "" passes over every app.
func (r *Reconciler) passDue(ctx context.Context) {
	now := r.cfg.Now()
	var due []string
	for appID, at := range r.wakeups {
		if !at.After(now) {
			due = append(due, appID)
		}
	}
	for _, appID := range due {
		delete(r.wakeups, appID)
	}
	for _, appID := range due {
		if appID == "" {
			r.passAll(ctx)
		} else {
			r.pass(ctx, appID)
		}
	}
	r.resetWake()
}

// retry has a failed pass over appID ("" for every app) run again soon.
func (r *Reconciler) retry(appID string) {
	at := r.cfg.Now().Add(min(retryDelay, r.cfg.Interval))
	if w, ok := r.wakeups[appID]; !ok || at.Before(w) {
		r.wakeups[appID] = at
	}
	r.resetWake()
}

// scheduleRestarts has the app passed again when the back-off of its next crashed dyno
// ends, so restarts come on time whatever the resync interval.
func (r *Reconciler) scheduleRestarts(appID string) {
	now := r.cfg.Now()
	var next time.Time
	for _, a := range r.actual(appID) {
		if a.State == bera.DynoCrashed && a.RestartAt.After(now) && (next.IsZero() || a.RestartAt.Before(next)) {
			next = a.RestartAt
		}
	}
	if next.IsZero() {
		delete(r.wakeups, appID)
	} else {
		r.wakeups[appID] = next
	}
	r.resetWake()
}

// resetWake sets the wake timer to the earliest wake-up.
func (r *Reconciler) resetWake() {
	if r.wake == nil {
		return // not running yet
	}
	var first time.Time
	for _, at := range r.wakeups {
		if first.IsZero() || at.Before(first) {
			first = at
		}
	}
	r.wake.Stop()
	if !first.IsZero() {
		r.wake.Reset(max(0, first.Sub(r.cfg.Now())))
	}
}

// dialProbe is the default Config.Probe: a web dyno is up once its port takes a TCP
// connection.
func dialProbe(ctx context.Context, addr string) error {
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}
