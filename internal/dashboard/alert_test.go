package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
)

// TestMetricsAlerts sets, shows, updates and clears threshold alerts on the Metrics tab, as
// the owner and as a collaborator, and refuses strangers and posts without the CSRF token.
func TestMetricsAlerts(t *testing.T) {
	e := newEnv(t)
	e.mustUser(t, "owner@example.com", "owner password")
	friend := e.mustUser(t, "friend@example.com", "friend password")
	e.mustUser(t, "mallory@example.com", "mallory password")
	b := e.browser(t)
	b.login("owner@example.com", "owner password")
	b.post("/dashboard/apps", url.Values{"name": {"shop"}})
	appID := e.appID(t, "shop")
	ctx := context.Background()

	p := b.get("/apps/shop/metrics")
	p.mustContain(t, `id="alerts"`, "No alert on p95 response time.", "No alert on error rate (5xx responses).",
		`id="alert-p95-threshold" name="threshold"`, `action="/dashboard/apps/shop/alerts"`)
	p.mustNotContain(t, `aria-label="Clear the p95 response time alert"`)

	p = b.post("/dashboard/apps/shop/alerts", url.Values{"kind": {"p95"}, "threshold": {"500"}, "minutes": {"5"}})
	if p.path != "/apps/shop/metrics" {
		t.Fatalf("after saving: at %s", p.path)
	}
	p.mustContain(t, "Saved the p95 response time alert.", "OK: alert when p95 response time is over 500 ms for 5 minutes.",
		`value="500"`, `aria-label="Clear the p95 response time alert"`)
	as, err := e.st.Alerts(ctx, appID)
	if err != nil || len(as) != 1 || as[0].Kind != bera.AlertP95 || as[0].Threshold != 500 || as[0].Minutes != 5 {
		t.Fatalf("stored: %+v, %v", as, err)
	}

	// The alert loop triggered it: the page says since when.
	since := time.Date(2026, 12, 2, 12, 5, 0, 0, time.UTC)
	if err := e.st.SetAlertState(ctx, appID, bera.AlertP95, true, since); err != nil {
		t.Fatal(err)
	}
	b.get("/apps/shop/metrics").mustContain(t, `class="flash error"`,
		"Triggered since 2026-12-02 12:05 UTC: p95 response time has been over 500 ms for 5 minutes.")

	// A collaborator sets the error-rate alert; bad values come back as a message.
	if _, err := e.st.AddCollaborator(ctx, appID, friend.ID); err != nil {
		t.Fatal(err)
	}
	f := e.browser(t)
	f.login("friend@example.com", "friend password")
	f.get("/apps/shop/metrics")
	f.post("/dashboard/apps/shop/alerts", url.Values{"kind": {"error_rate"}, "threshold": {"250"}}).
		mustContain(t, "The error rate threshold must be over 0 and at most 100%.")
	f.post("/dashboard/apps/shop/alerts", url.Values{"kind": {"error_rate"}, "threshold": {"2.5"}, "minutes": {"10"}}).
		mustContain(t, "Saved the error rate (5xx responses) alert.", "OK: alert when error rate (5xx responses) is over 2.5% for 10 minutes.")

	// A stranger can neither see nor set the app's alerts.
	m := e.browser(t)
	m.login("mallory@example.com", "mallory password")
	m.get("/apps")
	for path, form := range map[string]url.Values{
		"/dashboard/apps/shop/alerts":        {"kind": {"p95"}, "threshold": {"1"}},
		"/dashboard/apps/shop/alerts/delete": {"kind": {"p95"}},
	} {
		if p := m.post(path, form); p.status != http.StatusNotFound {
			t.Errorf("POST %s as a stranger: %d, want 404", path, p.status)
		}
	}
	if p := m.get("/apps/shop/metrics"); p.status != http.StatusNotFound {
		t.Errorf("a stranger's Metrics tab: %d", p.status)
	}
	// Without the CSRF token nothing changes either.
	if p := b.post("/dashboard/apps/shop/alerts/delete", url.Values{"kind": {"p95"}, "csrf": {""}}); p.status != http.StatusForbidden {
		t.Errorf("POST without CSRF: %d, want 403", p.status)
	}

	// Updating keeps the state; clearing removes the alert.
	b.get("/apps/shop/metrics")
	b.post("/dashboard/apps/shop/alerts", url.Values{"kind": {"p95"}, "threshold": {"800"}, "minutes": {"3"}}).
		mustContain(t, "Triggered since 2026-12-02 12:05 UTC: p95 response time has been over 800 ms for 3 minutes.")
	b.post("/dashboard/apps/shop/alerts/delete", url.Values{"kind": {"p95"}}).
		mustContain(t, "Cleared the p95 response time alert.", "No alert on p95 response time.")
	if as, _ := e.st.Alerts(ctx, appID); len(as) != 1 || as[0].Kind != bera.AlertErrorRate {
		t.Fatalf("after clearing p95: %+v", as)
	}
}
