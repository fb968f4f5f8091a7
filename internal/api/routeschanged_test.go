package api_test

import (
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera/internal/api"
)

// TestRoutesChanged reports every request that changes what the router serves for an app,
// and no read.
func TestRoutesChanged(t *testing.T) {
	var mu sync.Mutex
	var got []string
	h := newHarnessWith(t, func(c *api.Config) {
		c.Domain = "bera.test"
		c.RoutesChanged = func(appID string) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, appID)
		}
	})
	calls := func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}
	var app struct{ ID string }
	h.json("POST", "/apps", `{"name":"routed"}`, http.StatusCreated, &app)
	var ep struct{ ID string }
	steps := []struct {
		method, path, body string
		status             int
		v                  any
	}{
		{"PATCH", "/apps/routed", `{"maintenance":true}`, http.StatusOK, nil},
		{"PATCH", "/apps/routed/features/http-to-https", `{"enabled":true}`, http.StatusOK, nil},
		{"POST", "/apps/routed/domains", `{"hostname":"www.routed.example"}`, http.StatusCreated, nil},
		{"POST", "/apps/routed/sni-endpoints", certRequest(t, "www.routed.example"), http.StatusCreated, &ep},
		{"POST", "/apps/routed/acm", "", http.StatusOK, nil},
		{"DELETE", "/apps/routed/acm", "", http.StatusOK, nil},
		{"DELETE", "/apps/routed/domains/www.routed.example", "", http.StatusOK, nil},
	}
	if w := calls(); !slices.Equal(w, []string{app.ID}) {
		t.Errorf("create app: calls %v, want [%s]", w, app.ID)
	}
	for _, s := range steps {
		h.json(s.method, s.path, s.body, s.status, s.v)
		if w := calls(); !slices.Equal(w, []string{app.ID}) {
			t.Errorf("%s %s: calls %v, want [%s]", s.method, s.path, w, app.ID)
		}
	}
	h.json("PATCH", "/apps/routed/sni-endpoints/"+ep.ID, certRequest(t, "www.routed.example"), http.StatusOK, nil)
	h.json("DELETE", "/apps/routed/sni-endpoints/"+ep.ID, "", http.StatusOK, nil)
	h.json("PATCH", "/apps/routed", `{"name":"rerouted"}`, http.StatusOK, nil)
	h.json("DELETE", "/apps/rerouted", "", http.StatusOK, nil)
	if w := calls(); !slices.Equal(w, []string{app.ID, app.ID, app.ID, app.ID}) {
		t.Errorf("endpoint update and delete, rename, app delete: calls %v, want 4 × %s", w, app.ID)
	}
	h.mustApp("reader")
	calls()
	for _, path := range []string{"/apps/reader", "/apps/reader/domains", "/apps/reader/features", "/apps/reader/sni-endpoints"} {
		h.json("GET", path, "", http.StatusOK, nil)
	}
	if w := calls(); len(w) != 0 {
		t.Errorf("reads reported changes: %v", w)
	}
}
