package logs_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/logs"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// TestSessions_HerokuCLI runs the real `heroku logs` against the two API answers it needs
// (app info, log-session creation) and the Sessions handler.
func TestSessions_HerokuCLI(t *testing.T) {
	cli := beratest.HerokuCLI(t)
	env := newSessionEnv(t, 0)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /apps/myapp", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"app1","name":"myapp","generation":{"name":"cedar"},"build_stack":{"name":"heroku-24"},"stack":{"name":"heroku-24"}}`))
	})
	mux.HandleFunc("POST /apps/myapp/log-sessions", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Dyno, Source string
			Lines        int
			Tail         bool
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("log-session body: %v", err)
		}
		u := env.sessions.NewURL("app1", logs.SessionOptions{Lines: req.Lines, Dyno: req.Dyno, Source: req.Source, Tail: req.Tail})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]string{"id": "s1", "logplex_url": u, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	env.sessions = logs.NewSessions(logs.SessionsConfig{Key: []byte("k"), BaseURL: srv.URL + "/log-sessions", Stream: env.buf, Now: env.clk.Now})
	mux.Handle("GET /log-sessions/{app}", env.sessions)

	writeN(env.buf, "app1", "app", "web.1", 0, 5)
	env.buf.Write("app1", "heroku", "router", `at=info method=GET path="/"`)
	writeN(env.buf, "app1", "app", "worker.1", 5, 7)

	out := runHeroku(t, cli, srv.URL, "logs", "-a", "myapp", "-n", "3", "-p", "web")
	want := "2026-01-01T00:00:00.000000+00:00 app[web.1]: line 2\n" +
		"2026-01-01T00:00:00.000000+00:00 app[web.1]: line 3\n" +
		"2026-01-01T00:00:00.000000+00:00 app[web.1]: line 4\n"
	if out != want {
		t.Errorf("heroku logs -p web printed:\n%s\nwant:\n%s", out, want)
	}
	out = runHeroku(t, cli, srv.URL, "logs", "-a", "myapp", "-s", "heroku")
	if !strings.Contains(out, `heroku[router]: at=info method=GET path="/"`) || strings.Contains(out, "app[") {
		t.Errorf("heroku logs -s heroku printed:\n%s", out)
	}

	// --tail: the backlog, then lines written while the CLI follows.
	cmd := herokuCmd(t, cli, srv.URL, "logs", "-a", "myapp", "-n", "1", "--tail")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for _, want := range []string{"app[worker.1]: line 6", "app[web.2]: tailed"} {
		if !sc.Scan() {
			t.Fatalf("heroku logs --tail ended before %q: %v", want, sc.Err())
		}
		if !strings.HasSuffix(sc.Text(), want) {
			t.Fatalf("heroku logs --tail printed %q, want …%q", sc.Text(), want)
		}
		env.buf.Write("app1", "app", "web.2", "tailed")
	}
}

func runHeroku(t *testing.T, cli, host string, args ...string) string {
	t.Helper()
	cmd := herokuCmd(t, cli, host, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("heroku %v: %v\n%s\n%s", args, err, out, stderr.String())
	}
	return string(out)
}

func herokuCmd(t *testing.T, cli, host string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), cli, args...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HEROKU_HOST="+host, "HEROKU_API_KEY=xyz", "HOME="+home,
		"XDG_CACHE_HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_DATA_HOME="+home,
		"HEROKU_DISABLE_AUTOUPDATE=1", "DISABLE_TELEMETRY=true", "HEROKU_SKIP_NEW_VERSION_CHECK=true",
		"HEROKU_PARTICLEBOARD_URL="+host, "NO_COLOR=1", "FORCE_COLOR=0")
	return cmd
}
