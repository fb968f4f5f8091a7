package dashboard

import (
	"time"

	"github.com/kingvon-ke/bera/internal/wire"
)

// alertRule is a threshold alert of the Metrics tab: the p95 response time over P95MS
// milliseconds in each of the last Minutes whole minutes.
type alertRule struct {
	P95MS   float64
	Minutes int
}

// alertState is a rule checked against an app's rollups.
type alertState struct {
	Rule   alertRule
	Firing bool
	// Worst is the lowest p95 of the rule's minutes when firing (every minute was over
	// the threshold by at least this much), else the p95 of the last minute with requests.
	Worst float64
	// Since is the start of the first minute of the run over the threshold that is still
	// going on, when firing.
	Since time.Time
}

// checkAlert checks rule against pts (one point a minute, oldest first) at now. Only whole
// minutes count: the current minute is still filling. A minute without requests breaks a
// run, since it has no response time to be over the threshold.
func checkAlert(rule alertRule, pts []wire.MetricPoint, now time.Time) alertState {
	st := alertState{Rule: rule}
	current := now.Truncate(time.Minute)
	var run []wire.MetricPoint // the trailing run of whole minutes over the threshold
	next := time.Time{}        // the minute after the last one in run
	for _, p := range pts {
		t, err := time.Parse(time.RFC3339, p.Time)
		if err != nil || !t.Before(current) {
			continue
		}
		over := p.ResponseTimeMS != nil && p.ResponseTimeMS.P95 > rule.P95MS
		if p.ResponseTimeMS != nil {
			st.Worst = p.ResponseTimeMS.P95
		}
		if !over || (len(run) > 0 && !t.Equal(next)) {
			run = run[:0]
		}
		if over {
			run = append(run, p)
		}
		next = t.Add(time.Minute)
	}
	// The run must reach the last whole minute: an older run has ended.
	if rule.Minutes <= 0 || len(run) < rule.Minutes || !next.Equal(current) {
		return st
	}
	st.Firing = true
	st.Since, _ = time.Parse(time.RFC3339, run[0].Time)
	st.Worst = run[len(run)-rule.Minutes].ResponseTimeMS.P95
	for _, p := range run[len(run)-rule.Minutes:] {
		st.Worst = min(st.Worst, p.ResponseTimeMS.P95)
	}
	return st
}
