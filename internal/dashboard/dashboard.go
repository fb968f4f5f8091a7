// Package dashboard is Bera's web dashboard: Heroku's Dashboard (apps list, and per app
// Overview, Resources, Deploy, Metrics, Activity, Access and Settings), served on the API
// listener to browsers.
//
// The dashboard is a client of the Platform API, as Heroku's is: every page and form calls
// the API in process through package client with the signed-in user's API key, so it has
// exactly the API's authorization. Signing in posts the email and password to
// POST /oauth/authorizations, which makes an API key that expires with the session; the key
// stays on the server, in an in-memory session found by a random HttpOnly cookie. Sessions
// end when the server restarts. Every POST carries the session's CSRF token and passes
// http.CrossOriginProtection.
//
// Pages are server-rendered with html/template; templates, CSS and JavaScript are embedded,
// so the dashboard needs no network besides the server itself.
package dashboard

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Prefix is the path under which the dashboard has its forms' actions and its assets. The
// API has no path under it, so posting a form can never reach the API.
const Prefix = "/dashboard/"

// Config configures a Dashboard.
type Config struct {
	// API is the Platform API handler the dashboard calls in process. Required.
	API http.Handler
	// Alerts keeps the apps' threshold alerts, set on the Metrics tab; nil offers none.
	Alerts AlertStore
	// Logger gets internal errors; nil discards them.
	Logger *slog.Logger
	// Now is the clock of sessions; nil is time.Now.
	Now func() time.Time
	// SessionTTL is how long a sign-in lasts (and its API key); zero is 12 hours.
	SessionTTL time.Duration
}

// Dashboard serves the dashboard's pages, forms and assets.
type Dashboard struct {
	cfg      Config
	log      *slog.Logger
	mux      *http.ServeMux
	sessions *sessions
	pages    *pages
	assets   *assets
	consoles *consoles
	api      *apiConn     // the API, served in memory
	hc       *http.Client // the API clients' HTTP client, over api

	// ctx ends the live event streams at Close (a stream would hold a server's graceful
	// shutdown until its timeout).
	ctx       context.Context
	cancel    context.CancelFunc
	closeOnce sync.Once
}

// New returns the dashboard of cfg. It fails when the embedded templates do not parse.
func New(cfg Config) (*Dashboard, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	as, err := loadAssets()
	if err != nil {
		return nil, err
	}
	ps, err := parsePages(as, cfg.Now)
	if err != nil {
		return nil, err
	}
	d := &Dashboard{cfg: cfg, log: cfg.Logger.With("component", "dashboard"), mux: http.NewServeMux(),
		sessions: newSessions(cfg.Now, cfg.SessionTTL), pages: ps, assets: as, consoles: newConsoles(cfg.Now), api: newAPIConn(cfg.API)}
	d.hc = &http.Client{Transport: d.api}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.routes()
	return d, nil
}

// Close ends the live event streams and stops the in-memory API server. Call it when the
// server shuts down (http.Server.RegisterOnShutdown), so open pages do not hold the
// shutdown. It is safe to call more than once.
func (d *Dashboard) Close() error {
	var err error
	d.closeOnce.Do(func() {
		d.cancel()
		err = d.api.Close()
	})
	return err
}

// ServeHTTP serves a dashboard request.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	d.mux.ServeHTTP(w, r)
}

// ForBrowsers returns a handler that serves browser requests (IsBrowserRequest) with the
// dashboard and everything else with next, the API.
func (d *Dashboard) ForBrowsers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if IsBrowserRequest(r) {
			d.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// IsBrowserRequest reports whether r is for the dashboard: anything under Prefix, and GETs
// of "/", "/login" and "/apps…" that accept text/html (API clients ask for JSON; the API's
// own browser pages such as /docs stay the API's).
func IsBrowserRequest(r *http.Request) bool {
	p := r.URL.Path
	if strings.HasPrefix(p, Prefix) {
		return true
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if !strings.Contains(r.Header.Get("Accept"), "text/html") {
		return false
	}
	return p == "/" || p == "/login" || p == "/apps" || strings.HasPrefix(p, "/apps/")
}
