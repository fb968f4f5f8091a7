package dashboard_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
)

// TestActivity_Builds lists the app's builds next to its releases, newest first, each with
// the release it made and links to its build log.
func TestActivity_Builds(t *testing.T) {
	e := newEnv(t)
	u := e.mustUser(t, "owner@example.com", "owner password")
	b := e.browser(t)
	b.login("owner@example.com", "owner password")
	b.post("/dashboard/apps", url.Values{"name": {"shop"}})
	b.get("/apps/shop/activity").mustContain(t, "Builds", "No builds yet.")

	appID := e.appID(t, "shop")
	rel := e.releaseID(t, appID, 1)
	ctx := context.Background()
	first := &bera.Build{AppID: appID, Status: "succeeded", SourceVersion: "1111111", ReleaseID: rel, UserID: u.ID, UserEmail: u.Email}
	second := &bera.Build{AppID: appID, Status: "failed", SourceVersion: "2222222", UserID: u.ID, UserEmail: u.Email}
	for _, bd := range []*bera.Build{first, second} {
		if err := e.st.CreateBuild(ctx, bd); err != nil {
			t.Fatal(err)
		}
	}
	p := b.get("/apps/shop/activity")
	p.mustContain(t, `data-build="`+first.ID+`"`, "Build of <code>1111111</code> · deployed as v1",
		`href="/apps/shop/deploy?build=`+first.ID+`#build"`, `href="/dashboard/apps/shop/builds/`+first.ID+`/output"`,
		"Build of <code>2222222</code>", `state-failed`, "owner@example.com")
	if i, j := strings.Index(p.body, "2222222"), strings.Index(p.body, "1111111"); i < 0 || j < i {
		t.Errorf("builds not newest first: 2222222 at %d, 1111111 at %d", i, j)
	}
}
