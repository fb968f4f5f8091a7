package dashboard

import (
	"net/url"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/wire"
)

// minutes returns one point a minute ending just before now, with the given p95s (-1: no
// requests in that minute).
func minutes(now time.Time, p95s ...float64) []wire.MetricPoint {
	start := now.Truncate(time.Minute).Add(-time.Duration(len(p95s)) * time.Minute)
	var out []wire.MetricPoint
	for i, v := range p95s {
		p := wire.MetricPoint{Time: start.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)}
		if v >= 0 {
			p.Requests, p.ResponseTimeMS = 10, &wire.Percentiles{P95: v}
		}
		out = append(out, p)
	}
	return out
}

func TestCheckAlert(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 30, 0, time.UTC) // half-way through 12:00
	rule := alertRule{P95MS: 500, Minutes: 5}
	for _, tc := range []struct {
		name   string
		pts    []wire.MetricPoint
		firing bool
		since  string // "15:04" when firing
		worst  float64
	}{
		{"five minutes over", minutes(now, 100, 600, 700, 800, 900, 650), true, "11:55", 600},
		{"a longer run", minutes(now, 900, 900, 600, 700, 800, 900, 650), true, "11:53", 600},
		{"four minutes over", minutes(now, 100, 100, 700, 800, 900, 650), false, "", 650},
		{"at the threshold is not over", minutes(now, 600, 600, 500, 600, 600, 600), false, "", 600},
		{"a quiet minute breaks the run", minutes(now, 600, 600, 600, -1, 600, 600), false, "", 600},
		{"the run ended", minutes(now, 600, 600, 600, 600, 600, 600, 100), false, "", 100},
		{"no requests at all", minutes(now, -1, -1, -1, -1, -1), false, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkAlert(rule, tc.pts, now)
			if got.Firing != tc.firing || got.Worst != tc.worst {
				t.Fatalf("firing=%v worst=%v, want %v %v", got.Firing, got.Worst, tc.firing, tc.worst)
			}
			if tc.firing && got.Since.Format("15:04") != tc.since {
				t.Errorf("since %s, want %s", got.Since.Format("15:04"), tc.since)
			}
		})
	}

	// The current minute is still filling: it neither starts nor ends a run.
	pts := minutes(now.Add(time.Minute), 600, 600, 600, 600, 600, 100)
	if got := checkAlert(rule, pts, now); !got.Firing {
		t.Errorf("the current minute's p95 of 100 ended the alert: %+v", got)
	}
	// A gap in the points (a minute missing) breaks the run too.
	gappy := append(minutes(now.Add(-3*time.Minute), 600, 600, 600), minutes(now, 600, 600)...)
	if got := checkAlert(rule, gappy, now); got.Firing {
		t.Errorf("fired across a missing minute: %+v", got)
	}
}

func TestParseAlert(t *testing.T) {
	for q, want := range map[string]alertRule{
		"alert_p95=500":                  {500, 5},
		"alert_p95=250&alert_minutes=10": {250, 10},
	} {
		if got, ok := parseAlert(mustQuery(t, q)); !ok || got != want {
			t.Errorf("%s: %+v %v, want %+v", q, got, ok, want)
		}
	}
	for _, q := range []string{"", "alert_p95=0", "alert_p95=-3", "alert_p95=x", "alert_p95=Inf", "alert_p95=5&alert_minutes=0", "alert_p95=5&alert_minutes=61", "alert_p95=5&alert_minutes=x"} {
		if got, ok := parseAlert(mustQuery(t, q)); ok {
			t.Errorf("%q: %+v, want no rule", q, got)
		}
	}
}

func mustQuery(t *testing.T, q string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
