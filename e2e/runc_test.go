package e2e_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
	"github.com/kingvon-ke/bera/internal/secret"
	"github.com/kingvon-ke/bera/internal/store"
)

// runcContainers lists the running containers of a server's runc root: id → pid.
func runcContainers(t *testing.T, dataDir string) map[string]int {
	t.Helper()
	root := filepath.Join(dataDir, "runc", "state")
	if _, err := os.Stat(root); os.IsNotExist(err) {
		return map[string]int{} // no container was ever created under this server
	}
	// runc list fails when a container is deleted while it reads the state dir (a dyno
	// stopping during a scale-down); ask again.
	var out []byte
	var err error
	for range 20 {
		if out, err = exec.Command("runc", "--root", root, "list").Output(); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("runc list: %v: %s", err, stderr)
	}
	got := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) >= 3 && f[2] == "running" {
			pid, _ := strconv.Atoi(f[1])
			got[f[0]] = pid
		}
	}
	return got
}

// noContainers reports whether the server's runc root holds no container in any state: a
// stopped dyno counts until the runtime has deleted it (and its network and cgroups).
func noContainers(t *testing.T, dataDir string) bool {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dataDir, "runc", "state"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return len(ents) == 0
}

// upDynos counts the app's dynos in state up, from `bera ps --json`.
func upDynos(t *testing.T, env *beratest.Env, app string) int {
	out, _, code := env.Bera(t, "", nil, "ps", "-a", app, "--json")
	if code != 0 {
		return -1
	}
	return strings.Count(out, `"state": "up"`) + strings.Count(out, `"state":"up"`)
}

// runcServer starts a server with runc dynos on a bridge and a /24 of its own, picked at
// random in 10.second.0.0/16 (each test passes its own second octet, so tests running side
// by side never share addresses), and at cleanup stops whatever its dynos left. args start
// the server again alike.
func runcServer(t *testing.T, second int) (env *beratest.Env, args []string) {
	t.Helper()
	return runcServerIn(t, second, "")
}

// runcServerIn is runcServer on the data dir dataDir ("" for a new one).
func runcServerIn(t *testing.T, second int, dataDir string) (env *beratest.Env, args []string) {
	t.Helper()
	return runcServerWith(t, second, dataDir)
}

// runcServerWith is runcServerIn with more server flags.
func runcServerWith(t *testing.T, second int, dataDir string, extra ...string) (env *beratest.Env, args []string) {
	t.Helper()
	if err := runc.Available(); err != nil {
		beratest.Missing(t, "runc dynos are not available: "+err.Error()+" (apt-get install runc; run as root)")
	}
	beratest.Require(t, "python3", "apt-get install python3")
	n := rand.IntN(9000) + 1000
	bridge, subnet := fmt.Sprintf("berat%d", n), fmt.Sprintf("10.%d.%d.0/24", second, n%250)
	args = append([]string{"--runtime", "runc", "--runc-bridge", bridge, "--runc-subnet", subnet}, extra...)
	t.Cleanup(func() { runc.RemoveNetwork(context.Background(), bridge) })
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	// Registered before the server starts, so it runs after the server stopped: a server
	// still running would restart the dynos it stops.
	t.Cleanup(func() { removeContainers(t, dataDir, bridge, subnet) })
	env = beratest.NewWith(t, beratest.Options{Args: args, DataDir: dataDir})
	return env, args
}

// TestRunc_ScaleCrashAdopt runs an app in runc dynos: scale 0→5→1→3, a dyno killed with
// SIGKILL is restarted while the others serve, and a crash of the server itself loses no
// dyno and duplicates none.
func TestRunc_ScaleCrashAdopt(t *testing.T) {
	env, args := runcServer(t, 101)
	dataDir := env.DataDir

	env.Bera(t, "", nil, "apps:create", "boxed")
	dir := env.SampleApp(t, "procfile-hello", "boxed")
	if out, err := env.Push(t, dir, "main"); err != nil {
		t.Fatalf("git push: %v\n%s\n%s", err, out, env.Stderr.String())
	}
	env.WaitBody(t, "boxed", "/", "hello from procfile")

	scale := func(env *beratest.Env, q int) {
		t.Helper()
		env.MustBera(t, "ps:scale", fmt.Sprintf("web=%d", q), "-a", "boxed")
		beratest.Eventually(t, time.Minute, fmt.Sprintf("%d dynos up and running", q), func() bool {
			return upDynos(t, env, "boxed") == q && len(runcContainers(t, dataDir)) == q
		})
	}
	scale(env, 5)
	for range 40 {
		if code, _ := env.Get(t, "boxed", "/"); code != 200 {
			t.Fatalf("request through the router: %d", code)
		}
	}
	logs, _, _ := env.Bera(t, "", nil, "logs", "-a", "boxed", "-d", "router", "-n", "40")
	served := map[string]bool{}
	for _, f := range strings.Fields(logs) {
		if strings.HasPrefix(f, "dyno=web.") {
			served[f] = true
		}
	}
	if len(served) < 3 {
		t.Errorf("40 requests over 5 dynos reached only %v", served)
	}
	scale(env, 1)
	scale(env, 3)

	// SIGKILL one dyno's process: it is restarted and the others keep serving.
	var killed string
	for name, pid := range runcContainers(t, dataDir) {
		syscall.Kill(pid, syscall.SIGKILL)
		killed = name
		break
	}
	// The dyno may be restarted faster than a poll of the API would see it down: wait for
	// the runtime to delete its container (the restarted dyno is a new one).
	beratest.Eventually(t, time.Minute, "the platform to notice the killed dyno", func() bool {
		_, err := os.Stat(filepath.Join(dataDir, "runc", "state", killed))
		return os.IsNotExist(err)
	})
	for range 20 {
		if code, body := env.Get(t, "boxed", "/"); code != 200 {
			t.Errorf("request after a dyno was killed: %d %s", code, body)
		}
	}
	beratest.Eventually(t, time.Minute, "the killed dyno to be restarted", func() bool {
		return upDynos(t, env, "boxed") == 3 && len(runcContainers(t, dataDir)) == 3
	})

	// Crash the server: the dynos keep serving, and a new server adopts exactly them.
	before := runcContainers(t, dataDir)
	env.Kill(t)
	current := beratest.NewWith(t, beratest.Options{DataDir: dataDir, DatabaseURL: env.DatabaseURL, Args: args})
	current.WaitBody(t, "boxed", "/", "hello from procfile")
	beratest.Eventually(t, time.Minute, "3 adopted dynos", func() bool { return upDynos(t, current, "boxed") == 3 })
	after := runcContainers(t, dataDir)
	if fmt.Sprint(keys(before)) != fmt.Sprint(keys(after)) {
		t.Errorf("containers before the crash %v, after the restart %v", keys(before), keys(after))
	}
	// The adopted dynos are fully managed: scaling to 0 stops them all.
	scale(current, 0)
}

