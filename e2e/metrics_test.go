package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
)

// TestMetrics_Prometheus deploys an app on process dynos, sends requests through the
// router, and has a real Prometheus scrape bera's /metrics (with an admin key on the API
// port, and without one on --metrics-listen) until a PromQL query returns the app's request
// count. `bera metrics` and the rollups API must count the same requests.
func TestMetrics_Prometheus(t *testing.T) {
	t.Parallel()
	testPrometheus(t, nil, nil)
}

// TestMetrics_PrometheusRunc is TestMetrics_Prometheus on runc dynos, whose CPU and memory
// come from their cgroups; a dyno killed with SIGKILL shows up as a restart.
func TestMetrics_PrometheusRunc(t *testing.T) {
	t.Parallel()
	if err := runc.Available(); err != nil {
		beratest.Missing(t, "runc dynos are not available: "+err.Error()+" (apt-get install runc; run as root)")
	}
	n := rand.IntN(9000) + 1000
	bridge, subnet := fmt.Sprintf("beram%d", n), fmt.Sprintf("10.102.%d.0/24", n%250)
	t.Cleanup(func() { runc.RemoveNetwork(context.Background(), bridge) })
	testPrometheus(t, []string{"--runtime", "runc", "--runc-bridge", bridge, "--runc-subnet", subnet}, func(env *beratest.Env, promURL string) {
		t.Cleanup(func() { removeContainers(t, env.DataDir, bridge, subnet) })
		for _, pid := range runcContainers(t, env.DataDir) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		waitQuery(t, promURL, `bera_dyno_restarts_total{app="metered",dyno="web.1",job="bera"} == 1`,
			func(r []promSample) bool { return len(r) == 1 })
		waitQuery(t, promURL, `bera_dyno_cpu_seconds_total{app="metered",dyno="web.1",job="bera"} > 0`,
			func(r []promSample) bool { return len(r) == 1 })
		// runc dynos outlive the server: stop them.
		env.MustBera(t, "ps:scale", "web=0", "-a", "metered")
		beratest.Eventually(t, time.Minute, "no containers", func() bool { return noContainers(t, env.DataDir) })
	})
}

