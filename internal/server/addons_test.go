package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kingvon-ke/bera/internal/account"
	"github.com/kingvon-ke/bera/internal/addons/addonstest"
	"github.com/kingvon-ke/bera/internal/api"
	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// wsEvent is an event as /ws sends it.
type wsEvent struct {
	Type string         `json:"type"`
	App  string         `json:"app"`
	Data map[string]any `json:"data"`
}

// events is a /ws subscription read by the test.
type events struct {
	t *testing.T
	c *websocket.Conn
}

// dialEvents subscribes to the app's events with key; the status of a refused dial is
// returned with a nil subscription.
func (r *running) dialEvents(key, app string) (*events, int) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.t.Context(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws://"+r.srv.Addr().String()+"/ws?app="+app, &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer " + key}}, Subprotocols: []string{api.EventsSubprotocol}})
	if err != nil {
		if resp == nil {
			r.t.Fatalf("dial /ws: %v", err)
		}
		return nil, resp.StatusCode
	}
	r.t.Cleanup(func() { c.CloseNow() })
	return &events{t: r.t, c: c}, http.StatusSwitchingProtocols
}

// until reads events until one satisfies ok and returns the events read, that one last.
func (e *events) until(what string, ok func(wsEvent) bool) []wsEvent {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), time.Minute)
	defer cancel()
	var seen []wsEvent
	for {
		_, b, err := e.c.Read(ctx)
		if err != nil {
			e.t.Fatalf("waiting for %s: %v; read %+v", what, err, seen)
		}
		var ev wsEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			e.t.Fatalf("event %s: %v", b, err)
		}
		seen = append(seen, ev)
		if ok(ev) {
			return seen
		}
	}
}

// addonState matches the add-on event of app in state.
func addonState(app, state string) func(wsEvent) bool {
	return func(e wsEvent) bool { return e.Type == "addon.changed" && e.App == app && e.Data["state"] == state }
}

