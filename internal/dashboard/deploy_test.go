package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestDeploy_SourcesOff checks the Deploy tab on a server without Git URL deploys: the git
// remote, and why a repository cannot be connected; forms that need them fail with a page.
func TestDeploy_SourcesOff(t *testing.T) {
	e := newEnv(t)
	e.mustUser(t, "owner@example.com", "owner password")
	b := e.browser(t)
	b.login("owner@example.com", "owner password")
	b.post("/dashboard/apps", url.Values{"name": {"shop"}})

	p := b.get("/apps/shop/deploy")
	p.mustContain(t, "git remote add bera", "Deployment method: Git URL", "Deploys from Git URLs and tarballs are not enabled on this server.")
	p.mustNotContain(t, "Deploy Branch")
	p = b.post("/dashboard/apps/shop/source", url.Values{"repo_url": {""}})
	p.mustContain(t, "flash-error", "Enter the Git URL of the repository.")
	p = b.post("/dashboard/apps/shop/builds", url.Values{})
	if p.status != http.StatusServiceUnavailable || !strings.HasPrefix(p.ctype, "text/html") {
		t.Fatalf("Deploy Branch without sources: %d %s, want an HTML 503", p.status, p.ctype)
	}
	p.mustContain(t, "not enabled on this server")
}
