package logs_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/logs"
)

type sessionEnv struct {
	buf      *logs.Buffer
	clk      *clock
	sessions *logs.Sessions
	srv      *httptest.Server
}

func newSessionEnv(t *testing.T, keepAlive time.Duration) *sessionEnv {
	t.Helper()
	env := &sessionEnv{clk: newClock()}
	env.buf = logs.New(logs.Config{Now: env.clk.Now})
	mux := http.NewServeMux()
	env.srv = httptest.NewServer(mux)
	t.Cleanup(env.srv.Close)
	env.sessions = logs.NewSessions(logs.SessionsConfig{
		Key: []byte("0123456789abcdef0123456789abcdef"), BaseURL: env.srv.URL + "/log-sessions",
		TTL: time.Minute, KeepAlive: keepAlive, Stream: env.buf, Now: env.clk.Now,
	})
	mux.Handle("GET /log-sessions/{app}", env.sessions)
	return env
}

// get opens u with a real client; sse asks for text/event-stream.
func get(t *testing.T, u string, sse bool, lastID string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sse {
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("User-Agent", "heroku-run")
		req.Header.Set("Cache-Control", "no-cache")
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// event is one SSE event (or comment, with Comment set).
type event struct {
	ID      string
	Data    []string
	Comment bool
}

// readEvent reads the next SSE event, or returns io.EOF.
func readEvent(r *bufio.Reader) (event, error) {
	var ev event
	for {
		s, err := r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		s = strings.TrimSuffix(s, "\n")
		switch {
		case s == "":
			return ev, nil
		case strings.HasPrefix(s, ":"):
			ev.Comment = true
		case strings.HasPrefix(s, "id: "):
			ev.ID = s[4:]
		case strings.HasPrefix(s, "data: "):
			ev.Data = append(ev.Data, s[6:])
		}
	}
}

// readEvents reads n data events, skipping comments.
func readEvents(t *testing.T, r *bufio.Reader, n int) []event {
	t.Helper()
	var out []event
	for len(out) < n {
		ev, err := readEvent(r)
		if err != nil {
			t.Fatalf("after %d events: %v", len(out), err)
		}
		if !ev.Comment {
			out = append(out, ev)
		}
	}
	return out
}

func TestSessions_SSE(t *testing.T) {
	t.Run("Backlog", func(t *testing.T) {
		env := newSessionEnv(t, 0)
		writeN(env.buf, "app1", "app", "web.1", 0, 200)
		resp := get(t, env.sessions.NewURL("app1", logs.SessionOptions{Lines: 150}), true, "")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("status=%d type=%q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		r := bufio.NewReader(resp.Body)
		evs := readEvents(t, r, 150)
		if want := "2026-01-01T00:00:00.000000+00:00 app[web.1]: line 50"; evs[0].Data[0] != want {
			t.Errorf("first=%q, want %q", evs[0].Data[0], want)
		}
		if !strings.HasSuffix(evs[149].Data[0], "line 199") {
			t.Errorf("last=%q", evs[149].Data[0])
		}
		if _, err := readEvent(r); err != io.EOF {
			t.Errorf("after backlog: %v, want EOF (stream closed without tail)", err)
		}
	})
	t.Run("TailResumeKeepAlive", func(t *testing.T) {
		env := newSessionEnv(t, 5*time.Millisecond)
		writeN(env.buf, "app1", "app", "web.1", 0, 5)
		u := env.sessions.NewURL("app1", logs.SessionOptions{Lines: 3, Tail: true, Dyno: "web"})
		r := bufio.NewReader(get(t, u, true, "").Body)
		evs := readEvents(t, r, 3)
		writeN(env.buf, "app1", "app", "worker.1", 100, 101) // filtered out
		writeN(env.buf, "app1", "app", "web.2", 5, 8)
		evs = append(evs, readEvents(t, r, 3)...)
		for i, ev := range evs {
			if !strings.HasSuffix(ev.Data[0], "line "+strconv.Itoa(i+2)) {
				t.Errorf("event %d = %q", i, ev.Data[0])
			}
		}
		for {
			if ev, err := readEvent(r); err != nil || ev.Comment {
				break // a keep-alive comment arrived
			}
		}
		// The CLI reconnects with Last-Event-ID and must not see lines twice.
		writeN(env.buf, "app1", "app", "web.1", 8, 10)
		r2 := bufio.NewReader(get(t, u, true, evs[4].ID).Body)
		for i, ev := range readEvents(t, r2, 3) {
			if !strings.HasSuffix(ev.Data[0], "line "+strconv.Itoa(i+7)) {
				t.Errorf("resumed event %d = %q", i, ev.Data[0])
			}
		}
	})
	t.Run("TailOverflowL11", func(t *testing.T) {
		env := newSessionEnv(t, 0)
		writeN(env.buf, "app1", "app", "web.1", 0, 10)
		u := env.sessions.NewURL("app1", logs.SessionOptions{Lines: 1, Tail: true})
		first := readEvents(t, bufio.NewReader(get(t, u, true, "").Body), 1)
		writeN(env.buf, "app1", "app", "web.1", 10, 10+logs.DefaultLines+7)
		id, _ := strconv.ParseUint(first[0].ID, 10, 64)
		r := bufio.NewReader(get(t, u, true, strconv.FormatUint(id, 10)).Body)
		evs := readEvents(t, r, 2)
		if evs[0].ID != "" || !strings.Contains(evs[0].Data[0], "heroku[logplex]: Error L11 (Tail buffer overflow) -> This tail session dropped 7 messages.") {
			t.Errorf("first event=%+v, want an L11 without id", evs[0])
		}
		if !strings.HasSuffix(evs[1].Data[0], "line 17") {
			t.Errorf("second=%q", evs[1].Data[0])
		}
	})
}

func TestSessions_CarriageReturn(t *testing.T) {
	env := newSessionEnv(t, 0)
	env.buf.Write("app1", "app", "web.1", "progress 10%\rprogress 20%")
	r := bufio.NewReader(get(t, env.sessions.NewURL("app1", logs.SessionOptions{}), true, "").Body)
	ev := readEvents(t, r, 1)[0]
	if len(ev.Data) != 2 || !strings.HasSuffix(ev.Data[0], "app[web.1]: progress 10%") || ev.Data[1] != "progress 20%" {
		t.Errorf("event data=%q", ev.Data)
	}
}

func FuzzSessions_Verify(f *testing.F) {
	s := logs.NewSessions(logs.SessionsConfig{Key: []byte("0123456789abcdef0123456789abcdef"), BaseURL: "http://x/log-sessions"})
	good, _ := url.Parse(s.NewURL("app1", logs.SessionOptions{Tail: true, Dyno: "web"}))
	f.Add("app1", good.RawQuery)
	f.Add("app1", "lines=100&exp=1&sig=x")
	f.Fuzz(func(t *testing.T, app, rawQuery string) {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		opts, err := s.Verify(app, q)
		if err != nil {
			return
		}
		// Anything that verifies must be exactly what NewURL signs for these options.
		if app != "app1" || opts != (logs.SessionOptions{Lines: 100, Tail: true, Dyno: "web"}) {
			t.Fatalf("forged session verified: app=%q opts=%+v", app, opts)
		}
	})
}

func TestSessions_Plain(t *testing.T) {
	env := newSessionEnv(t, 0)
	writeN(env.buf, "app1", "app", "web.1", 0, 5)
	env.buf.Write("app1", "heroku", "router", "at=info method=GET")
	resp := get(t, env.sessions.NewURL("app1", logs.SessionOptions{Source: "app"}), false, "")
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type=%q", ct)
	}
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if len(lines) != 5 || lines[4] != "2026-01-01T00:00:00.000000+00:00 app[web.1]: line 4" {
		t.Errorf("body=%q", body)
	}
}

func TestSessions_Forbidden(t *testing.T) {
	env := newSessionEnv(t, 0)
	good := env.sessions.NewURL("app1", logs.SessionOptions{Lines: 10, Dyno: "web.1", Holder: "u1/k1"})
	tamper := func(key, value string) string {
		u, _ := url.Parse(good)
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String()
	}
	tests := []struct {
		name string
		url  string
		skew time.Duration
	}{
		{"ForgedSig", tamper("sig", "AAAA"), 0},
		{"OtherDyno", tamper("dyno", "worker.1"), 0},
		{"OtherHolder", tamper("holder", "u2/k2"), 0},
		{"MoreLines", tamper("lines", "1500"), 0},
		{"LaterExpiry", tamper("exp", "99999999999"), 0},
		{"OtherApp", strings.Replace(good, "/app1?", "/app2?", 1), 0},
		{"NoQuery", env.srv.URL + "/log-sessions/app1", 0},
		{"Expired", good, 2 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.clk.Add(tt.skew)
			defer env.clk.Add(-tt.skew)
			if got := get(t, tt.url, true, "").StatusCode; got != http.StatusForbidden {
				t.Errorf("status=%d, want 403", got)
			}
		})
	}
	if got := get(t, good, true, "").StatusCode; got != http.StatusOK {
		t.Errorf("good URL status=%d, want 200", got)
	}
}

// TestSessions_AccessEnds tails a session whose holder then loses access to the app (a
// revoked key, a removed collaborator): the stream ends at the next check, and the same URL
// no longer opens.
func TestSessions_AccessEnds(t *testing.T) {
	buf := logs.New(logs.Config{})
	var allowed atomic.Bool
	allowed.Store(true)
	var asked atomic.Value
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	sessions := logs.NewSessions(logs.SessionsConfig{
		Key: []byte("0123456789abcdef0123456789abcdef"), BaseURL: srv.URL + "/log-sessions", Stream: buf,
		RecheckInterval: 50 * time.Millisecond,
		Allowed: func(_ context.Context, holder, appID string) bool {
			asked.Store(holder + " " + appID)
			return allowed.Load()
		},
	})
	mux.Handle("GET /log-sessions/{app}", sessions)
	u := sessions.NewURL("app1", logs.SessionOptions{Tail: true, Holder: "u1/k1"})

	resp := get(t, u, false, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status=%d, want 200", resp.StatusCode)
	}
	r := bufio.NewReader(resp.Body)
	buf.Write("app1", "app", "web.1", "before")
	if line, err := r.ReadString('\n'); err != nil || !strings.HasSuffix(line, "app[web.1]: before\n") {
		t.Fatalf("first line %q, %v", line, err)
	}
	if got := asked.Load(); got != "u1/k1 app1" {
		t.Errorf("Allowed asked about %q, want the session's holder and app", got)
	}
	allowed.Store(false)
	ended := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(r) // returns once the server ends the stream
		ended <- err
	}()
	select {
	case err := <-ended:
		if err != nil {
			t.Errorf("stream ended with %v, want a clean end", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the tail went on after access ended")
	}
	if got := get(t, u, false, "").StatusCode; got != http.StatusForbidden {
		t.Errorf("reopened after access ended: status=%d, want 403", got)
	}
}
