package build

import (
	"maps"
	"os/exec"
	"slices"
	"sync"
)

// Priority is the CPU priority of background steps (ProcessRunner.Background): the lowest
// until Raise, which puts the steps still running and every one started afterwards back at
// the server's own. The zero value is a low Priority.
//
// The machine cache's warm-up runs this way so that dynos and users' builds keep the CPU,
// and is raised once a user's build waits for it: a build must never wait behind work that
// the scheduler runs only when nothing else wants the CPU.
type Priority struct {
	mu     sync.Mutex // held while a step starts, so that Raise sees every group
	raised bool
	groups map[int]struct{} // process groups of the running background steps
}

// Raise puts the running background steps, and those started afterwards, at the server's
// priority. It may be called more than once, from any goroutine.
func (p *Priority) Raise() {
	p.mu.Lock()
	p.raised = true
	groups := slices.Collect(maps.Keys(p.groups))
	p.mu.Unlock()
	for _, g := range groups {
		raiseGroup(g)
	}
}

// start starts cmd, at the lowest priority unless raised, and remembers its process group
// (cmd runs with Setpgid) until done is called.
func (p *Priority) start(cmd *exec.Cmd) (done func(), err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.raised {
		cmd.Path, cmd.Args = lowPriority(cmd.Path, cmd.Args)
	}
	if err := cmd.Start(); err != nil {
		return func() {}, err
	}
	pgid := cmd.Process.Pid
	if p.groups == nil {
		p.groups = map[int]struct{}{}
	}
	p.groups[pgid] = struct{}{}
	return func() {
		p.mu.Lock()
		delete(p.groups, pgid)
		p.mu.Unlock()
	}, nil
}

// lowPriority wraps a command line (args[0] is the program's name) in chrt --idle (the
// SCHED_IDLE policy) and nice -n 19, each if it is installed.
func lowPriority(path string, args []string) (string, []string) {
	if chrt, err := exec.LookPath("chrt"); err == nil {
		path, args = chrt, append([]string{chrt, "--idle", "0", path}, args[1:]...)
	}
	if nice, err := exec.LookPath("nice"); err == nil {
		path, args = nice, append([]string{nice, "-n", "19", path}, args[1:]...)
	}
	return path, args
}
