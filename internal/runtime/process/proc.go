package process

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// groupMembers returns the pids in process group pgid other than pgid itself, from /proc.
func groupMembers(pgid int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("read /proc: %w", err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == pgid {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		if g, ok := parseStatPgrp(stat); ok && g == pgid {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// parseStatPgrp reads the process group (field 5) of a /proc/PID/stat line. The command
// name (field 2) may hold spaces and parentheses, so fields are counted after the last ')'.
func parseStatPgrp(stat []byte) (int, bool) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	fields := bytes.Fields(stat[i+1:])
	if len(fields) < 3 {
		return 0, false
	}
	g, err := strconv.Atoi(string(fields[2]))
	return g, err == nil
}
