package buildrun

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/kingvon-ke/bera/internal/build"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
)

// Defaults of Config.
const (
	DefaultMemory = 2 << 30
	DefaultPIDs   = 4096
)

// Config configures a Runner.
type Config struct {
	// Runtime lends its bridge, NAT, seccomp filter and runc binary; required.
	Runtime *runc.Runtime
	// UID runs the steps; required, never 0 (use runtime.AppUID(appID)).
	UID int
	// Memory is the memory limit of one step in bytes, default DefaultMemory; PIDs the task
	// limit, default DefaultPIDs.
	Memory int64
	PIDs   int64
}

// Runner runs build steps in runc sandboxes. It implements build.Runner.
type Runner struct {
	cfg Config
}

var _ build.Remapper = (*Runner)(nil)

// RemapsMounts says the sandbox shows a mount at its Target.
func (r *Runner) RemapsMounts() bool { return true }

// New returns a Runner.
func New(cfg Config) (*Runner, error) {
	if cfg.Runtime == nil {
		return nil, errors.New("new build runner: Runtime is required")
	}
	if cfg.UID <= 0 {
		return nil, errors.New("new build runner: builds cannot run as root")
	}
	if cfg.Memory <= 0 {
		cfg.Memory = DefaultMemory
	}
	if cfg.PIDs <= 0 {
		cfg.PIDs = DefaultPIDs
	}
	return &Runner{cfg: cfg}, nil
}

// ForApp returns a function giving each app a Runner running as the app's uid, for
// deploy.Config.Runner.
func ForApp(rt *runc.Runtime, memory int64) func(appID string) build.Runner {
	return func(appID string) build.Runner {
		r, err := New(Config{Runtime: rt, UID: runtime.AppUID(appID), Memory: memory})
		if err != nil {
			return failing{err}
		}
		return r
	}
}

type failing struct{ err error }

func (f failing) Run(context.Context, build.Step) error { return f.err }

// MemoryError is returned when a step was killed for passing the memory limit.
type MemoryError struct {
	Limit int64
	Err   error
}

// Error says what happened.
func (e *MemoryError) Error() string {
	return "Build exceeded its memory limit of " + FormatSize(e.Limit)
}

// Unwrap returns the exit error.
func (e *MemoryError) Unwrap() error { return e.Err }

// Run runs s in a fresh container and removes everything it made once the step is over.
func (r *Runner) Run(ctx context.Context, s build.Step) error {
	id := "build-" + randomID()
	dir := r.cfg.Runtime.SandboxDir(id)
	defer os.RemoveAll(dir)
	work, err := r.prepareLayers(id, s)
	for _, w := range work {
		defer os.RemoveAll(w)
	}
	if err != nil {
		return fmt.Errorf("sandbox %s: %w", s.Name, err)
	}
	if err := r.prepare(dir, s); err != nil {
		return fmt.Errorf("sandbox %s: %w", s.Name, err)
	}
	ns, err := r.cfg.Runtime.AttachNamespace(ctx, id)
	if err != nil {
		return fmt.Errorf("sandbox %s: %w", s.Name, err)
	}
	defer ns.Release()
	if err := r.writeBundle(dir, s, ns, work); err != nil {
		return fmt.Errorf("sandbox %s: %w", s.Name, err)
	}
	return r.run(ctx, dir, s, ns.Name)
}

