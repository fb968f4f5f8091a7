package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
)

func TestConfig_SetUnset(t *testing.T) {
	h := newHarness(t)
	h.mustApp("cfg-app")
	var vars map[string]string
	h.json("PATCH", "/apps/cfg-app/config-vars", `{"A":"1","B":"two=2"}`, 200, &vars)
	if vars["A"] != "1" || vars["B"] != "two=2" {
		t.Fatalf("after set: %v", vars)
	}
	vars = nil // json.Unmarshal merges into an existing map
	h.json("PATCH", "/apps/cfg-app/config-vars", `{"A":null,"C":"3"}`, 200, &vars)
	if _, ok := vars["A"]; ok || vars["B"] != "two=2" || vars["C"] != "3" {
		t.Fatalf("PATCH must return the full merged config: %v", vars)
	}
	// What config:set reads right after PATCH.
	var rels []struct {
		Version     int
		Description string
		Current     bool
	}
	// More releases remain, so the page is partial (the CLI asks with partial: true).
	w := h.json("GET", "/apps/cfg-app/releases", "", http.StatusPartialContent, &rels, "Range: version ..; order=desc,max=1")
	if w.Header().Get("Next-Range") == "" {
		t.Error("a partial page without Next-Range")
	}
	if len(rels) != 1 || rels[0].Version != 3 || rels[0].Description != "Set C config vars and Remove A config vars" || !rels[0].Current {
		t.Fatalf("latest release = %+v", rels)
	}
	var v2 map[string]string
	h.json("GET", "/apps/cfg-app/releases/2/config-vars", "", 200, &v2)
	if v2["A"] != "1" || v2["B"] != "two=2" {
		t.Fatalf("v2 config snapshot = %v", v2)
	}
}

func TestConfig_BadInputWritesNothing(t *testing.T) {
	h := newHarness(t)
	h.mustApp("cfg-bad")
	h.json("PATCH", "/apps/cfg-bad/config-vars", `{"KEEP":"me"}`, 200, nil)
	cases := []struct {
		body   string
		status int
		id     string
	}{
		{`{"A":1}`, 422, "invalid_params"},
		{`{"A":true}`, 422, "invalid_params"},
		{`{"A":{"x":1}}`, 422, "invalid_params"},
		{`["A"]`, 422, "invalid_params"},
		{`"A=1"`, 422, "invalid_params"},
		{`null`, 422, "invalid_params"},
		{`{}`, 422, "invalid_params"},
		{`{"":"x"}`, 422, "invalid_params"},
		{`{"A=B":"x"}`, 422, "invalid_params"},
		{`{"MY KEY":"x"}`, 422, "invalid_params"},
		{`{"A-B":"x"}`, 422, "invalid_params"},
		{`{"A.B":"x"}`, 422, "invalid_params"},
		{`{"\u00c9T\u00c9":"x"}`, 422, "invalid_params"},
		{`{"A":"x\u0000y"}`, 422, "invalid_params"},
		{`{"OK":"fine","B":"\u0000"}`, 422, "invalid_params"},
		{`{"A":"1"`, 400, "bad_request"},
		{`not json`, 400, "bad_request"},
		{`{"A":"` + strings.Repeat("x", 70<<10) + `"}`, 422, "invalid_params"},
		{`{"A":"` + strings.Repeat("x", 10<<20) + `"}`, 413, "request_entity_too_large"},
	}
	for _, c := range cases {
		wantError(t, h.do("PATCH", "/apps/cfg-bad/config-vars", h.key, c.body), c.status, c.id)
	}
	var vars map[string]string
	h.json("GET", "/apps/cfg-bad/config-vars", "", 200, &vars)
	var rels []any
	h.json("GET", "/apps/cfg-bad/releases", "", 200, &rels)
	if len(vars) != 1 || vars["KEEP"] != "me" || len(rels) != 2 {
		t.Fatalf("bad input changed state: vars=%v releases=%d", vars, len(rels))
	}
}

