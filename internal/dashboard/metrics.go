package dashboard

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

// metricsWindows are the spans the Metrics tab offers, in hours.
var metricsWindows = []int{1, 6, 24}

// maxBuckets is how many columns a chart has at most: longer windows merge minutes.
const maxBuckets = 120

// metricsView is the Metrics tab: charts of the app's 1-minute rollups over the last hours.
type metricsView struct {
	appBase
	Hours    int
	Windows  []int
	Step     string // the width of one column, "1 minute", "3 minutes"
	Requests int    // in the whole window
	Charts   []chart
	// Errors are the Heroku error codes of the window (H12, R14, ...) with their counts.
	Errors []errorCount
	// Alerts are the app's threshold alerts by kind (set or not), nil when the server
	// keeps none (Config.Alerts).
	Alerts []alertView
}

// errorCount is how often an error code occurred in the window.
type errorCount struct {
	Code  string
	Count int
}

func (d *Dashboard) handleMetrics(w http.ResponseWriter, r *http.Request, c *client.Client) error {
	f, err := d.appFrame(r, c, "metrics", "Metrics")
	if err != nil {
		return err
	}
	v := metricsView{appBase: f, Hours: 1, Windows: metricsWindows}
	if h, err := strconv.Atoi(r.URL.Query().Get("hours")); err == nil {
		for _, ok := range metricsWindows {
			if h == ok {
				v.Hours = h
			}
		}
	}
	until := d.cfg.Now().Truncate(time.Minute).Add(time.Minute)
	m, err := c.Metrics(r.Context(), f.App.Name, until.Add(-time.Duration(v.Hours)*time.Hour), until)
	if err != nil {
		return err
	}
	bs := bucketize(m.Points, maxBuckets)
	v.Charts = metricCharts(bs)
	for _, b := range bs {
		v.Requests += b.requests
	}
	v.Errors = errorCounts(m.Points)
	if d.cfg.Alerts != nil {
		if v.Alerts, err = d.metricsAlerts(r.Context(), f.App.ID); err != nil {
			return err
		}
	}
	if len(bs) > 0 {
		v.Step = unitCount(bs[0].minutes, "minute")
	}
	d.render(w, r, http.StatusOK, "metrics", v)
	return nil
}

// bucket is one chart column: one or more minutes merged.
type bucket struct {
	start    time.Time
	minutes  int
	requests int
	status   [4]int // 2xx, 3xx, 4xx, 5xx
	// p50, p95, p99 are the highest of the merged minutes; ok is false without requests.
	p50, p95, p99 float64
	ok            bool
	rssMean       float64 // bytes, mean of the minutes
	rssMax        float64
	cpu           float64 // mean cores
	restarts      int
	hErrors       int // router error codes
	rErrors       int // dyno error codes
}

// bucketize merges the minutes of pts into at most n columns of equal width.
func bucketize(pts []wire.MetricPoint, n int) []bucket {
	if len(pts) == 0 {
		return nil
	}
	per := (len(pts) + n - 1) / n
	var out []bucket
	for i := 0; i < len(pts); i += per {
		group := pts[i:min(i+per, len(pts))]
		b := bucket{minutes: len(group)}
		b.start, _ = time.Parse(time.RFC3339, group[0].Time)
		for _, p := range group {
			b.requests += p.Requests
			for j, class := range []string{"2xx", "3xx", "4xx", "5xx"} {
				b.status[j] += p.Status[class]
			}
			if rt := p.ResponseTimeMS; rt != nil {
				b.ok = true
				b.p50, b.p95, b.p99 = math.Max(b.p50, rt.P50), math.Max(b.p95, rt.P95), math.Max(b.p99, rt.P99)
			}
			b.rssMean += float64(p.MemoryRSS.Mean) / float64(len(group))
			b.rssMax = math.Max(b.rssMax, float64(p.MemoryRSS.Max))
			b.cpu += p.CPULoad / float64(len(group))
			b.restarts += p.Restarts
			for code, n := range p.Errors {
				if strings.HasPrefix(code, "R") {
					b.rErrors += n
				} else {
					b.hErrors += n
				}
			}
		}
		out = append(out, b)
	}
	return out
}

// chart is one server-rendered SVG chart, with its data as a table for screen readers and
// anyone who wants the numbers.
type chart struct {
	ID, Title, Desc, Unit string
	Series                []series
	Max                   string // the top of the y axis, formatted
	Start, End            string // the x axis, "15:04"
	Columns               []string
	Rows                  []chartRow
}

// series is one line of a chart: its polyline segments (gaps where there is no data).
type series struct {
	Name, Class string
	Segments    []string // SVG points attributes
}

// chartRow is a column of the chart as a table row.
type chartRow struct {
	Time   string
	Values []string
}

// The plot area inside the SVG's 640×200 viewBox.
const (
	plotLeft, plotRight, plotTop, plotBottom = 56.0, 632.0, 12.0, 172.0
)

