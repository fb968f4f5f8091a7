// Command router is the routing-mesh benchmark harness: it runs either the tiny backend the
// benchmark measures, or the Bera router in front of it with a static one-app table. The
// load itself comes from wrk; run.sh wires everything together and compares with nginx.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"

	"github.com/kingvon-ke/bera/internal/logs"
	"github.com/kingvon-ke/bera/internal/router"
)

func main() {
	mode := flag.String("mode", "router", "backend, router (the plain-HTTP front end) or router-std (the net/http server, as on HTTPS)")
	listen := flag.String("listen", "127.0.0.1:18082", "address to listen on")
	backend := flag.String("backend", "127.0.0.1:18081", "router mode: the backend's address")
	host := flag.String("host", "bench.localhost", "router mode: the app's host name")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.BoolVar(&eventLoop, "event-loop", false, "router mode: serve keep-alive connections from the fast path's event loops (router.Config.EventLoop)")
	withLog := flag.Bool("log", false, "router mode: write every router log line to an in-memory log buffer, as bera server does without Redis")
	flag.Parse()
	go printSchedLatencies()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f) //nolint:errcheck // profiling is best effort
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *mode, *listen, *backend, *host, *withLog); err != nil {
		fmt.Fprintln(os.Stderr, err)
		stop()
		os.Exit(1) //nolint:gocritic // exits after the profile is irrelevant
	}
}

// eventLoop is -event-loop.
var eventLoop bool

// run serves the chosen mode on listen until ctx ends.
func run(ctx context.Context, mode, listen, backend, host string, withLog bool) error {
	var srv interface {
		Serve(net.Listener) error
		Close() error
	}
	switch mode {
	case "backend":
		srv = &http.Server{Handler: http.HandlerFunc(hello)}
	case "router", "router-std":
		cfg := router.Config{Logger: slog.Default(), EventLoop: eventLoop}
		if withLog {
			cfg.Sink = logSink{logs.New(logs.Config{})}
		}
		r := router.New(cfg)
		tbl, err := router.NewTable([]router.Route{{
			AppID: "bench", AppName: "bench", Hosts: []string{host},
			Backends: []router.Backend{{Dyno: "web.1", Addr: backend}},
		}})
		if err != nil {
			return err
		}
		r.SetTable(tbl)
		defer r.Close()
		if mode == "router-std" {
			srv = r.NewServer(listen)
		} else {
			srv = r.NewFrontend(listen)
		}
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	ln, err := router.Listen(ctx, listen)
	if err != nil {
		return err
	}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", mode, err)
	}
	return nil
}

// logSink writes router lines to a log buffer, as cmd/bera's wiring does.
type logSink struct{ buf *logs.Buffer }

// RouterLine implements router.LogSink.
func (s logSink) RouterLine(appID, line string) { s.buf.Write(appID, "heroku", "router", line) }

// hello is the benchmark backend: a 13-byte plain-text answer.
func hello(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "hello, world\n")
}

// printSchedLatencies prints, at each SIGUSR1, percentiles of how long goroutines waited
// runnable before they ran (runtime/metrics /sched/latencies:seconds) since the last one:
// the Go scheduler's share of a request's latency. bench/server/run.sh sends it around
// each round of the router alone with SCHEDLAT=1.
func printSchedLatencies() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	sample := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	var prev []uint64
	for range ch {
		metrics.Read(sample)
		h := sample[0].Value.Float64Histogram()
		cur := slices.Clone(h.Counts) // metrics.Read reuses h.Counts
		counts := slices.Clone(cur)
		var total uint64
		for i := range counts {
			if i < len(prev) {
				counts[i] -= prev[i]
			}
			total += counts[i]
		}
		prev = cur
		var out []string
		for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
			var n uint64
			for i, c := range counts {
				if n += c; float64(n) >= q*float64(total) {
					out = append(out, fmt.Sprintf("p%g %.1f µs", q*100, h.Buckets[i+1]*1e6))
					break
				}
			}
		}
		fmt.Fprintf(os.Stderr, "scheduling latency of %d goroutine wake-ups: %s\n", total, strings.Join(out, ", "))
	}
}
