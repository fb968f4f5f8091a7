package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/api"
	"github.com/kingvon-ke/bera/internal/secret"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// harness is an API server over a real SQLite store, driven in-process.
type harness struct {
	t     testing.TB
	st    *store.Store
	srv   *api.Server
	key   string // the first user's API key
	user  *bera.User
	other string // a second user's API key
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	return newHarnessWith(t, nil)
}

// newHarnessWith is newHarness with configure, when not nil, changing the server's Config.
func newHarnessWith(t testing.TB, configure func(*api.Config)) *harness {
	t.Helper()
	st := storetest.OpenSQLite(t)
	h := &harness{t: t, st: st}
	cfg := api.Config{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Domain: "localhost", WebURLSuffix: ":8080"}
	if configure != nil {
		configure(&cfg)
	}
	h.srv = api.NewServer(cfg)
	h.user, h.key = h.mustUser("owner@example.com", "")
	_, h.other = h.mustUser("other@example.com", "")
	return h
}

// mustUser creates a user (with a password when pw is set) and returns it with a new key.
func (h *harness) mustUser(email, pw string) (*bera.User, string) {
	h.t.Helper()
	u := &bera.User{Email: email}
	if pw != "" {
		u.PasswordHash = secret.HashPassword(pw)
	}
	ctx := context.Background()
	if err := h.st.CreateUser(ctx, u); err != nil {
		h.t.Fatal(err)
	}
	key := secret.NewAPIKey()
	if err := h.st.CreateAPIKey(ctx, &bera.APIKey{UserID: u.ID, Hash: secret.HashAPIKey(key)}); err != nil {
		h.t.Fatal(err)
	}
	return u, key
}

// with returns a copy of h that reports to t (fuzz targets must not use the F).
func (h *harness) with(t testing.TB) *harness {
	c := *h
	c.t = t
	return &c
}

// do sends a request with a Bearer key ("" for none) and extra headers as "Name: value".
func (h *harness) do(method, path, key, body string, headers ...string) *httptest.ResponseRecorder {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rd)
	r.Header.Set("Accept", "application/vnd.heroku+json; version=3")
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for _, hd := range headers {
		k, v, _ := strings.Cut(hd, ":")
		r.Header.Set(k, strings.TrimSpace(v))
	}
	w := httptest.NewRecorder()
	h.srv.ServeHTTP(w, r)
	return w
}

// json sends a request with the owner's key, checks the status and decodes the body into v.
func (h *harness) json(method, path, body string, want int, v any, headers ...string) *httptest.ResponseRecorder {
	h.t.Helper()
	w := h.do(method, path, h.key, body, headers...)
	if w.Code != want {
		h.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, w.Code, want, w.Body)
	}
	if v != nil {
		if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
			h.t.Fatalf("%s %s: decode %s: %v", method, path, w.Body, err)
		}
	}
	return w
}

// mustApp creates an app owned by the first user.
func (h *harness) mustApp(name string) map[string]any {
	h.t.Helper()
	var app map[string]any
	h.json("POST", "/apps", `{"name":"`+name+`"}`, http.StatusCreated, &app)
	return app
}

// wantError checks a Heroku-shaped error response.
func wantError(t testing.TB, w *httptest.ResponseRecorder, status int, id string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	var e struct{ ID, Message string }
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("error body is not JSON: %s", w.Body)
	}
	if e.ID != id || e.Message == "" {
		t.Fatalf("error id=%q message=%q, want id %q and a message", e.ID, e.Message, id)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
}

// appID returns the id of an app, read from the store.
func (h *harness) appID(name string) string {
	h.t.Helper()
	app, err := h.st.App(context.Background(), name)
	if err != nil {
		h.t.Fatal(err)
	}
	return app.ID
}