// A NUL byte in a value would make every dyno start fail, and names outside letters, digits
// and underscores are not readable from every language: both are refused with a message that
// names the key (and never echoes the value), on config-vars and on one-off dyno env.
func TestConfig_RefusesNULAndBadNames(t *testing.T) {
	h := newHarness(t)
	h.mustApp("cfg-nul")
	for body, want := range map[string]string{
		`{"TOKEN":"s3cr3t\u0000tail"}`: `Invalid value for config var TOKEN: values cannot contain NUL bytes.`,
		`{"MY KEY":"v"}`:               `Invalid config var name "MY KEY": names can only contain letters, digits and underscores (1 to 255 characters).`,
	} {
		for _, path := range []string{"/apps/cfg-nul/config-vars", "/apps/cfg-nul/dynos"} {
			method, b := "PATCH", body
			if strings.HasSuffix(path, "/dynos") {
				method, b = "POST", `{"command":"env","env":`+body+`}`
			}
			w := h.do(method, path, h.key, b)
			wantError(t, w, 422, "invalid_params")
			if !strings.Contains(w.Body.String(), `"message":"`+strings.ReplaceAll(want, `"`, `\"`)+`"`) || strings.Contains(w.Body.String(), "s3cr3t") {
				t.Errorf("%s %s: body %s, want message %q and no value", method, path, w.Body, want)
			}
		}
	}
	// A var stored before these rules can still be removed.
	if _, _, err := h.st.UpdateConfigVars(t.Context(), h.appID("cfg-nul"), h.user.ID, []bera.ConfigChange{{Key: "OLD-STYLE", Value: new(string)}}); err != nil {
		t.Fatal(err)
	}
	var vars map[string]string
	h.json("PATCH", "/apps/cfg-nul/config-vars", `{"OLD-STYLE":null,"NEW_1":"ok"}`, 200, &vars)
	if _, ok := vars["OLD-STYLE"]; ok || vars["NEW_1"] != "ok" {
		t.Errorf("vars = %v, want OLD-STYLE removed and NEW_1 set", vars)
	}
}

func TestReleases_RangeAndRollback(t *testing.T) {
	h := newHarness(t)
	h.mustApp("rel-app")
	for i := 1; i <= 5; i++ {
		h.json("PATCH", "/apps/rel-app/config-vars", fmt.Sprintf(`{"N":"%d"}`, i), 200, nil)
	}
	// v1 … v6. The CLI's `releases` asks for the newest 15.
	var rels []struct {
		ID                  string
		Version             int
		Current             bool
		EligibleForRollback bool `json:"eligible_for_rollback"`
		User                struct{ Email string }
	}
	w := h.json("GET", "/apps/rel-app/releases", "", 200, &rels, "Range: version ..; max=15, order=desc")
	if len(rels) != 6 || rels[0].Version != 6 || rels[5].Version != 1 || !rels[0].Current || rels[1].Current {
		t.Fatalf("releases desc = %+v", rels)
	}
	if w.Header().Get("Next-Range") != "" {
		t.Fatal("Next-Range on the last page: the Heroku CLI would loop forever")
	}
	if rels[0].User.Email != "owner@example.com" || !rels[0].EligibleForRollback {
		t.Fatalf("release user/eligibility = %+v", rels[0])
	}

	t.Run("Pages", func(t *testing.T) {
		var all []int
		rng := "version ..; max=2"
		for range 10 {
			var page []struct{ Version int }
			w := h.do("GET", "/apps/rel-app/releases", h.key, "", "Range: "+rng)
			if err := jsonDecode(w.Body.String(), &page); err != nil {
				t.Fatal(err)
			}
			for _, p := range page {
				all = append(all, p.Version)
			}
			rng = w.Header().Get("Next-Range")
			if rng == "" {
				break
			}
			if w.Code != http.StatusPartialContent {
				t.Fatalf("Next-Range with status %d", w.Code)
			}
		}
		if fmt.Sprint(all) != "[1 2 3 4 5 6]" {
			t.Fatalf("pages = %v", all)
		}
		wantError(t, h.do("GET", "/apps/rel-app/releases", h.key, "", "Range: bogus ..; max=2"), 416, "requested_range_not_satisfiable")
	})

	t.Run("Rollback", func(t *testing.T) {
		var target struct{ ID string }
		h.json("GET", "/apps/rel-app/releases/v3", "", 200, &target)
		var rel struct {
			Version     int
			Description string
		}
		h.json("POST", "/apps/rel-app/releases", `{"release":"`+target.ID+`"}`, 201, &rel)
		if rel.Version != 7 || rel.Description != "Rollback to v3" {
			t.Fatalf("rollback release = %+v", rel)
		}
		var vars map[string]string
		h.json("GET", "/apps/rel-app/config-vars", "", 200, &vars)
		if vars["N"] != "2" {
			t.Fatalf("config after rollback to v3 = %v, want N=2", vars)
		}
		wantError(t, h.do("POST", "/apps/rel-app/releases", h.key, `{"release":"99"}`), 404, "not_found")
		wantError(t, h.do("POST", "/apps/rel-app/releases", h.key, `{}`), 422, "invalid_params")
	})
}

