// Package beratest is the end-to-end harness: it builds the bera binary once per test
// binary, starts `bera server` on free loopback ports with a temporary data dir, and runs the
// CLI and HTTP requests against it, as a user would.
//
//	env := beratest.New(t)
//	out, _, code := env.Bera(t, "", nil, "apps:create", "demo")
//
// Set BERA_TEST_DB=postgres to run the server on a fresh PostgreSQL database (created on
// BERA_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test) instead of SQLite.
package beratest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Env is one running bera server and a HOME for clients.
type Env struct {
	APIURL    string // http://127.0.0.1:PORT
	RouterURL string // http://127.0.0.1:PORT
	AdminKey  string
	DataDir   string
	Bin       string // the bera binary
	Home      string // a HOME for CLI runs (netrc, git config)
	// DatabaseURL is the server's PostgreSQL database, "" on SQLite.
	DatabaseURL string
	Stderr      *SyncBuffer
	cmd         *exec.Cmd
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds ./cmd/bera once per test binary and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bera-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "bera")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/bera")
		cmd.Dir = moduleRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// FreeAddr returns a free 127.0.0.1:PORT.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Options change how New starts the server.
type Options struct {
	// Env is added to the server's environment (e.g. "BERA_ADMIN_PASSWORD=…").
	Env []string
	// Args are added to `bera server`.
	Args []string
	// DataDir reuses a data dir (to test restarts); default a new temp dir.
	DataDir string
	// DatabaseURL reuses a PostgreSQL database (with DataDir, to test restarts).
	DatabaseURL string
	// RelativeData starts the server in a new working directory with `--data ./.bera`, as
	// scripts/server does; Env.DataDir is still the absolute path. Not with DataDir.
	RelativeData bool
	// APIAddr and RouterAddr reuse a previous server's listen addresses (to test
	// restarts); default free ports.
	APIAddr, RouterAddr string
}

// MachineCache is the machine build cache (bera server --machine-cache) test servers and
// tests share, so the standard library is compiled once per machine and Go version.
func MachineCache() string { return filepath.Join(os.TempDir(), "bera-test-machine-cache") }

// New starts a server with default options.
func New(t testing.TB) *Env { return NewWith(t, Options{}) }

// NewWith starts `bera server` and stops it (SIGTERM, expecting a clean exit) at cleanup.
func NewWith(t testing.TB, o Options) *Env {
	t.Helper()
	e := &Env{Bin: Binary(t), DataDir: o.DataDir, Home: t.TempDir(), Stderr: &SyncBuffer{}}
	var workDir string
	if o.RelativeData {
		workDir = t.TempDir()
		e.DataDir = filepath.Join(workDir, ".bera")
	} else if e.DataDir == "" {
		e.DataDir = t.TempDir()
	}
	dataFlag := e.DataDir
	if o.RelativeData {
		dataFlag = "./.bera"
	}
	api, router := o.APIAddr, o.RouterAddr
	if api == "" {
		api = FreeAddr(t)
	}
	if router == "" {
		router = FreeAddr(t)
	}
	e.APIURL, e.RouterURL = "http://"+api, "http://"+router
	args := append([]string{"server", "--data", dataFlag, "--listen", api, "--router-listen", router, "--runtime", "process"}, o.Args...)
	if !slices.Contains(o.Args, "--machine-cache") {
		// One machine cache for every test server: warmed once per machine, not per server.
		args = append(args, "--machine-cache", MachineCache())
	}
	if e.DatabaseURL = o.DatabaseURL; e.DatabaseURL == "" {
		e.DatabaseURL = database(t)
	}
	if e.DatabaseURL != "" {
		args = append(args, "--database-url", e.DatabaseURL)
	}
	e.cmd = exec.Command(e.Bin, args...)
	e.cmd.Dir = workDir
	e.cmd.Env = append(cleanEnv(), o.Env...)
	e.cmd.Stdout, e.cmd.Stderr = e.Stderr, e.Stderr
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Stop(t); killAddons(e.DataDir) })
	e.waitReady(t)
	return e
}

// Stop sends SIGTERM and waits for a clean exit.
func (e *Env) Stop(t testing.TB) {
	if e.cmd == nil || e.cmd.ProcessState != nil {
		return
	}
	e.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- e.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("bera server exited uncleanly after SIGTERM: %v\n%s", err, e.Stderr.String())
		}
	case <-time.After(30 * time.Second):
		// SIGQUIT makes the Go runtime print every goroutine's stack: what the shutdown
		// waits for is then in the failure.
		e.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			e.cmd.Process.Kill()
			<-done
		}
		t.Errorf("bera server did not stop within 30 s of SIGTERM (its goroutines, from SIGQUIT, at the end)\n%s", e.Stderr.String())
	}
}

// waitReady polls /health and reads DATA/admin.key.
func (e *Env) waitReady(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if e.cmd.ProcessState != nil {
			break
		}
		resp, err := http.Get(e.APIURL + "/health")
		if err == nil {
			resp.Body.Close()
			if key, err := os.ReadFile(filepath.Join(e.DataDir, "admin.key")); err == nil && resp.StatusCode == 200 {
				e.AdminKey = strings.TrimSpace(string(key))
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("bera server did not become ready\n%s", e.Stderr.String())
}

// cleanEnv is the test process's environment without BERA_* and HEROKU_* variables.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BERA_") && !strings.HasPrefix(kv, "HEROKU_") {
			out = append(out, kv)
		}
	}
	return out
}

// Bera runs the CLI in dir (the Home when empty) with HOME=e.Home, BERA_API_URL and
// BERA_API_KEY=admin key unless env overrides them. It returns stdout, stderr and the exit code.
func (e *Env) Bera(t testing.TB, dir string, env []string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.Bin, args...)
	if dir == "" {
		dir = e.Home
	}
	cmd.Dir = dir
	cmd.Env = append(e.BeraEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run bera %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

// SyncBuffer is a bytes.Buffer safe for concurrent writes (the server's output, a logger shared with a test).
type SyncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// CreateUser adds an account with `bera admin users:create` (with a password when pw is not
// empty) and returns its API key.
func (e *Env) CreateUser(t testing.TB, email, pw string) string {
	t.Helper()
	args := []string{"admin", "users:create", email, "--data", e.DataDir}
	if e.DatabaseURL != "" {
		args = append(args, "--database-url", e.DatabaseURL)
	}
	if pw != "" {
		args = append(args, "--password-stdin")
	}
	cmd := exec.Command(e.Bin, args...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(pw + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bera admin users:create %s: %v\n%s", email, err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// Kill stops the server with SIGKILL, as a crash would; dynos of a runtime that survives
// restarts keep running.
func (e *Env) Kill(t testing.TB) {
	t.Helper()
	if e.cmd == nil || e.cmd.ProcessState != nil {
		return
	}
	e.cmd.Process.Kill()
	e.cmd.Wait()
}
