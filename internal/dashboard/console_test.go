package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestConsole checks More → Run console without a dyno runtime: the page, its form's
// CSRF check, the API's refusal shown as a page, and that a console token not handed out
// attaches to nothing. The browser test runs `echo hi` for real.
func TestConsole(t *testing.T) {
	e := newEnv(t)
	e.mustUser(t, "owner@example.com", "owner password")
	b := e.browser(t)
	b.login("owner@example.com", "owner password")
	b.post("/dashboard/apps", url.Values{"name": {"shop"}})

	b.get("/apps/shop").mustContain(t, `href="/apps/shop/console">Run console</a>`)
	p := b.get("/apps/shop/console")
	p.mustContain(t, "Run console", `<label for="console-command">Command</label>`, `value="bash"`)
	p.mustNotContain(t, "xterm") // the terminal loads only for a started console
	if p := b.post("/dashboard/apps/shop/console", url.Values{"command": {"echo hi"}, "csrf": {""}}); p.status != http.StatusForbidden {
		t.Fatalf("a console without the CSRF token: %d, want 403", p.status)
	}
	b.post("/dashboard/apps/shop/console", url.Values{"command": {" "}}).mustContain(t, "flash-error", "Enter the command to run")
	p = b.post("/dashboard/apps/shop/console", url.Values{"command": {"echo hi"}})
	if p.status < 400 || !strings.HasPrefix(p.ctype, "text/html") {
		t.Fatalf("a console on a server without dynos: %d %s, want an HTML error page", p.status, p.ctype)
	}
	if p := b.get("/dashboard/apps/shop/console/not-a-token"); p.status != http.StatusNotFound {
		t.Fatalf("attaching with an unknown token: %d, want 404", p.status)
	}
}
