package dashboard_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/kingvon-ke/bera/internal/api"
)

// BenchmarkAppList renders the apps list of a user with 200 apps (each row asks the API for
// its dynos); the API's request budget is off so the loop can run long.
func BenchmarkAppList(b *testing.B) {
	e := newEnvWith(b, func(c *api.Config) { c.RequestBudget = -1 })
	e.mustUser(b, "owner@example.com", "owner password")
	br := e.browser(b)
	br.login("owner@example.com", "owner password")
	for i := range 200 {
		if p := br.post("/dashboard/apps", url.Values{"name": {fmt.Sprintf("app-%03d", i)}}); p.status != http.StatusOK {
			b.Fatalf("create app %d: %d", i, p.status)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if p := br.get("/apps"); p.status != http.StatusOK {
			b.Fatalf("apps list: %d", p.status)
		}
	}
}
