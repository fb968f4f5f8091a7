package api_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/api"
	"github.com/kingvon-ke/bera/internal/logs"
)

// sessionURLs issues real log-session URLs for the API, served by srv.
type sessionURLs struct{ s *logs.Sessions }

func (u sessionURLs) URL(_, appID string, o api.LogSessionOptions) string {
	return u.s.NewURL(appID, logs.SessionOptions{Lines: o.Lines, Tail: o.Tail, Source: o.Source, Dyno: o.Dyno, Holder: o.Holder})
}

// A removed collaborator and a revoked API key used to keep tailing the app's log through a
// log session opened before the change (`heroku logs --tail`); the stream now ends within
// seconds, and the owner's goes on.
func TestLogSessions_EndWhenAccessEnds(t *testing.T) {
	buf := logs.New(logs.Config{})
	mux := http.NewServeMux()
	logSrv := httptest.NewServer(mux)
	t.Cleanup(logSrv.Close)
	h := newHarnessWith(t, func(c *api.Config) {
		s := logs.NewSessions(logs.SessionsConfig{Key: []byte("0123456789abcdef0123456789abcdef"), BaseURL: logSrv.URL + "/log-sessions",
			Stream: buf, RecheckInterval: 100 * time.Millisecond, Allowed: api.LogSessionAllowed(c.Store)})
		mux.Handle("GET /log-sessions/{app}", s)
		c.LogSessions = sessionURLs{s}
	})
	h.mustApp("tail-app")
	id := h.appID("tail-app")
	h.json("POST", "/apps/tail-app/collaborators", `{"user":"other@example.com"}`, http.StatusCreated, nil)
	var auth struct {
		ID          string
		AccessToken struct{ Token string } `json:"access_token"`
	}
	h.json("POST", "/oauth/authorizations", `{"description":"to revoke"}`, http.StatusCreated, &auth)

	open := func(key string) *bufio.Reader {
		t.Helper()
		w := h.do("POST", "/apps/tail-app/log-sessions", key, `{"tail":true,"lines":0}`)
		if w.Code != http.StatusCreated {
			t.Fatalf("log session: %d %s", w.Code, w.Body)
		}
		var ls struct {
			URL string `json:"logplex_url"`
		}
		json.Unmarshal(w.Body.Bytes(), &ls)
		resp := get(t, ls.URL)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("open session: %d", resp.StatusCode)
		}
		return bufio.NewReader(resp.Body)
	}
	collaborator, revoked, owner := open(h.other), open(auth.AccessToken.Token), open(h.key)
	buf.Write(id, "app", "web.1", "secret line 1")
	for _, r := range []*bufio.Reader{collaborator, revoked, owner} {
		if line, err := r.ReadString('\n'); err != nil || !strings.Contains(line, "secret line 1") {
			t.Fatalf("first line %q, %v", line, err)
		}
	}

	h.json("DELETE", "/apps/tail-app/collaborators/other@example.com", "", http.StatusOK, nil)
	h.json("DELETE", "/oauth/authorizations/"+auth.ID, "", http.StatusOK, nil)
	for name, r := range map[string]*bufio.Reader{"removed collaborator": collaborator, "revoked key": revoked} {
		ended := make(chan struct{})
		go func() { io.ReadAll(r); close(ended) }()
		select {
		case <-ended:
		case <-time.After(10 * time.Second):
			t.Errorf("%s: the tail went on after access ended", name)
		}
	}
	buf.Write(id, "app", "web.1", "secret line 2")
	if line, err := owner.ReadString('\n'); err != nil || !strings.Contains(line, "secret line 2") {
		t.Errorf("owner's tail: %q, %v", line, err)
	}
}

// get opens u with a real client; the body is closed when the test ends.
func get(t *testing.T, u string) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}
