// Command apibench measures the API with many apps in the store: requests/s and latency
// percentiles of GET /apps/{app} and PATCH /apps/{app}/config-vars against a real
// `bera server`, on SQLite or PostgreSQL, and the server's idle RSS.
//
//	go run ./bench/apibench -apps 1000 -duration 10s -concurrency 16 [-database-url postgres://…]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "", "bera binary (default: build ./cmd/bera)")
	apps := flag.Int("apps", 1000, "apps to create before measuring")
	dur := flag.Duration("duration", 10*time.Second, "duration of each measurement")
	conc := flag.Int("concurrency", 16, "concurrent clients")
	dbURL := flag.String("database-url", "", "PostgreSQL URL (default: SQLite)")
	flag.Parse()
	if err := run(*bin, *apps, *dur, *conc, *dbURL); err != nil {
		fmt.Fprintln(os.Stderr, "apibench:", err)
		os.Exit(1)
	}
}

func run(bin string, apps int, dur time.Duration, conc int, dbURL string) error {
	dir, err := os.MkdirTemp("", "apibench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if bin == "" {
		bin = filepath.Join(dir, "bera")
		if out, err := exec.Command("go", "build", "-o", bin, "./cmd/bera").CombinedOutput(); err != nil {
			return fmt.Errorf("build: %v\n%s", err, out)
		}
	}
	addr := freeAddr()
	args := []string{"server", "--data", filepath.Join(dir, "data"), "--listen", addr, "--router-listen", freeAddr(), "--api-rate-limit", "0", "--log-level", "error", "--runtime", "process"}
	if dbURL != "" {
		args = append(args, "--database-url", dbURL)
	}
	srv := exec.Command(bin, args...)
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() }()
	base := "http://" + addr
	key, err := waitKey(base, filepath.Join(dir, "data", "admin.key"))
	if err != nil {
		return err
	}
	time.Sleep(2 * time.Second)
	fmt.Printf("idle RSS after start: %s\n", rss(srv.Process.Pid))
	db := "sqlite"
	if dbURL != "" {
		db = "postgres"
	}
	c := &client{base: base, key: key, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc * 2}}}
	start := time.Now()
	names := make([]string, apps)
	for i := range names {
		names[i] = fmt.Sprintf("bench-%05d", i)
		if code := c.do("POST", "/apps", `{"name":"`+names[i]+`"}`); code != 201 {
			return fmt.Errorf("create app %s: status %d", names[i], code)
		}
	}
	fmt.Printf("created %d apps in %s\n", apps, time.Since(start).Round(time.Millisecond))
	fmt.Printf("| database | endpoint | concurrency | requests/s | p50 | p99 | errors |\n|---|---|---|---|---|---|---|\n")
	measure(c, db, "GET /apps/{app}", dur, conc, func(i int) (string, string, string) {
		return "GET", "/apps/" + names[i%len(names)], ""
	})
	measure(c, db, "PATCH /apps/{app}/config-vars", dur, conc, func(i int) (string, string, string) {
		return "PATCH", "/apps/" + names[i%len(names)] + "/config-vars", fmt.Sprintf(`{"K%d":"v%d"}`, i%20, i)
	})
	fmt.Printf("RSS after load: %s\n", rss(srv.Process.Pid))
	return nil
}

type client struct {
	base, key string
	http      *http.Client
}

func (c *client) do(method, path, body string) int {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/vnd.heroku+json; version=3")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// measure runs conc clients for dur and prints one table row.
func measure(c *client, db, name string, dur time.Duration, conc int, req func(i int) (string, string, string)) {
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conc {
		wg.Go(func() {
			var mine []time.Duration
			bad := 0
			for i := w; ctx.Err() == nil; i += conc {
				m, p, b := req(i)
				t0 := time.Now()
				if code := c.do(m, p, b); code != 200 {
					bad++
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat, errs = append(lat, mine...), errs+bad
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	fmt.Printf("| %s | %s | %d | %.0f | %s | %s | %d |\n", db, name, conc, float64(len(lat))/elapsed.Seconds(),
		pct(0.50).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), errs)
}

func waitKey(base, keyPath string) (string, error) {
	for range 300 {
		if b, err := os.ReadFile(keyPath); err == nil {
			if resp, err := http.Get(base + "/health"); err == nil {
				resp.Body.Close()
				return string(bytes.TrimSpace(b)), nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", fmt.Errorf("server did not start")
}

func rss(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:"))
		}
	}
	return "?"
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}
