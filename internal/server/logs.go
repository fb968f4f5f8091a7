package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/redis/go-redis/v9"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/api"
	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/logs"
	"github.com/kingvon-ke/bera/internal/logs/drain"
	"github.com/kingvon-ke/bera/internal/logs/redisbuf"
	"github.com/kingvon-ke/bera/internal/runtime"
)

// logSessionsPath is where log-session URLs are served on the API listener.
const logSessionsPath = "/log-sessions/"

// logWiring connects every source of log lines to the per-app log (in memory, or a Redis
// stream shared by several servers with --redis-url), serves sessions and runs drains.
type logWiring struct {
	log      logs.Log
	redis    *redisbuf.Log // nil without --redis-url
	sessions *logs.Sessions
	drains   *drain.Manager
	// allowPrivate lets drains connect to loopback and private addresses.
	allowPrivate bool
}

// newLogWiring keys session URLs with a key derived from the server's secret key. Every line
// written is also published on bus, for /ws.
func newLogWiring(cfg *Config, secretKey []byte, st api.Store, bus events.Publisher, log *slog.Logger) (*logWiring, error) {
	mac := hmac.New(sha256.New, secretKey)
	mac.Write([]byte("bera log sessions"))
	w := &logWiring{allowPrivate: cfg.AllowPrivateDrains}
	mcfg := drain.ManagerConfig{Logger: log}
	if cfg.RedisURL != "" {
		opts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, errors.New("--redis-url: " + err.Error())
		}
		w.redis = redisbuf.New(redisbuf.Config{Client: redis.NewClient(opts), Logger: log})
		w.log, mcfg.Stream = w.redis, w.redis
	} else {
		buf := logs.New(logs.Config{})
		w.log, mcfg.Registry = buf, buf
	}
	mcfg.Log = w.log
	w.sessions = logs.NewSessions(logs.SessionsConfig{Key: mac.Sum(nil), Stream: w.log, Logger: log, Allowed: api.LogSessionAllowed(st)})
	w.drains = drain.NewManager(mcfg)
	w.log = events.LogTap{Log: w.log, Events: bus}
	return w, nil
}

// run keeps the Redis backend's background writer going until ctx ends.
func (w *logWiring) run(ctx context.Context) error {
	if w.redis == nil {
		<-ctx.Done()
		return nil
	}
	return w.redis.Run(ctx)
}

// URL implements api.LogSessions.
func (w *logWiring) URL(base, appID string, o api.LogSessionOptions) string {
	q := w.sessions.Query(appID, logs.SessionOptions{Lines: o.Lines, Tail: o.Tail, Source: o.Source, Dyno: o.Dyno, Holder: o.Holder})
	return base + logSessionsPath + url.PathEscape(appID) + "?" + q
}

// dynoOutput takes a dyno's output lines (app[web.1]).
func (w *logWiring) dynoOutput(line runtime.Line) {
	w.log.Write(line.App, "app", line.Name, line.Text)
}

// platform takes reconciler lines (heroku[web.1]).
func (w *logWiring) platform(appID, source, dyno, msg string) { w.log.Write(appID, source, dyno, msg) }

// api takes API lines (app[api]).
func (w *logWiring) api(appID, msg string) { w.log.Write(appID, "app", "api", msg) }

// RouterLine implements router.LogSink (heroku[router]).
func (w *logWiring) RouterLine(appID, line string) { w.log.Write(appID, "heroku", "router", line) }

// Add implements api.Drains.
func (w *logWiring) Add(d *bera.LogDrain) error {
	if err := w.drains.Add(d.ID, drain.Config{URL: d.URL, AppID: d.AppID, Host: d.Token, Token: d.Token, AllowPrivate: w.allowPrivate}); err != nil {
		return bera.Errorf(bera.EInvalid, "This drain URL cannot be used: %s", err.Error())
	}
	return nil
}

// Remove implements api.Drains.
func (w *logWiring) Remove(id string) { w.drains.Remove(id) }

// startDrains starts the drains kept in the store.
func (w *logWiring) startDrains(ctx context.Context, list func(context.Context, string) ([]*bera.LogDrain, error), log *slog.Logger) error {
	ds, err := list(ctx, "")
	if err != nil {
		return fmt.Errorf("list log drains: %w", err)
	}
	for _, d := range ds {
		if err := w.Add(d); err != nil {
			log.Warn("log drain not started", "app", d.AppID, "drain", d.ID, "err", bera.ErrorMessage(err))
		}
	}
	return nil
}
