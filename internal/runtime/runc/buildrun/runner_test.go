package buildrun_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/build"
	"github.com/kingvon-ke/bera/internal/runtime/runc/buildrun"
)

const testUID = 40123

func newRunner(t *testing.T, memory int64) (*buildrun.Runner, string) {
	t.Helper()
	rt := newRuntime(t)
	t.Cleanup(func() { noBuildsLeft(t, rt) })
	r, err := buildrun.New(buildrun.Config{Runtime: rt, UID: testUID, Memory: memory})
	if err != nil {
		t.Fatal(err)
	}
	return r, rt.Root()
}

// script returns a step running a bash script in a fresh writable directory.
func script(t *testing.T, body string, stdout, stderr *syncBuffer) build.Step {
	dir := t.TempDir()
	return build.Step{Name: "compile", Path: "/bin/bash", Args: []string{"-c", body}, Dir: dir,
		Env:    []string{"PATH=/usr/local/go/bin:/usr/bin:/bin", "HOME=" + dir},
		Stdout: stdout, Stderr: stderr, Mounts: []build.Mount{{Path: dir, Writable: true}}}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes, which can signal when it
// first holds a string.
type syncBuffer struct {
	mu   sync.Mutex
	b    bytes.Buffer
	want string
	seen chan struct{}
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.b.Write(p)
	if s.seen != nil && strings.Contains(s.b.String(), s.want) {
		close(s.seen)
		s.seen = nil
	}
	return n, err
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunIsolation(t *testing.T) {
	r, root := newRunner(t, 0)
	secret := filepath.Join(root, "secret")
	if err := os.WriteFile(secret, []byte("s3cret"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb syncBuffer
	step := script(t, `echo uid=$(id -u)
ls /root >/dev/null 2>&1 && echo READ-ROOT
cat `+secret+` 2>/dev/null && echo READ-DATA
touch /usr/bera-test 2>/dev/null && echo WROTE-USR
touch "$HOME/ok" && echo wrote-home
grep -q nameserver /etc/resolv.conf && echo has-resolv
echo ipv6-off=$(cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6) eth0-v6=$(grep -c eth0 /proc/net/if_inet6)
grep -c . /proc/self/status >/dev/null; grep CapEff /proc/self/status`, &out, &errb)
	if err := r.Run(t.Context(), step); err != nil {
		t.Fatalf("Run: %v\n%s%s", err, out.String(), errb.String())
	}
	got := out.String()
	for _, want := range []string{"uid=40123", "wrote-home", "CapEff:\t0000000000000000", "ipv6-off=1 eth0-v6=0"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	for _, bad := range []string{"READ-ROOT", "READ-DATA", "WROTE-USR", "s3cret"} {
		if strings.Contains(got, bad) {
			t.Errorf("output has %q:\n%s", bad, got)
		}
	}
	if _, err := os.Stat("/usr/bera-test"); err == nil {
		os.Remove("/usr/bera-test")
		t.Error("the step wrote /usr")
	}
}

func TestRunExitCode(t *testing.T) {
	r, _ := newRunner(t, 0)
	var out, errb syncBuffer
	err := r.Run(t.Context(), script(t, "echo to-out; echo to-err >&2; exit 3", &out, &errb))
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("Run = %v, want exit status 3", err)
	}
	if out.String() != "to-out\n" || errb.String() != "to-err\n" {
		t.Errorf("stdout %q stderr %q", out.String(), errb.String())
	}
}

func TestRunMemoryLimit(t *testing.T) {
	r, _ := newRunner(t, 64<<20)
	var out, errb syncBuffer
	err := r.Run(t.Context(), script(t, `python3 -c 'x = b"x" * (512 << 20); print(len(x))'`, &out, &errb))
	var merr *buildrun.MemoryError
	if !errors.As(err, &merr) {
		t.Fatalf("Run = %v, want a MemoryError\n%s%s", err, out.String(), errb.String())
	}
	const msg = "Build exceeded its memory limit of 64 MiB"
	if err.Error() != msg || !strings.Contains(errb.String(), msg) {
		t.Errorf("error %q, stderr %q: want %q in both", err, errb.String(), msg)
	}
}

func TestRunCancel(t *testing.T) {
	r, _ := newRunner(t, 0)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &syncBuffer{want: "started", seen: make(chan struct{})}
	seen := out.seen
	go func() {
		<-seen
		cancel()
	}()
	var errb syncBuffer
	err := r.Run(ctx, script(t, "echo started; (sleep 1000 &); sleep 1000", out, &errb))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled\n%s", err, errb.String())
	}
}

func TestRunTimeout(t *testing.T) {
	r, _ := newRunner(t, 0)
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	var out, errb syncBuffer
	if err := r.Run(ctx, script(t, "echo started; sleep 1000", &out, &errb)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run = %v, want context.DeadlineExceeded", err)
	}
}

func TestNewRefusesRoot(t *testing.T) {
	rt := newRuntime(t)
	if _, err := buildrun.New(buildrun.Config{Runtime: rt, UID: 0}); err == nil {
		t.Fatal("New with uid 0 succeeded")
	}
}
