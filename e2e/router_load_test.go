package e2e_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// load sends requests to host through the router from n keep-alive clients until ctx ends,
// and counts answers by outcome. Every other client POSTs a small body, so both of the
// router's paths (the fast one for bodyless requests, net/http for bodies) carry load.
type load struct {
	ok, failed atomic.Int64
	lastFail   atomic.Value
}

func (l *load) run(ctx context.Context, env *beratest.Env, host string, n int) *sync.WaitGroup {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c := &http.Client{Timeout: 10 * time.Second}
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, "GET", env.RouterURL+"/", nil)
				if i%2 == 1 {
					req, _ = http.NewRequestWithContext(ctx, "POST", env.RouterURL+"/", strings.NewReader("form=1"))
				}
				req.Host = host
				resp, err := c.Do(req)
				if ctx.Err() != nil {
					return
				}
				if err != nil {
					l.failed.Add(1)
					l.lastFail.Store(err.Error())
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					l.ok.Add(1)
				} else {
					l.failed.Add(1)
					l.lastFail.Store(resp.Status)
				}
			}
		})
	}
	return &wg
}

// dynoPID finds the process of a process-runtime dyno by its DYNO and a marker config var.
func dynoPID(t *testing.T, dyno, marker string) int {
	t.Helper()
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		vars := strings.Split(string(env), "\x00")
		has := func(kv string) bool {
			for _, v := range vars {
				if v == kv {
					return true
				}
			}
			return false
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if has("DYNO="+dyno) && has(marker) && strings.Contains(string(cmd), "server.py") {
			return pid
		}
	}
	t.Fatalf("no process for %s", dyno)
	return 0
}

// TestRouter_LoadBalanceKillDeploy: two apps on their hosts plus a custom domain; three web
// dynos share the load; a dyno killed under load costs at most the requests in flight on
// it; a deploy under constant load fails no request.
func TestRouter_LoadBalanceKillDeploy(t *testing.T) {
	t.Parallel()
	beratest.Require(t, "python3", "apt-get install python3")
	env := beratest.New(t)
	for _, app := range []string{"front", "other"} {
		env.Bera(t, "", nil, "apps:create", app)
		if out, err := env.Push(t, env.SampleApp(t, "procfile-hello", app), "main"); err != nil {
			t.Fatalf("push %s: %v\n%s", app, err, out)
		}
	}
	env.Bera(t, "", nil, "config:set", "LOAD_MARKER=front", "-a", "front")
	env.Bera(t, "", nil, "config:set", "LOAD_MARKER=other", "-a", "other")
	env.MustBera(t, "domains:add", "www.front-example.test", "-a", "front")
	env.Bera(t, "", nil, "ps:scale", "web=3", "-a", "front")
	beratest.Eventually(t, time.Minute, "3 web dynos up", func() bool { return upDynos(t, env, "front") == 3 })
	env.WaitBody(t, "other", "/", "hello from procfile")
	beratest.Eventually(t, time.Minute, "the custom domain routed", func() bool { code, _ := getHost(t, env, "www.front-example.test"); return code == 200 })

	// Even spread: count dyno= in the router lines of 300 requests.
	for range 300 {
		if code, _ := env.Get(t, "front", "/"); code != 200 {
			t.Fatalf("status %d", code)
		}
	}
	logs, _, _ := env.Bera(t, "", nil, "logs", "-a", "front", "-d", "router", "-n", "300")
	per := map[string]int{}
	for _, f := range strings.Fields(logs) {
		if strings.HasPrefix(f, "dyno=web.") {
			per[f]++
		}
	}
	for _, d := range []string{"dyno=web.1", "dyno=web.2", "dyno=web.3"} {
		if per[d] < 50 || per[d] > 150 {
			t.Errorf("uneven spread over 3 dynos: %v", per)
			break
		}
	}

	const clients = 8
	t.Run("KillUnderLoad", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var l load
		wg := l.run(ctx, env, "front.localhost", clients)
		time.Sleep(time.Second)
		syscall.Kill(dynoPID(t, "web.2", "LOAD_MARKER=front"), syscall.SIGKILL)
		time.Sleep(3 * time.Second)
		cancel()
		wg.Wait()
		t.Logf("kill under load: %d ok, %d failed", l.ok.Load(), l.failed.Load())
		if l.failed.Load() > clients || l.ok.Load() == 0 {
			t.Errorf("%d requests failed (at most %d were in flight on the killed dyno); last: %v", l.failed.Load(), clients, l.lastFail.Load())
		}
		beratest.Eventually(t, time.Minute, "web.2 restarted", func() bool { return upDynos(t, env, "front") == 3 })
	})

	t.Run("DeployUnderLoad", func(t *testing.T) {
		dir := env.SampleApp(t, "procfile-hello", "front")
		server := filepath.Join(dir, "server.py")
		src, _ := os.ReadFile(server)
		os.WriteFile(server, []byte(strings.ReplaceAll(string(src), "hello from procfile", "hello v2")), 0o644)
		env.Commit(t, dir, "v2")
		// 30 s of constant load, with the deploy in it.
		ctx, cancel := context.WithCancel(t.Context())
		end := time.Now().Add(30 * time.Second)
		var l load
		wg := l.run(ctx, env, "front.localhost", clients)
		time.Sleep(2 * time.Second)
		out, err := env.Push(t, dir, "+main:main")
		if err != nil {
			cancel()
			t.Fatalf("push under load: %v\n%s", err, out)
		}
		env.WaitBody(t, "front", "/", "hello v2")
		time.Sleep(max(time.Until(end), 3*time.Second))
		cancel()
		wg.Wait()
		t.Logf("deploy under load: %d ok, %d failed", l.ok.Load(), l.failed.Load())
		if l.failed.Load() != 0 || l.ok.Load() == 0 {
			t.Errorf("%d of %d requests failed during the deploy; last: %v", l.failed.Load(), l.ok.Load()+l.failed.Load(), l.lastFail.Load())
		}
	})
}

// getHost requests / through the router with an exact Host header.
func getHost(t *testing.T, env *beratest.Env, host string) (int, string) {
	req, _ := http.NewRequest("GET", env.RouterURL+"/", nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
