package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/api"
)

func jsonDecode(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// FuzzRequestDecoding sends arbitrary bodies and Range headers to the endpoints that decode
// input. No input may produce a 5xx or a non-JSON error.
func FuzzRequestDecoding(f *testing.F) {
	for _, s := range []string{`{"name":"x-y"}`, `{"A":null}`, `{"updates":[{"quantity":"+1","type":"web"}]}`,
		`{"release":"1"}`, `{"user":"a@b.c"}`, `{"maintenance":true}`, `[`, `{"A":1e999}`, "\x00", `{"updates":[{"quantity":"-0"}]}`,
		`{"quantity":2,"size":"eco"}`, `{"hostname":"www.example.com","sni_endpoint":null}`, `{"certificate_chain":"x","private_key":"y"}`,
		`{"url":"syslog+tls://logs.example.com:6514"}`, `{"lines":10,"tail":true,"dyno":"web.1"}`, `{"description":"x","expires_in":60}`,
		`{"plan":{"name":"heroku-redis"},"config":{"tls":true},"attachment":{"name":"CACHE"}}`, `{"addon":"a::b","app":null}`,
		`{"addon_attachment":"DATABASE_URL","app":"fuzz-app"}`, `{"addon":{"name":"x"},"app":{"name":"fuzz-app"},"name":"Y"}`,
		`{"name":"team-a","cidr":"10.20.0.0/16"}`, `{"name":"in-space","space":"team-a","internal_routing":true}`} {
		f.Add(s, "version ..; max=2, order=desc")
	}
	noServices, _ := addons.NewRegistry() // add-on bodies are decoded and checked, nothing provisioned
	h := newHarnessWith(f, func(c *api.Config) { c.LogSessions, c.Addons, c.Spaces = shapeSessions{}, noServices, &spaceNets{} })
	h.mustApp("fuzz-app")
	targets := [][2]string{{"POST", "/apps"}, {"PATCH", "/apps/fuzz-app"}, {"PATCH", "/apps/fuzz-app/config-vars"},
		{"PATCH", "/apps/fuzz-app/formation"}, {"POST", "/apps/fuzz-app/releases"}, {"POST", "/apps/fuzz-app/collaborators"},
		{"PATCH", "/apps/fuzz-app/features/preboot"}, {"PUT", "/apps/fuzz-app/buildpack-installations"}, {"GET", "/apps/fuzz-app/releases"},
		{"PATCH", "/apps/fuzz-app/formation/web"}, {"POST", "/apps/fuzz-app/domains"}, {"POST", "/apps/fuzz-app/sni-endpoints"},
		{"POST", "/apps/fuzz-app/log-drains"}, {"POST", "/apps/fuzz-app/log-sessions"}, {"POST", "/oauth/authorizations"},
		{"POST", "/apps/fuzz-app/addons"}, {"POST", "/addon-attachments"}, {"POST", "/actions/addons/resolve"},
		{"POST", "/actions/addon-attachments/resolve"}, {"POST", "/spaces"}, {"POST", "/teams/apps"}}
	f.Fuzz(func(t *testing.T, body, rng string) {
		h := h.with(t)
		for _, tg := range targets {
			w := h.do(tg[0], tg[1], h.key, body, "Range: "+strings.Map(func(r rune) rune {
				if r < 0x20 || r == 0x7f {
					return -1
				}
				return r
			}, rng))
			if w.Code >= 500 {
				t.Fatalf("%s %s with %q: %d %s", tg[0], tg[1], body, w.Code, w.Body)
			}
			if w.Code >= 400 {
				var e struct{ ID, Message string }
				if json.Unmarshal(w.Body.Bytes(), &e) != nil || e.ID == "" || e.Message == "" {
					t.Fatalf("%s %s: error body not Heroku-shaped: %s", tg[0], tg[1], w.Body)
				}
			}
			if tg[0] == "PATCH" && strings.HasSuffix(tg[1], "/apps/fuzz-app") && w.Code == http.StatusOK {
				// A rename would break the following targets; undo it.
				h.do("PATCH", "/apps/"+appName(w.Body.String()), h.key, `{"name":"fuzz-app"}`)
			}
		}
	})
}

func appName(body string) string {
	var a struct{ Name string }
	json.Unmarshal([]byte(body), &a)
	return a.Name
}
