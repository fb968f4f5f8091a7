package addonstest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Memory sums the resident (RSS) and proportional (PSS: shared pages divided among the
// processes sharing them) memory of every process in the session that leader heads, in
// bytes. A PostgreSQL instance is a postmaster and its helpers; their RSS counts the
// shared buffers once per process, their PSS once in all.
func Memory(leader int) (rss, pss int64, err error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, 0, err
	}
	found := false
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !inSession(pid, leader) {
			continue
		}
		r, p, err := smapsRollup(pid)
		if err != nil {
			continue // gone meanwhile
		}
		rss, pss, found = rss+r, pss+p, true
	}
	if !found {
		return 0, 0, fmt.Errorf("no process in session %d", leader)
	}
	return rss, pss, nil
}

// inSession reports whether pid's session id (field 6 of /proc/PID/stat) is sid.
func inSession(pid, sid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return false
	}
	f := strings.Fields(string(stat[i+1:]))
	return len(f) > 3 && f[3] == strconv.Itoa(sid)
}

// smapsRollup reads the Rss and Pss totals of pid, in bytes.
func smapsRollup(pid int) (rss, pss int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "Rss":
			rss = kb << 10
		case "Pss":
			pss = kb << 10
		}
	}
	return rss, pss, sc.Err()
}
