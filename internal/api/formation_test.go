package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/api"
)

// wantMessage checks that an error response's body contains want.
func wantMessage(t testing.TB, w *httptest.ResponseRecorder, want string) {
	t.Helper()
	if body := w.Body.String(); !strings.Contains(body, want) {
		t.Errorf("error body %s, want a message containing %q", body, want)
	}
}

// formationApp creates an app with web and worker process types.
func (h *harness) formationApp(name, key string) string {
	h.t.Helper()
	w := h.do("POST", "/apps", key, `{"name":"`+name+`"}`)
	if w.Code != http.StatusCreated {
		h.t.Fatalf("create %s: %d %s", name, w.Code, w.Body)
	}
	id := h.appID(name)
	if err := h.st.SetProcessTypes(context.Background(), id, map[string]string{"web": "./web", "worker": "./worker"}); err != nil {
		h.t.Fatal(err)
	}
	return id
}

// quantities returns type=quantity:size of an app's formation, read from the store.
func (h *harness) quantities(appID string) string {
	h.t.Helper()
	forms, err := h.st.ListFormation(context.Background(), appID)
	if err != nil {
		h.t.Fatal(err)
	}
	var parts []string
	for _, f := range forms {
		parts = append(parts, f.Type+"="+strconv.Itoa(f.Quantity)+":"+f.Size)
	}
	return strings.Join(parts, " ")
}

func TestFormation_MaxDynosPerApp(t *testing.T) {
	h := newHarness(t) // the default: 100 per app
	id := h.formationApp("cap-app", h.key)
	for _, c := range []struct{ method, path, body string }{
		{"PATCH", "/apps/cap-app/formation", `{"updates":[{"type":"worker","quantity":101}]}`},
		{"PATCH", "/apps/cap-app/formation", `{"updates":[{"type":"web","quantity":"60"},{"type":"worker","quantity":"41"}]}`},
		{"PATCH", "/apps/cap-app/formation/worker", `{"quantity":101}`},
		{"PATCH", "/apps/cap-app/formation/worker", `{"quantity":"+101"}`},
	} {
		w := h.do(c.method, c.path, h.key, c.body)
		wantError(t, w, http.StatusUnprocessableEntity, "invalid_params")
		wantMessage(t, w, "an app may run at most 100 dynos")
	}
	if got := h.quantities(id); got != "web=1:standard-1X worker=0:standard-1X" {
		t.Fatalf("refused scaling changed the formation: %s", got)
	}
	h.json("PATCH", "/apps/cap-app/formation", `{"updates":[{"type":"web","quantity":50},{"type":"worker","quantity":50}]}`, 200, nil)
	wantError(t, h.do("PATCH", "/apps/cap-app/formation/worker", h.key, `{"quantity":"+1"}`), 422, "invalid_params")
	// Moving dynos between types within the cap, and scaling down, stay possible.
	h.json("PATCH", "/apps/cap-app/formation", `{"updates":[{"type":"web","quantity":"-10"},{"type":"worker","quantity":"+10"}]}`, 200, nil)
	h.json("PATCH", "/apps/cap-app/formation/worker", `{"quantity":"-60"}`, 200, nil)
	if got := h.quantities(id); got != "web=40:standard-1X worker=0:standard-1X" {
		t.Fatalf("formation = %s", got)
	}
}

func TestFormation_MaxDynosPerAccount(t *testing.T) {
	h := newHarnessWith(t, func(c *api.Config) { c.FormationLimits = bera.FormationLimits{MaxPerApp: 8, MaxPerAccount: 10} })
	a := h.formationApp("acct-a", h.key)
	b := h.formationApp("acct-b", h.key)
	h.json("PATCH", "/apps/acct-a/formation", `{"updates":[{"type":"web","quantity":6}]}`, 200, nil)
	w := h.do("PATCH", "/apps/acct-b/formation", h.key, `{"updates":[{"type":"web","quantity":3},{"type":"worker","quantity":2}]}`)
	wantError(t, w, 422, "invalid_params")
	wantMessage(t, w, "may run at most 10 dynos together on this server, and the other apps already run 6")
	wantMessage(t, w, "Cannot run 5 dynos")
	w = h.do("PATCH", "/apps/acct-a/formation/worker", h.key, `{"quantity":3}`)
	wantError(t, w, 422, "invalid_params")
	wantMessage(t, w, "an app may run at most 8 dynos")
	// A collaborator's scaling counts against the owner's account, not theirs.
	h.json("POST", "/apps/acct-b/collaborators", `{"user":"other@example.com"}`, 201, nil)
	wantError(t, h.do("PATCH", "/apps/acct-b/formation/web", h.other, `{"quantity":5}`), 422, "invalid_params")
	// The other account has its own budget.
	h.formationApp("other-app", h.other)
	if w := h.do("PATCH", "/apps/other-app/formation/web", h.other, `{"quantity":8}`); w.Code != 200 {
		t.Fatalf("other account scaling within its budget: %d %s", w.Code, w.Body)
	}
	h.json("PATCH", "/apps/acct-b/formation/web", `{"quantity":4}`, 200, nil)
	if got := h.quantities(a) + " | " + h.quantities(b); got != "web=6:standard-1X worker=0:standard-1X | web=4:standard-1X worker=0:standard-1X" {
		t.Fatalf("formations = %s", got)
	}
}