// testPrometheus runs the scenario of TestMetrics_Prometheus on a server started with args,
// then more(env, promURL) when it is not nil.
func testPrometheus(t *testing.T, args []string, more func(env *beratest.Env, promURL string)) {
	beratest.Require(t, "git", "apt-get install git")
	beratest.Require(t, "python3", "apt-get install python3")
	prom := beratest.Require(t, "prometheus", "apt-get install --no-install-recommends prometheus")
	env := beratest.NewWith(t, beratest.Options{Args: append(args, "--metrics-listen", "127.0.0.1:0")})
	open := metricsListenAddr(t, env)
	env.MustBera(t, "apps:create", "metered")
	dir := env.SampleApp(t, "procfile-hello", "metered")
	if out, err := env.Push(t, dir, "main"); err != nil {
		t.Fatalf("git push: %v\n%s\nserver:\n%s", err, out, env.Stderr.String())
	}
	env.WaitBody(t, "metered", "/", "hello from procfile")
	for i := range 7 {
		if code, _ := env.Get(t, "metered", "/page/"+strconv.Itoa(i)); code != 200 {
			t.Fatalf("GET: %d", code)
		}
	}
	// The router counts a request as it finishes it, just after the client has read the
	// last byte: wait for all eight (WaitBody's and the seven), then read the total.
	var total int
	beratest.Eventually(t, 10*time.Second, "bera_router_requests_total of at least 8", func() error {
		if total = requestsIn(t, scrapeBera(t, env, env.APIURL+"/metrics", env.AdminKey), "metered"); total < 8 {
			return fmt.Errorf("bera_router_requests_total=%d", total)
		}
		return nil
	})

	promURL := startPrometheus(t, prom, env.APIURL, env.AdminKey, open)
	query := `sum(bera_router_requests_total{app="metered"}) by (job)`
	res := waitQuery(t, promURL, query, func(r []promSample) bool {
		return len(r) == 2 && r[0].value() == float64(total) && r[1].value() == float64(total)
	})
	t.Logf("PromQL %s = %v", query, res)
	waitQuery(t, promURL, `bera_dyno_memory_rss_bytes{app="metered",dyno="web.1",job="bera"} > 1000000`,
		func(r []promSample) bool { return len(r) == 1 })

	stdout, errOut, code := env.Bera(t, "", nil, "metrics", "-a", "metered", "--json")
	var reply struct {
		Points []struct {
			Requests int `json:"requests"`
		} `json:"points"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &reply) != nil || len(reply.Points) != 15 {
		t.Fatalf("bera metrics --json: %d %s %s", code, stdout, errOut)
	}
	sum := 0
	for _, p := range reply.Points {
		sum += p.Requests
	}
	if sum != total {
		t.Errorf("bera metrics counts %d requests, /metrics %d", sum, total)
	}
	stdout, errOut, code = env.Bera(t, "", nil, "metrics", "-a", "metered")
	if code != 0 || !strings.Contains(stdout, "=== metered Metrics - last 15 minutes") || !strings.Contains(stdout, "P99") {
		t.Errorf("bera metrics: %d %s %s", code, stdout, errOut)
	}
	if more != nil {
		more(env, promURL)
	}
}

// TestMetrics_Access checks who may read metrics: /metrics takes an admin key, an app's
// rollups its owner or collaborators.
func TestMetrics_Access(t *testing.T) {
	t.Parallel()
	env := beratest.New(t)
	env.Bera(t, "", nil, "apps:create", "private")
	other := env.CreateUser(t, "other@example.com", "")
	for _, tt := range []struct {
		name, path, key string
		want            int
	}{
		{"PrometheusNoKey", "/metrics", "", 401},
		{"PrometheusNotAdmin", "/metrics", other, 403},
		{"PrometheusAdmin", "/metrics", env.AdminKey, 200},
		{"RollupsOwner", "/apps/private/metrics", env.AdminKey, 200},
		{"RollupsStranger", "/apps/private/metrics", other, 404},
		{"RollupsBadWindow", "/apps/private/metrics?since=2026-01-01T00:00:00Z&until=2026-01-03T00:00:00Z", env.AdminKey, 422},
		{"RollupsBadTime", "/apps/private/metrics?since=yesterday", env.AdminKey, 422},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, body := get(t, env.APIURL+tt.path, tt.key); got != tt.want {
				t.Errorf("GET %s: %d, want %d: %s", tt.path, got, tt.want, body)
			}
		})
	}
	_, body := get(t, env.APIURL+"/openapi.json", "")
	if !strings.Contains(body, "/apps/{app}/metrics") {
		t.Error("/openapi.json does not document /apps/{app}/metrics")
	}
}

// metricsListenAddr reads the address of --metrics-listen 127.0.0.1:0 from the server log.
func metricsListenAddr(t *testing.T, env *beratest.Env) string {
	t.Helper()
	re := regexp.MustCompile(`msg="metrics listener started" listen=(\S+)`)
	var addr string
	beratest.Eventually(t, time.Minute, "the metrics listener", func() bool {
		if m := re.FindStringSubmatch(env.Stderr.String()); m != nil {
			addr = m[1]
		}
		return addr != ""
	})
	return addr
}

func get(t *testing.T, u, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", u, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Accept", "application/vnd.heroku+json; version=3")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func scrapeBera(t *testing.T, env *beratest.Env, u, key string) string {
	t.Helper()
	code, body := get(t, u, key)
	if code != 200 {
		t.Fatalf("GET %s: %d %s\nserver:\n%s", u, code, body, env.Stderr.String())
	}
	return body
}

// requestsIn adds up bera_router_requests_total of app in a Prometheus text exposition.
func requestsIn(t *testing.T, body, app string) int {
	t.Helper()
	n := 0
	for line := range strings.Lines(body) {
		if rest, ok := strings.CutPrefix(line, `bera_router_requests_total{app="`+app+`",`); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest[strings.LastIndexByte(rest, ' ')+1:]), 64)
			if err != nil {
				t.Fatalf("bad sample %q", line)
			}
			n += int(v)
		}
	}
	return n
}

// startPrometheus runs a private Prometheus (own config, tsdb in a temp dir, free loopback
// port) scraping bera every second: job "bera" on the API port with the admin key as a
// Bearer token, job "bera-open" on --metrics-listen without one. It returns its URL.
func startPrometheus(t *testing.T, bin, apiURL, key, open string) string {
	t.Helper()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	os.WriteFile(keyFile, []byte(key), 0o600)
	api, _ := url.Parse(apiURL)
	cfg := fmt.Sprintf(`global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: bera
    authorization: {type: Bearer, credentials_file: %q}
    static_configs: [{targets: [%q]}]
  - job_name: bera-open
    static_configs: [{targets: [%q]}]
`, keyFile, api.Host, open)
	cfgFile := filepath.Join(dir, "prometheus.yml")
	os.WriteFile(cfgFile, []byte(cfg), 0o600)
	addr := beratest.FreeAddr(t)
	var out bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+cfgFile, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus output:\n%s", out.String())
		}
	})
	return "http://" + addr
}

// promSample is one series of an instant-vector query result.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (s promSample) value() float64 {
	v, _ := strconv.ParseFloat(fmt.Sprint(s.Value[1]), 64)
	return v
}

// waitQuery polls a PromQL instant query until ok accepts its result, for at most a minute
// (Prometheus discovers targets every ~5 s, then scrapes every second).
func waitQuery(t *testing.T, promURL, query string, ok func([]promSample) bool) []promSample {
	t.Helper()
	var last string
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(time.Minute)
	for {
		var resp struct {
			Status string `json:"status"`
			Data   struct {
				Result []promSample `json:"result"`
			} `json:"data"`
		}
		if r, err := http.Get(promURL + "/api/v1/query?query=" + url.QueryEscape(query)); err == nil {
			b, _ := io.ReadAll(r.Body)
			r.Body.Close()
			last = string(b)
			if json.Unmarshal(b, &resp) == nil && resp.Status == "success" && ok(resp.Data.Result) {
				return resp.Data.Result
			}
		}
		select {
		case <-deadline:
			t.Fatalf("PromQL %s: no acceptable answer within a minute; last: %s", query, last)
		case <-tick.C:
		}
	}
}
