package runtime

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// UsageReporter is implemented by backends that can tell what a dyno uses, for metrics and
// for the memory quota (Heroku's R14).
type UsageReporter interface {
	// Usage returns what the dyno has used so far. It returns an error wrapping ErrNotFound
	// for an unknown dyno and ErrNotRunning for one that has exited.
	Usage(ctx context.Context, id string) (Usage, error)
}

// ErrNotRunning is wrapped by Usage errors about a dyno that has exited.
var ErrNotRunning = errors.New("dyno is not running")

// CgroupRoot is where the host's cgroup hierarchies are mounted.
const CgroupRoot = "/sys/fs/cgroup"

// Usage is what one dyno used, read from its cgroup or its processes.
type Usage struct {
	// CPU is the CPU time used since the dyno started (user plus system).
	CPU time.Duration
	// RSS is resident anonymous memory; Cache is page cache charged to the dyno (cgroups
	// only); Swap is memory swapped out.
	RSS, Cache, Swap uint64
}

// ReadCgroup reads a dyno's usage from the cgroup name (such as "bera/bera-<dyno id>") under
// root (normally /sys/fs/cgroup): cgroup v1 when root holds a memory hierarchy, else v2.
func ReadCgroup(root, name string) (Usage, error) {
	if fi, err := os.Stat(filepath.Join(root, "memory")); err == nil && fi.IsDir() {
		return readCgroupV1(root, name)
	}
	return readCgroupV2(root, name)
}

func readCgroupV1(root, name string) (Usage, error) {
	stat, err := readFlatKeyed(filepath.Join(root, "memory", name, "memory.stat"))
	if err != nil {
		return Usage{}, err
	}
	u := Usage{RSS: stat["total_rss"], Cache: stat["total_cache"], Swap: stat["total_swap"]}
	ns, err := readUint(filepath.Join(root, "cpuacct", name, "cpuacct.usage"))
	if err != nil {
		return Usage{}, err
	}
	u.CPU = time.Duration(ns)
	return u, nil
}

func readCgroupV2(root, name string) (Usage, error) {
	dir := filepath.Join(root, name)
	stat, err := readFlatKeyed(filepath.Join(dir, "memory.stat"))
	if err != nil {
		return Usage{}, err
	}
	u := Usage{RSS: stat["anon"], Cache: stat["file"]}
	// memory.swap.current is missing when swap accounting is off: no swap to report.
	if n, err := readUint(filepath.Join(dir, "memory.swap.current")); err == nil {
		u.Swap = n
	}
	cpu, err := readFlatKeyed(filepath.Join(dir, "cpu.stat"))
	if err != nil {
		return Usage{}, err
	}
	u.CPU = time.Duration(cpu["usage_usec"]) * time.Microsecond
	return u, nil
}

// ParseFlatKeyed parses a cgroup "flat keyed" file such as memory.stat or cpu.stat: one
// "key value" pair a line. Lines that are not a key and an unsigned integer are skipped.
func ParseFlatKeyed(b []byte) map[string]uint64 {
	out := map[string]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil {
			out[k] = n
		}
	}
	return out
}

func readFlatKeyed(path string) (map[string]uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read cgroup: %w", err)
	}
	return ParseFlatKeyed(b), nil
}

func readUint(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read cgroup: %w", err)
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", filepath.Base(path), err)
	}
	return n, nil
}

// ErrNoProcesses is returned by ReadSession when no process belongs to the session.
var ErrNoProcesses = errors.New("no processes in the session")

// clockTicks is USER_HZ, the unit of CPU times in /proc/PID/stat: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// ReadSession sums the usage of every process in session sid under procRoot (normally
// /proc). The process runtime starts each dyno as a session leader, so the session is the
// dyno with all its children.
func ReadSession(procRoot string, sid int) (Usage, error) {
	ents, err := os.ReadDir(procRoot)
	if err != nil {
		return Usage{}, fmt.Errorf("read %s: %w", procRoot, err)
	}
	var u Usage
	found := false
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		dir := filepath.Join(procRoot, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, "stat"))
		if err != nil {
			continue // the process exited meanwhile
		}
		st, err := ParseProcStat(b)
		if err != nil || st.Session != sid {
			continue
		}
		found = true
		u.CPU += st.CPU
		u.RSS += st.RSSPages * uint64(os.Getpagesize())
		u.Swap += readVmSwap(filepath.Join(dir, "status"))
	}
	if !found {
		return Usage{}, fmt.Errorf("session %d: %w", sid, ErrNoProcesses)
	}
	return u, nil
}

// ProcStat is what Bera reads from /proc/PID/stat.
type ProcStat struct {
	PID, PPID, Pgrp, Session int
	// CPU is utime plus stime.
	CPU      time.Duration
	RSSPages uint64
}

// ParseProcStat parses the one line of /proc/PID/stat. The command name (field 2) is in
// parentheses and may itself hold spaces and parentheses, so fields are counted from the
// last ')'.
func ParseProcStat(b []byte) (ProcStat, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return ProcStat{}, errors.New("proc stat: no command name")
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil {
		return ProcStat{}, fmt.Errorf("proc stat: pid: %w", err)
	}
	// After ')': state(3) ppid(4) pgrp(5) session(6) … utime(14) stime(15) … rss(24).
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 22 {
		return ProcStat{}, errors.New("proc stat: too few fields")
	}
	var n [6]uint64
	for i, idx := range []int{1, 3, 11, 12, 21, 2} {
		if n[i], err = strconv.ParseUint(f[idx], 10, 63); err != nil {
			return ProcStat{}, fmt.Errorf("proc stat: field %d: %w", idx+3, err)
		}
	}
	ticks := n[2] + n[3]
	return ProcStat{PID: pid, PPID: int(n[0]), Pgrp: int(n[5]), Session: int(n[1]),
		CPU: time.Duration(ticks) * (time.Second / clockTicks), RSSPages: n[4]}, nil
}

// readVmSwap returns the VmSwap line of /proc/PID/status in bytes, 0 when absent.
func readVmSwap(path string) uint64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0 // the process exited meanwhile
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmSwap:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// GroupMembers returns the pids of the processes in process group pgid, pgid's own
// included when it is alive, from procDir (/proc).
func GroupMembers(procDir string, pgid int) ([]int, error) {
	entries, err := os.ReadDir(procDir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", procDir, err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(procDir, e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		if st, err := ParseProcStat(b); err == nil && st.Pgrp == pgid {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}
