package api_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	h := newHarness(t)
	t.Run("ErrMissingKey", func(t *testing.T) {
		w := h.do("GET", "/account", "", "")
		wantError(t, w, http.StatusUnauthorized, "unauthorized")
		if w.Header().Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate: git would not ask for credentials")
		}
	})
	t.Run("ErrWrongKey", func(t *testing.T) {
		wantError(t, h.do("GET", "/account", "bera_nope", ""), http.StatusUnauthorized, "unauthorized")
	})
	t.Run("Bearer", func(t *testing.T) {
		var acct struct{ Email, ID string }
		w := h.json("GET", "/account", "", http.StatusOK, &acct)
		if acct.Email != "owner@example.com" || acct.ID == "" {
			t.Errorf("account = %+v", acct)
		}
		if w.Header().Get("Request-Id") == "" || w.Header().Get("RateLimit-Remaining") == "" {
			t.Errorf("missing Request-Id or RateLimit-Remaining: %v", w.Header())
		}
	})
	t.Run("BasicWithKeyAsPassword", func(t *testing.T) {
		for _, user := range []string{"", "heroku", "owner@example.com"} {
			basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + h.key))
			if w := h.do("GET", "/account", "", "", "Authorization: Basic "+basic); w.Code != 200 {
				t.Errorf("user %q: status %d", user, w.Code)
			}
		}
	})
	t.Run("V1Prefix", func(t *testing.T) {
		h.json("GET", "/api/v1/account", "", http.StatusOK, nil)
	})
	t.Run("RequestIDEchoed", func(t *testing.T) {
		id := "605167d7-5822-465f-b64e-39a12aafe862"
		w := h.json("GET", "/account", "", 200, nil, "Request-Id: "+id+",38baa7ea-0000-0000-0000-000000000000")
		if got := w.Header().Get("Request-Id"); got != id {
			t.Errorf("Request-Id = %q, want the first of the client's list", got)
		}
	})
}

// doFrom sends a GET /account from the client address ip with an Authorization header
// ("" for none).
func (h *harness) doFrom(ip, method, path, authorization string) *httptest.ResponseRecorder {
	h.t.Helper()
	r := httptest.NewRequest(method, path, nil)
	r.RemoteAddr = ip + ":40000"
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	w := httptest.NewRecorder()
	h.srv.ServeHTTP(w, r)
	return w
}

func TestAuth_FailedLoginRateLimit(t *testing.T) {
	h := newHarness(t)
	h.mustUser("pw@example.com", "correct horse")
	login := "Basic " + base64.StdEncoding.EncodeToString([]byte("pw@example.com:correct horse"))
	var last int
	for range 30 {
		last = h.doFrom("198.51.100.7", "GET", "/account", "Bearer bera_wrong").Code
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("after 30 bad keys, status %d, want 429", last)
	}
	// Further guesses from that address are refused without being checked: even the right
	// password gets 429, so passwords cannot be brute-forced.
	wantError(t, h.doFrom("198.51.100.7", "GET", "/account", "Basic "+base64.StdEncoding.EncodeToString([]byte("x:bera_other"))), http.StatusTooManyRequests, "rate_limit")
	wantError(t, h.doFrom("198.51.100.7", "POST", "/oauth/authorizations", login), http.StatusTooManyRequests, "rate_limit")
	// A valid key from the same address is never locked out.
	for _, auth := range []string{"Bearer " + h.key, "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+h.key))} {
		if w := h.doFrom("198.51.100.7", "GET", "/account", auth); w.Code != http.StatusOK {
			t.Errorf("valid key (%s…) from the blocked address: status %d, want 200; %s", auth[:6], w.Code, w.Body)
		}
	}
	// Another address is not affected.
	wantError(t, h.doFrom("198.51.100.8", "GET", "/account", "Bearer bera_wrong"), http.StatusUnauthorized, "unauthorized")
	if w := h.doFrom("198.51.100.8", "POST", "/oauth/authorizations", login); w.Code != http.StatusCreated {
		t.Errorf("password login from another address: status %d, want 201; %s", w.Code, w.Body)
	}
}

// Requests without credentials (git sends one before every authenticated request) are not
// failed logins: they never use up the address's budget.
func TestAuth_MissingCredentialsAreNotFailures(t *testing.T) {
	h := newHarness(t)
	for range 50 {
		wantError(t, h.doFrom("198.51.100.9", "GET", "/account", ""), http.StatusUnauthorized, "unauthorized")
	}
	wantError(t, h.doFrom("198.51.100.9", "GET", "/account", "Bearer bera_wrong"), http.StatusUnauthorized, "unauthorized")
	if w := h.doFrom("198.51.100.9", "GET", "/account", "Bearer "+h.key); w.Code != http.StatusOK {
		t.Errorf("valid key after 50 anonymous requests: status %d, want 200; %s", w.Code, w.Body)
	}
}

