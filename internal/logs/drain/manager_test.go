package drain_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kingvon-ke/bera/internal/logs"
	"github.com/kingvon-ke/bera/internal/logs/drain"
)

func TestManager(t *testing.T) {
	t.Run("Registry", func(t *testing.T) {
		buf := logs.New(logs.Config{})
		testManager(t, buf, drain.ManagerConfig{Registry: buf, Log: buf})
	})
	t.Run("Follow", func(t *testing.T) {
		buf := logs.New(logs.Config{})
		testManager(t, buf, drain.ManagerConfig{Stream: buf, Log: buf})
	})
}

func testManager(t *testing.T, buf *logs.Buffer, cfg drain.ManagerConfig) {
	var received atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rd := drain.NewReader(r.Body)
		for _, err := rd.Next(); err == nil; _, err = rd.Next() {
			received.Add(1)
		}
	}))
	t.Cleanup(srv.Close)
	m := drain.NewManager(cfg)
	t.Cleanup(func() { m.Close() })

	tok := drain.NewToken()
	if !strings.HasPrefix(tok, "d.") || len(tok) != 38 {
		t.Errorf("token %q", tok)
	}
	if err := m.Add("drain1", drain.Config{URL: srv.URL, AppID: "app1", Host: tok, AllowPrivate: true}); err != nil {
		t.Fatal(err)
	}
	if err := m.Add("bad", drain.Config{URL: "gopher://x", AppID: "app1"}); err == nil {
		t.Error("Add with a bad URL succeeded")
	}
	// A following drain starts at the lines written after it attached: write until 10
	// have been delivered.
	buf.Write("app2", "app", "web.1", "not drained")
	var st drain.Stats
	waitFor(t, "10 lines delivered", func() bool {
		st, _ = m.Stats("drain1")
		if st.Received < 10 {
			buf.Write("app1", "app", "web.1", "hello")
		}
		return st.Delivered >= 10 && st.Delivered == st.Received
	})

	m.Remove("drain1")
	if _, ok := m.Stats("drain1"); ok {
		t.Error("stats of a removed drain")
	}
	buf.Write("app1", "app", "web.1", "after remove")
	if got := received.Load(); uint64(got) != st.Delivered {
		t.Errorf("server received %d lines, drain delivered %d", got, st.Delivered)
	}
}
