package metrics_test

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/metrics"
	"github.com/kingvon-ke/bera/internal/router"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// p95s returns one point a minute ending just before now with the given p95s in ms (-1: no
// requests, so no point).
func p95s(now time.Time, ms ...float64) []metrics.Point {
	start := now.Truncate(time.Minute).Add(-time.Duration(len(ms)) * time.Minute)
	var out []metrics.Point
	for i, v := range ms {
		if v >= 0 {
			out = append(out, metrics.Point{Time: start.Add(time.Duration(i) * time.Minute), Requests: 10,
				Status: [5]uint32{0, 10}, P95: time.Duration(v * float64(time.Millisecond))})
		}
	}
	return out
}

func TestCheckAlert(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 30, 0, time.UTC) // half-way through 12:00
	long := now.Add(-time.Hour)                           // rollups began long ago
	p95 := &bera.Alert{Kind: bera.AlertP95, Threshold: 500, Minutes: 5}
	for _, tc := range []struct {
		name      string
		pts       []metrics.Point
		dataSince time.Time
		holds     bool
		known     bool
		value     float64
		since     string // "15:04", when holds
	}{
		{"five minutes over", p95s(now, 100, 600, 700, 800, 900, 650), long, true, true, 600, "11:55"},
		{"a longer run", p95s(now, 900, 900, 600, 700, 800, 900, 650), long, true, true, 600, "11:53"},
		{"four minutes over", p95s(now, 100, 100, 700, 800, 900, 650), long, false, true, 650, ""},
		{"at the threshold is not over", p95s(now, 600, 600, 500, 600, 600, 600), long, false, true, 600, ""},
		{"a quiet minute breaks the run", p95s(now, 600, 600, 600, -1, 600, 600), long, false, true, 600, ""},
		{"the run ended", p95s(now, 600, 600, 600, 600, 600, 600, 100), long, false, true, 100, ""},
		{"no requests in the last minute", p95s(now, 600, 600, 600, 600, 600, 600, -1), long, false, true, 0, ""},
		{"no requests at all", nil, long, false, true, 0, ""},
		{"rollups younger than the window", p95s(now, 100, 100), now.Add(-3 * time.Minute), false, false, 100, ""},
		{"holding is known however young", p95s(now, 600, 600, 600, 600, 600), now.Add(-5 * time.Minute), true, true, 600, "11:55"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := metrics.CheckAlert(p95, tc.pts, now, tc.dataSince)
			if got.Holds != tc.holds || got.Known != tc.known || got.Value != tc.value {
				t.Fatalf("holds=%v known=%v value=%v, want %v %v %v", got.Holds, got.Known, got.Value, tc.holds, tc.known, tc.value)
			}
			if tc.holds && got.Since.Format("15:04") != tc.since {
				t.Errorf("since %s, want %s", got.Since.Format("15:04"), tc.since)
			}
		})
	}

	// The current minute is still filling: it neither starts nor ends a run.
	pts := p95s(now.Add(time.Minute), 600, 600, 600, 600, 600, 100)
	if got := metrics.CheckAlert(p95, pts, now, long); !got.Holds {
		t.Errorf("the current minute's p95 of 100 ended the alert: %+v", got)
	}
	// A missing minute breaks the run too.
	gappy := append(p95s(now.Add(-3*time.Minute), 600, 600, 600), p95s(now, 600, 600)...)
	if got := metrics.CheckAlert(p95, gappy, now, long); got.Holds {
		t.Errorf("held across a missing minute: %+v", got)
	}
	// The error rate is the share of 5xx responses.
	rate := &bera.Alert{Kind: bera.AlertErrorRate, Threshold: 5, Minutes: 2}
	last := now.Truncate(time.Minute)
	errs := []metrics.Point{
		{Time: last.Add(-2 * time.Minute), Requests: 40, Status: [5]uint32{0, 37, 0, 0, 3}}, // 7.5%
		{Time: last.Add(-time.Minute), Requests: 20, Status: [5]uint32{0, 18, 0, 1, 1}},     // 5%: not over
	}
	if got := metrics.CheckAlert(rate, errs, now, long); got.Holds || got.Value != 5 {
		t.Errorf("5%% held over 5%%: %+v", got)
	}
	errs[1].Status = [5]uint32{0, 17, 0, 0, 3} // 15%
	if got := metrics.CheckAlert(rate, errs, now, long); !got.Holds || got.Value != 7.5 {
		t.Errorf("7.5%% and 15%% over 5%%: %+v", got)
	}
}

