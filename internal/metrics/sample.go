package metrics

import (
	"context"
	"fmt"
	"time"
)

// Sample refreshes app names, forgets deleted apps, and reads every dyno's usage once:
// the dyno metrics, and one memory and CPU sample in each app's current minute. Run calls
// it every Interval.
func (m *Metrics) Sample(ctx context.Context) error {
	start := m.cfg.Now()
	if err := m.refreshApps(ctx, start); err != nil {
		return err
	}
	if m.cfg.Dynos == nil || m.cfg.Usage == nil {
		return nil
	}
	dynos, err := m.cfg.Dynos.RunningDynos(ctx)
	if err != nil {
		return fmt.Errorf("list dynos: %w", err)
	}
	now := m.cfg.Now()
	next := make(map[string]dynoSample, len(dynos))
	for _, d := range dynos {
		u, err := m.cfg.Usage.Usage(ctx, d.ID)
		if err != nil {
			m.log.Debug("read dyno usage", "app", d.AppID, "dyno", d.Name, "err", err)
			continue
		}
		next[d.ID] = dynoSample{Dyno: d, Usage: u}
		if m.cfg.OverQuota != nil && d.Quota > 0 && u.RSS+u.Swap > d.Quota {
			m.cfg.OverQuota(ctx, d, u.RSS, u.Swap)
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

// refreshApps reloads app names and drops the state of apps that no longer exist (but not
// of apps first seen after start, which the list may predate).
func (m *Metrics) refreshApps(ctx context.Context, start time.Time) error {
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
