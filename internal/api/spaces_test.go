package api_test

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/api"
)

// spaceNets records what the API asks of the networks; the real ones are runc's, tested
// end to end (e2e TestRunc_Spaces).
type spaceNets struct {
	mu       sync.Mutex
	up, down []string
	fail     error
}

func (n *spaceNets) Up(_ context.Context, sp *bera.Space) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail != nil {
		return n.fail
	}
	n.up = append(n.up, sp.Name)
	return nil
}

func (n *spaceNets) Down(_ context.Context, sp *bera.Space) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.down = append(n.down, sp.Name)
	return nil
}

func TestSpaces(t *testing.T) {
	nets := &spaceNets{}
	h := newHarnessWith(t, func(c *api.Config) { c.Spaces = nets; c.CommonNetwork = mustPrefix("10.88.0.0/16") })

	var sp map[string]any
	h.json("POST", "/spaces", `{"name":"team-a","cidr":"10.20.0.0/16"}`, http.StatusCreated, &sp)
	if sp["name"] != "team-a" || sp["cidr"] != "10.20.0.0/16" || sp["state"] != "allocated" || sp["gateway"] != "10.20.0.1" {
		t.Errorf("created space = %v", sp)
	}
	if len(nets.up) != 1 || nets.up[0] != "team-a" {
		t.Errorf("networks brought up: %v", nets.up)
	}
	for _, tc := range []struct{ body, msg string }{
		{`{"name":"team-b","cidr":"10.88.4.0/24"}`, "overlaps the common runtime"},
		{`{"name":"team-b","cidr":"10.20.1.0/24"}`, "overlaps another space"},
		{`{"name":"team-b","cidr":"8.8.0.0/16"}`, "not a private network"},
		{`{"name":"team-b","cidr":"10.30.0.1/16"}`, "host bits"},
		{`{"name":"team-b","cidr":"fd00::/64"}`, "not IPv4"},
		{`{"name":"Team B"}`, "Space name must"},
		{`{"name":"team-a"}`, "already taken"},
		{`{"name":"team-b","shield":true}`, "Shield"},
	} {
		w := h.do("POST", "/spaces", h.key, tc.body)
		wantError(t, w, http.StatusUnprocessableEntity, "invalid_params")
		if !strings.Contains(w.Body.String(), tc.msg) {
			t.Errorf("POST /spaces %s: %s, want a message with %q", tc.body, w.Body, tc.msg)
		}
	}

	// An app in the space, with internal routing; internal routing alone is refused.
	var app map[string]any
	h.json("POST", "/teams/apps", `{"name":"inside","space":"team-a","internal_routing":true}`, http.StatusCreated, &app)
	if s, _ := app["space"].(map[string]any); s["name"] != "team-a" || app["internal_routing"] != true {
		t.Errorf("app in space = %v", app)
	}
	w := h.do("POST", "/apps", h.key, `{"name":"outside","internal_routing":true}`)
	wantError(t, w, http.StatusUnprocessableEntity, "invalid_params")
	if plain := h.mustApp("plain"); plain["space"] != nil {
		t.Errorf("app outside spaces shows space %v", plain["space"])
	}

	// Another user sees no space and cannot put an app in it.
	wantError(t, h.do("GET", "/spaces/team-a", h.other, ""), http.StatusNotFound, "not_found")
	wantError(t, h.do("POST", "/apps", h.other, `{"name":"intruder","space":"team-a"}`), http.StatusNotFound, "not_found")
	if w := h.do("GET", "/spaces", h.other, ""); w.Code != 200 || strings.TrimSpace(w.Body.String()) != "[]" {
		t.Errorf("other user's GET /spaces: %d %s", w.Code, w.Body)
	}
	wantError(t, h.do("DELETE", "/spaces/team-a", h.other, ""), http.StatusNotFound, "not_found")

	// A collaborator on an app in the space sees it but may not destroy it.
	h.json("POST", "/apps/inside/collaborators", `{"user":"other@example.com"}`, http.StatusCreated, nil)
	if w := h.do("GET", "/spaces/team-a", h.other, ""); w.Code != 200 {
		t.Errorf("collaborator's GET /spaces/team-a: %d %s", w.Code, w.Body)
	}
	wantError(t, h.do("DELETE", "/spaces/team-a", h.other, ""), http.StatusForbidden, "forbidden")

	// Not while it has apps; then it goes, with its network.
	w = h.do("DELETE", "/spaces/team-a", h.key, "")
	wantError(t, w, http.StatusConflict, "conflict")
	h.json("DELETE", "/apps/inside", "", http.StatusOK, nil)
	h.json("DELETE", "/spaces/team-a", "", http.StatusOK, nil)
	if len(nets.down) != 1 || nets.down[0] != "team-a" {
		t.Errorf("networks taken down: %v", nets.down)
	}
	wantError(t, h.do("GET", "/spaces/team-a", h.key, ""), http.StatusNotFound, "not_found")
}

// Without networks of its own (process dynos) the API says how to get spaces.
func TestSpaces_Unavailable(t *testing.T) {
	h := newHarness(t)
	w := h.do("POST", "/spaces", h.key, `{"name":"team-a"}`)
	wantError(t, w, http.StatusUnprocessableEntity, "invalid_params")
	if !strings.Contains(w.Body.String(), "--runtime runc") {
		t.Errorf("POST /spaces without a runtime that has networks: %s", w.Body)
	}
}

// A network that cannot come up takes the space back: nothing half made stays.
func TestSpaces_NetworkFails(t *testing.T) {
	nets := &spaceNets{fail: bera.Errorf(bera.EUnavailable, "no bridge today")}
	h := newHarnessWith(t, func(c *api.Config) { c.Spaces = nets })
	w := h.do("POST", "/spaces", h.key, `{"name":"team-a"}`)
	if w.Code < 500 || !strings.Contains(w.Body.String(), "no bridge today") {
		t.Errorf("POST /spaces with a failing network: %d %s", w.Code, w.Body)
	}
	if w := h.do("GET", "/spaces", h.key, ""); strings.TrimSpace(w.Body.String()) != "[]" {
		t.Errorf("GET /spaces after a failed create: %s", w.Body)
	}
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
