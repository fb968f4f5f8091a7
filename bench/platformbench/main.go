// Command platformbench measures Bera end to end against a real `bera server`:
//
//	go run ./bench/platformbench deploy [-runtime process|runc]
//	    push-to-first-200 on a fresh data dir and a fresh machine cache: testdata/apps/go-hello
//	    pushed right after the server starts (machine cache still warming), a second Go app
//	    once the machine cache is warm, that app's warm redeploy, and two apps of
//	    testdata/apps/node-express (one npm dependency), the first and the second; beside it
//	    a plain `go build` of the same app, cold and warm.
//	go run ./bench/platformbench scale [-runtime process|runc] [-n 10] [-poll cli|api]
//	    time to scale web 0→N until every dyno is up, start latency p50/p99 per dyno, memory
//	    per dyno, and how busy the machine's CPUs were meanwhile; PERF_RECORD=FILE also
//	    records the scale with `perf record -a` (perf report -i FILE --sort comm).
//	    -machine-cache off by default: see the flag.
//	go run ./bench/platformbench restart [-runtime runc] [-n 10] [-bin PATH]
//	    N apps under constant GETs through the router while the server gets SIGTERM and
//	    starts again: failed requests, the longest gap between answers, dynos adopted.
package main

import (
	"bytes"
	"context"
	"encoding/json"
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
	"syscall"
	"time"

	"github.com/kingvon-ke/bera/internal/client"
)

// prebuilt is -bin: a bera binary to run instead of building ./cmd/bera.
var prebuilt = new(string)

// pollWith is -poll: cli or api.
var pollWith = new(string)

// scaleMachineCache is -machine-cache.
var scaleMachineCache = new(string)

