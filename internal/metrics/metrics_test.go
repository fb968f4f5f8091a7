package metrics_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/metrics"
	"github.com/kingvon-ke/bera/internal/router"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/process"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

// clock is a settable Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// lister lists fixed apps and dynos.
type lister struct {
	apps  []metrics.App
	dynos []metrics.Dyno
}

func (l *lister) ListApps(context.Context) ([]metrics.App, error)      { return l.apps, nil }
func (l *lister) RunningDynos(context.Context) ([]metrics.Dyno, error) { return l.dynos, nil }

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func entry(status int, service time.Duration) *router.Entry {
	return &router.Entry{AppID: "a1", Status: status, Service: service, Bytes: 100}
}

func TestMetrics_Rollups(t *testing.T) {
	c := &clock{t: t0.Add(5 * time.Second)}
	m := metrics.New(metrics.Config{Now: c.Now})
	for i := range 100 {
		m.Observe(entry(200, time.Duration(i+1)*time.Millisecond))
	}
	m.Observe(entry(404, time.Millisecond))
	m.Observe(&router.Entry{AppID: "a1", Status: 503, Code: router.H14})
	c.Set(t0.Add(2*time.Minute + time.Second))
	m.Observe(entry(302, time.Millisecond))

	pts := m.Rollups("a1", t0, t0.Add(time.Hour))
	if len(pts) != 2 {
		t.Fatalf("got %d points, want 2: %+v", len(pts), pts)
	}
	p := pts[0]
	if got, want := p.Time, t0; !got.Equal(want) {
		t.Errorf("Time=%v, want %v", got, want)
	}
	if got, want := p.Status, [5]uint32{0, 100, 0, 1, 1}; got != want || p.Requests != 102 {
		t.Errorf("Requests=%d Status=%v, want 102 %v", p.Requests, got, want)
	}
	for _, q := range []struct {
		name      string
		got, want time.Duration
	}{{"p50", p.P50, 49 * time.Millisecond}, {"p95", p.P95, 94 * time.Millisecond}, {"p99", p.P99, 98 * time.Millisecond}} {
		if q.got < q.want || float64(q.got) > float64(q.want)*1.06 {
			t.Errorf("%s=%v, want %v within 6%%", q.name, q.got, q.want)
		}
	}
	if got, want := p.BytesOut, uint64(100*101); got != want {
		t.Errorf("BytesOut=%d, want %d", got, want)
	}
	if got := pts[1]; !got.Time.Equal(t0.Add(2*time.Minute)) || got.Status[2] != 1 {
		t.Errorf("current minute: %+v", got)
	}
	if got := m.Rollups("a1", t0.Add(time.Minute), t0.Add(2*time.Minute)); len(got) != 0 {
		t.Errorf("empty range: %+v", got)
	}
	if got := m.Rollups("other", t0, t0.Add(time.Hour)); got != nil {
		t.Errorf("unknown app: %+v", got)
	}
}

func TestMetrics_RetentionIsBounded(t *testing.T) {
	c := &clock{t: t0}
	m := metrics.New(metrics.Config{Now: c.Now, Retention: 10 * time.Minute})
	for i := range 30 {
		c.Set(t0.Add(time.Duration(i) * time.Minute))
		m.Observe(entry(200, time.Millisecond))
	}
	pts := m.Rollups("a1", time.Time{}, c.Now().Add(time.Minute))
	if len(pts) != 11 || !pts[0].Time.Equal(t0.Add(19*time.Minute)) {
		t.Errorf("got %d points from %v, want 11 from minute 19", len(pts), pts[0].Time)
	}
}

