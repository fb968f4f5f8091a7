package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestApp_Flow walks the pages of this slice as one user: create an app, set and remove a
// config var, scale, roll back, add and remove a collaborator, rename, delete.
func TestApp_Flow(t *testing.T) {
	e := newEnv(t)
	e.mustUser(t, "owner@example.com", "owner password")
	e.mustUser(t, "friend@example.com", "friend password")
	b := e.browser(t)
	b.login("owner@example.com", "owner password")

	p := b.post("/dashboard/apps", url.Values{"name": {"shop"}})
	if p.path != "/apps/shop" {
		t.Fatalf("create went to %s", p.path)
	}
	p.mustContain(t, "Created shop.", "Dyno formation", "Latest activity", "Initial release")
	b.get("/apps").mustContain(t, `href="/apps/shop"`, "just now", "No dynos")
	b.get("/apps?q=zzz").mustContain(t, "No apps match")

	// Config vars are hidden until revealed.
	b.get("/apps/shop/settings").mustContain(t, "Reveal Config Vars")
	p = b.post("/dashboard/apps/shop/config-vars", url.Values{"key": {"GREETING"}, "value": {"hello <world>"}})
	p.mustContain(t, "Set GREETING.", `value="hello &lt;world&gt;"`)
	if got := b.get("/apps/shop/settings"); strings.Contains(got.body, "hello &lt;world&gt;") {
		t.Fatal("config var value shown before Reveal")
	}
	b.get("/apps/shop/activity").mustContain(t, "v2", "Set GREETING config vars")

	// Scaling asks to confirm, then changes the formation.
	appID := e.appID(t, "shop")
	if err := e.st.SetProcessTypes(context.Background(), appID, map[string]string{"web": "./server"}); err != nil {
		t.Fatal(err)
	}
	p = b.post("/dashboard/apps/shop/formation/web", url.Values{"quantity": {"3"}})
	p.mustContain(t, "Confirm dyno changes", "from 1 to <strong>3</strong>")
	p = b.post("/dashboard/apps/shop/formation/web", url.Values{"quantity": {"3"}, "confirm": {"yes"}})
	p.mustContain(t, "Scaled web to 3.", `id="qty-web" name="quantity" type="number" min="0" step="1" value="3"`)
	p = b.post("/dashboard/apps/shop/formation/web", url.Values{"quantity": {"-1"}, "confirm": {"yes"}})
	p.mustContain(t, "Quantity must be a whole number")

	// Roll back to v1 (asks first), which makes v3 without the config var.
	rel := e.releaseID(t, appID, 1)
	b.post("/dashboard/apps/shop/rollback", url.Values{"release": {rel}}).mustContain(t, "Roll back to v1")
	p = b.post("/dashboard/apps/shop/rollback", url.Values{"release": {rel}, "confirm": {"yes"}})
	p.mustContain(t, "Rolled back: created v3.", "Rollback to v1")
	b.get("/apps/shop/settings?reveal=config").mustNotContain(t, "GREETING")

	// Access.
	p = b.post("/dashboard/apps/shop/collaborators", url.Values{"email": {"friend@example.com"}})
	p.mustContain(t, "Added friend@example.com.", `data-email="friend@example.com"`)
	p = b.post("/dashboard/apps/shop/collaborators", url.Values{"email": {"nobody@example.com"}})
	if p.path != "/apps/shop/access" || !strings.Contains(p.body, "flash-error") {
		t.Fatalf("adding an unknown account: %d at %s", p.status, p.path)
	}
	friend := e.browser(t)
	friend.login("friend@example.com", "friend password").mustContain(t, `href="/apps/shop"`)
	p = b.post("/dashboard/apps/shop/collaborators/delete", url.Values{"email": {"friend@example.com"}})
	p.mustContain(t, "Removed friend@example.com.")
	p.mustNotContain(t, `data-email="friend@example.com"`)
	friend.get("/apps").mustNotContain(t, `href="/apps/shop"`)

	// Rename, then delete: the typed name must match.
	p = b.post("/dashboard/apps/shop/rename", url.Values{"name": {"store"}})
	if p.path != "/apps/store/settings" {
		t.Fatalf("rename went to %s", p.path)
	}
	p = b.post("/dashboard/apps/store/delete", url.Values{"confirm": {"shop"}})
	p.mustContain(t, "Type the app&#39;s name, store, to confirm deleting it.")
	p = b.post("/dashboard/apps/store/delete", url.Values{"confirm": {"store"}})
	if p.path != "/apps" {
		t.Fatalf("delete went to %s", p.path)
	}
	p.mustContain(t, "Deleted store.", "You have no apps yet.")
}

