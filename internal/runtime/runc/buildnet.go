package runc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Namespace is a network namespace on the dynos' bridge, with NAT out, lent to something
// that is not a dyno (a build step). Release gives it back.
type Namespace struct {
	// Name is the container id it was made for (the runtime's prefix + the id asked for);
	// use it as the runc container id and cgroup name too.
	Name string
	// Path is the namespace's path, for specs.LinuxNamespace.Path.
	Path    string
	Release func()
}

// AttachNamespace reserves an address for id and creates its network namespace on the
// bridge, exactly as for a dyno. Call Release on the result once the container is gone.
func (r *Runtime) AttachNamespace(ctx context.Context, id string) (*Namespace, error) {
	addr, err := r.reserve(id, "")
	if err != nil {
		return nil, err
	}
	name := r.containerID(id)
	release := func() {
		r.net.detach(context.WithoutCancel(ctx), name)
		r.mu.Lock()
		delete(r.reserved, id)
		delete(r.ips, addr)
		r.mu.Unlock()
	}
	if err := r.net.attach(ctx, name, addr); err != nil {
		release()
		return nil, fmt.Errorf("attach namespace %s: %w", id, err)
	}
	return &Namespace{Name: name, Path: NetNSPath(name), Release: release}, nil
}

// SandboxDir is the directory of the sandbox id (a build step): its bundle, rootfs and
// runc state. Keep the runc state of its container in SandboxDir(id)/state and the
// directory for as long as the container or its namespace exists: a runtime starting on
// the same Root reaps every sandbox directory it finds (a server killed during a build
// left it), with its container and namespace.
func (r *Runtime) SandboxDir(id string) string { return filepath.Join(r.sandboxesDir(), id) }

func (r *Runtime) sandboxesDir() string { return filepath.Join(r.cfg.Root, "builds") }

// reapSandboxes kills and removes the sandboxes a previous runtime on Root left: their
// containers, cgroups, network namespaces and directories. Their addresses were never
// recorded, so once the namespaces are gone they are free. It runs before this runtime
// hands out anything, so every sandbox it finds is an orphan.
func (r *Runtime) reapSandboxes(ctx context.Context) error {
	entries, err := os.ReadDir(r.sandboxesDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("reap build sandboxes: %w", err)
	}
	var errs []error
	for _, e := range entries {
		dir := r.SandboxDir(e.Name())
		cid := r.containerID(e.Name())
		runcAt := func(args ...string) error {
			return run(ctx, nil, r.cfg.Runc, append([]string{"--root", filepath.Join(dir, "state")}, args...)...)
		}
		runcAt("kill", "--all", cid, "KILL") //nolint:errcheck // it may have exited or never started
		if err := runcAt("delete", "--force", cid); err != nil && !containerMissing(err) {
			errs = append(errs, fmt.Errorf("reap build sandbox %s: %w", e.Name(), err))
			continue
		}
		r.net.detach(ctx, cid)
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("reap build sandbox %s: %w", e.Name(), err))
			continue
		}
		r.log.Warn("reaped a build sandbox left by a previous server", "sandbox", e.Name())
	}
	return errors.Join(errs...)
}

// containerMissing reports whether a runc error says the container does not exist.
func containerMissing(err error) bool {
	return err != nil && strings.Contains(err.Error(), "does not exist")
}

// Seccomp returns the runtime's syscall filter, the one its dynos get.
func (r *Runtime) Seccomp() *specs.LinuxSeccomp { return r.seccomp }

// HostWithoutIPv6 reports whether the host has no IPv6 (see Bundle.HostWithoutIPv6).
func (r *Runtime) HostWithoutIPv6() bool { return r.noIPv6 }

// Resolv returns the host's resolv.conf as the runtime read it.
func (r *Runtime) Resolv() string { return r.resolv }

// Root returns the runtime's state root directory (absolute).
func (r *Runtime) Root() string { return r.cfg.Root }

// CACerts returns the host directory of CA certificates given to dynos.
func (r *Runtime) CACerts() string { return r.cfg.CACerts }

// Runc returns the runc binary the runtime uses.
func (r *Runtime) Runc() string { return r.cfg.Runc }