func TestOAuthAuthorization_PasswordLogin(t *testing.T) {
	h := newHarness(t)
	h.mustUser("pw@example.com", "correct horse")
	basic := func(pw string) string {
		return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("pw@example.com:"+pw))
	}
	wantError(t, h.do("POST", "/oauth/authorizations", "", `{}`, basic("wrong")), http.StatusUnauthorized, "unauthorized")
	w := h.do("POST", "/oauth/authorizations", "", `{"description":"Heroku CLI login from x","expires_in":2592000,"scope":["global"]}`, basic("correct horse"))
	if w.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	body := w.Body.String()
	i := strings.Index(body, `"token":"`)
	if i < 0 || !strings.Contains(body, `"email":"pw@example.com"`) {
		t.Fatalf("response lacks access_token.token or user.email: %s", body)
	}
	token := body[i+9 : i+9+strings.Index(body[i+9:], `"`)]
	if w := h.do("GET", "/account", token, ""); w.Code != 200 || !strings.Contains(w.Body.String(), "pw@example.com") {
		t.Fatalf("new token does not authenticate: %d %s", w.Code, w.Body)
	}
	// Password auth only makes keys; it does not open the rest of the API.
	wantError(t, h.do("GET", "/account", "", "", basic("correct horse")), http.StatusUnauthorized, "unauthorized")
}

func TestApp_Create(t *testing.T) {
	h := newHarness(t)
	t.Run("OK", func(t *testing.T) {
		app := h.mustApp("demo-app")
		for _, k := range []string{"id", "name", "web_url", "git_url", "build_stack", "stack", "owner", "region", "generation", "create_status", "acm", "maintenance", "released_at", "repo_size", "slug_size", "space", "team", "archived_at"} {
			if _, ok := app[k]; !ok {
				t.Errorf("app JSON lacks %q", k)
			}
		}
		if app["web_url"] != "http://demo-app.localhost:8080/" {
			t.Errorf("web_url = %v", app["web_url"])
		}
		// httptest requests reach example.com over plain HTTP; git_url says so.
		if app["git_url"] != "http://example.com/demo-app.git" {
			t.Errorf("git_url = %v, want the scheme and host the API was reached with", app["git_url"])
		}
		if bs := app["build_stack"].(map[string]any); bs["name"] != "heroku-24" {
			t.Errorf("build_stack = %v", bs)
		}
		if g := app["generation"].(map[string]any); g["name"] != "cedar" {
			t.Errorf("generation = %v", g)
		}
		var rels []map[string]any
		h.json("GET", "/apps/demo-app/releases", "", 200, &rels)
		if len(rels) != 1 || rels[0]["version"] != 1.0 || rels[0]["description"] != "Initial release" || rels[0]["current"] != true {
			t.Errorf("releases after create = %v, want v1 Initial release", rels)
		}
	})
	t.Run("GeneratedName", func(t *testing.T) {
		var app struct{ Name string }
		h.json("POST", "/apps", "", http.StatusCreated, &app)
		if len(app.Name) < 3 || strings.Count(app.Name, "-") != 2 {
			t.Errorf("generated name %q", app.Name)
		}
	})
	t.Run("ErrNameTaken", func(t *testing.T) {
		h.mustApp("taken-app")
		wantError(t, h.do("POST", "/apps", h.other, `{"name":"taken-app"}`), 422, "invalid_params")
	})
	t.Run("ErrInvalidName", func(t *testing.T) {
		for _, name := range []string{"A", "ab", "Upper-case", "1starts-with-digit", "ends-with-dash-", "has_underscore", strings.Repeat("a", 31)} {
			wantError(t, h.do("POST", "/apps", h.key, `{"name":"`+name+`"}`), 422, "invalid_params")
		}
	})
	t.Run("ErrBadBodies", func(t *testing.T) {
		wantError(t, h.do("POST", "/apps", h.key, `{"name":`), 400, "bad_request")
		wantError(t, h.do("POST", "/apps", h.key, `{"name":42}`), 422, "invalid_params")
		wantError(t, h.do("POST", "/apps", h.key, `[1,2]`), 422, "invalid_params")
		wantError(t, h.do("POST", "/apps", h.key, `{"name":"x-y-z"} {}`), 400, "bad_request")
		big := `{"name":"` + strings.Repeat("a", 10<<20) + `"}`
		wantError(t, h.do("POST", "/apps", h.key, big), 413, "request_entity_too_large")
	})
}

