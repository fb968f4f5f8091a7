package metrics_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kingvon-ke/bera/internal/metrics"
	"github.com/kingvon-ke/bera/internal/runtime"
)

// usageSource reports set usages: a fake, because a dyno past its quota cannot be held
// there on purpose (runc's cgroup kills it first).
type usageSource struct {
	mu  sync.Mutex // guards use
	use map[string]runtime.Usage
}

func (u *usageSource) set(id string, mb uint64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.use[id] = runtime.Usage{RSS: (mb - 10) << 20, Swap: 10 << 20}
}

func (u *usageSource) Usage(_ context.Context, id string) (runtime.Usage, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if use, ok := u.use[id]; ok {
		return use, nil
	}
	return runtime.Usage{}, runtime.NotFound(id)
}

// quotaEnv samples one 512 MB dyno, web.1 of app a1, through the policy.
type quotaEnv struct {
	t      *testing.T
	s      *metrics.Sampler
	usage  *usageSource
	lines  []string
	killed []string
}

func newQuotaEnv(t *testing.T, kill bool) *quotaEnv {
	e := &quotaEnv{t: t, usage: &usageSource{use: map[string]runtime.Usage{}}}
	cfg := metrics.QuotaConfig{Log: func(appID, source, dyno, msg string) {
		e.lines = append(e.lines, appID+" "+source+"["+dyno+"]: "+msg)
	}}
	if kill {
		cfg.Kill = func(_ context.Context, id string) error { e.killed = append(e.killed, id); return nil }
	}
	l := &lister{dynos: []metrics.Dyno{{ID: "d1", AppID: "a1", Name: "web.1", Type: "web", Quota: 512 << 20}}}
	e.s = metrics.New(metrics.Config{}).NewSampler(metrics.SamplerConfig{Dynos: l, Usage: e.usage, OverQuota: metrics.NewQuota(cfg).OverQuota})
	return e
}

// sample samples at mb MB of use and returns the log lines it wrote.
func (e *quotaEnv) sample(mb uint64) []string {
	e.t.Helper()
	e.usage.set("d1", mb)
	n := len(e.lines)
	if err := e.s.Sample(e.t.Context()); err != nil {
		e.t.Fatal(err)
	}
	return e.lines[n:]
}

func TestQuota_R14(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newQuotaEnv(t, true)
		if got := e.sample(512); len(got) != 0 {
			t.Errorf("at the quota: %q, want no line", got)
		}
		want := []string{"a1 heroku[web.1]: Process running mem=600M(117.2%)", "a1 heroku[web.1]: Error R14 (Memory quota exceeded)"}
		if got := e.sample(600); !slices.Equal(got, want) {
			t.Errorf("over the quota: %q, want %q", got, want)
		}
		time.Sleep(59 * time.Second)
		if got := e.sample(600); len(got) != 0 {
			t.Errorf("59 s later: %q, want no line (one R14 a minute)", got)
		}
		time.Sleep(time.Second)
		if got := e.sample(700); len(got) != 2 || got[1] != want[1] {
			t.Errorf("a minute later: %q, want R14 again", got)
		}
		if len(e.killed) != 0 {
			t.Errorf("killed %v, want none under twice the quota", e.killed)
		}
	})
}

func TestQuota_R15(t *testing.T) {
	t.Run("Kill", func(t *testing.T) {
		e := newQuotaEnv(t, true)
		e.sample(600) // an R14 first does not delay the R15
		want := []string{"a1 heroku[web.1]: Process running mem=1100M(214.8%)",
			"a1 heroku[web.1]: Error R15 (Memory quota vastly exceeded)", "a1 heroku[web.1]: Stopping process with SIGKILL"}
		if got := e.sample(1100); !slices.Equal(got, want) {
			t.Errorf("past twice the quota: %q, want %q", got, want)
		}
		if !slices.Equal(e.killed, []string{"d1"}) {
			t.Errorf("killed %v, want [d1]", e.killed)
		}
	})
	// Without Kill (runc: the cgroup holds the dyno), past twice the quota is an R14.
	t.Run("NoKill", func(t *testing.T) {
		e := newQuotaEnv(t, false)
		if got := e.sample(1100); len(got) != 2 || got[1] != "a1 heroku[web.1]: Error R14 (Memory quota exceeded)" {
			t.Errorf("past twice the quota: %q, want R14", got)
		}
	})
}
