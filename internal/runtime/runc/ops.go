package runc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime"
)

func (r *Runtime) lookup(id string) (*dyno, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, runtime.ErrClosed
	}
	if d := r.dynos[id]; d != nil {
		return d, nil
	}
	return nil, runtime.NotFound(id)
}

// Stop sends SIGTERM to every process of the dyno, SIGKILL after grace, waits for the exit
// and the output, then deletes the container, its cgroup, network and directory.
func (r *Runtime) Stop(ctx context.Context, id string, grace time.Duration) (runtime.Status, error) {
	d, err := r.lookup(id)
	if err != nil {
		return runtime.Status{}, err
	}
	killed, err := r.terminate(ctx, d, grace)
	if err != nil {
		return runtime.Status{}, fmt.Errorf("stop dyno %s: %w", id, err)
	}
	st := d.snapshot()
	st.Killed = killed
	if err := r.remove(context.WithoutCancel(ctx), d); err != nil {
		return st, fmt.Errorf("stop dyno %s: %w", id, err)
	}
	r.log.InfoContext(ctx, "dyno stopped", "app", st.App, "dyno", st.Name, "exit", st.ExitCode, "killed", killed)
	return st, nil
}

// terminate stops d if it runs and reports whether SIGKILL was needed.
func (r *Runtime) terminate(ctx context.Context, d *dyno, grace time.Duration) (bool, error) {
	select {
	case <-d.done:
		return false, nil
	default:
	}
	r.runc(ctx, "kill", "--all", d.meta.ContainerID, "TERM")
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-d.done:
		return false, nil
	case <-timer.C:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	r.runc(ctx, "kill", "--all", d.meta.ContainerID, "KILL")
	return true, d.wait(ctx)
}

// remove deletes everything the dyno had and forgets it.
func (r *Runtime) remove(ctx context.Context, d *dyno) error {
	err := r.runc(ctx, "delete", "--force", d.meta.ContainerID)
	if err != nil && !strings.Contains(err.Error(), "does not exist") {
		return err
	}
	if a, err := netip.ParseAddr(d.meta.IP); err == nil {
		r.dismiss(a)
	}
	r.netOf(d.meta.Network).detach(ctx, d.meta.ContainerID)
	if err := unmountDisk(d.dir); err != nil {
		return err
	}
	if err := os.RemoveAll(d.dir); err != nil {
		return fmt.Errorf("remove dyno dir: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.dynos, d.meta.ID)
	for a, id := range r.ips {
		if id == d.meta.ID {
			delete(r.ips, a)
		}
	}
	return nil
}

// Signal sends sig to every process of the dyno. The shell at pid 1 ignores signals it has
// no handler for, and waits for its command.
func (r *Runtime) Signal(ctx context.Context, id string, sig syscall.Signal) error {
	d, err := r.lookup(id)
	if err != nil {
		return err
	}
	if err := r.runc(ctx, "kill", "--all", d.meta.ContainerID, strconv.Itoa(int(sig))); err != nil {
		return fmt.Errorf("signal dyno %s: %w", id, err)
	}
	return nil
}

// Inspect returns the dyno's status.
func (r *Runtime) Inspect(ctx context.Context, id string) (runtime.Status, error) {
	d, err := r.lookup(id)
	if err != nil {
		return runtime.Status{}, err
	}
	return d.snapshot(), nil
}

// Wait blocks until the dyno has exited and its output is delivered.
func (r *Runtime) Wait(ctx context.Context, id string) (runtime.Status, error) {
	d, err := r.lookup(id)
	if err != nil {
		return runtime.Status{}, err
	}
	if err := d.wait(ctx); err != nil {
		return runtime.Status{}, err
	}
	return d.snapshot(), nil
}

// List returns every dyno, first adopting those on disk that this runtime does not watch
// yet (left by a previous server): their output is delivered again from where it stopped.
func (r *Runtime) List(ctx context.Context) ([]runtime.Status, error) {
	metas, err := r.readMetas()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, runtime.ErrClosed
	}
	for _, m := range metas {
		if r.dynos[m.ID] == nil && !r.reserved[m.ID] && strings.HasPrefix(m.ContainerID, r.cfg.Prefix) {
			r.adoptLocked(m)
		}
	}
	out := make([]runtime.Status, 0, len(r.dynos))
	for _, d := range r.dynos {
		out = append(out, d.snapshot())
	}
	return out, err
}

func (r *Runtime) adoptLocked(m meta) {
	d := newDyno(m, r.dynoDir(m.ID), true)
	d.shimDone = nil
	d.status.PID, _ = readPID(d.dir)
	r.dynos[m.ID] = d
	r.watchLocked(d)
	r.log.Info("dyno adopted", "app", m.App, "dyno", m.Name)
}

// containerStopped reports whether runc says the container is stopped or gone.
func (r *Runtime) containerStopped(cid string) bool {
	out, err := r.runcOutput(r.ctx, "state", cid)
	if err != nil {
		return strings.Contains(err.Error(), "does not exist")
	}
	var st struct{ Status string }
	return json.Unmarshal(out, &st) == nil && st.Status == "stopped"
}

func (r *Runtime) runc(ctx context.Context, args ...string) error {
	_, err := r.runcOutput(ctx, args...)
	return err
}

func (r *Runtime) runcOutput(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, r.cfg.Runc, append([]string{"--root", r.stateDir()}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("runc %s: %w: %s", args[0], err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}
