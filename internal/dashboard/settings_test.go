package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSettings_BulkConfig checks the .env bulk editor: one release for the whole text,
// merge or replace, the export, and an error that names the line.
func TestSettings_BulkConfig(t *testing.T) {
	e := newEnv(t)
	e.mustUser(t, "owner@example.com", "owner password")
	b := e.browser(t)
	b.login("owner@example.com", "owner password")
	b.post("/dashboard/apps", url.Values{"name": {"shop"}})
	b.post("/dashboard/apps/shop/config-vars", url.Values{"key": {"OLD"}, "value": {"1"}})

	p := b.post("/dashboard/apps/shop/config-vars/bulk", url.Values{"env": {"# pasted\nA=1\nexport B=\"two words\"\nOLD=1\n"}})
	p.mustContain(t, "Updated config vars: 2 set, 0 removed.", `id="val-A"`, `value="two words"`, `id="val-OLD"`,
		"A=1\nB=&#34;two words&#34;\nOLD=1\n") // the editor shows the vars as .env text
	b.get("/apps/shop/activity").mustContain(t, "Set A, B config vars")

	p = b.post("/dashboard/apps/shop/config-vars/bulk", url.Values{"env": {"A=1\nB=\"two words\"\n"}, "mode": {"replace"}})
	p.mustContain(t, "Updated config vars: 0 set, 1 removed.")
	p.mustNotContain(t, `id="val-OLD"`)
	b.post("/dashboard/apps/shop/config-vars/bulk", url.Values{"env": {"A=1\n"}}).mustContain(t, "No config vars changed.")
	p = b.post("/dashboard/apps/shop/config-vars/bulk", url.Values{"env": {"A=1\nthis is not a var\n"}})
	p.mustContain(t, "flash-error", "line 2: expected KEY=value")

	exp := b.getJSON(t, "/dashboard/apps/shop/config-vars.env")
	if exp.status != http.StatusOK || exp.body != "A=1\nB=\"two words\"\n" {
		t.Fatalf("export: %d %q", exp.status, exp.body)
	}
}

// TestSettings_MaintenanceAndDomains checks the maintenance toggle and adding and removing a
// custom domain.
func TestSettings_MaintenanceAndDomains(t *testing.T) {
	e := newEnv(t)
	e.mustUser(t, "owner@example.com", "owner password")
	b := e.browser(t)
	b.login("owner@example.com", "owner password")
	b.post("/dashboard/apps", url.Values{"name": {"shop"}})

	b.get("/apps/shop/settings").mustContain(t, "Maintenance mode is <strong>off</strong>", "Turn maintenance mode on")
	b.post("/dashboard/apps/shop/maintenance", url.Values{"maintenance": {"on"}}).mustContain(t, "Maintenance mode is on:", "Turn maintenance mode off")
	b.post("/dashboard/apps/shop/maintenance", url.Values{"maintenance": {"off"}}).mustContain(t, "Maintenance mode is off.")

	p := b.post("/dashboard/apps/shop/domains", url.Values{"hostname": {"www.example.com"}})
	p.mustContain(t, "Added www.example.com.", `data-domain="www.example.com"`, `aria-label="Remove www.example.com"`)
	p = b.post("/dashboard/apps/shop/domains", url.Values{"hostname": {"not a domain"}})
	if !strings.Contains(p.body, "flash-error") {
		t.Fatalf("an invalid domain: %d\n%s", p.status, p.body)
	}
	p = b.post("/dashboard/apps/shop/domains/delete", url.Values{"hostname": {"www.example.com"}})
	p.mustContain(t, "Removed www.example.com.")
	p.mustNotContain(t, `data-domain="www.example.com"`)
}
