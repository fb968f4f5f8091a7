package dashboard_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestLogs checks More → View logs: the page, and the log session its script opens, which
// streams the app's lines (the backlog, then new ones) on the dashboard's origin.
func TestLogs(t *testing.T) {
	e := newEnv(t)
	e.mustUser(t, "owner@example.com", "owner password")
	b := e.browser(t)
	b.login("owner@example.com", "owner password")
	b.post("/dashboard/apps", url.Values{"name": {"shop"}})
	appID := e.appID(t, "shop")

	b.get("/apps/shop").mustContain(t, `href="/apps/shop/logs">View logs</a>`, "Restart all dynos")
	p := b.get("/apps/shop/logs")
	p.mustContain(t, "Application Logs", `data-log-session="/dashboard/apps/shop/log-session"`,
		`<label for="log-search">Search</label>`, `id="log-source"`, `id="log-dyno"`, `aria-pressed="true">Pause`, `role="log"`)

	e.logs.Write(appID, "app", "web.1", "listening on :5000")
	resp := b.getJSON(t, "/dashboard/apps/shop/log-session")
	var s struct{ URL string }
	if err := json.Unmarshal([]byte(resp.body), &s); err != nil || !strings.HasPrefix(s.URL, "/log-sessions/") {
		t.Fatalf("log session: %d %q (%v)", resp.status, resp.body, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+s.URL, nil)
	req.Header.Set("Accept", "text/event-stream")
	stream, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	if stream.StatusCode != http.StatusOK {
		t.Fatalf("log stream: %s", stream.Status)
	}
	lines := bufio.NewScanner(stream.Body)
	next := func(want string) {
		t.Helper()
		for lines.Scan() {
			if strings.HasPrefix(lines.Text(), "data: ") && strings.Contains(lines.Text(), want) {
				return
			}
		}
		t.Fatalf("log stream ended before %q: %v", want, lines.Err())
	}
	next("app[web.1]: listening on :5000")
	e.logs.Write(appID, "heroku", "router", `at=info method=GET path="/" status=200`)
	next(`heroku[router]: at=info method=GET path="/" status=200`)
}

// TestRestartAll checks More → Restart all dynos: it asks to confirm, then restarts.
func TestRestartAll(t *testing.T) {
	e := newEnv(t)
	e.mustUser(t, "owner@example.com", "owner password")
	b := e.browser(t)
	b.login("owner@example.com", "owner password")
	b.post("/dashboard/apps", url.Values{"name": {"shop"}})

	if p := b.post("/dashboard/apps/shop/dynos/restart", url.Values{"confirm": {"yes"}, "csrf": {""}}); p.status != http.StatusForbidden {
		t.Fatalf("a restart without the CSRF token: %d, want 403", p.status)
	}
	p := b.post("/dashboard/apps/shop/dynos/restart", url.Values{})
	p.mustContain(t, `id="confirm-restart"`, "Restart every dyno of <strong>shop</strong>?")
	p = b.post("/dashboard/apps/shop/dynos/restart", url.Values{"confirm": {"yes"}})
	p.mustContain(t, "Restarting all dynos of shop.")
	p.mustNotContain(t, `id="confirm-restart"`)
}