func TestNextAlertState(t *testing.T) {
	p95 := bera.Alert{Kind: bera.AlertP95, Threshold: 500, Minutes: 5}
	rate := bera.Alert{Kind: bera.AlertErrorRate, Threshold: 2.5, Minutes: 1}
	on := func(a bera.Alert) *bera.Alert { a.Triggered = true; return &a }
	off := func(a bera.Alert) *bera.Alert { return &a }
	for _, tc := range []struct {
		name string
		a    *bera.Alert
		c    metrics.AlertCheck
		want metrics.AlertChange
	}{
		{"triggers", off(p95), metrics.AlertCheck{Holds: true, Known: true, Value: 812.4, HasValue: true},
			metrics.AlertChange{Changed: true, Triggered: true, Msg: "Alert triggered: p95 response time 812 ms over 500 ms for 5 minutes"}},
		{"fires once", on(p95), metrics.AlertCheck{Holds: true, Known: true, Value: 900}, metrics.AlertChange{}},
		{"resolves", on(p95), metrics.AlertCheck{Known: true, Value: 320, HasValue: true},
			metrics.AlertChange{Changed: true, Msg: "Alert resolved: p95 response time 320 ms, no longer over 500 ms for 5 minutes"}},
		{"resolves without traffic", on(p95), metrics.AlertCheck{Known: true},
			metrics.AlertChange{Changed: true, Msg: "Alert resolved: p95 response time no longer over 500 ms for 5 minutes"}},
		{"keeps its state when unknown", on(p95), metrics.AlertCheck{Value: 100, HasValue: true}, metrics.AlertChange{}},
		{"stays ok", off(p95), metrics.AlertCheck{Known: true, Value: 100, HasValue: true}, metrics.AlertChange{}},
		{"error rate", off(rate), metrics.AlertCheck{Holds: true, Known: true, Value: 12.5, HasValue: true},
			metrics.AlertChange{Changed: true, Triggered: true, Msg: "Alert triggered: error rate 12.5% over 2.5% for 1 minute"}},
		{"small error rate", off(rate), metrics.AlertCheck{Holds: true, Known: true, Value: 3, HasValue: true},
			metrics.AlertChange{Changed: true, Triggered: true, Msg: "Alert triggered: error rate 3% over 2.5% for 1 minute"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := metrics.NextAlertState(tc.a, tc.c); got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// logLines collects app log lines.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) Log(appID, source, dyno, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, appID+" "+source+"["+dyno+"]: "+msg)
}

func (l *logLines) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// TestAlerts_Run runs the loop on a real store while requests are observed and the clock
// moves: the alert triggers once, resolves once, and its state is in the store.
func TestAlerts_Run(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	u := &bera.User{Email: "o@example.com"}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	app := &bera.App{Name: "slow", OwnerID: u.ID}
	if _, err := st.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if err := st.SetAlert(ctx, &bera.Alert{AppID: app.ID, Kind: bera.AlertP95, Threshold: 500, Minutes: 2}); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: t0}
	m := metrics.New(metrics.Config{Now: c.Now})
	logs := &logLines{}
	loop := m.NewAlerts(metrics.AlertsConfig{Store: st, Log: logs.Log, Interval: time.Millisecond})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- loop.Run(runCtx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	// One request a minute, the clock moving on while the loop runs.
	minute := func(i int, service time.Duration) {
		c.Set(t0.Add(time.Duration(i)*time.Minute + time.Second))
		m.Observe(&router.Entry{AppID: app.ID, Status: 200, Service: service})
		time.Sleep(5 * time.Millisecond)
	}
	waitLines := func(n int) []string {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for len(logs.get()) < n && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		return logs.get()
	}
	minute(1, 800*time.Millisecond)
	minute(2, 900*time.Millisecond)
	minute(3, 100*time.Millisecond) // 01 and 02 are over for 2 minutes: triggered at 12:03
	waitLines(1)
	minute(4, 100*time.Millisecond) // 03 is not over: resolved at 12:04
	waitLines(2)
	time.Sleep(10 * time.Millisecond) // checks go on: nothing more is logged
	got := logs.get()
	// The values are the histogram's estimates of 800 ms and 100 ms.
	want := []*regexp.Regexp{
		regexp.MustCompile(`^` + app.ID + ` heroku\[alerts\]: Alert triggered: p95 response time (8\d\d) ms over 500 ms for 2 minutes$`),
		regexp.MustCompile(`^` + app.ID + ` heroku\[alerts\]: Alert resolved: p95 response time (1\d\d) ms, no longer over 500 ms for 2 minutes$`),
	}
	if len(got) != len(want) {
		t.Fatalf("log lines:\n%s", strings.Join(got, "\n"))
	}
	for i, re := range want {
		if !re.MatchString(got[i]) {
			t.Errorf("line %d: %q, want %s", i, got[i], re)
		}
	}
	as, err := st.Alerts(ctx, app.ID)
	if err != nil || len(as) != 1 || as[0].Triggered || !as[0].Since.Equal(t0.Add(4*time.Minute)) {
		t.Fatalf("stored alert: %+v, %v", as, err)
	}
}
