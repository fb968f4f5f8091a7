package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/api"
	"github.com/kingvon-ke/bera/internal/dyno"
	"github.com/kingvon-ke/bera/internal/metrics"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/store"
)

// newMetrics is the metrics of apps (router traffic, dyno usage, restarts) labelled with
// the app names in the store. It exists before the router, which reports every request to it.
func newMetrics(st *store.Store, log *slog.Logger) *metrics.Metrics {
	return metrics.New(metrics.Config{Apps: appLister{st}, Logger: log})
}

// newSampler samples what the runtime reports of the reconciler's dynos into m, and applies
// the memory quota with R14/R15 lines in appLog.
func newSampler(m *metrics.Metrics, st *store.Store, rec *dyno.Reconciler, rt runtime.Runtime, appLog func(appID, source, dyno, msg string)) *metrics.Sampler {
	usage, _ := rt.(runtime.UsageReporter)
	return m.NewSampler(metrics.SamplerConfig{Dynos: runningDynos{st, rec, rt}, Usage: usage, OverQuota: newQuota(rt, appLog, m.DynoError).OverQuota})
}

// newQuota is the memory policy for dynos of rt. runc dynos are held at their quota by the
// cgroup and OOM-killed there (R15, logged by the reconciler); process dynos have no
// cgroup, so past twice the quota they are killed by the policy.
func newQuota(rt runtime.Runtime, appLog func(appID, source, dyno, msg string), count func(appID, code string)) *metrics.Quota {
	cfg := metrics.QuotaConfig{Log: appLog, Count: count}
	if !rt.Capabilities().Isolated {
		cfg.Kill = func(ctx context.Context, id string) error { return rt.Signal(ctx, id, syscall.SIGKILL) }
	}
	return metrics.NewQuota(cfg)
}

// appLister is the store as a metrics.AppLister.
type appLister struct{ store *store.Store }

// ListApps implements metrics.AppLister.
func (l appLister) ListApps(ctx context.Context) ([]metrics.App, error) {
	apps, err := l.store.ListApps(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]metrics.App, 0, len(apps))
	for _, a := range apps {
		out = append(out, metrics.App{ID: a.ID, Name: a.Name})
	}
	return out, nil
}

// runningDynos is the reconciler's dynos that the runtime runs, as a metrics.DynoLister.
type runningDynos struct {
	store *store.Store
	rec   *dyno.Reconciler
	rt    runtime.Runtime
}

// RunningDynos implements metrics.DynoLister.
func (l runningDynos) RunningDynos(ctx context.Context) ([]metrics.Dyno, error) {
	apps, err := l.store.ListApps(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []metrics.Dyno
	for _, a := range apps {
		for _, d := range l.rec.Dynos(a.ID) {
			st, err := l.rt.Inspect(ctx, d.ID)
			if err != nil || st.State != runtime.StateRunning {
				continue
			}
			md := metrics.Dyno{ID: d.ID, AppID: a.ID, Name: d.Name, Type: d.Type}
			if size, err := bera.LookupDynoSize(d.Size); err == nil {
				md.Quota = uint64(size.MemoryMB) << 20
			}
			out = append(out, md)
		}
	}
	return out, nil
}

// countCrashes is the reconciler's change hook that counts dyno crashes as restarts.
func countCrashes(m *metrics.Metrics, rec *dyno.Reconciler) func(appID string) {
	return func(appID string) { m.DynosChanged(appID, rec.Dynos(appID)) }
}

// runMetrics samples dynos until ctx ends, and serves /metrics without authentication on
// listen when set.
func runMetrics(ctx context.Context, m *metrics.Metrics, s *metrics.Sampler, listen string, log *slog.Logger) error {
	if listen == "" {
		return s.Run(ctx)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Info("metrics listener started", "listen", ln.Addr().String())
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.Run(gctx) })
	g.Go(func() error {
		<-gctx.Done()
		return srv.Close()
	})
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	return g.Wait()
}

// apiMetrics adapts *metrics.Metrics to api.Metrics.
type apiMetrics struct{ m *metrics.Metrics }

func (a apiMetrics) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.m.Handler().ServeHTTP(w, r) }

func (a apiMetrics) Rollups(appID string, since, until time.Time) []api.MetricPoint {
	pts := a.m.Rollups(appID, since, until)
	out := make([]api.MetricPoint, 0, len(pts))
	for _, p := range pts {
		out = append(out, api.MetricPoint{Time: p.Time, Requests: int(p.Requests), P50: p.P50, P95: p.P95, P99: p.P99,
			BytesOut: p.BytesOut, Dynos: int(p.Dynos), Restarts: int(p.Restarts), CPU: float64(p.CPU),
			RSSMean: p.RSSMean, RSSMax: p.RSSMax, SwapMax: p.SwapMax, Errors: errorCounts(p.Errors),
			Status: [5]int{int(p.Status[0]), int(p.Status[1]), int(p.Status[2]), int(p.Status[3]), int(p.Status[4])}})
	}
	return out
}

func errorCounts(m map[string]uint32) map[string]int {
	if m == nil {
		return nil
	}
	out := make(map[string]int, len(m))
	for code, n := range m {
		out[code] = int(n)
	}
	return out
}