func TestFormation_DynoSizes(t *testing.T) {
	h := newHarnessWith(t, func(c *api.Config) {
		c.FormationLimits = bera.FormationLimits{Sizes: []string{"standard-1X", "standard-2X"}}
	})
	id := h.formationApp("size-app", h.key)
	for _, c := range []struct{ method, path, body string }{
		{"PATCH", "/apps/size-app/formation", `{"updates":[{"type":"web","quantity":1,"size":"performance-l"}]}`},
		{"PATCH", "/apps/size-app/formation/web", `{"size":"Performance-M"}`}, // ps:type
		{"POST", "/apps/size-app/dynos", `{"command":"bash","size":"performance-l"}`},
	} {
		w := h.do(c.method, c.path, h.key, c.body)
		wantError(t, w, 422, "invalid_params")
		wantMessage(t, w, "is not available on this server. Available sizes: standard-1X, standard-2X.")
	}
	h.json("PATCH", "/apps/size-app/formation/web", `{"size":"standard-2x","quantity":2}`, 200, nil)
	if got := h.quantities(id); got != "web=2:standard-2X worker=0:standard-1X" {
		t.Fatalf("formation = %s", got)
	}
}

// A rollback makes an old slug's process types the formation again, which starts a web dyno
// on an app without one: that counts against the limits too.
func TestFormation_RollbackIsCapped(t *testing.T) {
	h := newHarnessWith(t, func(c *api.Config) { c.FormationLimits = bera.FormationLimits{MaxPerAccount: 1} })
	h.formationApp("rb-running", h.key) // web=1: the account's one dyno
	h.mustApp("rb-empty")
	id := h.appID("rb-empty")
	ctx := context.Background()
	sl := &bera.Slug{AppID: id, Checksum: "SHA256:" + strings.Repeat("0", 64), ProcessTypes: map[string]string{"web": "./web"}}
	if err := h.st.CreateSlug(ctx, sl); err != nil {
		t.Fatal(err)
	}
	rel := &bera.Release{AppID: id, Description: "Deploy x", Status: bera.ReleaseSucceeded, SlugID: sl.ID, Config: map[string]string{}, UserID: h.user.ID}
	if err := h.st.CreateRelease(ctx, rel); err != nil {
		t.Fatal(err)
	}
	w := h.do("POST", "/apps/rb-empty/releases", h.key, `{"release":"`+rel.ID+`"}`)
	wantError(t, w, http.StatusUnprocessableEntity, "invalid_params")
	wantMessage(t, w, "may run at most 1 dynos together")
	if got := h.quantities(id); got != "" {
		t.Fatalf("a refused rollback changed the formation: %q", got)
	}
	var rels []any
	h.json("GET", "/apps/rb-empty/releases", "", 200, &rels)
	if len(rels) != 2 {
		t.Fatalf("a refused rollback created a release: %d releases", len(rels))
	}
}

// A rollback used to make the slug's release-phase command a formation type, which could
// then be scaled like a process.
func TestRollback_ReleasePhaseIsNoFormationType(t *testing.T) {
	h := newHarness(t)
	h.formationApp("rb-phase", h.key)
	id := h.appID("rb-phase")
	ctx := context.Background()
	sl := &bera.Slug{AppID: id, Checksum: "SHA256:" + strings.Repeat("0", 64), ProcessTypes: map[string]string{"web": "./web", "release": "./migrate"}}
	if err := h.st.CreateSlug(ctx, sl); err != nil {
		t.Fatal(err)
	}
	rel := &bera.Release{AppID: id, Description: "Deploy x", Status: bera.ReleaseSucceeded, SlugID: sl.ID, Config: map[string]string{}, UserID: h.user.ID}
	if err := h.st.CreateRelease(ctx, rel); err != nil {
		t.Fatal(err)
	}
	h.json("POST", "/apps/rb-phase/releases", `{"release":"`+rel.ID+`"}`, http.StatusCreated, nil)
	if got := h.quantities(id); got != "web=1:standard-1X" {
		t.Fatalf("formation after rollback = %q, want web only", got)
	}
}