// machineCacheArgs are the server flags for -machine-cache.
func machineCacheArgs() []string {
	if *scaleMachineCache == "" {
		return nil
	}
	return []string{"--machine-cache", *scaleMachineCache}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: platformbench deploy|scale|restart [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	rt := fs.String("runtime", "process", "dyno runtime: process or runc")
	n := fs.Int("n", 10, "dynos to scale to (scale), apps to deploy (restart)")
	fs.StringVar(prebuilt, "bin", "", "a bera binary to run instead of building ./cmd/bera")
	fs.StringVar(pollWith, "poll", "cli", "scale: how to watch the dynos come up: cli (`bera ps --json` every 20 ms) or api (GET /apps/bench/dynos in-process, which takes no CPU from the starts for a CLI process)")
	fs.StringVar(scaleMachineCache, "machine-cache", "off", "scale, restart: the server's --machine-cache; \"\" leaves the server's default (a fresh data dir then warms the machine's Go cache in the background, at idle priority, during the benchmark)")
	noMachine := fs.Bool("no-machine-cache", false, "deploy: run the server with --machine-cache off (the baseline)")
	fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "deploy":
		err = benchDeploy(*rt, *noMachine)
	case "scale":
		err = benchScale(*rt, *n)
	case "restart":
		err = benchRestart(*rt, *n)
	default:
		err = fmt.Errorf("unknown benchmark %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "platformbench:", err)
		os.Exit(1)
	}
}

// server is a running bera server with a HOME for git and the CLI.
type server struct {
	dir, bin, api, router, key string
	runtime                    string
	extra                      []string // more `bera server` flags
	cmd                        *exec.Cmd
}

func start(runtime string, extra ...string) (*server, error) {
	dir, err := os.MkdirTemp("", "platformbench-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir, bin: filepath.Join(dir, "bera"), api: freeAddr(), router: freeAddr(), runtime: runtime}
	if *prebuilt != "" {
		s.bin = *prebuilt
	} else if out, err := exec.Command("go", "build", "-o", s.bin, "./cmd/bera").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build: %v\n%s", err, out)
	}
	s.extra = extra
	if err := s.launch(); err != nil {
		return nil, err
	}
	for range 300 {
		if b, err := os.ReadFile(filepath.Join(dir, "data", "admin.key")); err == nil {
			s.key = strings.TrimSpace(string(b))
			host, _, _ := net.SplitHostPort(s.api)
			os.WriteFile(filepath.Join(dir, ".netrc"), []byte("machine "+host+" login b password "+s.key+"\n"), 0o600)
			return s, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, fmt.Errorf("server did not start")
}

// launch starts `bera server` on the server's data dir and ports.
func (s *server) launch() error {
	s.cmd = exec.Command(s.bin, "server", "--data", filepath.Join(s.dir, "data"), "--listen", s.api, "--router-listen", s.router,
		"--runtime", s.runtime, "--runc-bridge", "berabench0", "--runc-subnet", "10.77.0.0/16", "--log-level", "error", "--api-rate-limit", "0")
	s.cmd.Args = append(s.cmd.Args, s.extra...)
	s.cmd.Stderr = os.Stderr
	return s.cmd.Start()
}

func (s *server) stop(apps ...string) {
	if len(apps) == 0 {
		apps = []string{"bench"}
	}
	for _, app := range apps {
		s.bera("ps:scale", "web=0", "-a", app)
	}
	time.Sleep(3 * time.Second)
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
	os.RemoveAll(s.dir)
}

func (s *server) env() []string {
	return append(os.Environ(), "HOME="+s.dir, "BERA_API_URL=http://"+s.api, "BERA_API_KEY="+s.key, "GIT_TERMINAL_PROMPT=0")
}

func (s *server) bera(args ...string) (string, error) {
	cmd := exec.Command(s.bin, args...)
	// From the temp dir: run inside a checkout, apps:create would add a git remote to it.
	cmd.Dir, cmd.Env = s.dir, s.env()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (s *server) git(dir string, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = dir, s.env()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git %v: %v\n%s", args, err, out)
	}
	return nil
}

// sampleRepo copies a sample app into a git repository with one commit.
func (s *server) sampleRepo(name string) (string, error) {
	return s.sampleRepoAt(name, "src")
}

// sampleRepoAt copies a sample app into the repository s.dir/sub.
func (s *server) sampleRepoAt(name, sub string) (string, error) {
	dir := filepath.Join(s.dir, sub)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "apps", name))); err != nil {
		return "", err
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "v1"}} {
		if err := s.git(dir, args...); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// pushUntil200 pushes and polls the router until it answers 200 with want in the body.
func (s *server) pushUntil200(dir, want string) (time.Duration, error) {
	return s.pushAppUntil200("bench", dir, want)
}

// pushAppUntil200 pushes dir to app and polls app's host until it answers 200 with want.
func (s *server) pushAppUntil200(app, dir, want string) (time.Duration, error) {
	t0 := time.Now()
	if err := s.git(dir, "push", "-q", "http://"+s.api+"/"+app+".git", "main"); err != nil {
		return 0, err
	}
	for time.Since(t0) < 5*time.Minute {
		req, _ := http.NewRequest("GET", "http://"+s.router+"/", nil)
		req.Host = app + ".localhost"
		if resp, err := http.DefaultClient.Do(req); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && bytes.Contains(body, []byte(want)) {
				return time.Since(t0), nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0, fmt.Errorf("no 200 with %q", want)
}

func benchDeploy(runtime string, noMachine bool) error {
	machine, err := os.MkdirTemp("", "platformbench-machine-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(machine)
	flag := machine
	if noMachine {
		flag = "off"
		os.WriteFile(filepath.Join(machine, "ready"), nil, 0o600) // nothing to wait for
	}
	s, err := start(runtime, "--machine-cache", flag)
	if err != nil {
		return err
	}
	apps := []string{"gocold", "gofirst", "node1", "node2"}
	defer s.stop(apps...)
	for _, app := range apps {
		// admin.key appears before the API listens (a runc server sets up its network first).
		for t0 := time.Now(); ; time.Sleep(200 * time.Millisecond) {
			out, err := s.bera("apps:create", app)
			if err == nil {
				break
			}
			if time.Since(t0) > time.Minute {
				return fmt.Errorf("apps:create: %v %s", err, out)
			}
		}
	}
	push := func(app, sample, want string) (string, time.Duration, error) {
		dir, err := s.sampleRepoAt(sample, "src-"+app)
		if err != nil {
			return "", 0, err
		}
		d, err := s.pushAppUntil200(app, dir, want)
		return dir, d, err
	}
	// Pushed while the server warms its machine cache (it started a moment ago).
	_, cold, err := push("gocold", "go-hello", "hello from go")
	if err != nil {
		return err
	}
	if err := waitFile(filepath.Join(machine, "ready"), 5*time.Minute); err != nil {
		return err
	}
	dir, first, err := push("gofirst", "go-hello", "hello from go")
	if err != nil {
		return err
	}
	main := filepath.Join(dir, "main.go")
	src, _ := os.ReadFile(main)
	os.WriteFile(main, bytes.ReplaceAll(src, []byte("hello from go"), []byte("hello again from go")), 0o644)
	s.git(dir, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qam", "v2")
	warm, err := s.pushAppUntil200("gofirst", dir, "hello again from go")
	if err != nil {
		return err
	}
	_, node1, err := push("node1", "node-express", "")
	if err != nil {
		return err
	}
	_, node2, err := push("node2", "node-express", "")
	if err != nil {
		return err
	}
	goCold, goWarm, err := plainGoBuild(dir)
	if err != nil {
		return err
	}
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Millisecond) }
	fmt.Printf("| runtime | go-hello first push, machine cache warming | first push of an app, machine cache warm | warm redeploy | node-express first app | second app | plain go build cold | warm | load average |\n|---|---|---|---|---|---|---|---|---|\n")
	if noMachine {
		runtime += " (--machine-cache off)"
	}
	fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", runtime, r(cold), r(first), r(warm), r(node1), r(node2), r(goCold), r(goWarm), loadAvg())
	return nil
}

// waitFile waits until path exists.
func waitFile(path string, limit time.Duration) error {
	for t0 := time.Now(); time.Since(t0) < limit; time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%s did not appear", path)
}

// loadAvg is the 1-minute load average.
func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

// plainGoBuild builds the app with an empty GOCACHE, then again with it warm.
func plainGoBuild(dir string) (cold, warm time.Duration, err error) {
	cache, _ := os.MkdirTemp("", "gocache-")
	defer os.RemoveAll(cache)
	run := func() (time.Duration, error) {
		t0 := time.Now()
		cmd := exec.Command("go", "build", "-o", filepath.Join(cache, "out"), ".")
		cmd.Dir, cmd.Env = dir, append(os.Environ(), "GOCACHE="+cache, "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return 0, fmt.Errorf("go build: %v %s", err, out)
		}
		return time.Since(t0), nil
	}
	if cold, err = run(); err != nil {
		return
	}
	warm, err = run()
	return
}

type dyno struct {
	Name, State, UpdatedAt string
	CreatedAt              string `json:"created_at"`
}

func benchScale(runtime string, n int) error {
	s, err := start(runtime, machineCacheArgs()...)
	if err != nil {
		return err
	}
	defer s.stop()
	s.bera("apps:create", "bench")
	dir, err := s.sampleRepo("procfile-hello")
	if err != nil {
		return err
	}
	if _, err := s.pushUntil200(dir, "hello from procfile"); err != nil {
		return err
	}
	if out, err := s.bera("ps:scale", "web=0", "-a", "bench"); err != nil {
		return fmt.Errorf("scale 0: %v %s", err, out)
	}
	time.Sleep(3 * time.Second)
	var perf *exec.Cmd
	if f := os.Getenv("PERF_RECORD"); f != "" {
		perf = exec.Command("perf", "record", "-a", "-F", "2000", "-o", f)
		perf.Start()
		time.Sleep(300 * time.Millisecond)
	}
	t0, cpu0 := time.Now(), cpuJiffies()
	if out, err := s.bera("ps:scale", fmt.Sprintf("web=%d", n), "-a", "bench"); err != nil {
		return fmt.Errorf("scale: %v %s", err, out)
	}
	var all time.Duration
	api, err := client.New(client.Config{URL: "http://" + s.api, APIKey: s.key})
	if err != nil {
		return err
	}
	for time.Since(t0) < 5*time.Minute {
		var ds []dyno
		if *pollWith == "api" {
			list, _ := api.Dynos(context.Background(), "bench")
			for _, d := range list {
				ds = append(ds, dyno{Name: d.Name, State: d.State})
			}
		} else {
			out, _ := s.bera("ps", "-a", "bench", "--json")
			json.Unmarshal([]byte(out), &ds)
		}
		up := 0
		for _, d := range ds {
			if d.State == "up" {
				up++
			}
		}
		if up == n {
			all = time.Since(t0)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if all == 0 {
		return fmt.Errorf("web did not reach %d up", n)
	}
	busy := cpuJiffies().sub(cpu0)
	if perf != nil {
		perf.Process.Signal(os.Interrupt)
		perf.Wait()
	}
	lat, first, last := startLatencies(s, t0)
	fmt.Printf("| runtime | scale web 0→%d (all up) | start p50 | start p99 | memory per dyno |\n|---|---|---|---|---|\n", n)
	fmt.Printf("| %s | %s | %s | %s | %s |\n", runtime, all.Round(time.Millisecond), pct(lat, 0.5), pct(lat, 0.99), memPerDyno(s, runtime, n))
	// Where the time went: when the reconciler began the first and the last start (after
	// the CLI's request), and how busy the machine's CPUs were until all were up.
	fmt.Printf("first start began +%s, last +%s; CPUs busy %.0f%% of %d cores until all up (load avg %s)\n",
		first.Sub(t0).Round(time.Millisecond), last.Sub(t0).Round(time.Millisecond), busy.percent(), busy.cores, loadAvg())
	return nil
}

// jiffies are the machine's CPU time counters from /proc/stat.
type jiffies struct {
	busy, total int64
	cores       int
}

func cpuJiffies() jiffies {
	b, _ := os.ReadFile("/proc/stat")
	var j jiffies
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 8 && f[0] == "cpu":
			for i, v := range f[1:9] {
				var n int64
				fmt.Sscan(v, &n)
				j.total += n
				if i != 3 && i != 4 { // idle, iowait
					j.busy += n
				}
			}
		case len(f) > 0 && strings.HasPrefix(f[0], "cpu"):
			j.cores++
		}
	}
	return j
}

func (j jiffies) sub(o jiffies) jiffies {
	return jiffies{busy: j.busy - o.busy, total: j.total - o.total, cores: j.cores}
}

func (j jiffies) percent() float64 {
	if j.total == 0 {
		return 0
	}
	return 100 * float64(j.busy) / float64(j.total)
}

// startLatencies reads "Starting process" → "State changed from starting to up" per dyno
// from the app's logs.
// first and last are when the first and the last start after since began.
func startLatencies(s *server, since time.Time) (lat []time.Duration, first, last time.Time) {
	out, _ := s.bera("logs", "-a", "bench", "-n", "1500", "-s", "heroku")
	started := map[string]time.Time{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.SplitN(line, " ", 3)
		if len(f) < 3 {
			continue
		}
		ts, err := time.Parse("2006-01-02T15:04:05.000000-07:00", f[0])
		if err != nil {
			continue
		}
		switch {
		case strings.Contains(f[2], "Starting process"):
			started[f[1]] = ts
		case strings.Contains(f[2], "from starting to up"):
			if t0, ok := started[f[1]]; ok {
				lat = append(lat, ts.Sub(t0))
				delete(started, f[1])
				if t0.After(since) && (first.IsZero() || t0.Before(first)) {
					first = t0
				}
				if t0.After(last) {
					last = t0
				}
			}
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat, first, last
}

func pct(d []time.Duration, p float64) string {
	if len(d) == 0 {
		return "?"
	}
	return d[int(float64(len(d)-1)*p)].Round(time.Millisecond).String()
}

// memPerDyno reports the average cgroup memory use of runc dynos (the app's python process
// included), or "n/a" for process dynos.
func memPerDyno(s *server, runtime string, n int) string {
	if runtime != "runc" {
		return "n/a (no cgroup)"
	}
	dirs, _ := filepath.Glob("/sys/fs/cgroup/memory/bera/bera-*")
	var total int64
	count := 0
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "memory.usage_in_bytes"))
		if err != nil {
			continue
		}
		var v int64
		fmt.Sscan(string(b), &v)
		total += v
		count++
	}
	if count == 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f MB (%d dynos)", float64(total)/float64(count)/1e6, count)
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}
