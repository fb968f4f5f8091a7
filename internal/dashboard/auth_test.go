package dashboard_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/api"
)

func TestSignIn(t *testing.T) {
	e := newEnv(t)
	u := e.mustUser(t, "dev@example.com", "correct horse")

	t.Run("OK", func(t *testing.T) {
		b := e.browser(t)
		p := b.get("/apps/some-app/settings")
		if p.path != "/login?next=%2Fapps%2Fsome-app%2Fsettings" {
			t.Fatalf("signed out, /apps/some-app/settings went to %s", p.path)
		}
		p = b.login("dev@example.com", "correct horse")
		p.mustContain(t, "Personal apps", "dev@example.com", "Log out")
		var session *http.Cookie
		for _, c := range b.hc.Jar.Cookies(mustURL(t, e.srv.URL)) {
			if c.Name == "bera_session" {
				session = c
			}
		}
		if session == nil {
			t.Fatal("no bera_session cookie after sign-in")
		}
	})

	t.Run("CookieFlags", func(t *testing.T) {
		b := e.browser(t)
		b.get("/login")
		form := url.Values{"email": {"dev@example.com"}, "password": {"correct horse"}, "csrf": {b.csrf}}
		req, _ := http.NewRequest("POST", e.srv.URL+"/dashboard/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range b.hc.Jar.Cookies(mustURL(t, e.srv.URL)) {
			req.AddCookie(c)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var got string
		for _, h := range resp.Header.Values("Set-Cookie") {
			if strings.HasPrefix(h, "bera_session=") {
				got = h
			}
		}
		for _, want := range []string{"Path=/", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(got, want) {
				t.Errorf("session cookie %q lacks %s", got, want)
			}
		}
		if strings.Contains(got, "Secure") {
			t.Errorf("session cookie %q is Secure on plain HTTP (the browser would drop it)", got)
		}
	})

	t.Run("SecureOnTLS", func(t *testing.T) {
		tlsSrv := httptest.NewTLSServer(e.srv.Config.Handler)
		defer tlsSrv.Close()
		hc := tlsSrv.Client()
		jar, _ := cookiejar.New(nil)
		hc.Jar = jar
		b := &browser{t: t, e: &env{srv: tlsSrv}, hc: hc}
		b.get("/login")
		form := url.Values{"email": {"dev@example.com"}, "password": {"correct horse"}, "csrf": {b.csrf}}
		req, _ := http.NewRequest("POST", tlsSrv.URL+"/dashboard/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", tlsSrv.URL)
		for _, c := range jar.Cookies(mustURL(t, tlsSrv.URL)) {
			req.AddCookie(c)
		}
		resp, err := hc.Transport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var got string
		for _, h := range resp.Header.Values("Set-Cookie") {
			if strings.HasPrefix(h, "bera_session=") {
				got = h
			}
		}
		if !strings.Contains(got, "Secure") || !strings.Contains(got, "HttpOnly") {
			t.Fatalf("session cookie over TLS = %q, want Secure and HttpOnly (sign-in: %d)", got, resp.StatusCode)
		}
		b.login("dev@example.com", "correct horse").mustContain(t, "Personal apps")
	})

	t.Run("ErrWrongPassword", func(t *testing.T) {
		b := e.browser(t)
		b.get("/login")
		p := b.post("/dashboard/login", url.Values{"email": {"dev@example.com"}, "password": {"wrong"}})
		if p.status != http.StatusUnauthorized || !strings.HasPrefix(p.ctype, "text/html") {
			t.Fatalf("wrong password: %d %s", p.status, p.ctype)
		}
		p.mustContain(t, "The email or password is not right.", `value="dev@example.com"`)
		p.mustNotContain(t, "Log out")
	})

	t.Run("ErrNoFormToken", func(t *testing.T) {
		b := e.browser(t)
		b.get("/login")
		p := b.post("/dashboard/login", url.Values{"email": {"dev@example.com"}, "password": {"correct horse"}, "csrf": {""}})
		if p.status != http.StatusForbidden {
			t.Fatalf("sign-in without the form's token: %d at %s", p.status, p.path)
		}
	})

	t.Run("SignOut", func(t *testing.T) {
		b := e.browser(t)
		b.login("dev@example.com", "correct horse")
		before := e.keys(t, u.ID)
		p := b.post("/dashboard/logout", url.Values{})
		if p.path != "/login" {
			t.Fatalf("sign-out went to %s", p.path)
		}
		if got := e.keys(t, u.ID); got != before-1 {
			t.Fatalf("API keys after sign-out = %d, want %d (the session's key revoked)", got, before-1)
		}
		if p := b.get("/apps"); !strings.HasPrefix(p.path, "/login") {
			t.Fatalf("after sign-out /apps went to %s", p.path)
		}
	})

	t.Run("SessionExpires", func(t *testing.T) {
		b := e.browser(t)
		b.login("dev@example.com", "correct horse")
		e.now = e.now.Add(13 * time.Hour)
		defer func() { e.now = e.now.Add(-13 * time.Hour) }()
		if p := b.get("/apps"); !strings.HasPrefix(p.path, "/login") {
			t.Fatalf("13 hours later /apps went to %s", p.path)
		}
	})

	t.Run("ErrCrossSite", func(t *testing.T) {
		b := e.browser(t)
		b.get("/login")
		form := url.Values{"email": {"dev@example.com"}, "password": {"correct horse"}, "csrf": {b.csrf}}
		req, _ := http.NewRequest("POST", e.srv.URL+"/dashboard/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		if p := b.do(req); p.status != http.StatusForbidden || !strings.HasPrefix(p.ctype, "text/html") {
			t.Fatalf("cross-site sign-in: %d %s at %s", p.status, p.ctype, p.path)
		}
	})

	t.Run("KeyRevoked", func(t *testing.T) {
		b := e.browser(t)
		b.login("dev@example.com", "correct horse")
		keys, err := e.st.ListAPIKeys(context.Background(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if err := e.st.DeleteAPIKey(context.Background(), u.ID, k.ID); err != nil {
				t.Fatal(err)
			}
		}
		if p := b.get("/apps"); !strings.HasPrefix(p.path, "/login") {
			t.Fatalf("with its key revoked, the session still shows %s (%d)", p.path, p.status)
		}
	})

	t.Run("NextStaysOnSite", func(t *testing.T) {
		b := e.browser(t)
		b.get("/login?next=//evil.example/")
		p := b.post("/dashboard/login", url.Values{"email": {"dev@example.com"}, "password": {"correct horse"}, "next": {"//evil.example/"}})
		if p.path != "/apps" {
			t.Fatalf("next=//evil.example/ went to %s", p.path)
		}
	})
}

// TestSignIn_Throttled checks that failed sign-ins count against the browser's address, as
// the API's do: past the budget the page says so, even for the right password.
func TestSignIn_Throttled(t *testing.T) {
	// A small budget: it refills one failure every 20 s, far longer than the few
	// attempts take even on a loaded machine (with 20 a minute, one refills every 3 s and
	// a slow CI run of 21 password checks got some back).
	e := newEnvWith(t, func(c *api.Config) { c.FailedLoginsPerMinute = 3 })
	e.mustUser(t, "dev@example.com", "correct horse")
	b := e.browser(t)
	var p page
	for range 4 {
		b.get("/login")
		p = b.post("/dashboard/login", url.Values{"email": {"dev@example.com"}, "password": {"wrong"}})
	}
	b.get("/login")
	p = b.post("/dashboard/login", url.Values{"email": {"dev@example.com"}, "password": {"correct horse"}})
	if p.status != http.StatusTooManyRequests {
		t.Fatalf("after 4 failures: %d at %s", p.status, p.path)
	}
	p.mustContain(t, "Too many failed logins from your address.")
}

// keys counts a user's API keys.
func (e *env) keys(t *testing.T, userID string) int {
	t.Helper()
	ks, err := e.st.ListAPIKeys(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return len(ks)
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestAPIClientsUnchanged checks that only browsers get the dashboard.
func TestAPIClientsUnchanged(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ accept, path string }{
		{"application/vnd.heroku+json; version=3", "/"},
		{"", "/apps"},
		{"*/*", "/account"},
		{"text/html", "/account"},
	} {
		req, _ := http.NewRequest("GET", e.srv.URL+c.path, nil)
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ ID string }
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || err != nil || body.ID != "unauthorized" {
			t.Errorf("GET %s (Accept %q) = %d id %q, want the API's JSON 401", c.path, c.accept, resp.StatusCode, body.ID)
		}
	}
	// A browser at / goes to the sign-in page.
	p := e.browser(t).get("/")
	if p.status != http.StatusOK || !strings.HasPrefix(p.path, "/login") || !strings.HasPrefix(p.ctype, "text/html") {
		t.Fatalf("browser at /: %d %s %s", p.status, p.path, p.ctype)
	}
	p.mustContain(t, "Log in to your account")
}
