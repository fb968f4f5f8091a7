package dashboard_test

import (
	"net/http"
	"testing"

	"github.com/kingvon-ke/bera/internal/dashboard"
)

func TestIsBrowserRequest(t *testing.T) {
	const html = "text/html,application/xhtml+xml,*/*;q=0.8"
	for _, c := range []struct {
		method, path, accept string
		want                 bool
	}{
		{"GET", "/", html, true},
		{"GET", "/apps", html, true},
		{"GET", "/apps/shop/settings", html, true},
		{"HEAD", "/login", html, true},
		{"POST", "/dashboard/apps", "", true},
		{"GET", "/dashboard/assets/style.css", "text/css", true},
		{"GET", "/apps", "application/vnd.heroku+json; version=3", false},
		{"GET", "/", "*/*", false},
		{"POST", "/apps", html, false},
		{"PATCH", "/apps/shop", html, false},
		{"GET", "/docs", html, false},
		{"GET", "/account", html, false},
		{"GET", "/api/v1/apps", html, false},
		{"GET", "/appsx", html, false},
	} {
		r, _ := http.NewRequest(c.method, "http://localhost"+c.path, nil)
		r.Header.Set("Accept", c.accept)
		if got := dashboard.IsBrowserRequest(r); got != c.want {
			t.Errorf("%s %s (Accept %q) = %v, want %v", c.method, c.path, c.accept, got, c.want)
		}
	}
}