// prepare makes the step's rootfs skeleton and /etc and hands the step's directories to
// the build uid.
func (r *Runner) prepare(dir string, s build.Step) error {
	for _, sub := range []string{"rootfs/usr", "rootfs/etc", "rootfs/proc", "rootfs/dev", "rootfs/sys", "rootfs/tmp", "etc/ssl/certs", "state"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	// Mount points of remapped mounts (/workspace, /layers/…): the rootfs is read-only.
	for _, m := range s.Mounts {
		if m.Target == "" {
			continue
		}
		if !filepath.IsAbs(m.Target) || filepath.Clean(m.Target) != m.Target {
			return fmt.Errorf("mount target %q is not a clean absolute path", m.Target)
		}
		if err := os.MkdirAll(filepath.Join(dir, "rootfs", m.Target), 0o755); err != nil {
			return err
		}
	}
	// runc gives the tmpfs the mode of its mount point, not mode=1777.
	if err := os.Chmod(filepath.Join(dir, "rootfs", "tmp"), 0o777|os.ModeSticky); err != nil {
		return err
	}
	for _, link := range []string{"bin", "lib", "lib64", "sbin"} {
		if err := os.Symlink("usr/"+link, filepath.Join(dir, "rootfs", link)); err != nil {
			return err
		}
	}
	home := s.Dir
	for _, e := range s.Env {
		if v, ok := strings.CutPrefix(e, "HOME="); ok {
			home = v
		}
	}
	for name, content := range EtcFiles(r.cfg.UID, home, r.cfg.Runtime.Resolv()) {
		if err := os.WriteFile(filepath.Join(dir, "etc", name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	for _, m := range s.Mounts {
		if m.Lower != "" {
			continue
		}
		if err := chownTree(m.Path, r.cfg.UID); err != nil {
			return err
		}
	}
	return nil
}

// chownTree gives root and everything under it to uid, not following symlinks.
func chownTree(root string, uid int) error {
	return filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, uid)
	})
}

func (r *Runner) writeBundle(dir string, s build.Step, ns *runc.Namespace, work map[string]string) error {
	spec := Spec(Sandbox{Step: s, UID: r.cfg.UID, ContainerID: ns.Name, RootFS: filepath.Join(dir, "rootfs"), OverlayWork: work,
		EtcDir: filepath.Join(dir, "etc"), CACerts: r.cfg.Runtime.CACerts(), NetNS: ns.Path,
		Memory: r.cfg.Memory, PIDs: r.cfg.PIDs, Seccomp: r.cfg.Runtime.Seccomp(), HostWithoutIPv6: r.cfg.Runtime.HostWithoutIPv6()})
	b, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600)
}

// waitDelay is how long a finished step's output may stay open.
const waitDelay = 2 * time.Second

// run runs the container in the foreground (kept, so its cgroup can be read after it
// exits), kills it when ctx ends, and deletes it.
func (r *Runner) run(ctx context.Context, dir string, s build.Step, cid string) error {
	state := filepath.Join(dir, "state")
	runcCmd := func(ctx context.Context, args ...string) *exec.Cmd {
		return exec.CommandContext(ctx, r.cfg.Runtime.Runc(), append([]string{"--root", state}, args...)...)
	}
	cmd := runcCmd(context.WithoutCancel(ctx), "run", "--keep", "--bundle", dir, cid)
	cmd.Stdout, cmd.Stderr = s.Stdout, s.Stderr
	cmd.WaitDelay = waitDelay
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		// The container may not exist yet when ctx ends: keep killing until runc run returns.
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			runcCmd(context.WithoutCancel(ctx), "kill", "--all", cid, "KILL").Run()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Run()
	close(done)
	oom := oomKilled(cid)
	runcCmd(context.WithoutCancel(ctx), "delete", "--force", cid).Run()
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil && oom:
		merr := &MemoryError{Limit: r.cfg.Memory, Err: err}
		fmt.Fprintf(s.Stderr, " !     %s.\n", merr.Error())
		return merr
	case errors.Is(err, exec.ErrWaitDelay):
		return nil
	}
	return err
}

// oomKilled reports whether the kernel killed a task of the container's memory cgroup
// (cgroup v1 memory.oom_control or v2 memory.events).
func oomKilled(cid string) bool {
	for _, f := range []string{"/sys/fs/cgroup/memory/bera/" + cid + "/memory.oom_control", "/sys/fs/cgroup/bera/" + cid + "/memory.events"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) == 2 && f[0] == "oom_kill" && f[1] != "0" {
				return true
			}
		}
	}
	return false
}

func randomID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
