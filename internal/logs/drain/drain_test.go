package drain_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/logs"
	"github.com/kingvon-ke/bera/internal/logs/drain"
)

// waitFor polls cond until it holds; the test's own timeout bounds it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-t.Context().Done():
			t.Fatalf("gave up waiting for %s", what)
		case <-tick.C:
		}
	}
}

// MustRun starts d.Run until the test ends.
func MustRun(t *testing.T, d *drain.Drain) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = d.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// MustDrain returns a started drain registered on buf for app "app1", allowed to deliver
// to loopback (where the tests' servers are).
func MustDrain(t *testing.T, buf *logs.Buffer, cfg drain.Config) *drain.Drain {
	t.Helper()
	cfg.AllowPrivate = true
	return mustDrainAs(t, buf, cfg)
}

// mustDrainAs is MustDrain with cfg's AllowPrivate.
func mustDrainAs(t *testing.T, buf *logs.Buffer, cfg drain.Config) *drain.Drain {
	t.Helper()
	cfg.AppID, cfg.Log = "app1", buf
	if cfg.Host == "" {
		cfg.Host = "d.0f1e2d3c"
	}
	cfg.MinBackoff, cfg.MaxBackoff = time.Millisecond, 20*time.Millisecond
	d, err := drain.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	buf.AddSink("app1", d)
	t.Cleanup(func() { buf.RemoveSink("app1", d) })
	MustRun(t, d)
	return d
}

// seqOf returns N of a "seq N…" message, or -1.
func seqOf(msg string) int {
	var n int
	if _, err := fmt.Sscanf(msg, "seq %d", &n); err != nil {
		return -1
	}
	return n
}

// recorder is a sink that keeps the lines from one dyno.
type recorder struct {
	dyno  string
	mu    sync.Mutex
	lines []logs.Line
}

func (r *recorder) Send(l logs.Line) {
	if l.Dyno == r.dyno {
		r.mu.Lock()
		r.lines = append(r.lines, l)
		r.mu.Unlock()
	}
}

func TestNew_BadURL(t *testing.T) {
	for _, u := range []string{"ftp://x:1", "syslog://nohost", "syslog://:514", "https://", "::"} {
		if _, err := drain.New(drain.Config{URL: u}); err == nil {
			t.Errorf("New(%q) succeeded", u)
		}
	}
}

func TestDrain_HTTPS(t *testing.T) {
	var (
		mu       sync.Mutex
		got      []drain.Frame
		requests int
		frameIDs = map[string]int{}
	)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		requests++
		user, pass, _ := r.BasicAuth()
		h := r.Header
		if h.Get("Content-Type") != "application/logplex-1" || h.Get("Logplex-Drain-Token") != "d.0f1e2d3c" ||
			h.Get("Logplex-Frame-Id") == "" || user != "u" || pass != "secret" || r.Method != "POST" {
			t.Errorf("request %s %v user=%q", r.Method, h, user)
		}
		frameIDs[h.Get("Logplex-Frame-Id")]++
		if requests == 1 { // the first delivery fails and must be retried with the same id
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var frames []drain.Frame
		rd := drain.NewReader(r.Body)
		for f, err := rd.Next(); err == nil; f, err = rd.Next() {
			frames = append(frames, f)
		}
		if n, _ := strconv.Atoi(h.Get("Logplex-Msg-Count")); n != len(frames) || n > 100 {
			t.Errorf("Logplex-Msg-Count=%d, frames=%d", n, len(frames))
		}
		got = append(got, frames...)
	}))
	t.Cleanup(srv.Close)

	buf := logs.New(logs.Config{})
	u := strings.Replace(srv.URL, "https://", "https://u:secret@", 1) + "/drain"
	d := MustDrain(t, buf, drain.Config{URL: u, HTTPClient: srv.Client(), BatchSize: 100, BufferSize: 5000})
	const n = 1234
	for i := range n {
		buf.Write("app1", "app", "web.1", "seq "+strconv.Itoa(i))
	}
	waitFor(t, "all lines delivered", func() bool { return d.Stats().Delivered == n })

	mu.Lock()
	defer mu.Unlock()
	if len(got) != n {
		t.Fatalf("received %d frames, want %d", len(got), n)
	}
	for i, f := range got {
		if seqOf(f.Message) != i || f.Host != "d.0f1e2d3c" || f.App != "app" || f.ProcID != "web.1" || f.Priority != 190 {
			t.Fatalf("frame %d = %+v", i, f)
		}
	}
	retried := 0
	for _, c := range frameIDs {
		retried += c - 1
	}
	if retried != 1 {
		t.Errorf("frame ids sent twice: %d, want 1 (the retried batch)", retried)
	}
}

// TestDrain_SlowDestination writes far more than a destination that does not read can take:
// the writer never waits, the drain drops and counts lines, and L10 lines report every drop.
func TestDrain_SlowDestination(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()

	buf := logs.New(logs.Config{})
	rec := &recorder{dyno: "logplex"}
	buf.AddSink("app1", rec)
	d := MustDrain(t, buf, drain.Config{URL: "syslog://" + ln.Addr().String(), BufferSize: 200, BatchSize: 50})
	const n = 20000
	pad := strings.Repeat("x", 1000)
	for i := range n {
		buf.Write("app1", "app", "web.1", "seq "+strconv.Itoa(i)+" "+pad)
	}
	// Only now does the destination start reading, so every Write above ran while it was stalled.
	conn := <-accepted
	t.Cleanup(func() { conn.Close() })
	var (
		mu     sync.Mutex
		frames []drain.Frame
	)
	go func() {
		rd := drain.NewReader(conn)
		for f, err := rd.Next(); err == nil; f, err = rd.Next() {
			mu.Lock()
			frames = append(frames, f)
			mu.Unlock()
		}
	}()
	var st drain.Stats
	waitFor(t, "every line delivered or dropped", func() bool {
		st = d.Stats()
		mu.Lock()
		defer mu.Unlock()
		return st.Pending == 0 && st.Unreported == 0 && st.Received == st.Delivered+st.Dropped && uint64(len(frames)) == st.Delivered
	})

	// Every drop was reported by an L10 line in the app's stream.
	rec.mu.Lock()
	l10s := rec.lines
	rec.mu.Unlock()
	var reported uint64
	for _, l := range l10s {
		var k uint64
		if _, err := fmt.Sscanf(l.Message, "Error L10 (output buffer overflow): %d messages dropped since", &k); err != nil {
			t.Fatalf("L10 line %q: %v", l.Message, err)
		}
		reported += k
	}
	if st.Dropped == 0 || reported != st.Dropped || st.Received != n+uint64(len(l10s)) {
		t.Errorf("dropped=%d reported=%d received=%d L10 lines=%d", st.Dropped, reported, st.Received, len(l10s))
	}
	// What arrived is in order, and data lines plus dropped lines account for all n.
	last, data := -1, 0
	for _, f := range frames {
		if s := seqOf(f.Message); s >= 0 {
			if s <= last {
				t.Fatalf("seq %d after %d", s, last)
			}
			last, data = s, data+1
		}
	}
	if last != n-1 || data == n {
		t.Errorf("last seq=%d data lines=%d of %d", last, data, n)
	}
	t.Logf("written %d, delivered %d data lines, dropped %d, %d L10 lines", n, data, st.Dropped, len(l10s))
}
