package dashboard_test

import (
	"bufio"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLive checks the event stream of an app's pages: a new release arrives on it, another
// user cannot open it, and Close ends it.
func TestLive(t *testing.T) {
	e := newEnv(t)
	e.mustUser(t, "owner@example.com", "owner password")
	e.mustUser(t, "mallory@example.com", "mallory password")
	b := e.browser(t)
	b.login("owner@example.com", "owner password")
	b.post("/dashboard/apps", url.Values{"name": {"live-app"}})

	m := e.browser(t)
	m.login("mallory@example.com", "mallory password")
	if p := m.get("/dashboard/apps/live-app/live"); p.status != http.StatusNotFound || !strings.HasPrefix(p.ctype, "text/html") {
		t.Fatalf("another user's stream: %d %s", p.status, p.ctype)
	}

	req, _ := http.NewRequestWithContext(t.Context(), "GET", e.srv.URL+"/dashboard/apps/live-app/live", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := b.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, ct)
	}
	lines := bufio.NewReader(resp.Body)
	if l, _ := lines.ReadString('\n'); l != "retry: 3000\n" {
		t.Fatalf("first line %q", l)
	}
	lines.ReadString('\n')
	events := make(chan string, 16)
	go func() {
		defer close(events)
		var block strings.Builder
		for {
			l, err := lines.ReadString('\n')
			if err != nil {
				return
			}
			block.WriteString(l)
			if l == "\n" {
				events <- block.String()
				block.Reset()
			}
		}
	}()
	// The stream subscribes to the API's /ws just after it answers: change the config until
	// a release arrives on it.
	b.get("/apps/live-app/settings?reveal=config")
	var got string
	for i := 0; got == "" && i < 50; i++ {
		b.post("/dashboard/apps/live-app/config-vars", url.Values{"key": {"GREETING"}, "value": {strconv.Itoa(i)}})
		select {
		case ev := <-events:
			got = ev
		case <-time.After(200 * time.Millisecond):
		}
	}
	if !strings.HasPrefix(got, "event: release.created\ndata: {") || !strings.Contains(got, `"app":"live-app"`) || !strings.Contains(got, "Set GREETING config vars") {
		t.Fatalf("event after a config change: %q", got)
	}

	e.dash.Close()
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Fatalf("stream after Close: %v", err)
	}
}