// TestApp_CreateFromGit checks the Git URL of "New app" on a server without deploys from Git:
// the app is made, and the page says why it was not deployed.
func TestApp_CreateFromGit(t *testing.T) {
	e := newEnv(t)
	e.mustUser(t, "owner@example.com", "owner password")
	b := e.browser(t)
	b.login("owner@example.com", "owner password")
	p := b.post("/dashboard/apps", url.Values{"name": {"from-git"}, "git_url": {"https://example.com/x.git"}, "branch": {"main"}})
	if p.path != "/apps/from-git/deploy" {
		t.Fatalf("create from Git went to %s", p.path)
	}
	p.mustContain(t, "flash-error", "Created from-git, but could not deploy from Git: Deploys from Git URLs and tarballs are not enabled on this server.")
	p = b.post("/dashboard/apps", url.Values{"name": {"from-git"}})
	if p.path != "/apps" || !strings.Contains(p.body, "flash-error") {
		t.Fatalf("a taken name: %d at %s", p.status, p.path)
	}
}

// TestAppList_Pages checks that the list shows 50 apps a page, and the filter spans pages.
func TestAppList_Pages(t *testing.T) {
	e := newEnv(t)
	e.mustUser(t, "owner@example.com", "owner password")
	b := e.browser(t)
	b.login("owner@example.com", "owner password")
	for i := range 51 {
		b.post("/dashboard/apps", url.Values{"name": {fmt.Sprintf("app-%03d", i)}})
	}
	p := b.get("/apps")
	p.mustContain(t, `href="/apps/app-049"`, `href="/apps?page=2"`, "Page 1")
	p.mustNotContain(t, `href="/apps/app-050"`, `rel="prev"`)
	p = b.get("/apps?page=2")
	p.mustContain(t, `href="/apps/app-050"`, `href="/apps?page=1"`)
	p.mustNotContain(t, `href="/apps/app-049"`, `rel="next"`)
	b.get("/apps?page=99").mustContain(t, `href="/apps/app-050"`)
	p = b.get("/apps?q=app-05")
	p.mustContain(t, `href="/apps/app-050"`)
	p.mustNotContain(t, `href="/apps/app-049"`, "Page 1")
}

