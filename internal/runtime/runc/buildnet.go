package runc

import (
	"context"
	"fmt"

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
	addr, err := r.reserve(id)
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

// Seccomp returns the runtime's syscall filter, the one its dynos get.
func (r *Runtime) Seccomp() *specs.LinuxSeccomp { return r.seccomp }

// Resolv returns the host's resolv.conf as the runtime read it.
func (r *Runtime) Resolv() string { return r.resolv }

// Root returns the runtime's state root directory (absolute).
func (r *Runtime) Root() string { return r.cfg.Root }

// CACerts returns the host directory of CA certificates given to dynos.
func (r *Runtime) CACerts() string { return r.cfg.CACerts }

// Runc returns the runc binary the runtime uses.
func (r *Runtime) Runc() string { return r.cfg.Runc }
