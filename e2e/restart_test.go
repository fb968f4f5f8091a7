package e2e_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// TestRunc_RestartInvisible restarts `bera server` (SIGTERM, wait for the exit, start
// again) while clients send GETs through the router to apps with runc dynos: every request
// succeeds, with a kept-alive connection and with a new connection per request, and the
// new server adopts the very same dynos.
func TestRunc_RestartInvisible(t *testing.T) {
	env, args := runcServer(t, 106)
	dataDir := env.DataDir

	apps := []string{"steady1", "steady2", "steady3"}
	for _, app := range apps {
		env.Bera(t, "", nil, "apps:create", app)
		dir := env.SampleApp(t, "procfile-hello", app)
		if out, err := env.Push(t, dir, "main"); err != nil {
			t.Fatalf("git push %s: %v\n%s\n%s", app, err, out, env.Stderr.String())
		}
	}
	for _, app := range apps {
		env.WaitBody(t, app, "/", "hello from procfile")
	}
	before := runcContainers(t, dataDir)

	router := strings.TrimPrefix(env.RouterURL, "http://")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	served := 0
	for _, app := range apps {
		for _, keepAlive := range []bool{true, false} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: !keepAlive}}
				defer c.CloseIdleConnections()
				for {
					select {
					case <-stop:
						return
					case <-time.After(10 * time.Millisecond):
					}
					err := getApp(c, router, app)
					mu.Lock()
					if err != nil {
						failures = append(failures, fmt.Sprintf("%s (keep-alive %v) at %s: %v", app, keepAlive, time.Now().Format("15:04:05.000"), err))
					} else {
						served++
					}
					mu.Unlock()
				}
			}()
		}
	}

	time.Sleep(time.Second)
	t.Logf("SIGTERM at %s", time.Now().Format("15:04:05.000"))
	env.Stop(t)
	t.Logf("exited at %s", time.Now().Format("15:04:05.000"))
	current := beratest.NewWith(t, beratest.Options{DataDir: dataDir, DatabaseURL: env.DatabaseURL, Args: args,
		APIAddr: strings.TrimPrefix(env.APIURL, "http://"), RouterAddr: router})
	t.Logf("new server ready at %s", time.Now().Format("15:04:05.000"))
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()

	if len(failures) > 0 {
		t.Errorf("%d of %d requests through the router failed across the restart, first: %s", len(failures), len(failures)+served,
			strings.Join(failures[:min(len(failures), 5)], "; "))
	}
	if served < 10*len(apps) {
		t.Errorf("only %d requests were answered", served)
	}
	after := runcContainers(t, dataDir)
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("dynos (id→pid) before the restart %v, after %v: they should be adopted, not restarted", before, after)
	}
	for _, app := range apps {
		if _, _, code := current.Bera(t, "", nil, "ps:scale", "web=0", "-a", app); code != 0 {
			t.Errorf("ps:scale web=0 -a %s failed", app)
		}
	}
	beratest.Eventually(t, time.Minute, "the adopted dynos to stop", func() bool { return len(runcContainers(t, dataDir)) == 0 })
}

// getApp GETs / of app through the router and wants a 200 from the dyno.
func getApp(c *http.Client, router, app string) error {
	req, _ := http.NewRequest("GET", "http://"+router+"/", nil)
	req.Host = app + ".localhost"
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "hello from procfile") {
		return fmt.Errorf("status %d: %.100s", resp.StatusCode, body)
	}
	return nil
}
