package e2e_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/client"
)

// eventLog collects the events of one /ws subscription.
type eventLog struct {
	mu   sync.Mutex
	evs  []client.Event
	err  error
	done bool
}

func (l *eventLog) snapshot() []client.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.evs)
}

// index returns the position of the first event from `from` on that matches, or -1.
func (l *eventLog) index(from int, match func(client.Event) bool) int {
	evs := l.snapshot()
	for i := max(from, 0); i < len(evs); i++ {
		if match(evs[i]) {
			return i
		}
	}
	return -1
}

// subscribe follows app's events with key through the client library, as `bera events` does.
func subscribe(t *testing.T, env *beratest.Env, key, app string) *eventLog {
	t.Helper()
	c, err := client.New(client.Config{URL: env.APIURL, APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	l := &eventLog{}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := c.Events(ctx, []string{app}, func(raw []byte) error {
			var e client.Event
			if err := json.Unmarshal(raw, &e); err != nil {
				return err
			}
			l.mu.Lock()
			l.evs = append(l.evs, e)
			l.mu.Unlock()
			return nil
		})
		l.mu.Lock()
		l.err, l.done = err, true
		l.mu.Unlock()
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
	return l
}

func ofType(typ string, data map[string]any) func(client.Event) bool {
	return func(e client.Event) bool {
		if e.Type != typ {
			return false
		}
		for k, v := range data {
			if s, ok := v.(string); ok && strings.HasPrefix(s, "~") {
				if !strings.Contains(toString(e.Data[k]), s[1:]) {
					return false
				}
			} else if toString(e.Data[k]) != toString(v) {
				return false
			}
		}
		return true
	}
}

func toString(v any) string {
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}

// TestWS_Events subscribes to an app's events over /ws, then deploys, scales and sets config:
// the build output, releases, formation and dyno states arrive in the order they happened;
// another user cannot subscribe, and another app's events never arrive. A subscriber that
// never reads is dropped while the publisher and a reading subscriber keep going.
func TestWS_Events(t *testing.T) {
	t.Parallel()
	env := beratest.New(t)
	env.Bera(t, "", nil, "apps:create", "live")
	env.Bera(t, "", nil, "apps:create", "elsewhere")
	bob := env.CreateUser(t, "bob@example.com", "")

	if got := subscribe(t, env, bob, "live"); true {
		beratest.Eventually(t, time.Minute, "a stranger's subscription to be refused", func() bool {
			got.mu.Lock()
			defer got.mu.Unlock()
			return got.done
		})
		if got.err == nil || !strings.Contains(got.err.Error(), "find that app") || len(got.evs) != 0 {
			t.Fatalf("stranger subscribed to live: err %v, %d events", got.err, len(got.evs))
		}
	}

	evs := subscribe(t, env, env.AdminKey, "live")
	cli := startEvents(t, env, "live")
	// The subscriptions are in place once a release made after dialing arrives.
	beratest.Eventually(t, time.Minute, "the subscription to deliver", func() bool {
		env.Bera(t, "", nil, "config:set", "READY=1", "-a", "live")
		return evs.index(0, ofType("release.created", map[string]any{"description": "~READY"})) >= 0 &&
			cli.has("created: Set READY config vars")
	})

	dir := env.SampleApp(t, "procfile-hello", "live")
	os.WriteFile(filepath.Join(dir, "Procfile"), []byte("web: python3 server.py\nchatty: python3 -u chatty.py\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "chatty.py"), []byte(chattyPy), 0o644)
	env.Commit(t, dir, "chatty")
	if out, err := env.Push(t, dir, "main"); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	env.Bera(t, "", nil, "config:set", "OTHER=1", "-a", "elsewhere")
	env.MustBera(t, "ps:scale", "web=2", "-a", "live")
	env.Bera(t, "", nil, "config:set", "FOO=bar", "-a", "live")

	var build, deployRel, scaled, fooRel int
	beratest.Eventually(t, time.Minute, "build output, the deploy's release, the scale and the config release in order", func() bool {
		build = evs.index(0, ofType("build.output", nil))
		deployRel = evs.index(build, ofType("release.created", map[string]any{"description": "~Deploy"}))
		scaled = evs.index(deployRel, ofType("formation.changed", map[string]any{"type": "web", "quantity": 2}))
		fooRel = evs.index(scaled, ofType("release.created", map[string]any{"description": "~FOO"}))
		return build >= 0 && deployRel > build && scaled > deployRel && fooRel > scaled
	})
	beratest.Eventually(t, time.Minute, "web.2 to come up", func() bool {
		return evs.index(0, ofType("dyno.state", map[string]any{"dyno": "web.2", "to": "up"})) >= 0
	})
	beratest.Eventually(t, time.Minute, "`bera events` to print the scale and the config release", func() bool {
		out := cli.text()
		return strings.Contains(out, " live formation web: 2 × ") && strings.Contains(out, "created: Set FOO config vars")
	})
	for _, e := range evs.snapshot() {
		if e.App != "live" {
			t.Fatalf("an event of another app arrived: %+v", e)
		}
	}

	// A subscriber that never reads, then 20,000 log lines of 1 KB (20 MB: more than its
	// event buffer and socket buffers hold).
	slow := dialNeverRead(t, env, "live")
	env.MustBera(t, "ps:scale", "chatty=1", "-a", "live")
	beratest.Eventually(t, time.Minute, "the reading subscriber to get every chatty line", func() bool {
		return evs.index(0, ofType("log", map[string]any{"line": "chatty done 20000"})) >= 0
	})
	n := 0
	for _, e := range evs.snapshot() {
		if e.Type == "log" && e.Data["dyno"] == "chatty.1" && strings.HasPrefix(toString(e.Data["line"]), "chatty ") {
			n++
		}
	}
	if n != 20001 {
		t.Errorf("the reading subscriber got %d chatty lines, want 20001", n)
	}
	if !strings.Contains(env.Stderr.String(), "events subscriber dropped: too slow") {
		t.Error("the server did not log dropping the slow subscriber")
	}
	slowGot := readUntilClosed(t, slow)
	if strings.Contains(slowGot, "chatty done") {
		t.Error("the never-reading subscriber was not dropped: it got the last line")
	}
}

// chattyPy prints 20,000 lines of about 1 KB, 4,000 a second, then "chatty done 20000".
const chattyPy = `import sys, time
pad = "x" * 1000
for i in range(20000):
    sys.stdout.write("chatty %d %s\n" % (i, pad))
    if i % 1000 == 999:
        sys.stdout.flush()
        time.sleep(0.05)
print("chatty done 20000", flush=True)
time.sleep(100000)
`

// dialNeverRead opens /ws for app with the key as a subprotocol, as a browser does, and
// does not read from it.
func dialNeverRead(t *testing.T, env *beratest.Env, app string) *websocket.Conn {
	t.Helper()
	url := strings.Replace(env.APIURL, "http", "ws", 1) + "/ws?app=" + app
	c, _, err := websocket.Dial(t.Context(), url, &websocket.DialOptions{
		Subprotocols: []string{"bera.events", "bera.key." + env.AdminKey}, HTTPClient: http.DefaultClient})
	if err != nil {
		t.Fatalf("dial /ws with the key subprotocol: %v", err)
	}
	if c.Subprotocol() != "bera.events" {
		t.Fatalf("subprotocol %q", c.Subprotocol())
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// readUntilClosed reads what the server sent before it closed the connection.
func readUntilClosed(t *testing.T, c *websocket.Conn) string {
	var b strings.Builder
	c.SetReadLimit(1 << 20)
	for {
		_, msg, err := c.Read(t.Context())
		if err != nil {
			return b.String()
		}
		b.Write(msg)
	}
}

// startEvents runs `bera events -a app` until the test ends.
func startEvents(t *testing.T, env *beratest.Env, app string) *follower {
	t.Helper()
	cmd := exec.Command(env.Bin, "events", "-a", app)
	cmd.Env = env.BeraEnv()
	return startFollower(t, cmd)
}