func TestMetrics_Prometheus(t *testing.T) {
	c := &clock{t: t0}
	m := metrics.New(metrics.Config{Now: c.Now, Apps: &lister{apps: []metrics.App{{ID: "a1", Name: "shop"}}}})
	if err := m.RefreshApps(t.Context()); err != nil {
		t.Fatal(err)
	}
	m.Observe(entry(200, 3*time.Millisecond))
	m.Observe(entry(200, 40*time.Millisecond))
	m.Observe(&router.Entry{AppID: "a1", Status: 503, Code: router.H10})
	m.DynosChanged("a1", []bera.Dyno{{ID: "d1", Name: "web.1", State: bera.DynoCrashed}, {ID: "d2", Name: "web.2", State: bera.DynoUp}})
	m.DynosChanged("a1", []bera.Dyno{{ID: "d1", Name: "web.1", State: bera.DynoCrashed}})
	m.DynosChanged("a1", []bera.Dyno{{ID: "d3", Name: "web.1", State: bera.DynoCrashed}})

	body := scrape(t, m)
	for _, want := range []string{
		`bera_router_requests_total{app="shop",status_class="2xx"} 2`,
		`bera_router_requests_total{app="shop",status_class="5xx"} 1`,
		`bera_router_errors_total{app="shop",code="H10"} 1`,
		`bera_router_request_duration_seconds_bucket{app="shop",le="0.005"} 2`,
		`bera_router_request_duration_seconds_bucket{app="shop",le="0.05"} 3`,
		`bera_router_request_duration_seconds_count{app="shop"} 3`,
		`bera_router_response_bytes_total{app="shop"} 200`,
		`bera_dyno_restarts_total{app="shop",dyno="web.1"} 2`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want+"\n") && !strings.Contains(body, want+" ") {
			t.Errorf("/metrics lacks %q:\n%s", want, body)
		}
	}
	if got := m.Rollups("a1", t0, t0.Add(time.Minute)); len(got) != 1 || got[0].Restarts != 2 {
		t.Errorf("rollup restarts: %+v", got)
	}
	// H codes come from the router's entries, R codes from DynoError; both by code.
	m.DynoError("a1", "R14")
	m.DynoError("a1", "R14")
	if got := m.Rollups("a1", t0, t0.Add(time.Minute)); len(got) != 1 || got[0].Errors["H10"] != 1 || got[0].Errors["R14"] != 2 {
		t.Errorf("rollup errors: %+v, want H10 once and R14 twice", got)
	}
}

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestMetrics_DeletedAppsAreForgotten(t *testing.T) {
	c := &clock{t: t0}
	l := &lister{apps: []metrics.App{{ID: "a1", Name: "shop"}}}
	m := metrics.New(metrics.Config{Now: c.Now, Apps: l})
	m.Observe(entry(200, time.Millisecond))
	c.Set(t0.Add(time.Second))
	l.apps = nil
	if err := m.RefreshApps(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := m.Rollups("a1", t0, t0.Add(time.Hour)); got != nil {
		t.Errorf("deleted app still has points: %+v", got)
	}
	if body := scrape(t, m); strings.Contains(body, "bera_router_requests_total") {
		t.Errorf("deleted app still exported:\n%s", body)
	}
}

// TestMetrics_SampleDynos samples a real process dyno twice, with the usage its runtime
// reports.
func TestMetrics_SampleDynos(t *testing.T) {
	out := runtimetest.NewCollector()
	rt := process.New(process.Config{Output: out.Add})
	t.Cleanup(func() { rt.Close() })
	spec := runtime.DynoSpec{ID: "x1", App: "shop", AppID: "a1", Name: "web.1", Type: "web", Command: runtimetest.HogCommand(24), SlugDir: runtimetest.MustSlug(t)}
	if _, err := rt.Start(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	if !out.Await(t.Context(), spec.ID, "ready") {
		t.Fatal("the dyno never got ready")
	}
	c := &clock{t: t0}
	l := &lister{apps: []metrics.App{{ID: "a1", Name: "shop"}},
		dynos: []metrics.Dyno{{ID: "x1", AppID: "a1", Name: "web.1", Type: "web"},
			{ID: "gone", AppID: "a1", Name: "web.2", Type: "web"}}}
	m := metrics.New(metrics.Config{Now: c.Now, Apps: l})
	s := m.NewSampler(metrics.SamplerConfig{Dynos: l, Usage: rt})
	for range 2 {
		if err := s.Sample(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	body := scrape(t, m)
	for _, want := range []string{`bera_dyno_cpu_seconds_total{app="shop",dyno="web.1",type="web"}`, `bera_dyno_memory_rss_bytes{app="shop",dyno="web.1",type="web"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, `dyno="web.2"`) {
		t.Error("a dyno the runtime does not know is exported")
	}
	pts := m.Rollups("a1", t0, t0.Add(time.Minute))
	if len(pts) != 1 || pts[0].Dynos != 1 || pts[0].RSSMax < 24<<20 || pts[0].RSSMean < 24<<20 {
		t.Errorf("rollup: %+v", pts)
	}
}

func BenchmarkMetrics_Observe(b *testing.B) {
	m := metrics.New(metrics.Config{})
	e := entry(200, 12*time.Millisecond)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Observe(e)
		}
	})
}

func TestMetrics_NewAppIsNamedAtFirstScrape(t *testing.T) {
	l := &lister{}
	m := metrics.New(metrics.Config{Apps: l})
	if err := m.RefreshApps(t.Context()); err != nil {
		t.Fatal(err)
	}
	l.apps = []metrics.App{{ID: "a1", Name: "fresh"}}
	m.Observe(entry(200, time.Millisecond))
	if body := scrape(t, m); !strings.Contains(body, `bera_router_requests_total{app="fresh",status_class="2xx"} 1`) {
		t.Errorf("new app not labelled by name:\n%s", body)
	}
}