// TestRunc_DeletedAppReaped: an app deleted while the server is down (as after an
// apps:destroy whose dynos the server had no time to stop) leaves containers nobody would
// stop; the next server stops them at start.
func TestRunc_DeletedAppReaped(t *testing.T) {
	env, args := runcServer(t, 105)
	dataDir := env.DataDir

	env.Bera(t, "", nil, "apps:create", "doomed")
	dir := env.SampleApp(t, "procfile-hello", "doomed")
	if out, err := env.Push(t, dir, "main"); err != nil {
		t.Fatalf("git push: %v\n%s\n%s", err, out, env.Stderr.String())
	}
	env.WaitBody(t, "doomed", "/", "hello from procfile")
	env.Kill(t)
	if len(runcContainers(t, dataDir)) == 0 {
		t.Fatal("the killed server's dyno is gone already: the test proves nothing")
	}
	deleteApp(t, env, "doomed")

	beratest.NewWith(t, beratest.Options{DataDir: dataDir, DatabaseURL: env.DatabaseURL, Args: args})
	beratest.Eventually(t, time.Minute, "the deleted app's dynos to be stopped and removed", func() bool { return noContainers(t, dataDir) })
}

// deleteApp deletes an app straight from a stopped server's store.
func deleteApp(t *testing.T, env *beratest.Env, name string) {
	t.Helper()
	ctx := context.Background()
	key, err := secret.LoadOrCreateKey(filepath.Join(env.DataDir, "secret.key"), "")
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Config{DatabaseURL: env.DatabaseURL, SQLitePath: filepath.Join(env.DataDir, "bera.db"), Cipher: box})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	app, err := st.App(ctx, name)
	if err == nil {
		err = st.DeleteApp(ctx, app.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// removeContainers stops whatever a failed test left in a runc root, through the runtime
// itself so that network namespaces, veths and cgroups go too.
func removeContainers(t *testing.T, dataDir, bridge, subnet string) {
	dynosDir := filepath.Join(dataDir, "runc", "dynos")
	dynos, _ := os.ReadDir(dynosDir)
	if len(runcContainers(t, dataDir)) > 0 || len(dynos) > 0 {
		stopLeftovers(t, dataDir, bridge, subnet)
	}
	// Last resort, for a server killed while it started a dyno: a shim that creates its
	// container after the runtime looked, or processes whose runc state was never written.
	// A shim with an empty cgroup is one finishing a stop; processes in a cgroup are a dyno
	// left running.
	for _, d := range dynos {
		killShims(filepath.Join(dynosDir, d.Name()))
		if n := runc.KillCgroup("bera-" + d.Name()); n > 0 {
			t.Errorf("dyno %s was left starting or running (%d processes killed)", d.Name(), n)
		}
	}
}

// stopLeftovers stops, through the runtime, every dyno the server left under dataDir.
func stopLeftovers(t *testing.T, dataDir, bridge, subnet string) {
	rt, err := runc.New(context.Background(), runc.Config{Root: filepath.Join(dataDir, "runc"), Bridge: bridge, Subnet: netip.MustParsePrefix(subnet)})
	if err != nil {
		t.Errorf("open the runc runtime to clean up: %v", err)
		return
	}
	defer rt.Close()
	list, _ := rt.List(context.Background())
	for _, st := range list {
		if st.State == runtime.StateRunning {
			t.Errorf("dyno %s (%s) left running; stopping it", st.Name, st.ID)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if _, err := rt.Stop(ctx, st.ID, 0); err != nil {
			t.Logf("stop dyno %s: %v", st.Name, err)
		}
		cancel()
	}
}

func keys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// killShims kills the process groups of the runc shims whose command line names dir.
func killShims(dir string) int {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	n := 0
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(b), dir+"\x00") {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err != nil {
			continue
		}
		if pgid, err := syscall.Getpgid(pid); err == nil && pgid == pid {
			syscall.Kill(-pid, syscall.SIGKILL) //nolint:errcheck // it may have exited
			n++
		}
	}
	return n
}
