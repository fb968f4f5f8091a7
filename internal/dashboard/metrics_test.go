package dashboard_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/api"
)

// TestMetrics checks the Metrics tab: a chart per measurement, drawn from the app's rollups,
// with the numbers in each chart's data table.
func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.mustUser(t, "owner@example.com", "owner password")
	b := e.browser(t)
	b.login("owner@example.com", "owner password")
	b.post("/dashboard/apps", url.Values{"name": {"shop"}})

	p := b.get("/apps/shop/metrics")
	p.mustContain(t, "0 requests", `<title id="chart-response-time-svgtitle">Response Time</title>`)
	// Without requests the response-time chart has no line; throughput is flat at 0.
	rt := p.body[strings.Index(p.body, `id="chart-response-time"`):strings.Index(p.body, `id="chart-throughput"`)]
	if strings.Contains(rt, "<polyline") {
		t.Fatalf("response time drawn without requests:\n%s", rt)
	}

	minute := e.now.UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	e.mets.set(e.appID(t, "shop"), []api.MetricPoint{
		{Time: minute, Requests: 120, Status: [5]int{0, 100, 0, 0, 20}, P50: 20 * time.Millisecond, P95: 250 * time.Millisecond,
			P99: 900 * time.Millisecond, Dynos: 2, Restarts: 1, CPU: 0.5, RSSMean: 64 << 20, RSSMax: 80 << 20,
			Errors: map[string]int{"H12": 3, "R14": 1}},
		{Time: minute.Add(time.Minute), Requests: 60, Status: [5]int{0, 60}, P50: 10 * time.Millisecond, P95: 30 * time.Millisecond,
			P99: 40 * time.Millisecond, Dynos: 2, RSSMean: 64 << 20, RSSMax: 64 << 20, Errors: map[string]int{"H12": 1}},
	})
	p = b.get("/apps/shop/metrics")
	p.mustContain(t, "180 requests", "one point per 1 minute",
		`<desc id="chart-response-time-desc">`, "the axis goes up to 1000 ms",
		`<th scope="col">p95</th>`, "<td>250</td>", "<td>900</td>", // response time
		"<td>1.67</td>", "<td>0.33</td>", // 2xx and 5xx per second
		"<td>64</td>", "<td>80</td>", // memory in MB
		`<polyline class="line s3"`, "Data table")
	// Error codes are totalled by code, and drawn as H and R errors next to restarts.
	p.mustContain(t, `<th scope="row"><code>H12</code></th><td>4</td>`, `<th scope="row"><code>R14</code></th><td>1</td>`,
		`<th scope="col">H errors</th><th scope="col">R errors</th>`)
	hm := minute.Format("15:04")
	p.mustContain(t, `<th scope="row">`+hm+`</th>`)

	// A day merges minutes into at most 120 columns; an unknown range is the last hour.
	b.get("/apps/shop/metrics?hours=24").mustContain(t, "The last 24 hours", "one point per 12 minutes", "180 requests")
	b.get("/apps/shop/metrics?hours=5").mustContain(t, "The last 1 hour", `aria-current="page">Past 1 hour`)
}