// metricCharts returns the tab's charts for bs.
func metricCharts(bs []bucket) []chart {
	type def struct {
		name, class string
		val         func(b bucket) (float64, bool)
	}
	always := func(f func(bucket) float64) func(bucket) (float64, bool) {
		return func(b bucket) (float64, bool) { return f(b), true }
	}
	mb := func(v float64) float64 { return v / (1 << 20) }
	rps := func(n int, b bucket) float64 { return float64(n) / float64(60*b.minutes) }
	mk := func(id, title, desc, unit string, defs []def) chart {
		c := chart{ID: id, Title: title, Desc: desc, Unit: unit}
		for _, d := range defs {
			c.Columns = append(c.Columns, d.name)
		}
		top := 0.0
		for _, b := range bs {
			row := chartRow{Time: b.start.UTC().Format("15:04")}
			for _, d := range defs {
				v, ok := d.val(b)
				if !ok {
					row.Values = append(row.Values, "–")
					continue
				}
				top = math.Max(top, v)
				row.Values = append(row.Values, formatValue(v))
			}
			c.Rows = append(c.Rows, row)
		}
		top = niceCeil(top)
		c.Max = formatValue(top) + " " + unit
		for _, d := range defs {
			c.Series = append(c.Series, series{Name: d.name, Class: d.class, Segments: segments(bs, top, d.val)})
		}
		if len(bs) > 0 {
			c.Start = bs[0].start.UTC().Format("15:04")
			c.End = bs[len(bs)-1].start.Add(time.Duration(bs[len(bs)-1].minutes) * time.Minute).UTC().Format("15:04")
		}
		return c
	}
	pct := func(f func(bucket) float64) func(bucket) (float64, bool) {
		return func(b bucket) (float64, bool) { return f(b), b.ok }
	}
	return []chart{
		mk("response-time", "Response Time", "Router response time percentiles, the highest minute of each column, in milliseconds.", "ms", []def{
			{"p50", "s1", pct(func(b bucket) float64 { return b.p50 })},
			{"p95", "s2", pct(func(b bucket) float64 { return b.p95 })},
			{"p99", "s3", pct(func(b bucket) float64 { return b.p99 })},
		}),
		mk("throughput", "Throughput", "Requests per second by status class.", "req/s", []def{
			{"2xx", "s1", always(func(b bucket) float64 { return rps(b.status[0], b) })},
			{"3xx", "s4", always(func(b bucket) float64 { return rps(b.status[1], b) })},
			{"4xx", "s2", always(func(b bucket) float64 { return rps(b.status[2], b) })},
			{"5xx", "s3", always(func(b bucket) float64 { return rps(b.status[3], b) })},
		}),
		mk("memory", "Memory Usage", "Memory (RSS) of all dynos together, mean and maximum, in MB.", "MB", []def{
			{"mean", "s1", always(func(b bucket) float64 { return mb(b.rssMean) })},
			{"max", "s2", always(func(b bucket) float64 { return mb(b.rssMax) })},
		}),
		mk("load", "Dyno Load", "CPU cores used by all dynos together, mean.", "cores", []def{
			{"load", "s1", always(func(b bucket) float64 { return b.cpu })},
		}),
		mk("events", "Restarts and Errors", "Dyno restarts, router errors (H codes) and dyno errors (R codes), per column.", "count", []def{
			{"restarts", "s2", always(func(b bucket) float64 { return float64(b.restarts) })},
			{"H errors", "s3", always(func(b bucket) float64 { return float64(b.hErrors) })},
			{"R errors", "s4", always(func(b bucket) float64 { return float64(b.rErrors) })},
		}),
	}
}

// segments returns the polylines of one series scaled to top, broken where val has no data.
func segments(bs []bucket, top float64, val func(bucket) (float64, bool)) []string {
	if top <= 0 {
		top = 1
	}
	var out []string
	var cur strings.Builder
	for i, b := range bs {
		v, ok := val(b)
		if !ok {
			if cur.Len() > 0 {
				out = append(out, dot(cur.String()))
				cur.Reset()
			}
			continue
		}
		x := plotLeft
		if len(bs) > 1 {
			x += (plotRight - plotLeft) * float64(i) / float64(len(bs)-1)
		}
		y := plotBottom - (plotBottom-plotTop)*v/top
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		fmt.Fprintf(&cur, "%.1f,%.1f", x, y)
	}
	if cur.Len() > 0 {
		out = append(out, dot(cur.String()))
	}
	return out
}

// dot repeats the point of a one-point segment, which the lines' round caps draw as a dot.
func dot(seg string) string {
	if !strings.Contains(seg, " ") {
		return seg + " " + seg
	}
	return seg
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (0 stays 0).
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// formatValue formats a chart value with up to two decimals.
func formatValue(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// unitCount is "1 minute" or "3 minutes".
func unitCount(n int, name string) string {
	if n == 1 {
		return "1 " + name
	}
	return strconv.Itoa(n) + " " + name + "s"
}

// errorCounts totals the error codes of pts, sorted by code.
func errorCounts(pts []wire.MetricPoint) []errorCount {
	total := map[string]int{}
	for _, p := range pts {
		for code, n := range p.Errors {
			total[code] += n
		}
	}
	out := make([]errorCount, 0, len(total))
	for code, n := range total {
		out = append(out, errorCount{Code: code, Count: n})
	}
	slices.SortFunc(out, func(a, b errorCount) int { return strings.Compare(a.Code, b.Code) })
	return out
}
