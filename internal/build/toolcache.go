package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ToolCache is the machine's shared Go build cache: the standard library (and whatever a
// trivial web program imports) compiled once per server by trusted work, then shown to every
// app's build read-only, below the app's own layer (Options.ToolCache). Only Warm writes it;
// app builds never do.
//
// On disk, under Dir: go/KEY (go is mode 0700, root only) is a finished Go build cache for one
// toolchain (KEY names the Go version, OS and architecture), created by an atomic rename and
// never changed afterwards; ready says which layer is current; lock serialises warm-ups of
// servers sharing the directory; empty is the lower layer used while nothing is warm.
//
// In a finished layer directories are mode 01777 and files 0644, owned by root: through an
// overlay a build can add its own entries beside the machine's but can neither change nor
// delete them (the sticky bit), so the Go cache's trimming cannot erase them either.
type ToolCache struct {
	dir string

	mu      sync.Mutex
	ready   string        // the finished layer, "" until known
	warming chan struct{} // closed when the running Warm returns; nil when none runs
	prio    *Priority     // the running Warm's, raised by a build that waits for it
}

// OpenToolCache opens (creating) the machine cache directory dir and adopts a layer an
// earlier warm-up finished for this machine's Go.
func OpenToolCache(dir string) (*ToolCache, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("tool cache: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("tool cache: %w", err)
	}
	// Layers hold directories of mode 01777: only root may reach them from the host (builds
	// reach them through their overlay, which looks them up as root). dir itself may be any
	// directory the operator chose, so it is left as it is.
	for _, name := range []string{"go", "empty"} {
		d := filepath.Join(abs, name)
		if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("tool cache: %w", err)
		}
		if fi, err := os.Lstat(d); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("tool cache: %s is not a directory", d)
		}
		if err := os.Chmod(d, 0o700); err != nil {
			return nil, fmt.Errorf("tool cache: %w", err)
		}
	}
	c := &ToolCache{dir: abs}
	if key, err := goKey(); err == nil && isDir(c.layer(key)) {
		c.ready = c.layer(key)
	}
	return c, nil
}

// Dir returns the machine cache directory.
func (c *ToolCache) Dir() string { return c.dir }

func (c *ToolCache) layer(key string) string { return filepath.Join(c.dir, "go", key) }

// GoCache returns the lower layer for an app's Go build cache: the finished machine layer,
// or an empty directory when there is none. With wait, a warm-up still running is waited
// for (until ctx ends): it compiles what the build would compile, so waiting is never
// slower than compiling beside it on the same cores. Waiting raises the warm-up from its
// idle priority to the server's, so that a busy machine cannot starve the build through it.
func (c *ToolCache) GoCache(ctx context.Context, wait bool) string {
	c.mu.Lock()
	ready, warming, prio := c.ready, c.warming, c.prio
	c.mu.Unlock()
	if ready == "" && wait && warming != nil {
		prio.Raise() // a waiting build must not wait behind idle-priority work
		select {
		case <-warming:
		case <-ctx.Done():
		}
		c.mu.Lock()
		ready = c.ready
		c.mu.Unlock()
	}
	if ready == "" {
		return filepath.Join(c.dir, "empty")
	}
	return ready
}

// Ready reports the finished layer's directory, "" when there is none yet.
func (c *ToolCache) Ready() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ready
}

// WarmOptions configures Warm.
type WarmOptions struct {
	// BuildEnv is the deployer's (so the toolchain settings match app builds').
	BuildEnv map[string]string
	// Output receives the warm-up build's output; nil discards it.
	Output io.Writer
}

