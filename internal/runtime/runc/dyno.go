package runc

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime"
)

// pollInterval is how often a dyno's goroutines look at its exit and output files when
// inotify does not watch its directory (see notify.go).
const pollInterval = 50 * time.Millisecond

// stateInterval is how often runc is asked about an adopted dyno whose shim may be gone.
const stateInterval = time.Second

// dyno is one container and the goroutines that watch it.
type dyno struct {
	meta     meta
	dir      string
	logs     bool          // output goes to log files (false for attached dynos)
	shimDone chan struct{} // closed when this process reaped the shim; nil if adopted
	exited   chan struct{} // closed when the container has exited
	done     chan struct{} // closed when output is delivered and status is final
	wakes    *wakes        // wake-ups from inotify, nil until watched and if not watched
	poll     time.Duration // how often the goroutines look anyway

	mu     sync.Mutex // guards the following
	status runtime.Status
}

func newDyno(m meta, dir string, logs bool) *dyno {
	return &dyno{meta: m, dir: dir, logs: logs, shimDone: make(chan struct{}),
		exited: make(chan struct{}), done: make(chan struct{}), status: m.status()}
}

func (d *dyno) snapshot() runtime.Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status
}

// wakeFor returns the channel that wakes the reader of file kind ("exit", "stdout",
// "stderr"); nil (never ready) when d is not watched.
func (d *dyno) wakeFor(kind string) <-chan struct{} {
	if d.wakes == nil {
		return nil
	}
	switch kind {
	case "exit":
		return d.wakes.exit
	case "stdout":
		return d.wakes.stdout
	}
	return d.wakes.stderr
}

// watchLocked starts the goroutines that deliver d's output and notice its exit.
func (r *Runtime) watchLocked(d *dyno) {
	w := newWakes()
	d.poll = pollInterval
	if err := r.notify.watch(d.dir, w); err == nil {
		d.wakes, d.poll = w, watchedPoll
	}
	var tails sync.WaitGroup
	if d.logs {
		for _, s := range []runtime.Stream{runtime.Stdout, runtime.Stderr} {
			tails.Add(1)
			r.wg.Go(func() { defer tails.Done(); r.tail(d, s) })
		}
	}
	r.wg.Go(func() { r.monitor(d, &tails) })
}

// monitor waits for the container to exit, then for its output, then records the status.
func (r *Runtime) monitor(d *dyno, tails *sync.WaitGroup) {
	if d.wakes != nil {
		defer r.notify.unwatch(d.dir)
	}
	if !r.awaitExit(d) {
		return
	}
	close(d.exited)
	tails.Wait()
	code := readExitCode(d.dir)
	oom := oomKilled(d.meta.ContainerID)
	d.mu.Lock()
	d.status.State, d.status.ExitCode, d.status.OOMKilled = runtime.StateExited, code, oom
	d.status.PID, d.status.ExitedAt = 0, time.Now().UTC()
	d.mu.Unlock()
	close(d.done)
}

// awaitExit blocks until the shim recorded the exit code, or the container is gone without
// one (the shim was killed). It returns false when the runtime closes first.
//
// A shim this process started is its child: its exit is reported (shimDone). An adopted
// dyno's shim is not, so runc is asked every stateInterval whether the container still runs;
// once it said so, the container's init is watched instead (a pidfd), and runc is asked
// again only after the init exited, for the case that no shim records it.
func (r *Runtime) awaitExit(d *dyno) bool {
	poll := time.NewTicker(d.poll)
	defer poll.Stop()
	var stateTick <-chan time.Time
	var initExited <-chan struct{}
	if d.shimDone == nil {
		state := time.NewTicker(stateInterval)
		defer state.Stop()
		stateTick = state.C
		if d.status.PID > 0 {
			var stop func()
			initExited, stop = watchPID(d.status.PID)
			defer stop()
		}
	}
	stoppedSeen := 0
	for {
		if _, err := os.Stat(filepath.Join(d.dir, "exit")); err == nil {
			return true
		}
		select {
		case <-d.shimDone:
			// The shim writes the exit file before it exits; without one it was killed.
			return true
		case <-stateTick:
			// A container stopped twice in a row with no exit file lost its shim.
			if r.containerStopped(d.meta.ContainerID) {
				if stoppedSeen++; stoppedSeen == 2 {
					return true
				}
				continue
			}
			stoppedSeen = 0
			if initExited != nil {
				// Running, so the pidfd opened before is the container's init: wait for it.
				stateTick = nil
			}
		case <-initExited:
			initExited = nil
			state := time.NewTicker(stateInterval)
			defer state.Stop()
			stateTick = state.C
		case <-d.wakeFor("exit"):
		case <-poll.C:
		case <-r.ctx.Done():
			return false
		}
	}
}

func readExitCode(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "exit"))
	if err != nil {
		return -1
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return -1
	}
	return code
}

// oomKilled reads the OOM kill counter of the dyno's memory cgroup (v1, then v2). The
// cgroup outlives the container because it runs with --keep, until Stop deletes it.
func oomKilled(containerID string) bool {
	for _, f := range []string{
		"/sys/fs/cgroup/memory/bera/" + containerID + "/memory.oom_control",
		"/sys/fs/cgroup/bera/" + containerID + "/memory.events",
	} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if n, ok := strings.CutPrefix(line, "oom_kill "); ok {
				return strings.TrimSpace(n) != "0"
			}
		}
	}
	return false
}

// wait blocks until d is done or ctx ends.
func (d *dyno) wait(ctx context.Context) error {
	select {
	case <-d.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