// createUser adds an account on the running server's store and returns its API key.
func createUser(t *testing.T, data, email string) string {
	t.Helper()
	st, err := store.Open(t.Context(), store.Config{SQLitePath: filepath.Join(data, "bera.db"), Cipher: storetest.NewCipher(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, key, err := account.Create(t.Context(), st, account.Options{Email: email})
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// TestServer_AddonEvents creates, attaches, detaches and destroys a heroku-redis add-on on
// a whole server: each change arrives on /ws for the app's members, and in the app's log
// as app[api] lines. A user who is no collaborator of the app cannot follow it, and a
// collaborator of another app only gets that app's events.
func TestServer_AddonEvents(t *testing.T) {
	beratest.Require(t, "redis-server", "apt-get install -y redis-server")
	cfg := testConfig(t, io.Discard)
	// The instances run as uids of their own, which must reach DATA/addons.
	cfg.Data = filepath.Dir(addonstest.Root(t))
	r := start(t, cfg)
	key := adminKey(t, cfg.Data)
	for _, app := range []string{"cache-app", "other-app"} {
		if code, body := r.api(key, "POST", "/apps", `{"name":"`+app+`"}`); code != http.StatusCreated {
			t.Fatalf("create %s: %d %s", app, code, body)
		}
	}
	bob := createUser(t, cfg.Data, "bob@example.com")
	if code, body := r.api(key, "POST", "/apps/other-app/collaborators", `{"user":"bob@example.com"}`); code != http.StatusCreated {
		t.Fatalf("add bob to other-app: %d %s", code, body)
	}
	if _, code := r.dialEvents(bob, "cache-app"); code != http.StatusNotFound {
		t.Fatalf("bob, no collaborator of cache-app, subscribed to it: status %d, want 404", code)
	}
	owner, _ := r.dialEvents(key, "cache-app")
	bobs, _ := r.dialEvents(bob, "other-app")

	code, body := r.api(key, "POST", "/apps/cache-app/addons", `{"plan":{"name":"heroku-redis"},"attachment":{}}`)
	var created struct{ ID, Name string }
	if err := json.Unmarshal([]byte(body), &created); code != http.StatusCreated || err != nil {
		t.Fatalf("addons:create: %d %s", code, body)
	}
	t.Cleanup(func() { // an instance outlives its server: destroy it even after a failure
		req, _ := http.NewRequest("DELETE", "http://"+r.srv.Addr().String()+"/addons/"+created.ID, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Accept", "application/vnd.heroku+json; version=3")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	})
	seen := owner.until("provisioned", addonState("cache-app", "provisioned"))
	var first wsEvent
	for _, e := range seen {
		if e.Type == "addon.changed" {
			first = e
			break
		}
	}
	if !addonState("cache-app", "provisioning")(first) || first.Data["addon"] != created.Name || first.Data["addon_id"] != created.ID ||
		first.Data["attachment"] != "REDIS" || first.Data["service"] != "heroku-redis" || first.Data["plan"] != "heroku-redis:premium-0" {
		t.Fatalf("first event %+v, want the add-on provisioning", first)
	}
	for _, e := range seen {
		if b, _ := json.Marshal(e); strings.Contains(string(b), "redis://") {
			t.Fatalf("an event carries the add-on's URL: %s", b)
		}
	}

	code, body = r.api(key, "POST", "/addon-attachments", `{"addon":{"name":"`+created.Name+`"},"app":{"name":"other-app"},"name":"cache"}`)
	var att struct{ ID string }
	if err := json.Unmarshal([]byte(body), &att); code != http.StatusCreated || err != nil {
		t.Fatalf("addons:attach: %d %s", code, body)
	}
	owner.until("attached", func(e wsEvent) bool { return addonState("cache-app", "attached")(e) && e.Data["attachment"] == "CACHE" })
	// bob follows other-app: he sees the attachment there, and nothing of cache-app before it.
	for _, e := range bobs.until("the attachment to other-app", addonState("other-app", "attached")) {
		if e.App != "other-app" {
			t.Fatalf("bob got an event of %s: %+v", e.App, e)
		}
	}
	if code, body := r.api(key, "DELETE", "/addon-attachments/"+att.ID, ""); code != http.StatusOK {
		t.Fatalf("addons:detach: %d %s", code, body)
	}
	bobs.until("the detachment", addonState("other-app", "detached"))
	if code, body := r.api(key, "DELETE", "/addons/"+created.ID, ""); code != http.StatusOK {
		t.Fatalf("addons:destroy: %d %s", code, body)
	}
	owner.until("destroyed", addonState("cache-app", "destroyed"))
	// A release of other-app after the destroy: had bob been sent cache-app's destroy, it
	// would arrive before this.
	if code, body := r.api(key, "PATCH", "/apps/other-app/config-vars", `{"MARK":"1"}`); code != http.StatusOK {
		t.Fatalf("config:set: %d %s", code, body)
	}
	for _, e := range bobs.until("the release after the destroy", func(e wsEvent) bool { return e.Type == "release.created" }) {
		if e.App != "other-app" || e.Data["state"] == "destroyed" {
			t.Fatalf("bob got %+v", e)
		}
	}

	// The app's log tells the story as app[api] lines.
	code, body = r.api(key, "POST", "/apps/cache-app/log-sessions", `{"lines":100}`)
	var session struct {
		URL string `json:"logplex_url"`
	}
	if err := json.Unmarshal([]byte(body), &session); code != http.StatusCreated || err != nil {
		t.Fatalf("log session: %d %s", code, body)
	}
	resp, err := http.Get(session.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	logText, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	ref := "@ref:" + created.Name
	for _, want := range []string{
		"app[api]: Provisioning " + ref + " (heroku-redis:premium-0) by user admin@localhost",
		"app[api]: Attach REDIS (" + ref + ") by user admin@localhost",
		"app[api]: " + ref + " completed provisioning by user admin@localhost",
		"app[api]: Destroy " + ref + " by user admin@localhost",
	} {
		if strings.Count(string(logText), want) != 1 {
			t.Errorf("the log does not say %q once:\n%s", want, logText)
		}
	}
}
