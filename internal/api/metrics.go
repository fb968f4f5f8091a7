package api

import (
	"net/http"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/wire"
)

// Metrics serves measurements of apps. Nil answers /metrics and /apps/{app}/metrics with 503.
type Metrics interface {
	// Rollups returns the app's 1-minute points with since <= Time < until, oldest first;
	// minutes without data may be missing.
	Rollups(appID string, since, until time.Time) []MetricPoint
	// ServeHTTP serves every app's metrics in the Prometheus text format.
	http.Handler
}

// MetricPoint is one minute of an app: router traffic and its dynos' resources.
type MetricPoint struct {
	Time time.Time
	// Status counts requests by class: Status[0] is 1xx … Status[4] is 5xx.
	Requests      int
	Status        [5]int
	P50, P95, P99 time.Duration
	BytesOut      uint64
	Dynos         int
	Restarts      int
	// CPU is the mean number of CPU cores used by all the app's dynos together.
	CPU                      float64
	RSSMean, RSSMax, SwapMax uint64
	// Errors counts Heroku error codes (H12, R14, ...) by code.
	Errors map[string]int
}

// maxMetricsWindow is how far back rollups go.
const maxMetricsWindow = 24 * time.Hour

// handleMetricsRollups answers `bera metrics`: one point a minute (zeros where nothing
// happened) between ?since and ?until (RFC 3339; default the last hour, at most 24 h).
func (s *Server) handleMetricsRollups(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	since, until, err := s.metricsWindow(r)
	if err != nil {
		return err
	}
	if s.cfg.Metrics == nil {
		return bera.Errorf(bera.EUnavailable, "Metrics are not available on this server.")
	}
	pts := s.cfg.Metrics.Rollups(app.ID, since, until)
	return writeJSON(w, http.StatusOK, wire.Metrics{App: appRef(app), Since: ts(since), Until: ts(until),
		StepSeconds: 60, Points: fillMinutes(pts, since, until)})
}

// metricsWindow reads ?since and ?until, aligned to minutes.
func (s *Server) metricsWindow(r *http.Request) (since, until time.Time, err error) {
	until = s.cfg.Now().Truncate(time.Minute).Add(time.Minute)
	if v := r.URL.Query().Get("until"); v != "" {
		if until, err = time.Parse(time.RFC3339, v); err != nil {
			return since, until, bera.Errorf(bera.EInvalid, "until must be an RFC 3339 time, such as 2026-01-02T15:04:05Z.")
		}
	}
	since = until.Add(-time.Hour)
	if v := r.URL.Query().Get("since"); v != "" {
		if since, err = time.Parse(time.RFC3339, v); err != nil {
			return since, until, bera.Errorf(bera.EInvalid, "since must be an RFC 3339 time, such as 2026-01-02T15:04:05Z.")
		}
	}
	since, until = since.UTC().Truncate(time.Minute), until.UTC().Truncate(time.Minute)
	if !since.Before(until) || until.Sub(since) > maxMetricsWindow {
		return since, until, bera.Errorf(bera.EInvalid, "since must be before until, and at most 24 hours apart.")
	}
	return since, until, nil
}

// fillMinutes returns one point for every minute in [since, until).
func fillMinutes(pts []MetricPoint, since, until time.Time) []wire.MetricPoint {
	byMinute := make(map[time.Time]MetricPoint, len(pts))
	for _, p := range pts {
		byMinute[p.Time.UTC().Truncate(time.Minute)] = p
	}
	out := make([]wire.MetricPoint, 0, int(until.Sub(since)/time.Minute))
	for m := since; m.Before(until); m = m.Add(time.Minute) {
		p := byMinute[m]
		p.Time = m
		out = append(out, toMetricPoint(p))
	}
	return out
}

func toMetricPoint(p MetricPoint) wire.MetricPoint {
	j := wire.MetricPoint{Time: ts(p.Time), Requests: p.Requests, Status: map[string]int{}, Errors: map[string]int{}, ThroughputRPS: float64(p.Requests) / 60,
		BytesOut: p.BytesOut, Dynos: p.Dynos, Restarts: p.Restarts, CPULoad: p.CPU,
		MemoryRSS: wire.MeanMax{Mean: p.RSSMean, Max: p.RSSMax}, MemorySwapMax: p.SwapMax}
	for code, n := range p.Errors {
		j.Errors[code] = n
	}
	for i, n := range p.Status {
		j.Status[string(rune('1'+i))+"xx"] = n
	}
	if p.Requests > 0 {
		j.ResponseTimeMS = &wire.Percentiles{P50: ms(p.P50), P95: ms(p.P95), P99: ms(p.P99)}
	}
	return j
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// handlePrometheus serves /metrics for Prometheus. It names every app, so it takes an
// admin's API key (Prometheus: `authorization: {credentials_file: …}` in the scrape
// config); `bera server --metrics-listen` serves it without a key on a separate listener.
func (s *Server) handlePrometheus(w http.ResponseWriter, r *http.Request) error {
	if !bera.UserFrom(r.Context()).Admin {
		return bera.Errorf(bera.EForbidden, "Only an admin's API key can read /metrics: it covers every app.")
	}
	if s.cfg.Metrics == nil {
		return bera.Errorf(bera.EUnavailable, "Metrics are not available on this server.")
	}
	s.cfg.Metrics.ServeHTTP(w, r)
	return nil
}
