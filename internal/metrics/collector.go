package metrics

import (
	"context"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Exported metric families. Every one has an "app" label (the app's name).
var (
	descRequests = prometheus.NewDesc("bera_router_requests_total",
		"Requests routed to the app, by status class (1xx..5xx; router errors included).", []string{"app", "status_class"}, nil)
	descErrors = prometheus.NewDesc("bera_router_errors_total",
		"Requests the router answered with a Heroku error code (H10, H12, ...).", []string{"app", "code"}, nil)
	descDuration = prometheus.NewDesc("bera_router_request_duration_seconds",
		"Response time of routed requests: connect plus service time, until the response headers.", []string{"app"}, nil)
	descBytes = prometheus.NewDesc("bera_router_response_bytes_total",
		"Response body bytes sent to clients.", []string{"app"}, nil)
	descRestarts = prometheus.NewDesc("bera_dyno_restarts_total",
		"Crashes of a dyno, each followed by a restart.", []string{"app", "dyno"}, nil)
	dynoLabels = []string{"app", "dyno", "type"}
	descCPU    = prometheus.NewDesc("bera_dyno_cpu_seconds_total", "CPU time used by the running dyno (user and system).", dynoLabels, nil)
	descRSS    = prometheus.NewDesc("bera_dyno_memory_rss_bytes", "Resident anonymous memory of the dyno.", dynoLabels, nil)
	descCache  = prometheus.NewDesc("bera_dyno_memory_cache_bytes", "Page cache charged to the dyno (0 for process dynos).", dynoLabels, nil)
	descSwap   = prometheus.NewDesc("bera_dyno_memory_swap_bytes", "Memory of the dyno swapped out.", dynoLabels, nil)
)

var statusClasses = [5]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

// collector is Metrics seen as a prometheus.Collector: it turns the current state into
// constant metrics at each scrape, labelled with the apps' current names.
type collector Metrics

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRequests, descErrors, descDuration, descBytes, descRestarts, descCPU, descRSS, descCache, descSwap} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	m := (*Metrics)(c)
	m.learnNames()
	m.apps.Range(func(_, v any) bool {
		s := v.(*appState)
		collectApp(ch, m.appName(s.id), s)
		return true
	})
	m.mu.Lock()
	dynos := make([]dynoSample, 0, len(m.dynos))
	for _, d := range m.dynos {
		dynos = append(dynos, d)
	}
	m.mu.Unlock()
	for _, d := range dynos {
		l := []string{m.appName(d.AppID), d.Name, d.Type}
		ch <- prometheus.MustNewConstMetric(descCPU, prometheus.CounterValue, d.CPU.Seconds(), l...)
		ch <- prometheus.MustNewConstMetric(descRSS, prometheus.GaugeValue, float64(d.RSS), l...)
		ch <- prometheus.MustNewConstMetric(descCache, prometheus.GaugeValue, float64(d.Cache), l...)
		ch <- prometheus.MustNewConstMetric(descSwap, prometheus.GaugeValue, float64(d.Swap), l...)
	}
}

// collectApp emits one app's router counters and restarts.
func collectApp(ch chan<- prometheus.Metric, name string, s *appState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, n := range s.requests {
		ch <- prometheus.MustNewConstMetric(descRequests, prometheus.CounterValue, float64(n), name, statusClasses[i])
	}
	for code, n := range s.hcodes {
		ch <- prometheus.MustNewConstMetric(descErrors, prometheus.CounterValue, float64(n), name, string(code))
	}
	cum := map[float64]uint64{}
	var total uint64
	for i, le := range promBuckets {
		total += s.buckets[i]
		cum[le] = total
	}
	total += s.buckets[len(promBuckets)]
	ch <- prometheus.MustNewConstHistogram(descDuration, total, s.durSum.Seconds(), cum, name)
	ch <- prometheus.MustNewConstMetric(descBytes, prometheus.CounterValue, float64(s.bytes), name)
	dynos := make([]string, 0, len(s.restarts))
	for d := range s.restarts {
		dynos = append(dynos, d)
	}
	slices.Sort(dynos)
	for _, d := range dynos {
		ch <- prometheus.MustNewConstMetric(descRestarts, prometheus.CounterValue, float64(s.restarts[d]), name, d)
	}
}

// learnNames reloads app names when an app seen since the last sampling has none yet, so a
// new app is labelled by name in its first scrape.
func (m *Metrics) learnNames() {
	unknown := false
	m.apps.Range(func(k, _ any) bool {
		m.mu.Lock()
		_, ok := m.names[k.(string)]
		m.mu.Unlock()
		unknown = !ok
		return ok
	})
	if !unknown {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.RefreshApps(ctx); err != nil {
		m.log.Warn("list apps for metric labels", "err", err)
	}
}
