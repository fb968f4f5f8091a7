package metrics

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// QuotaConfig configures a Quota.
type QuotaConfig struct {
	// Log writes a line to an app's log stream, as heroku[web.1].
	Log func(appID, source, dyno, msg string)
	// Kill, when set, kills a dyno whose memory is past twice its quota (Heroku's R15). Set
	// it for runtimes that do not hold dynos to their size's memory: runc dynos are held at
	// their quota by the cgroup and OOM-killed there, and the reconciler logs the R15.
	Kill func(ctx context.Context, id string) error
	// Count, when set, counts each R14 and R15 logged in the app's rollups
	// (Metrics.DynoError), for the dashboard's Restarts and Errors chart.
	Count func(appID, code string)
}

// Quota is Heroku's memory policy for dynos above their size's memory: R14 in the app's
// log at most once a minute per dyno, and, with QuotaConfig.Kill, R15 and a kill past twice
// the quota. Its OverQuota method is Config.OverQuota. It is safe for concurrent use.
type Quota struct {
	cfg QuotaConfig

	mu      sync.Mutex // guards lastR14
	lastR14 map[string]time.Time
}

// NewQuota returns the policy for cfg.
func NewQuota(cfg QuotaConfig) *Quota {
	return &Quota{cfg: cfg, lastR14: map[string]time.Time{}}
}

// OverQuota applies the policy to dyno d, which uses rss plus swap bytes, above d.Quota.
func (q *Quota) OverQuota(ctx context.Context, d Dyno, rss, swap uint64) {
	used := rss + swap
	running := fmt.Sprintf("Process running mem=%dM(%.1f%%)", used>>20, float64(used)/float64(d.Quota)*100)
	if q.cfg.Kill != nil && used > 2*d.Quota {
		q.cfg.Log(d.AppID, "heroku", d.Name, running)
		q.cfg.Log(d.AppID, "heroku", d.Name, "Error R15 (Memory quota vastly exceeded)")
		q.count(d.AppID, "R15")
		q.cfg.Log(d.AppID, "heroku", d.Name, "Stopping process with SIGKILL")
		q.cfg.Kill(ctx, d.ID) //nolint:errcheck // a dyno that exited meanwhile needs no kill
		return
	}
	if !q.dueR14(d.ID) {
		return
	}
	q.cfg.Log(d.AppID, "heroku", d.Name, running)
	q.cfg.Log(d.AppID, "heroku", d.Name, "Error R14 (Memory quota exceeded)")
	q.count(d.AppID, "R14")
}

func (q *Quota) count(appID, code string) {
	if q.cfg.Count != nil {
		q.cfg.Count(appID, code)
	}
}

// dueR14 reports whether dyno id has had no R14 for a minute, and if so notes one now.
func (q *Quota) dueR14(id string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if time.Since(q.lastR14[id]) < time.Minute {
		return false
	}
	if len(q.lastR14) > 10000 {
		clear(q.lastR14) // dynos come and go; this only rate-limits a log line
	}
	q.lastR14[id] = time.Now()
	return true
}
