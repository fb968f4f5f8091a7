// Package process runs dynos as plain child processes of the server, for development on
// machines without runc. It isolates nothing: a dyno runs as the server's user, sees its
// files and network, and has no resource limits. Dynos die with the server (each is killed
// when the server process exits), so List never adopts anything.
package process

import (
	"context"
	"fmt"
	"github.com/kingvon-ke/bera"
	"log/slog"
	"sync"
	"syscall"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime"
)

var _ runtime.Runtime = (*Runtime)(nil)
var _ runtime.Attacher = (*Runtime)(nil)

// Config configures a process runtime.
type Config struct {
	// Output receives every line the dynos write; nil discards them. It is called from the
	// runtime's reader goroutines, one per stream, and should not block for long.
	Output func(runtime.Line)
	// Logger logs what the runtime does; nil means slog.Default().
	Logger *slog.Logger
}

// Runtime runs dynos as child processes. Create it with New.
type Runtime struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex // guards the following
	dynos  map[string]*dyno
	closed bool
}

// New returns a process runtime.
func New(cfg Config) *Runtime {
	if cfg.Output == nil {
		cfg.Output = func(runtime.Line) {}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Runtime{cfg: cfg, log: cfg.Logger.With("component", "runtime", "backend", "process"), dynos: map[string]*dyno{}}
}

// Capabilities reports that this backend isolates nothing and keeps nothing.
func (r *Runtime) Capabilities() runtime.Capabilities {
	return runtime.Capabilities{}
}

// Start starts the dyno's command in its own process group, in spec.SlugDir.
func (r *Runtime) Start(ctx context.Context, spec runtime.DynoSpec) (runtime.Status, error) {
	d, err := r.start(ctx, spec, nil)
	if err != nil {
		return runtime.Status{}, err
	}
	return d.snapshot(), nil
}

// Attach starts a one-off dyno wired to the returned session.
func (r *Runtime) Attach(ctx context.Context, spec runtime.DynoSpec, tty bool) (*runtime.Session, error) {
	stdio, err := runtime.NewStdio(tty)
	if err != nil {
		return nil, err
	}
	if _, err := r.start(ctx, spec, stdio); err != nil {
		stdio.CloseChild()
		stdio.Session.Close()
		return nil, err
	}
	stdio.Session.ID = spec.ID
	return stdio.Session, nil
}

func (r *Runtime) start(ctx context.Context, spec runtime.DynoSpec, stdio *runtime.Stdio) (*dyno, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if len(spec.ImageLayers) > 0 {
		return nil, bera.Errorf(bera.EInvalid, "Dyno %s: running a Cloud Native Buildpacks image needs the runc runtime (--runtime runc).", spec.Name)
	}
	if spec.Network != "" {
		return nil, bera.Errorf(bera.EInvalid, "Dyno %s is in a Private Space, and dynos on the host's network cannot be: use the runc runtime.", spec.Name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.closed:
		return nil, runtime.ErrClosed
	case r.dynos[spec.ID] != nil:
		return nil, runtime.Conflict(spec.ID)
	}
	d, err := startDyno(spec, r.cfg.Output, stdio)
	if err != nil {
		return nil, fmt.Errorf("start dyno %s: %w", spec.ID, err)
	}
	r.dynos[spec.ID] = d
	r.log.InfoContext(ctx, "dyno started", "app", spec.App, "dyno", spec.Name, "pid", d.pid)
	return d, nil
}

func (r *Runtime) lookup(id string) (*dyno, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d := r.dynos[id]; d != nil {
		return d, nil
	}
	return nil, runtime.NotFound(id)
}

// Stop sends SIGTERM to the dyno's processes, SIGKILL to its process group after grace,
// waits for it and forgets it.
func (r *Runtime) Stop(ctx context.Context, id string, grace time.Duration) (runtime.Status, error) {
	d, err := r.lookup(id)
	if err != nil {
		return runtime.Status{}, err
	}
	st, err := d.stop(ctx, grace)
	if err != nil {
		return st, fmt.Errorf("stop dyno %s: %w", id, err)
	}
	r.mu.Lock()
	delete(r.dynos, id)
	r.mu.Unlock()
	return st, nil
}

// Signal sends sig to every process of the dyno but its shell, which waits for them.
func (r *Runtime) Signal(ctx context.Context, id string, sig syscall.Signal) error {
	d, err := r.lookup(id)
	if err != nil {
		return err
	}
	return d.signal(sig)
}

// Inspect returns the dyno's status.
func (r *Runtime) Inspect(ctx context.Context, id string) (runtime.Status, error) {
	d, err := r.lookup(id)
	if err != nil {
		return runtime.Status{}, err
	}
	return d.snapshot(), nil
}

// Wait blocks until the dyno exits and its output is delivered.
func (r *Runtime) Wait(ctx context.Context, id string) (runtime.Status, error) {
	d, err := r.lookup(id)
	if err != nil {
		return runtime.Status{}, err
	}
	select {
	case <-d.done:
		return d.snapshot(), nil
	case <-ctx.Done():
		return runtime.Status{}, ctx.Err()
	}
}

// List returns the dynos started by this runtime; it never adopts any.
func (r *Runtime) List(ctx context.Context) ([]runtime.Status, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]runtime.Status, 0, len(r.dynos))
	for _, d := range r.dynos {
		out = append(out, d.snapshot())
	}
	return out, nil
}

// Close kills every dyno at once (process dynos cannot outlive the server) and waits for them.
func (r *Runtime) Close() error {
	r.mu.Lock()
	r.closed = true
	dynos := r.dynos
	r.dynos = map[string]*dyno{}
	r.mu.Unlock()
	for _, d := range dynos {
		d.stop(context.Background(), 0)
	}
	return nil
}
