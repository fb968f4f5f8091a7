package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/api"
	"github.com/kingvon-ke/bera/internal/deploy"
	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/oneoff"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/store"
)

// runWiring serves one-off dynos: the API's api.Runs, and the TLS rendezvous listener of
// `heroku run` on --rendezvous-listen.
type runWiring struct {
	m    *oneoff.Manager
	ln   net.Listener
	host string // the host of attach_url; "" means the host the client reached the API by
	port string
}

// newRunWiring listens on --rendezvous-listen with the API listener's certificate.
func newRunWiring(cfg *Config, st *store.Store, rt runtime.Runtime, slugs *deploy.SlugDirs, lw *logWiring, bus events.Publisher, tlsCfg *tls.Config, log *slog.Logger) (*runWiring, error) {
	ln, err := net.Listen("tcp", cfg.RendezvousListen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.RendezvousListen, err)
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = ""
	}
	rtls := tlsCfg.Clone()
	rtls.NextProtos = nil
	log.Info("rendezvous listening for heroku run", "addr", ln.Addr().String())
	m := oneoff.New(oneoff.Config{Runtime: rt, Releases: st, Slugs: slugs, Log: lw.platform, Events: bus, Logger: log})
	return &runWiring{m: m, ln: tls.NewListener(ln, rtls), host: host, port: port}, nil
}

// serve runs the rendezvous listener until ctx ends.
func (w *runWiring) serve(ctx context.Context) error { return w.m.ServeRendezvous(ctx, w.ln) }

// Close stops every one-off dyno and the rendezvous listener.
func (w *runWiring) Close() error {
	w.ln.Close()
	return w.m.Close()
}

// Create implements api.Runs.
func (w *runWiring) Create(ctx context.Context, app *bera.App, host string, o api.RunOptions) (bera.Dyno, error) {
	d, secret, err := w.m.Create(ctx, app, oneoff.Options{Command: o.Command, Env: o.Env, Size: o.Size, Type: o.Type,
		Attach: o.Attach, TTY: o.TTY, User: o.User})
	if err != nil || secret == "" {
		return d, err
	}
	if w.host != "" {
		host = w.host
	}
	d.AttachURL = "rendezvous://" + net.JoinHostPort(host, w.port) + "/" + secret
	return d, nil
}

// ServeAttach implements api.Runs.
func (w *runWiring) ServeAttach(rw http.ResponseWriter, r *http.Request, app *bera.App, name, secret string) error {
	return w.m.ServeAttach(rw, r, app.ID, name, secret)
}

// dynos merges the app's one-off dynos into the reconciler's list (oneoff.WithFormation).
func (w *runWiring) dynos(rec api.Dynos) api.Dynos { return w.m.WithFormation(rec) }
