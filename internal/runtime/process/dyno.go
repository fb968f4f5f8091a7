package process

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime"
)

// dyno is one child process group.
type dyno struct {
	spec   runtime.DynoSpec
	pid    int // also the process group id
	done   chan struct{}
	output sync.WaitGroup

	mu     sync.Mutex // guards the following
	status runtime.Status
}

// startDyno starts the shell of spec with the output pipes read into out, or with stdio.
func startDyno(spec runtime.DynoSpec, out func(runtime.Line), stdio *runtime.Stdio) (*dyno, error) {
	port, err := pickPort(spec.Port)
	if err != nil {
		return nil, err
	}
	args := runtime.ShellArgs(spec.Command)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = spec.SlugDir
	cmd.Env = runtime.Environ(spec, spec.SlugDir, port)
	// Pdeathsig kills the shell if the server dies; its own session and process group is how
	// Stop reaches all its processes.
	cmd.SysProcAttr = stdio.SysProcAttr()
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	d := &dyno{spec: spec, done: make(chan struct{})}
	var readers []*os.File
	if stdio != nil {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio.Child[0], stdio.Child[1], stdio.Child[2]
	} else if readers, err = d.pipeOutput(cmd); err != nil {
		return nil, err
	}
	err = cmd.Start()
	closeChild(cmd, stdio)
	if err != nil {
		closeFiles(readers)
		return nil, fmt.Errorf("start shell: %w", err)
	}
	d.pid = cmd.Process.Pid
	d.status = runtime.Status{ID: spec.ID, App: spec.App, AppID: spec.AppID, Name: spec.Name, Type: spec.Type,
		State: runtime.StateRunning, Addr: net.JoinHostPort("127.0.0.1", fmt.Sprint(port)), PID: d.pid, StartedAt: time.Now()}
	d.readAll(readers, out)
	go d.monitor(cmd, readers)
	return d, nil
}

// pipeOutput gives cmd a pipe for stdout and one for stderr and returns the read ends.
func (d *dyno) pipeOutput(cmd *exec.Cmd) ([]*os.File, error) {
	var readers, writers []*os.File
	for range 2 {
		r, w, err := os.Pipe()
		if err != nil {
			closeFiles(readers)
			closeFiles(writers)
			return nil, fmt.Errorf("make output pipe: %w", err)
		}
		readers, writers = append(readers, r), append(writers, w)
	}
	cmd.Stdout, cmd.Stderr = writers[0], writers[1]
	return readers, nil
}

// closeChild closes the parent's copies of the child's stdio ends.
func closeChild(cmd *exec.Cmd, stdio *runtime.Stdio) {
	if stdio != nil {
		stdio.CloseChild()
		return
	}
	for _, w := range []any{cmd.Stdout, cmd.Stderr} {
		if f, ok := w.(*os.File); ok {
			f.Close()
		}
	}
}

// readAll starts one goroutine per stream that delivers its lines to out.
func (d *dyno) readAll(readers []*os.File, out func(runtime.Line)) {
	for i, r := range readers {
		stream := runtime.Stdout
		if i == 1 {
			stream = runtime.Stderr
		}
		d.output.Go(func() {
			runtime.CopyLines(r, func(text string) {
				out(runtime.Line{DynoID: d.spec.ID, App: d.spec.App, Name: d.spec.Name, Stream: stream, Text: text, Time: time.Now()})
			})
		})
	}
}

// monitor waits for the shell, kills what is left of its group, drains the output and
// marks the dyno exited.
func (d *dyno) monitor(cmd *exec.Cmd, readers []*os.File) {
	err := cmd.Wait()
	code := -1
	var ee *exec.ExitError
	if err == nil || errors.As(err, &ee) {
		code = runtime.ExitCode(cmd.ProcessState.Sys().(syscall.WaitStatus))
	}
	syscall.Kill(-d.pid, syscall.SIGKILL)
	d.drain(readers)
	d.mu.Lock()
	d.status.State, d.status.ExitCode, d.status.ExitedAt, d.status.PID = runtime.StateExited, code, time.Now(), 0
	d.mu.Unlock()
	close(d.done)
}

// drain waits for the readers to reach EOF. A process that left the group with setsid can
// keep a pipe open forever, so after a while the read ends are closed under it.
func (d *dyno) drain(readers []*os.File) {
	drained := make(chan struct{})
	go func() { d.output.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(2 * time.Second):
		closeFiles(readers)
		<-drained
	}
	closeFiles(readers)
}

func closeFiles(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// stop sends SIGTERM, then SIGKILL to the group after grace, and waits for the exit.
func (d *dyno) stop(ctx context.Context, grace time.Duration) (runtime.Status, error) {
	if err := d.signal(syscall.SIGTERM); err != nil {
		return runtime.Status{}, err
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	killed := false
	select {
	case <-d.done:
	case <-timer.C:
		killed = true
		syscall.Kill(-d.pid, syscall.SIGKILL)
		<-d.done
	case <-ctx.Done():
		return runtime.Status{}, ctx.Err()
	}
	d.mu.Lock()
	d.status.Killed = d.status.Killed || killed
	d.mu.Unlock()
	return d.snapshot(), nil
}

// signal sends sig to every process of the group but the shell. With nothing else in the
// group (the command is a shell builtin), the shell itself gets it.
func (d *dyno) signal(sig syscall.Signal) error {
	select {
	case <-d.done:
		return nil
	default:
	}
	members, err := runtime.GroupMembers("/proc", d.pid)
	if err != nil {
		return fmt.Errorf("signal dyno %s: %w", d.spec.ID, err)
	}
	pids := slices.DeleteFunc(members, func(pid int) bool { return pid == d.pid })
	if len(pids) == 0 {
		pids = []int{d.pid}
	}
	for _, pid := range pids {
		syscall.Kill(pid, sig)
	}
	return nil
}

func (d *dyno) snapshot() runtime.Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status
}

// pickPort returns port, or a free TCP port on 127.0.0.1 when it is 0.
func pickPort(port int) (int, error) {
	if port != 0 {
		return port, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