// Warm fills the machine layer for this machine's Go, unless it is there already: it builds
// a small embedded Go web program with the built-in Go buildpack, the same flags and
// environment as app builds (so the Go cache's action IDs match), as a plain trusted process
// at the lowest CPU priority (SCHED_IDLE, nice 19: dynos that start meanwhile keep the CPU;
// raised to the server's own once an app's build waits for it, see GoCache)
// with GOCACHE in a staging directory, then renames the finished cache into place. Servers
// sharing the directory take turns through a file lock; the second one adopts the first's
// layer. Without a Go toolchain there is nothing to warm and Warm returns nil.
func (c *ToolCache) Warm(ctx context.Context, opts WarmOptions) error {
	done := make(chan struct{})
	c.mu.Lock()
	if c.ready != "" || c.warming != nil {
		c.mu.Unlock()
		return nil
	}
	c.warming, c.prio = done, &Priority{}
	prio := c.prio
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.warming, c.prio = nil, nil
		c.mu.Unlock()
		close(done)
	}()
	key, err := goKey()
	if err != nil {
		return nil // no Go here
	}
	unlock, err := lockFile(ctx, filepath.Join(c.dir, "lock"))
	if err != nil {
		return fmt.Errorf("tool cache: %w", err)
	}
	defer unlock()
	// Staging directories of a warm-up that was killed; only the lock's holder makes them.
	if stale, _ := filepath.Glob(filepath.Join(c.dir, "go", ".warm-*")); len(stale) > 0 {
		for _, d := range stale {
			os.RemoveAll(d)
		}
	}
	layer := c.layer(key)
	if !isDir(layer) {
		if err := c.build(ctx, layer, opts, prio); err != nil {
			return err
		}
		os.WriteFile(filepath.Join(c.dir, "ready"), []byte(key+" "+layer+"\n"), 0o644)
	}
	c.mu.Lock()
	c.ready = layer
	c.mu.Unlock()
	return nil
}

// warmMain is the program Warm builds: what a typical Go web app imports.
const warmMain = `package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"t": time.Now(), "p": strings.ToUpper(r.URL.Path)})
	})
	ln, err := net.Listen("tcp", ":"+os.Getenv("PORT"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("listening")
	log.Fatal(http.Serve(ln, nil))
}
`

// build compiles the warm-up program into a staging cache and renames it to layer.
func (c *ToolCache) build(ctx context.Context, layer string, opts WarmOptions, prio *Priority) error {
	stage, err := os.MkdirTemp(filepath.Join(c.dir, "go"), ".warm-")
	if err != nil {
		return fmt.Errorf("tool cache: %w", err)
	}
	defer os.RemoveAll(stage)
	src := filepath.Join(stage, "src")
	if err := os.MkdirAll(src, 0o700); err != nil {
		return fmt.Errorf("tool cache: %w", err)
	}
	files := map[string]string{"go.mod": "module bera.local/warm\n\ngo 1.22\n", "main.go": warmMain, "Procfile": "web: bin/warm\n"}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("tool cache: %w", err)
		}
	}
	cache := filepath.Join(stage, "cache")
	_, err = Build(ctx, Options{SourceDir: src, CacheDir: cache, Buildpacks: []string{"heroku/go"},
		BuildEnv: opts.BuildEnv, Output: opts.Output, WorkDir: stage, Runner: ProcessRunner{Background: prio}})
	if err != nil {
		return fmt.Errorf("tool cache: warm-up build: %w", err)
	}
	gocache := filepath.Join(cache, "go-build")
	// Each app keeps its own trim bookkeeping in its layer.
	os.Remove(filepath.Join(gocache, "trim.txt"))
	if err := sealLayer(gocache); err != nil {
		return fmt.Errorf("tool cache: %w", err)
	}
	if err := os.Rename(gocache, layer); err != nil {
		return fmt.Errorf("tool cache: %w", err)
	}
	return nil
}

// sealLayer gives a finished layer to root: directories 01777 (an overlay above may add
// entries but not remove root's), files 0644, nothing else.
func sealLayer(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(p, 0, 0); err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.Chmod(p, 0o777|os.ModeSticky)
		case d.Type().IsRegular():
			return os.Chmod(p, 0o644)
		}
		return os.Remove(p)
	})
}

// goBin is the go command the built-in Go buildpack uses.
func goBin() (string, error) {
	if fi, err := os.Stat("/usr/local/go/bin/go"); err == nil && !fi.IsDir() {
		return "/usr/local/go/bin/go", nil
	}
	return exec.LookPath("go")
}

// goKey names this machine's Go: "go1.26.8-linux-amd64".
func goKey() (string, error) {
	bin, err := goBin()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(bin, "env", "GOVERSION", "GOOS", "GOARCH")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		return "", err
	}
	f := strings.Fields(string(out))
	if len(f) != 3 {
		return "", errors.New("go env: unexpected output")
	}
	return strings.Join(f, "-"), nil
}

// lockFile takes an exclusive flock on path, polling so ctx can end the wait.
func lockFile(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
