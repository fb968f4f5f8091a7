package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kingvon-ke/bera/internal/api"
	"github.com/kingvon-ke/bera/internal/events"
)

// wsDial opens /ws?app=app with key over a real HTTP server.
func wsDial(t *testing.T, srv *httptest.Server, app, key string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws?app="+app, &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer " + key}}, Subprotocols: []string{api.EventsSubprotocol}})
	if err != nil {
		t.Fatalf("dial /ws: %v (%v)", err, resp)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// readUntil reads messages until one contains want; it fails on a read error or timeout.
func readUntil(t *testing.T, c *websocket.Conn, want string, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %q: %v", want, err)
		}
		if strings.Contains(string(b), want) {
			return
		}
	}
}

// wantClosed reads until the server closes the socket with status 1008, within timeout.
func wantClosed(t *testing.T, c *websocket.Conn, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err == nil {
			continue // events sent before the re-check noticed
		}
		if got := websocket.CloseStatus(err); got != websocket.StatusPolicyViolation {
			t.Fatalf("socket ended with %v (status %d), want closed with 1008 within %s", err, got, timeout)
		}
		return
	}
}

// A removed collaborator and a revoked API key used to keep receiving the app's events and
// log lines on an open /ws; the socket is now closed within seconds. The owner's socket, whose
// access did not change, keeps streaming.
func TestWS_ClosesWhenAccessEnds(t *testing.T) {
	bus := events.NewInMem()
	h := newHarnessWith(t, func(c *api.Config) { c.Events = bus })
	srv := httptest.NewServer(h.srv)
	t.Cleanup(srv.Close)
	h.mustApp("ws-app")
	id := h.appID("ws-app")
	h.json("POST", "/apps/ws-app/collaborators", `{"user":"other@example.com"}`, http.StatusCreated, nil)
	var auth struct {
		ID          string
		AccessToken struct{ Token string } `json:"access_token"`
	}
	h.json("POST", "/oauth/authorizations", `{"description":"to revoke"}`, http.StatusCreated, &auth)

	collaborator := wsDial(t, srv, "ws-app", h.other)
	revoked := wsDial(t, srv, "ws-app", auth.AccessToken.Token)
	owner := wsDial(t, srv, "ws-app", h.key)

	// Log lines flow the whole time, as from a running dyno.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			bus.Publish(events.Event{AppID: id, Time: time.Now(), Payload: events.Log{Dyno: "web.1", Line: "secret log line", Source: "app"}})
		}
	}()
	t.Cleanup(func() { close(stop); wg.Wait() })
	for _, c := range []*websocket.Conn{collaborator, revoked, owner} {
		readUntil(t, c, "secret log line", 5*time.Second)
	}

	h.json("DELETE", "/apps/ws-app/collaborators/other@example.com", "", http.StatusOK, nil)
	h.json("DELETE", "/oauth/authorizations/"+auth.ID, "", http.StatusOK, nil)
	start := time.Now()
	wantClosed(t, collaborator, 5*time.Second)
	wantClosed(t, revoked, 5*time.Second)
	t.Logf("closed %s after the change", time.Since(start).Round(time.Millisecond))

	readUntil(t, owner, "secret log line", 5*time.Second)
	// A closed socket cannot be reopened with the revoked key or by the former collaborator.
	for _, key := range []string{auth.AccessToken.Token, h.other} {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws?app=ws-app", &websocket.DialOptions{
			HTTPHeader: http.Header{"Authorization": {"Bearer " + key}}, Subprotocols: []string{api.EventsSubprotocol}})
		cancel()
		if err == nil || resp == nil || (resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusNotFound) {
			t.Errorf("re-dial after the access ended: %v (%v), want 401 or 404", err, resp)
		}
	}
}

// readMessage returns the next message on c, failing after 5 s.
func readMessage(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read /ws: %v", err)
	}
	return string(b)
}

// The JSON of each event on /ws is byte for byte what it was when payloads were maps: the
// API's own release event (a config change) and events other parts publish on the bus.
func TestWS_EventBytes(t *testing.T) {
	bus := events.NewInMem()
	now := time.Date(2026, 12, 2, 3, 4, 5, 0, time.UTC)
	h := newHarnessWith(t, func(c *api.Config) {
		c.Events = bus
		c.Now = func() time.Time { return now }
	})
	srv := httptest.NewServer(h.srv)
	t.Cleanup(srv.Close)
	h.mustApp("bytes-app")
	id := h.appID("bytes-app")
	c := wsDial(t, srv, "bytes-app", h.key)

	h.json("PATCH", "/apps/bytes-app/config-vars", `{"FOO":"bar"}`, http.StatusOK, nil)
	var rels []struct{ ID string }
	h.json("GET", "/apps/bytes-app/releases", "", http.StatusOK, &rels)
	head := `{"type":"%s","app":"bytes-app","app_id":"` + id + `","time":"2026-12-02T03:04:05Z","data":`
	want := fmt.Sprintf(head+`{"description":"Set FOO config vars","id":"%s","version":%d}}`, "release.created", rels[len(rels)-1].ID, len(rels))
	if got := readMessage(t, c); got != want {
		t.Errorf("release event\n%s\nwant\n%s", got, want)
	}

	for _, tt := range []struct {
		payload events.Payload
		data    string
	}{
		{events.DynoState{Dyno: "web.1", From: "starting", To: "up"}, `{"dyno":"web.1","from":"starting","to":"up"}`},
		{events.Log{Dyno: "web.1", Line: "<hi>", Source: "app"}, `{"dyno":"web.1","line":"\u003chi\u003e","source":"app"}`},
		{events.BuildOutput{Line: "-----> Building"}, `{"line":"-----\u003e Building"}`},
		{events.FormationChanged{Quantity: 2, Size: "standard-1X", Type: "web"}, `{"quantity":2,"size":"standard-1X","type":"web"}`},
	} {
		bus.Publish(events.Event{AppID: id, Time: now, Payload: tt.payload})
		want := fmt.Sprintf(head, tt.payload.EventType()) + tt.data + "}"
		if got := readMessage(t, c); got != want {
			t.Errorf("%s event\n%s\nwant\n%s", tt.payload.EventType(), got, want)
		}
	}
}
