package runtime_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime"

	"github.com/kingvon-ke/bera/internal/beratest"
)

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name, in string
		want     runtime.ProcStat
		err      bool
	}{
		{"Plain", "42 (python3) S 1 42 42 0 -1 4194560 1 0 0 0 150 50 0 0 20 0 1 0 100 1000 2500 18446744073709551615",
			runtime.ProcStat{PID: 42, PPID: 1, Pgrp: 42, Session: 42, CPU: 2 * time.Second, RSSPages: 2500}, false},
		{"ParensAndSpacesInName", "7 (a) b (c) R 3 7 5 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 100 1000 9 0",
			runtime.ProcStat{PID: 7, PPID: 3, Pgrp: 7, Session: 5, CPU: 20 * time.Millisecond, RSSPages: 9}, false},
		{"NoName", "42 python3 S 1", runtime.ProcStat{}, true},
		{"Short", "42 (x) S 1 2 3", runtime.ProcStat{}, true},
		{"BadNumber", "42 (x) S 1 2 x 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 100 1000 9 0", runtime.ProcStat{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := runtime.ParseProcStat([]byte(tt.in))
			if (err != nil) != tt.err {
				t.Fatalf("err=%v, want error %v", err, tt.err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestGroupMembers: the processes of a real process group, its leader and a child, and no
// others.
func TestGroupMembers(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "sleep 30 & echo $!; wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	child, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("child pid %q: %v", line, err)
	}
	got, err := runtime.GroupMembers("/proc", cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want := []int{cmd.Process.Pid, child}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("GroupMembers = %v, want the shell and its sleep %v", got, want)
	}
	if got, _ := runtime.GroupMembers("/proc", 1<<30); len(got) != 0 {
		t.Errorf("GroupMembers of an unknown group = %v, want none", got)
	}
}

func TestParseFlatKeyed(t *testing.T) {
	got := runtime.ParseFlatKeyed([]byte("total_rss 4096\nswap 0\nbogus\nneg -1\nusage_usec 17\n"))
	want := map[string]uint64{"total_rss": 4096, "swap": 0, "usage_usec": 17}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func FuzzParseProcStat(f *testing.F) {
	f.Add([]byte("42 (python3) S 1 42 42 0 -1 4194560 1 0 0 0 150 50 0 0 20 0 1 0 100 1000 2500 0"))
	f.Add([]byte("7 (a) b (c) R 3 7 5 0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := runtime.ParseProcStat(b)
		if err == nil && (st.Session < 0 || st.PPID < 0) {
			t.Errorf("negative ids from %q: %+v", b, st)
		}
	})
}

func FuzzParseFlatKeyed(f *testing.F) {
	f.Add([]byte("total_rss 4096\nswap 0\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		runtime.ParseFlatKeyed(b)
	})
}

// startHog runs a python3 session leader; once before(pid) has run, it touches mb MiB of
// anonymous memory and forks a child that spins. It is killed at cleanup.
func startHog(t *testing.T, mb int, before func(pid int)) *exec.Cmd {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		missing(t, "python3 (apt-get install python3)")
	}
	script := "import os,sys\nsys.stdin.readline()\nb=bytearray(" + strconv.Itoa(mb) + "<<20)\nfor i in range(0,len(b),4096): b[i]=1\n" +
		"if os.fork()==0:\n  while True: pass\nprint('ready',flush=True)\nsys.stdin.read()\n"
	cmd := exec.Command("python3", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		stdin.Close()
		cmd.Wait()
	})
	before(cmd.Process.Pid)
	io.WriteString(stdin, "go\n")
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		t.Fatalf("hog said %q", line)
	}
	return cmd
}

func missing(t *testing.T, what string) {
	t.Helper()
	beratest.Missing(t, "missing "+what)
}

func TestReadSession(t *testing.T) {
	cmd := startHog(t, 32, func(int) {})
	u, err := runtime.ReadSession("/proc", cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if u.RSS < 32<<20 {
		t.Errorf("RSS=%d, want at least 32 MiB", u.RSS)
	}
	// The spinning child makes CPU time grow; it is in the same session.
	for u2 := u; u2.CPU <= u.CPU; {
		if u2, err = runtime.ReadSession("/proc", cmd.Process.Pid); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := runtime.ReadSession("/proc", 1<<30); err == nil {
		t.Error("ReadSession of an unknown session: no error")
	}
}

// TestReadCgroup puts a process in a real cgroup v1 (as runc does for a dyno) and reads it.
func TestReadCgroup(t *testing.T) {
	const root = "/sys/fs/cgroup"
	name := fmt.Sprintf("bera-usage-test-%d", os.Getpid())
	var dirs []string
	for _, h := range []string{"memory", "cpuacct"} {
		dir := filepath.Join(root, h, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			missing(t, "a writable cgroup v1 hierarchy "+h+" (run as root on a cgroup v1 host): "+err.Error())
		}
		dirs = append(dirs, dir)
	}
	t.Cleanup(func() {
		// The hog's killed child is reaped by init, not by the test: its cgroup stays busy
		// until then.
		for _, d := range dirs {
			for i := 0; i < 100; i++ {
				if err := os.Remove(d); err == nil || os.IsNotExist(err) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	})
	startHog(t, 16, func(pid int) {
		for _, d := range dirs {
			if err := os.WriteFile(filepath.Join(d, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})
	u, err := runtime.ReadCgroup(root, name)
	if err != nil {
		t.Fatal(err)
	}
	if u.RSS < 16<<20 {
		t.Errorf("RSS=%d, want at least 16 MiB", u.RSS)
	}
	// The spinning child was forked inside the cgroup.
	for u.CPU == 0 {
		if u, err = runtime.ReadCgroup(root, name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := runtime.ReadCgroup(root, name+"-none"); err == nil {
		t.Error("ReadCgroup of a missing cgroup: no error")
	}
}
