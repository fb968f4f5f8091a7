package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime"
)

// SamplerConfig configures a Sampler. Zero fields take the defaults listed.
type SamplerConfig struct {
	// Dynos lists the dynos to sample, and Usage reads what each uses (the runtime).
	// Without both, a Sampler only refreshes app names.
	Dynos DynoLister
	Usage runtime.UsageReporter
	// OverQuota, when set, is called for each sampled dyno whose RSS plus swap is above its
	// Quota, from the sampling goroutine: Quota.OverQuota applies Heroku's policy (R14, R15).
	OverQuota func(ctx context.Context, d Dyno, rss, swap uint64)
	// Interval between samplings in Run. Default 10 s.
	Interval time.Duration
}

// Sampler reads every dyno's usage into a Metrics.
type Sampler struct {
	m   *Metrics
	cfg SamplerConfig
}

// NewSampler returns a Sampler that feeds m.
func (m *Metrics) NewSampler(cfg SamplerConfig) *Sampler {
	if cfg.Interval == 0 {
		cfg.Interval = 10 * time.Second
	}
	return &Sampler{m: m, cfg: cfg}
}

// Run samples every Interval until ctx ends.
func (s *Sampler) Run(ctx context.Context) error {
	tick := time.NewTicker(s.cfg.Interval)
	defer tick.Stop()
	for {
		if err := s.Sample(ctx); err != nil {
			s.m.log.Warn("sample dynos", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Sample refreshes app names (RefreshApps) and reads every dyno's usage once: the dyno
// metrics, and one memory and CPU sample in each app's current minute.
func (s *Sampler) Sample(ctx context.Context) error {
	m := s.m
	if err := m.RefreshApps(ctx); err != nil {
		return err
	}
	if s.cfg.Dynos == nil || s.cfg.Usage == nil {
		return nil
	}
	dynos, err := s.cfg.Dynos.RunningDynos(ctx)
	if err != nil {
		return fmt.Errorf("list dynos: %w", err)
	}
	now := m.cfg.Now()
	next := make(map[string]dynoSample, len(dynos))
	for _, d := range dynos {
		u, err := s.cfg.Usage.Usage(ctx, d.ID)
		if err != nil {
			m.log.Debug("read dyno usage", "app", d.AppID, "dyno", d.Name, "err", err)
			continue
		}
		next[d.ID] = dynoSample{Dyno: d, Usage: u}
		if s.cfg.OverQuota != nil && d.Quota > 0 && u.RSS+u.Swap > d.Quota {
			s.cfg.OverQuota(ctx, d, u.RSS, u.Swap)
		}
	}
	m.mu.Lock()
	prev := m.dynos
	m.dynos = next
	m.mu.Unlock()
	for appID, t := range totals(prev, next) {
		m.app(appID).sample(now, t.dynos, t.rss, t.swap, t.cpu)
	}
	return nil
}

// appTotal is one sampling of an app's dynos added up.
type appTotal struct {
	dynos     int
	rss, swap uint64
	cpu       time.Duration // used since the previous sampling
}

// totals adds up each app's dynos in next. CPU counts only dynos seen in prev too: a
// dyno's first reading holds everything it used before, maybe long before (adoption).
func totals(prev, next map[string]dynoSample) map[string]appTotal {
	out := map[string]appTotal{}
	for id, s := range next {
		t := out[s.AppID]
		t.dynos++
		t.rss += s.RSS
		t.swap += s.Swap
		if p, ok := prev[id]; ok && s.CPU >= p.CPU {
			t.cpu += s.CPU - p.CPU
		}
		out[s.AppID] = t
	}
	return out
}

// RefreshApps reloads app names and drops the state of apps that no longer exist (but not
// of apps first seen after it started, which the list may predate). A Sampler calls it.
func (m *Metrics) RefreshApps(ctx context.Context) error {
	start := m.cfg.Now()
	if m.cfg.Apps == nil {
		return nil
	}
	apps, err := m.cfg.Apps.ListApps(ctx)
	if err != nil {
		return fmt.Errorf("list apps: %w", err)
	}
	names := make(map[string]string, len(apps))
	for _, a := range apps {
		names[a.ID] = a.Name
	}
	m.mu.Lock()
	m.names = names
	m.mu.Unlock()
	m.apps.Range(func(k, v any) bool {
		if _, ok := names[k.(string)]; !ok && v.(*appState).created.Before(start) {
			m.apps.Delete(k)
		}
		return true
	})
	return nil
}
