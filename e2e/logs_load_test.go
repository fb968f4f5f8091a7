package e2e_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// loudLines is how many lines the loud worker prints: 10,000 a second for 10 seconds.
const loudLines = 100_000

// loudPy waits for the file named by $GO_FILE (printing "waiting" so the test knows its
// followers are connected), then prints "seq=N" 10,000 lines a second for 10 seconds, paced
// by the clock, and reports the rate it reached.
const loudPy = `import os, sys, time
while not os.path.exists(os.environ["GO_FILE"]):
    print("waiting", flush=True)
    time.sleep(0.1)
start = time.monotonic()
for tick in range(1000):
    sys.stdout.write("".join("seq=%d\n" % (tick * 100 + i) for i in range(100)))
    sys.stdout.flush()
    delay = start + (tick + 1) / 100 - time.monotonic()
    if delay > 0:
        time.sleep(delay)
elapsed = time.monotonic() - start
print("rate=%d lines/s over %.2f s" % (100000 / elapsed, elapsed), flush=True)
time.sleep(100000)
`

// TestLogs_10kLinesPerSecond is issue 6's logs acceptance: a worker printing 10,000 lines/s
// for 10 s; `bera logs --tail -d worker.1` and an rsyslog drain both get every line in
// order. Then, with a drain 10× too slow, the worker keeps its rate and the drain's drops
// are reported as an L10 line.
func TestLogs_10kLinesPerSecond(t *testing.T) {
	if testing.Short() {
		t.Skip("20 s load test")
	}
	addr, out := beratest.Rsyslog(t)
	env := beratest.NewWith(t, beratest.Options{Args: []string{"--allow-private-drains"}})

	fast := loudApp(t, env, "loud", "syslog://"+addr)
	tail := followLogs(t, env, "loud")
	rate := runLoud(t, env, "loud", fast, tail)
	t.Logf("worker rate with an rsyslog drain: %s", rate)
	beratest.Eventually(t, time.Minute, "`bera logs --tail` to get every line", func() bool { return tail.has(fmt.Sprintf("seq=%d", loudLines-1)) })
	checkSeqs(t, "bera logs --tail", tail.text())
	beratest.Eventually(t, time.Minute, "rsyslog to get every line", func() bool {
		b, _ := os.ReadFile(out)
		return strings.Contains(string(b), fmt.Sprintf("seq=%d\n", loudLines-1))
	})
	b, _ := os.ReadFile(out)
	checkSeqs(t, "rsyslog drain", string(b))

	slowAddr := slowListener(t)
	slow := loudApp(t, env, "muffled", "syslog://"+slowAddr)
	slowTail := followLogs(t, env, "muffled")
	slowRate := runLoud(t, env, "muffled", slow, slowTail)
	// The rates are reported, not asserted (no timed assertions): that the slow drain did not
	// hold the writer back shows in the tail getting every line while the drain drops.
	t.Logf("worker rate with a drain 10x too slow: %s (with a fast drain: %s)", slowRate, rate)
	beratest.Eventually(t, time.Minute, "`bera logs --tail` to get every line despite the slow drain", func() bool {
		return slowTail.has(fmt.Sprintf("seq=%d", loudLines-1))
	})
	checkSeqs(t, "bera logs --tail beside a slow drain", slowTail.text())
	beratest.Eventually(t, time.Minute, "an L10 line for the slow drain", func() bool {
		logs, _, _ := env.Bera(t, "", nil, "logs", "-a", "muffled", "-d", "logplex", "-n", "1500")
		return strings.Contains(logs, "Error L10 (output buffer overflow)")
	})
}

// loudApp creates app with a drain and deploys the loud worker (scaled to 0); it returns the
// file whose creation starts the lines.
func loudApp(t *testing.T, env *beratest.Env, app, drain string) string {
	t.Helper()
	env.Bera(t, "", nil, "apps:create", app)
	env.MustBera(t, "drains:add", drain, "-a", app)
	goFile := filepath.Join(t.TempDir(), "go")
	env.Bera(t, "", nil, "config:set", "GO_FILE="+goFile, "-a", app)
	dir := env.SampleApp(t, "procfile-hello", app)
	os.WriteFile(filepath.Join(dir, "Procfile"), []byte("web: python3 server.py\nworker: python3 -u loud.py\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "loud.py"), []byte(loudPy), 0o644)
	env.Commit(t, dir, "loud worker")
	if out, err := env.Push(t, dir, "main"); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	return goFile
}

// runLoud starts the worker, starts its lines once tail sees it, and returns its rate line.
func runLoud(t *testing.T, env *beratest.Env, app, goFile string, tail *follower) string {
	t.Helper()
	env.MustBera(t, "ps:scale", "worker=1", "-a", app)
	beratest.Eventually(t, time.Minute, "the tail to see the worker", func() bool { return tail.has("waiting") })
	if err := os.WriteFile(goFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var rate string
	beratest.Eventually(t, time.Minute, "the worker's rate line", func() bool {
		rate = tail.match(regexp.MustCompile(`rate=\d+ lines/s over [0-9.]+ s`))
		return rate != ""
	})
	return rate
}

// checkSeqs checks that text holds seq=0 … seq=loudLines-1, each once, in order.
func checkSeqs(t *testing.T, who, text string) {
	t.Helper()
	next := 0
	for _, m := range regexp.MustCompile(`seq=(\d+)`).FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		if n != next {
			t.Errorf("%s: seq=%d where seq=%d was due", who, n, next)
			return
		}
		next++
	}
	if next != loudLines {
		t.Errorf("%s: %d lines, want %d", who, next, loudLines)
	}
}

// follower is a running `bera logs --tail -d worker.1`.
type follower struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (f *follower) text() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.buf.String()
}

func (f *follower) has(s string) bool { return strings.Contains(f.text(), s) }

func (f *follower) match(re *regexp.Regexp) string { return re.FindString(f.text()) }

func followLogs(t *testing.T, env *beratest.Env, app string) *follower {
	t.Helper()
	cmd := exec.Command(env.Bin, "logs", "--tail", "-d", "worker.1", "-a", app)
	cmd.Env = env.BeraEnv()
	return startFollower(t, cmd)
}

// startFollower starts cmd and collects its standard output until the test ends.
func startFollower(t *testing.T, cmd *exec.Cmd) *follower {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f := &follower{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			f.mu.Lock()
			f.buf.WriteString(sc.Text() + "\n")
			f.mu.Unlock()
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill(); <-done; cmd.Wait() })
	return f
}

// slowListener accepts syslog connections and reads them at about 100 KB/s: roughly 1,000
// frames a second, a tenth of the worker's rate.
func slowListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 10_000)
				for {
					if _, err := io.ReadFull(c, buf); err != nil {
						return
					}
					time.Sleep(100 * time.Millisecond) // throttles reading; not synchronisation
				}
			}()
		}
	}()
	return ln.Addr().String()
}
