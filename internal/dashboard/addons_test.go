package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/kingvon-ke/bera"
)

// TestAddons shows an app's add-ons on the Overview and Resources tabs, asks before a
// removal, and refuses to remove an add-on of another app from an app's own form. (Adding
// one, with a real provider, is in e2e's TestDashboard_Browser.)
func TestAddons(t *testing.T) {
	e := newEnv(t)
	e.mustUser(t, "owner@example.com", "owner password")
	e.mustUser(t, "mallory@example.com", "mallory password")
	b := e.browser(t)
	b.login("owner@example.com", "owner password")
	b.post("/dashboard/apps", url.Values{"name": {"shop"}})
	b.get("/apps/shop").mustContain(t, "Installed add-ons", "There are no add-ons for this app.")
	// The test API has no providers: the add form says so rather than offering nothing.
	b.get("/apps/shop/resources").mustContain(t, "This server offers no add-on services.")

	ctx := context.Background()
	appID := e.appID(t, "shop")
	a := &bera.Addon{Name: "redis-shop-12345", AppID: appID, Service: "heroku-redis", Plan: "heroku-redis:premium-0", State: "provisioned"}
	if err := e.st.CreateAddon(ctx, a, &bera.AddonAttachment{AppID: appID, Name: "REDIS"}); err != nil {
		t.Fatal(err)
	}
	b.get("/apps/shop").mustContain(t, `data-addon="`+a.Name+`"`, "heroku-redis:premium-0", "provisioned", "as REDIS_URL")
	b.get("/apps/shop/resources").mustContain(t, `aria-label="Remove `+a.Name+`"`, "provisioned")

	p := b.post("/dashboard/apps/shop/addons/delete", url.Values{"addon": {a.ID}})
	p.mustContain(t, "Remove add-on", "Its data is destroyed")
	if _, err := e.st.Addon(ctx, a.ID); err != nil {
		t.Fatalf("the add-on is gone before the removal was confirmed: %v", err)
	}

	// Another user's own app cannot name this add-on in its remove form, nor post to shop's.
	m := e.browser(t)
	m.login("mallory@example.com", "mallory password")
	m.post("/dashboard/apps", url.Values{"name": {"mine"}})
	for path, form := range map[string]url.Values{
		"/dashboard/apps/mine/addons/delete": {"addon": {a.ID}, "confirm": {"yes"}},
		"/dashboard/apps/shop/addons/delete": {"addon": {a.ID}, "confirm": {"yes"}},
		"/dashboard/apps/shop/addons":        {"plan": {"heroku-redis"}},
	} {
		if p := m.post(path, form); p.status != http.StatusNotFound {
			t.Errorf("POST %s as a stranger: %d, want 404", path, p.status)
		}
	}
	m.get("/apps/shop/resources").mustNotContain(t, a.Name)
	if _, err := e.st.Addon(ctx, a.ID); err != nil {
		t.Fatalf("a stranger removed the add-on: %v", err)
	}
	// Without a CSRF token nothing happens either.
	if p := b.post("/dashboard/apps/shop/addons/delete", url.Values{"addon": {a.ID}, "confirm": {"yes"}, "csrf": {""}}); p.status != http.StatusForbidden {
		t.Errorf("POST without CSRF: %d, want 403", p.status)
	}
}
