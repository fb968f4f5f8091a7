package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"net/url"

	"github.com/kingvon-ke/bera/internal/api"
	"github.com/kingvon-ke/bera/internal/logs"
	"github.com/kingvon-ke/bera/internal/runtime"
)

// logSessionsPath is where log-session URLs are served on the API listener.
const logSessionsPath = "/log-sessions/"

// logWiring connects every source of log lines to the per-app buffer and serves sessions.
type logWiring struct {
	buf      *logs.Buffer
	sessions *logs.Sessions
}

// newLogWiring keys session URLs with a key derived from the server's secret key.
func newLogWiring(secretKey []byte) *logWiring {
	mac := hmac.New(sha256.New, secretKey)
	mac.Write([]byte("bera log sessions"))
	buf := logs.New(logs.Config{})
	return &logWiring{buf: buf, sessions: logs.NewSessions(logs.SessionsConfig{Key: mac.Sum(nil), Stream: buf})}
}

// URL implements api.LogSessions.
func (l *logWiring) URL(base, appID string, o api.LogSessionOptions) string {
	q := l.sessions.Query(appID, logs.SessionOptions{Lines: o.Lines, Tail: o.Tail, Source: o.Source, Dyno: o.Dyno})
	return base + logSessionsPath + url.PathEscape(appID) + "?" + q
}

// dynoOutput takes a dyno's output lines (app[web.1]).
func (l *logWiring) dynoOutput(line runtime.Line) {
	l.buf.Write(line.App, "app", line.Name, line.Text)
}

// platform takes reconciler lines (heroku[web.1]).
func (l *logWiring) platform(appID, source, dyno, msg string) { l.buf.Write(appID, source, dyno, msg) }

// api takes API lines (app[api]).
func (l *logWiring) api(appID, msg string) { l.buf.Write(appID, "app", "api", msg) }

// RouterLine implements router.LogSink (heroku[router]).
func (l *logWiring) RouterLine(appID, line string) { l.buf.Write(appID, "heroku", "router", line) }
