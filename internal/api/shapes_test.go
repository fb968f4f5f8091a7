package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/api"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// shapeDynos reports one fixed dyno for every app.
type shapeDynos struct{}

func (shapeDynos) Dynos(appID string) []bera.Dyno {
	return []bera.Dyno{{ID: "d1", AppID: appID, Name: "web.1", Type: "web", State: "up", Command: "./web", Size: "standard-1X",
		ReleaseID: "r1", ReleaseVersion: 1, CreatedAt: time.Unix(0, 0), UpdatedAt: time.Unix(0, 0)}}
}
func (shapeDynos) Converge(string)        {}
func (shapeDynos) Restart(string, string) {}

// shapeMetrics reports one minute with traffic.
type shapeMetrics struct{ http.Handler }

func (shapeMetrics) Rollups(_ string, since, _ time.Time) []api.MetricPoint {
	return []api.MetricPoint{{Time: since, Requests: 6, Status: [5]int{0, 5, 0, 1, 0}, P50: time.Millisecond}}
}

type shapeSessions struct{}

func (shapeSessions) URL(base, appID string, _ api.LogSessionOptions) string {
	return base + "/log/" + appID
}

// TestShapes_Golden pins the JSON shape (keys, their order, and the kind of each value) of
// every resource the API answers with, as the Heroku CLI and bera read them. Values vary
// (ids, times) and are left out. Rewrite with -update and review the diff like code.
func TestShapes_Golden(t *testing.T) {
	h := newHarnessWith(t, func(c *api.Config) {
		c.Dynos, c.Metrics, c.LogSessions, c.AllowPrivateDrains = shapeDynos{}, shapeMetrics{}, shapeSessions{}, true
	})
	_, _ = h.mustUser("login@example.com", "pw-0123456789")
	id := h.formationApp("shape-app", h.key)
	ctx := context.Background()
	if err := h.st.CreateBuild(ctx, &bera.Build{AppID: id, Status: "succeeded", SourceURL: "https://x/y.tgz", UserID: h.user.ID, Stack: "heroku-24"}); err != nil {
		t.Fatal(err)
	}
	steps := []struct{ method, path, body string }{
		{"GET", "/account", ""},
		{"GET", "/users/~", ""},
		{"GET", "/oauth/authorizations", ""},
		{"GET", "/apps", ""},
		{"POST", "/apps", `{"name":"shape-two"}`},
		{"GET", "/apps/shape-app", ""},
		{"PATCH", "/apps/shape-two", `{"maintenance":true}`},
		{"DELETE", "/apps/shape-two", ""},
		{"PATCH", "/apps/shape-app/config-vars", `{"A":"1"}`},
		{"GET", "/apps/shape-app/config-vars", ""},
		{"GET", "/apps/shape-app/releases", ""},
		{"GET", "/apps/shape-app/releases/1", ""},
		{"GET", "/apps/shape-app/releases/2/config-vars", ""},
		{"POST", "/apps/shape-app/releases", `{"release":"1"}`},
		{"GET", "/apps/shape-app/formation", ""},
		{"PATCH", "/apps/shape-app/formation", `{"updates":[{"type":"web","quantity":"1"}]}`},
		{"GET", "/apps/shape-app/formation/web", ""},
		{"PATCH", "/apps/shape-app/formation/worker", `{"quantity":0,"size":"eco"}`},
		{"POST", "/apps/shape-app/collaborators", `{"user":"other@example.com"}`},
		{"GET", "/apps/shape-app/collaborators", ""},
		{"GET", "/apps/shape-app/collaborators/other@example.com", ""},
		{"DELETE", "/apps/shape-app/collaborators/other@example.com", ""},
		{"GET", "/apps/shape-app/features", ""},
		{"PATCH", "/apps/shape-app/features/preboot", `{"enabled":true}`},
		{"GET", "/apps/shape-app/builds", ""},
		{"PUT", "/apps/shape-app/buildpack-installations", `{"updates":[{"buildpack":"heroku/go"}]}`},
		{"GET", "/apps/shape-app/buildpack-installations", ""},
		{"GET", "/apps/shape-app/dynos", ""},
		{"GET", "/apps/shape-app/dynos/web.1", ""},
		{"DELETE", "/apps/shape-app/dynos", ""},
		{"POST", "/apps/shape-app/domains", `{"hostname":"www.example.com","sni_endpoint":null}`},
		{"GET", "/apps/shape-app/domains", ""},
		{"GET", "/apps/shape-app/domains/www.example.com", ""},
		{"POST", "/apps/shape-app/sni-endpoints", certRequest(t, "www.example.com")},
		{"GET", "/apps/shape-app/sni-endpoints", ""},
		{"POST", "/apps/shape-app/acm", ""},
		{"DELETE", "/apps/shape-app/domains/www.example.com", ""},
		{"POST", "/apps/shape-app/log-drains", `{"url":"syslog+tls://logs.example.com:6514"}`},
		{"GET", "/apps/shape-app/log-drains", ""},
		{"POST", "/apps/shape-app/log-sessions", `{"lines":10}`},
		{"GET", "/apps/shape-app/metrics?since=2026-01-01T00:00:00Z&until=2026-01-01T00:02:00Z", ""},
		{"GET", "/stacks", ""},
		{"GET", "/regions", ""},
		{"GET", "/apps/no-such-app", ""},
		{"PATCH", "/apps/shape-app/formation", `{"updates":[{"type":"web","quantity":"x"}]}`},
	}
	var out bytes.Buffer
	for _, st := range steps {
		w := h.do(st.method, st.path, h.key, st.body)
		fmt.Fprintf(&out, "%s %s %d\n%s\n\n", st.method, st.path, w.Code, shapeOf(t, w.Body.Bytes()))
	}
	w := h.do("POST", "/oauth/authorizations", "", `{"description":"x"}`, "Authorization: Basic "+basic("login@example.com", "pw-0123456789"))
	fmt.Fprintf(&out, "POST /oauth/authorizations %d\n%s\n", w.Code, shapeOf(t, w.Body.Bytes()))
	golden(t, "testdata/shapes.golden", out.Bytes())
}