// TestCSRF checks that a form post without the session's token, or from another site, changes
// nothing.
func TestCSRF(t *testing.T) {
	e := newEnv(t)
	e.mustUser(t, "owner@example.com", "owner password")
	b := e.browser(t)
	b.login("owner@example.com", "owner password")
	for name, form := range map[string]url.Values{
		"ErrNoToken":    {"name": {"csrf-a"}, "csrf": {""}},
		"ErrWrongToken": {"name": {"csrf-b"}, "csrf": {strings.Repeat("A", 26)}},
	} {
		t.Run(name, func(t *testing.T) {
			p := b.post("/dashboard/apps", form)
			if p.status != http.StatusForbidden || !strings.HasPrefix(p.ctype, "text/html") {
				t.Fatalf("post: %d %s", p.status, p.ctype)
			}
			p.mustContain(t, "Request refused")
		})
	}
	t.Run("ErrCrossSite", func(t *testing.T) {
		form := url.Values{"name": {"csrf-c"}, "csrf": {b.csrf}}
		req, _ := http.NewRequest("POST", e.srv.URL+"/dashboard/apps", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		p := b.do(req)
		if p.status != http.StatusForbidden || !strings.HasPrefix(p.ctype, "text/html") {
			t.Fatalf("cross-site post: %d %s", p.status, p.ctype)
		}
	})
	b.get("/apps").mustNotContain(t, "csrf-a", "csrf-b", "csrf-c")
}

// TestNonCollaborator checks that another user can neither see nor change an app, through
// pages or direct posts with their own valid session and token.
func TestNonCollaborator(t *testing.T) {
	e := newEnv(t)
	e.mustUser(t, "owner@example.com", "owner password")
	e.mustUser(t, "mallory@example.com", "mallory password")
	owner := e.browser(t)
	owner.login("owner@example.com", "owner password")
	owner.post("/dashboard/apps", url.Values{"name": {"private"}})
	owner.post("/dashboard/apps/private/config-vars", url.Values{"key": {"SECRET"}, "value": {"s3cr3t-value"}})

	m := e.browser(t)
	m.login("mallory@example.com", "mallory password").mustNotContain(t, "private")
	for _, path := range []string{"/apps/private", "/apps/private/resources", "/apps/private/activity",
		"/apps/private/access", "/apps/private/settings?reveal=config", "/apps/private/deploy",
		"/apps/private/logs", "/apps/private/metrics", "/dashboard/apps/private/log-session",
		"/dashboard/apps/private/builds/1/output", "/dashboard/apps/private/config-vars.env", "/apps/private/console"} {
		p := m.get(path)
		if p.status != http.StatusNotFound || !strings.HasPrefix(p.ctype, "text/html") {
			t.Errorf("GET %s: %d %s, want an HTML 404", path, p.status, p.ctype)
		}
		p.mustNotContain(t, "s3cr3t-value", "owner@example.com")
	}
	for path, form := range map[string]url.Values{
		"/dashboard/apps/private/config-vars":          {"key": {"SECRET"}, "value": {"pwned"}},
		"/dashboard/apps/private/delete":               {"confirm": {"private"}},
		"/dashboard/apps/private/rename":               {"name": {"pwned"}},
		"/dashboard/apps/private/collaborators":        {"email": {"mallory@example.com"}},
		"/dashboard/apps/private/formation/web":        {"quantity": {"5"}, "confirm": {"yes"}},
		"/dashboard/apps/private/rollback":             {"release": {"1"}, "confirm": {"yes"}},
		"/dashboard/apps/private/config-vars/delete":   {"key": {"SECRET"}},
		"/dashboard/apps/private/collaborators/delete": {"email": {"owner@example.com"}},
		"/dashboard/apps/private/dynos/restart":        {"confirm": {"yes"}},
		"/dashboard/apps/private/source":               {"repo_url": {"https://example.com/x.git"}},
		"/dashboard/apps/private/source/auto-deploy":   {"auto_deploy": {"on"}},
		"/dashboard/apps/private/builds":               {},
		"/dashboard/apps/private/config-vars/bulk":     {"env": {"SECRET=pwned"}},
		"/dashboard/apps/private/maintenance":          {"maintenance": {"on"}},
		"/dashboard/apps/private/console":              {"command": {"echo pwned"}},
		"/dashboard/apps/private/domains":              {"hostname": {"pwned.example.com"}},
		"/dashboard/apps/private/domains/delete":       {"hostname": {"private.localhost"}},
	} {
		p := m.post(path, form)
		if p.status != http.StatusNotFound || !strings.HasPrefix(p.ctype, "text/html") {
			t.Errorf("POST %s: %d %s at %s, want an HTML 404", path, p.status, p.ctype, p.path)
		}
	}
	owner.get("/apps/private/settings?reveal=config").mustContain(t, "s3cr3t-value")
	owner.get("/apps/private/access").mustNotContain(t, "mallory@example.com")
	owner.get("/apps/private/activity").mustNotContain(t, "Rollback to")
}

// TestErrorPages checks that failures render as HTML pages, never as JSON.
func TestErrorPages(t *testing.T) {
	e := newEnv(t)
	e.mustUser(t, "owner@example.com", "owner password")
	b := e.browser(t)
	b.login("owner@example.com", "owner password")
	for _, c := range []struct {
		path   string
		status int
		want   string
	}{
		{"/apps/no-such-app", 404, "Couldn&#39;t find that app."},
		{"/apps/no-such-app/settings", 404, "Not found"},
		{"/dashboard/nothing-here", 404, "Page not found"},
		{"/apps/x/y/z", 404, "Page not found"},
	} {
		p := b.get(c.path)
		if p.status != c.status || !strings.HasPrefix(p.ctype, "text/html") {
			t.Errorf("GET %s: %d %s, want %d HTML", c.path, p.status, p.ctype, c.status)
		}
		p.mustContain(t, c.want, "Back to your apps")
	}
}

func (e *env) appID(t testing.TB, name string) string {
	t.Helper()
	a, err := e.st.App(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func (e *env) releaseID(t *testing.T, appID string, version int) string {
	t.Helper()
	rels, err := e.st.ListReleases(context.Background(), appID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rels {
		if r.Version == version {
			return r.ID
		}
	}
	t.Fatalf("no release v%d", version)
	return ""
}
