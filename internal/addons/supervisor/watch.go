package supervisor

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// watch checks p every Poll and restarts it with backoff when it has died, until p.quit.
func (s *Supervisor) watch(p *proc) {
	defer close(p.done)
	tick := time.NewTicker(s.cfg.Poll)
	defer tick.Stop()
	crashes := 0
	for {
		select {
		case <-p.quit:
			return
		case <-tick.C:
		}
		s.mu.Lock()
		pid, started := p.pid, p.started
		s.mu.Unlock()
		if pid != 0 && alive(pid, p.spec) {
			continue
		}
		reap(pid)
		// What the dead program left in its session (a killed postmaster's backends hold
		// its shared memory and would keep the restart from starting) goes too.
		if pid != 0 {
			syscall.Kill(-pid, syscall.SIGKILL)
		}
		if time.Since(started) >= time.Minute {
			crashes = 0
		}
		wait := backoff(s.cfg.Backoff, s.cfg.MaxBackoff, crashes)
		crashes++
		s.log.Warn("add-on instance exited; restarting", "addon", p.spec.ID, "pid", pid, "after", wait)
		select {
		case <-p.quit:
			return
		case <-time.After(wait):
		}
		s.mu.Lock()
		if err := s.launch(p); err != nil {
			p.pid, p.started = 0, time.Now()
			s.log.Error("add-on instance restart failed", "addon", p.spec.ID, "err", err)
		}
		s.mu.Unlock()
	}
}

// backoff returns the delay before restart number n (0-based) of a crashing process.
func backoff(first, max time.Duration, n int) time.Duration {
	d := first
	for range n {
		d *= 2
		if d >= max {
			return max
		}
	}
	return d
}

// terminate stops pid: spec.StopSignal, then SIGKILL to its session after StopTimeout or
// when ctx ends; it returns once the process is gone.
func (s *Supervisor) terminate(ctx context.Context, spec Spec, pid int) error {
	if pid == 0 || !alive(pid, spec) {
		reap(pid)
		return nil
	}
	sig := spec.StopSignal
	if sig == 0 {
		sig = syscall.SIGTERM
	}
	if err := syscall.Kill(pid, sig); err != nil {
		return fmt.Errorf("stop add-on %s: %w", spec.ID, err)
	}
	deadline := time.NewTimer(s.cfg.StopTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	done := ctx.Done()
	for alive(pid, spec) {
		select {
		case <-done:
			done = nil
			syscall.Kill(-pid, syscall.SIGKILL)
		case <-deadline.C:
			syscall.Kill(-pid, syscall.SIGKILL)
		case <-tick.C:
		}
	}
	reap(pid)
	// Children the program left behind (a killed postmaster's backends) share its session.
	syscall.Kill(-pid, syscall.SIGKILL)
	return nil
}

// running returns the pid in spec.PIDFile when that process is alive and is spec's.
func running(spec Spec) (int, bool) {
	b, err := os.ReadFile(spec.PIDFile)
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, alive(pid, spec)
}

// alive reports whether pid runs spec.Path in spec.Dir (and is not a zombie), which tells
// spec's process from another that got its pid after a reboot.
func alive(pid int, spec Spec) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	if st := procState(stat); st == 'Z' || st == 'X' || st == 0 {
		return false
	}
	return sameFile(fmt.Sprintf("/proc/%d/exe", pid), spec.Path) &&
		sameFile(fmt.Sprintf("/proc/%d/cwd", pid), spec.Dir)
}

// procState returns the state letter of a /proc/PID/stat line (the field after the
// command name, which may itself hold spaces and parentheses), or 0.
func procState(stat []byte) byte {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return 0
	}
	return stat[i+2]
}

// sameFile reports whether the /proc link points at path (after symlinks); a program
// replaced by a package upgrade shows as "path (deleted)" and still counts.
func sameFile(link, path string) bool {
	target, err := os.Readlink(link)
	if err != nil {
		return false
	}
	target = strings.TrimSuffix(target, " (deleted)")
	want, err := filepath.EvalSymlinks(path)
	if err != nil {
		want = path
	}
	return target == want
}

// reap collects pid's exit status if it is a child of this process. A process killed a
// moment ago may not be a zombie yet (its /proc links already gone), so it retries for a
// second; a process that is not a child returns ECHILD at once.
func reap(pid int) {
	if pid <= 0 {
		return
	}
	for range 100 {
		var ws syscall.WaitStatus
		if got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); got == pid || err != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