func basic(user, pw string) string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, pw)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// shapeOf renders a JSON document with every scalar replaced by its kind.
func shapeOf(t *testing.T, body []byte) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var sb strings.Builder
	if err := writeShape(dec, &sb, ""); err != nil {
		t.Fatalf("shape of %s: %v", body, err)
	}
	return sb.String()
}

func writeShape(dec *json.Decoder, sb *strings.Builder, indent string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		return writeContainer(dec, sb, indent, v)
	case string:
		sb.WriteString("string")
	case json.Number:
		sb.WriteString("number")
	case bool:
		sb.WriteString("bool")
	case nil:
		sb.WriteString("null")
	}
	return nil
}

// writeContainer renders an object's members in order, and an array's element shapes
// sorted: the order of elements is a value (ids sort lists), not a shape.
func writeContainer(dec *json.Decoder, sb *strings.Builder, indent string, open json.Delim) error {
	var items []string
	for dec.More() {
		var item strings.Builder
		if open == '{' {
			key, err := dec.Token()
			if err != nil {
				return err
			}
			fmt.Fprintf(&item, "%q: ", key)
		}
		if err := writeShape(dec, &item, indent+"  "); err != nil {
			return err
		}
		items = append(items, item.String())
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if open == '[' {
		slices.Sort(items)
	}
	sb.WriteString(string(open))
	for _, it := range items {
		sb.WriteString("\n" + indent + "  " + it)
	}
	if len(items) > 0 {
		sb.WriteString("\n" + indent)
	}
	sb.WriteString(map[json.Delim]string{'{': "}", '[': "]"}[open])
	return nil
}

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("shapes differ from %s (go test -update rewrites it; review the diff):\n%s", path, firstDiff(string(want), string(got)))
	}
}

// firstDiff shows the first differing line with a little context.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(wl), len(gl)) {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\nwant %s\ngot  %s", i+1, w, g)
		}
	}
	return ""
}