func TestFormation(t *testing.T) {
	h := newHarness(t)
	app := h.mustApp("form-app")
	if err := h.st.SetProcessTypes(context.Background(), app["id"].(string), map[string]string{"web": "./web", "worker": "./worker"}); err != nil {
		t.Fatal(err)
	}
	type form struct {
		Type     string
		Quantity int
		Size     string
		Command  string
	}
	var forms []form
	// Exactly what `heroku ps:scale web=2 worker+1` sends.
	h.json("PATCH", "/apps/form-app/formation", `{"updates":[{"quantity":"2","type":"web"},{"quantity":"+1","type":"worker","size":"standard-2x"}]}`, 200, &forms)
	got := map[string]form{}
	for _, f := range forms {
		got[f.Type] = f
	}
	if got["web"].Quantity != 2 || got["worker"].Quantity != 1 || got["worker"].Size != "standard-2X" || got["web"].Command != "./web" {
		t.Fatalf("formation = %+v", forms)
	}
	h.json("PATCH", "/apps/form-app/formation", `{"updates":[{"quantity":-1,"type":"web"}]}`, 200, nil)
	var web form
	h.json("GET", "/apps/form-app/formation/web", "", 200, &web)
	if web.Quantity != 1 {
		t.Fatalf("web after -1 = %d", web.Quantity)
	}
	for _, body := range []string{
		`{"updates":[{"quantity":"two","type":"web"}]}`,
		`{"updates":[{"quantity":1,"type":"web","size":"huge"}]}`,
		`{"updates":[{"quantity":-3,"type":"web"},{"quantity":9999,"type":"worker"}]}`,
		`{"updates":[]}`,
		`{"updates":[{"quantity":"+100","type":"web"}]}`,
	} {
		wantError(t, h.do("PATCH", "/apps/form-app/formation", h.key, body), 422, "invalid_params")
	}
	wantError(t, h.do("PATCH", "/apps/form-app/formation", h.key, `{"updates":[{"quantity":1,"type":"web"},{"quantity":1,"type":"clock"}]}`), 404, "not_found")
	h.json("GET", "/apps/form-app/formation/web", "", 200, &web)
	if web.Quantity != 1 || web.Size != "standard-1X" {
		t.Fatalf("a refused update changed web: %+v", web)
	}
}

func TestCollaborators(t *testing.T) {
	h := newHarness(t)
	h.mustApp("team-app")
	var c struct {
		Role string
		User struct{ Email string }
	}
	h.json("POST", "/apps/team-app/collaborators", `{"user":"other@example.com"}`, 201, &c)
	if c.Role != "collaborator" || c.User.Email != "other@example.com" {
		t.Fatalf("collaborator = %+v", c)
	}
	wantError(t, h.do("POST", "/apps/team-app/collaborators", h.key, `{"user":"other@example.com"}`), 422, "invalid_params")
	wantError(t, h.do("POST", "/apps/team-app/collaborators", h.key, `{"user":"nobody@example.com"}`), 404, "not_found")

	// The collaborator can now see and configure the app, but not delete or rename it.
	if w := h.do("PATCH", "/apps/team-app/config-vars", h.other, `{"X":"y"}`); w.Code != 200 {
		t.Fatalf("collaborator config:set: %d %s", w.Code, w.Body)
	}
	wantError(t, h.do("DELETE", "/apps/team-app", h.other, ""), 403, "forbidden")
	wantError(t, h.do("PATCH", "/apps/team-app", h.other, `{"name":"mine-now"}`), 403, "forbidden")
	wantError(t, h.do("DELETE", "/apps/team-app/collaborators/owner@example.com", h.other, ""), 403, "forbidden")

	var list []struct{ Role string }
	h.json("GET", "/apps/team-app/collaborators", "", 200, &list)
	if len(list) != 2 || list[0].Role != "owner" {
		t.Fatalf("collaborators = %+v", list)
	}
	h.json("DELETE", "/apps/team-app/collaborators/other@example.com", "", 200, nil)
	wantError(t, h.do("GET", "/apps/team-app", h.other, ""), 404, "not_found")
}
