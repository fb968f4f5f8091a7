package dashboard_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/api"
	"github.com/kingvon-ke/bera/internal/dashboard"
	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/logs"
	"github.com/kingvon-ke/bera/internal/secret"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// env is the API and the dashboard over a real SQLite store, served as `bera server` serves
// them (browser requests to the dashboard, the rest to the API) on a loopback listener.
type env struct {
	st   *store.Store
	logs *logs.Buffer  // the apps' log lines, streamed by log sessions at /log-sessions/
	mets *testMetrics  // the rollups GET /apps/{app}/metrics answers with
	bus  *events.InMem // the API's events (/ws)
	dash *dashboard.Dashboard
	srv  *httptest.Server
	now  time.Time // the dashboard's clock; tests move it
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, nil)
}

// newEnvWith is newEnv with configure, when not nil, changing the API's Config.
func newEnvWith(t testing.TB, configure func(*api.Config)) *env {
	t.Helper()
	e := &env{st: storetest.OpenSQLite(t), now: time.Now(), logs: logs.New(logs.Config{}), mets: &testMetrics{}, bus: events.NewInMem()}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	sessions := logs.NewSessions(logs.SessionsConfig{Key: []byte("dashboard test log session key"), Stream: e.logs,
		Logger: logger, Allowed: api.LogSessionAllowed(e.st)})
	cfg := api.Config{Store: e.st, Logger: logger, Domain: "localhost", WebURLSuffix: ":8080", Events: e.bus,
		LogSessions: testLogSessions{sessions}, Metrics: e.mets}
	if configure != nil {
		configure(&cfg)
	}
	apiSrv := api.NewServer(cfg)
	d, err := dashboard.New(dashboard.Config{API: apiSrv, Alerts: e.st, Logger: logger, Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	e.dash = d
	mux := http.NewServeMux()
	mux.Handle("GET /log-sessions/{app}", sessions)
	mux.Handle("/", d.ForBrowsers(apiSrv))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		e.srv.Close()
		d.Close()
	})
	return e
}

// testLogSessions issues log-session URLs on the test server, as `bera server` does.
type testLogSessions struct{ s *logs.Sessions }

func (l testLogSessions) URL(base, appID string, o api.LogSessionOptions) string {
	return base + "/log-sessions/" + url.PathEscape(appID) + "?" +
		l.s.Query(appID, logs.SessionOptions{Lines: o.Lines, Tail: o.Tail, Source: o.Source, Dyno: o.Dyno, Holder: o.Holder})
}

// testMetrics answers rollups with the points a test set, by app id; the Prometheus
// endpoint is not the dashboard's.
type testMetrics struct {
	http.Handler
	mu     sync.Mutex
	points map[string][]api.MetricPoint
}

func (m *testMetrics) set(appID string, pts []api.MetricPoint) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.points == nil {
		m.points = map[string][]api.MetricPoint{}
	}
	m.points[appID] = pts
}

func (m *testMetrics) Rollups(appID string, since, until time.Time) []api.MetricPoint {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []api.MetricPoint
	for _, p := range m.points[appID] {
		if !p.Time.Before(since) && p.Time.Before(until) {
			out = append(out, p)
		}
	}
	return out
}

// mustUser creates an account with a password.
func (e *env) mustUser(t testing.TB, email, pw string) *bera.User {
	t.Helper()
	u := &bera.User{Email: email, PasswordHash: secret.HashPassword(pw)}
	if err := e.st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// browser is a cookie-keeping client that asks for HTML, as a browser does, and posts forms
// from the dashboard's origin.
type browser struct {
	t    testing.TB
	e    *env
	hc   *http.Client
	csrf string // the CSRF token of the last page that had a form
}

func (e *env) browser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, hc: &http.Client{Jar: jar}}
}

// page is a response as the browser got it, after redirects.
type page struct {
	status int
	path   string // where the redirects ended
	ctype  string
	body   string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	p := page{status: resp.StatusCode, path: resp.Request.URL.RequestURI(), ctype: resp.Header.Get("Content-Type"), body: string(data)}
	if m := csrfField.FindStringSubmatch(p.body); m != nil {
		b.csrf = m[1]
	}
	return p
}

// get loads a page.
func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.e.srv.URL+path, nil)
	return b.do(req)
}

// post submits a form with the current CSRF token (unless form has its own "csrf").
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.e.srv.URL)
	return b.do(req)
}

// login signs in through the sign-in page and fails the test unless it lands on /apps.
func (b *browser) login(email, pw string) page {
	b.t.Helper()
	b.get("/login")
	p := b.post("/dashboard/login", url.Values{"email": {email}, "password": {pw}})
	if p.status != http.StatusOK || p.path != "/apps" {
		b.t.Fatalf("sign in as %s: %d at %s\n%s", email, p.status, p.path, p.body)
	}
	return p
}

// mustContain fails unless the page shows every want.
func (p page) mustContain(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(p.body, w) {
			t.Fatalf("%s (%d) does not show %q:\n%s", p.path, p.status, w, p.body)
		}
	}
}

// mustNotContain fails if the page shows any of bad.
func (p page) mustNotContain(t *testing.T, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(p.body, w) {
			t.Fatalf("%s (%d) shows %q:\n%s", p.path, p.status, w, p.body)
		}
	}
}

// getJSON fetches a dashboard endpoint that answers JSON to the page's script.
func (b *browser) getJSON(t testing.TB, path string) page {
	t.Helper()
	req, _ := http.NewRequest("GET", b.e.srv.URL+path, nil)
	resp, err := b.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, path: resp.Request.URL.RequestURI(), ctype: resp.Header.Get("Content-Type"), body: string(data)}
}
