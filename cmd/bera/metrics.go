package main

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

// metricsWiring connects internal/metrics to the store, the reconciler and the runtime, and
// serves it to the API (and on --metrics-listen when set).
type metricsWiring struct {
	m      *metrics.Metrics
	store  *store.Store
	rec    *dyno.Reconciler // set once the reconciler exists
	rt     runtime.Runtime
	listen string
	log    *slog.Logger
}

// newMetricsWiring samples what the runtime reports, and applies the memory quota with
// R14/R15 lines in appLog.
func newMetricsWiring(cfg *serverConfig, st *store.Store, rt runtime.Runtime, appLog func(appID, source, dyno, msg string), log *slog.Logger) *metricsWiring {
	w := &metricsWiring{store: st, rt: rt, listen: cfg.MetricsListen, log: log}
	usage, _ := rt.(runtime.UsageReporter)
	w.m = metrics.New(metrics.Config{Apps: w, Dynos: w, Usage: usage, Logger: log, OverQuota: newQuota(rt, appLog).OverQuota})
	return w
}

// newQuota is the memory policy for dynos of rt. runc dynos are held at their quota by the
// cgroup and OOM-killed there (R15, logged by the reconciler); process dynos have no
// cgroup, so past twice the quota they are killed by the policy.
func newQuota(rt runtime.Runtime, appLog func(appID, source, dyno, msg string)) *metrics.Quota {
	cfg := metrics.QuotaConfig{Log: appLog}
	if !rt.Capabilities().Isolated {
		cfg.Kill = func(ctx context.Context, id string) error { return rt.Signal(ctx, id, syscall.SIGKILL) }
	}
	return metrics.NewQuota(cfg)
}

// ListApps implements metrics.AppLister.
func (w *metricsWiring) ListApps(ctx context.Context) ([]metrics.App, error) {
	apps, err := w.store.ListApps(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]metrics.App, 0, len(apps))
	for _, a := range apps {
		out = append(out, metrics.App{ID: a.ID, Name: a.Name})
	}
	return out, nil
}

// RunningDynos implements metrics.DynoLister: the reconciler's dynos that the runtime
// reports running.
func (w *metricsWiring) RunningDynos(ctx context.Context) ([]metrics.Dyno, error) {
	if w.rec == nil {
		return nil, nil
	}
	apps, err := w.store.ListApps(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []metrics.Dyno
	for _, a := range apps {
		for _, d := range w.rec.Dynos(a.ID) {
			st, err := w.rt.Inspect(ctx, d.ID)
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

// onChange wraps the reconciler's change hook so that dyno crashes are counted.
func (w *metricsWiring) onChange(next func(appID string)) func(appID string) {
	return func(appID string) {
		next(appID)
		if w.rec != nil {
			w.m.DynosChanged(appID, w.rec.Dynos(appID))
		}
	}
}

// api returns the metrics as the API consumes them.
func (w *metricsWiring) api() api.Metrics { return apiMetrics{w.m} }

// run samples dynos until ctx ends, and serves /metrics without authentication on
// --metrics-listen when set.
func (w *metricsWiring) run(ctx context.Context) error {
	if w.listen == "" {
		return w.m.Run(ctx)
	}
	ln, err := net.Listen("tcp", w.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", w.listen, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", w.m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	w.log.Info("metrics listener started", "listen", ln.Addr().String())
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return w.m.Run(gctx) })
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
			RSSMean: p.RSSMean, RSSMax: p.RSSMax, SwapMax: p.SwapMax,
			Status: [5]int{int(p.Status[0]), int(p.Status[1]), int(p.Status[2]), int(p.Status[3]), int(p.Status[4])}})
	}
	return out
}