func TestApp_ListInfoUpdateDelete(t *testing.T) {
	h := newHarness(t)
	h.mustApp("alpha")
	h.mustApp("beta")
	var list []struct{ Name string }
	h.json("GET", "/users/~/apps", "", 200, &list)
	if len(list) != 2 || list[0].Name != "alpha" || list[1].Name != "beta" {
		t.Fatalf("apps = %+v", list)
	}
	var other []struct{ Name string }
	if w := h.do("GET", "/apps", h.other, ""); w.Code != 200 || w.Body.String() != "[]\n" {
		t.Fatalf("another user sees %d %s", w.Code, w.Body)
	}
	_ = other

	t.Run("Rename", func(t *testing.T) {
		var app struct{ Name string }
		h.json("PATCH", "/apps/beta", `{"name":"gamma"}`, 200, &app)
		if app.Name != "gamma" {
			t.Fatalf("renamed to %q", app.Name)
		}
		wantError(t, h.do("GET", "/apps/beta", h.key, ""), 404, "not_found")
		wantError(t, h.do("PATCH", "/apps/gamma", h.key, `{"name":"alpha"}`), 422, "invalid_params")
	})
	t.Run("Maintenance", func(t *testing.T) {
		var app struct{ Maintenance bool }
		h.json("PATCH", "/apps/alpha", `{"maintenance":true}`, 200, &app)
		var f struct{ Enabled bool }
		h.json("GET", "/apps/alpha/features/maintenance", "", 200, &f)
		if !app.Maintenance || !f.Enabled {
			t.Fatalf("maintenance app=%v feature=%v", app.Maintenance, f.Enabled)
		}
		h.json("PATCH", "/apps/alpha/features/maintenance", `{"enabled":false}`, 200, nil)
		h.json("GET", "/apps/alpha", "", 200, &app)
		if app.Maintenance {
			t.Fatal("feature off did not turn maintenance off")
		}
	})
	t.Run("OtherUserGets404", func(t *testing.T) {
		for _, req := range [][2]string{{"GET", "/apps/alpha"}, {"PATCH", "/apps/alpha"}, {"DELETE", "/apps/alpha"}, {"GET", "/apps/alpha/config-vars"}, {"PATCH", "/apps/alpha/config-vars"}, {"GET", "/apps/alpha/releases"}} {
			wantError(t, h.do(req[0], req[1], h.other, `{"A":"1","name":"stolen"}`), 404, "not_found")
		}
		var vars map[string]string
		h.json("GET", "/apps/alpha/config-vars", "", 200, &vars)
		if len(vars) != 0 {
			t.Fatalf("another user's PATCH wrote config: %v", vars)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		h.json("DELETE", "/apps/gamma", "", 200, nil)
		wantError(t, h.do("GET", "/apps/gamma", h.key, ""), 404, "not_found")
	})
}

func TestNotFoundRoutes(t *testing.T) {
	h := newHarness(t)
	wantError(t, h.do("GET", "/nope", h.key, ""), 404, "not_found")
	wantError(t, h.do("PUT", "/apps", h.key, ""), 405, "method_not_allowed")
	wantError(t, h.do("GET", "/nope", "", ""), 401, "unauthorized")
}

func TestOpenAPI(t *testing.T) {
	h := newHarness(t)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	h.json("GET", "/openapi.json", "", 200, &doc)
	if doc.OpenAPI == "" || doc.Paths["/apps/{app}/config-vars"]["patch"] == nil {
		t.Fatalf("openapi lacks PATCH config-vars: %v", doc.Paths["/apps/{app}/config-vars"])
	}
}

// TestApp_GitURLOverTLS: an API reached over TLS gives an https git remote.
func TestApp_GitURLOverTLS(t *testing.T) {
	h := newHarness(t)
	h.mustApp("tls-app")
	r := httptest.NewRequest("GET", "https://api.example.com/apps/tls-app", nil)
	r.Header.Set("Accept", "application/vnd.heroku+json; version=3")
	r.Header.Set("Authorization", "Bearer "+h.key)
	w := httptest.NewRecorder()
	h.srv.ServeHTTP(w, r)
	var app map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &app); err != nil || w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if app["git_url"] != "https://api.example.com/tls-app.git" {
		t.Errorf("git_url = %v", app["git_url"])
	}
}
