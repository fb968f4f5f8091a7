package client_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

// sent is one request as the server received it.
type sent struct{ method, uri, rng, body string }

// recordRequests returns a client of a server that answers every request with reply and
// records it.
func recordRequests(t *testing.T, reply string) (*client.Client, *[]sent) {
	t.Helper()
	var got []sent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, sent{r.Method, r.RequestURI, r.Header.Get("Range"), string(b)})
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, reply)
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{URL: srv.URL, APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	return c, &got
}

// listReplies are the cases whose response is a list.
var listReplies = map[string]bool{"Scale": true, "Releases": true, "Domains": true, "SetBuildpacks": true}

// The typed calls send what the Heroku CLI sends (shared/heroku-api.md §5), with the keys
// they do not set left out.
func TestClient_RequestBodies(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		call func(c *client.Client) error
		want sent
	}{
		{"CreateAppNoName", func(c *client.Client) error { _, err := c.CreateApp(ctx, wire.AppCreate{}); return err },
			sent{"POST", "/apps", "", `{}`}},
		{"CreateApp", func(c *client.Client) error {
			_, err := c.CreateApp(ctx, wire.AppCreate{Name: new("my-app")})
			return err
		},
			sent{"POST", "/apps", "", `{"name":"my-app"}`}},
		{"Maintenance", func(c *client.Client) error {
			_, err := c.UpdateApp(ctx, "my-app", wire.AppUpdate{Maintenance: new(false)})
			return err
		}, sent{"PATCH", "/apps/my-app", "", `{"maintenance":false}`}},
		{"Scale", func(c *client.Client) error {
			_, err := c.UpdateFormation(ctx, "my-app", []wire.FormationUpdate{{Type: "web", Quantity: new(wire.Quantity("2"))},
				{Type: "worker", Quantity: new(wire.Quantity("+1")), Size: new("eco")}})
			return err
		}, sent{"PATCH", "/apps/my-app/formation", "", `{"updates":[{"type":"web","quantity":"2"},{"type":"worker","quantity":"+1","size":"eco"}]}`}},
		{"ConfigSet", func(c *client.Client) error {
			_, err := c.UpdateConfigVars(ctx, "my-app", wire.ConfigVarsUpdate{"A": new("1"), "B": nil})
			return err
		}, sent{"PATCH", "/apps/my-app/config-vars", "", `{"A":"1","B":null}`}},
		{"Rollback", func(c *client.Client) error { _, err := c.Rollback(ctx, "my-app", "3"); return err },
			sent{"POST", "/apps/my-app/releases", "", `{"release":"3"}`}},
		{"Releases", func(c *client.Client) error { _, err := c.Releases(ctx, "my-app", 15); return err },
			sent{"GET", "/apps/my-app/releases", "version ..; max=15, order=desc", ""}},
		{"AddCollaborator", func(c *client.Client) error {
			_, err := c.AddCollaborator(ctx, "my-app", "dev@example.com")
			return err
		},
			sent{"POST", "/apps/my-app/collaborators", "", `{"user":"dev@example.com"}`}},
		{"AddDomain", func(c *client.Client) error {
			_, err := c.AddDomain(ctx, "my-app", wire.DomainCreate{Hostname: "www.example.com"})
			return err
		}, sent{"POST", "/apps/my-app/domains", "", `{"hostname":"www.example.com","sni_endpoint":null}`}},
		{"Domains", func(c *client.Client) error { _, err := c.Domains(ctx, "my-app"); return err },
			sent{"GET", "/apps/my-app/domains", "id ..; max=1000;", ""}},
		{"AddSNIEndpoint", func(c *client.Client) error {
			_, err := c.AddSNIEndpoint(ctx, "my-app", wire.SNIEndpointCreate{CertificateChain: "C", PrivateKey: "K"})
			return err
		}, sent{"POST", "/apps/my-app/sni-endpoints", "", `{"certificate_chain":"C","name":"","private_key":"K"}`}},
		{"DisableACM", func(c *client.Client) error { return c.SetACM(ctx, "my-app", false) },
			sent{"DELETE", "/apps/my-app/acm", "", ""}},
		{"AddLogDrain", func(c *client.Client) error {
			_, err := c.AddLogDrain(ctx, "my-app", "syslog+tls://l:6514")
			return err
		},
			sent{"POST", "/apps/my-app/log-drains", "", `{"url":"syslog+tls://l:6514"}`}},
		{"LogSession", func(c *client.Client) error {
			_, err := c.CreateLogSession(ctx, "my-app", wire.LogSessionCreate{Lines: new(100), Tail: true})
			return err
		}, sent{"POST", "/apps/my-app/log-sessions", "", `{"lines":100,"tail":true}`}},
		{"RunAttached", func(c *client.Client) error {
			_, err := c.CreateDyno(ctx, "my-app", wire.DynoCreate{Attach: true, Command: "bash", ForceNoTTY: new(true),
				Env: wire.EnvStrings(map[string]string{"TERM": "xterm"})})
			return err
		}, sent{"POST", "/apps/my-app/dynos", "", `{"attach":true,"command":"bash","env":{"TERM":"xterm"},"force_no_tty":true}`}},
		{"RunDetached", func(c *client.Client) error {
			_, err := c.CreateDyno(ctx, "my-app", wire.DynoCreate{Command: "./worker --once", Size: "eco"})
			return err
		}, sent{"POST", "/apps/my-app/dynos", "", `{"attach":false,"command":"./worker --once","size":"eco"}`}},
		{"SetBuildpacks", func(c *client.Client) error { _, err := c.SetBuildpacks(ctx, "my-app", nil); return err },
			sent{"PUT", "/apps/my-app/buildpack-installations", "", `{"updates":[]}`}},
		{"Metrics", func(c *client.Client) error { _, err := c.Metrics(ctx, "my-app", t0, t0.Add(time.Minute)); return err },
			sent{"GET", "/apps/my-app/metrics?since=2026-03-01T12%3A00%3A00Z&until=2026-03-01T12%3A01%3A00Z", "", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply := `{}`
			if listReplies[tt.name] {
				reply = `[]`
			}
			c, got := recordRequests(t, reply)
			if err := tt.call(c); err != nil {
				t.Fatal(err)
			}
			if len(*got) != 1 || (*got)[0] != tt.want {
				t.Errorf("sent %+v, want %+v", *got, tt.want)
			}
		})
	}
}
