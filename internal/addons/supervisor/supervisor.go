// Package supervisor runs add-on instances (postgres, redis-server) as processes that
// outlive the server: it starts them in a session of their own with their output in a log
// file, restarts them with backoff when they die, and adopts the ones a previous server
// started. Close stops watching and leaves them running; Stop ends one for good.
package supervisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/kingvon-ke/bera/internal/addons"
)

// Spec says how to run one instance.
type Spec struct {
	// ID names the instance in logs and in Stop.
	ID string
	// Path is the program's absolute path and Args its arguments (without argv[0]).
	Path string
	Args []string
	// Env is the whole environment (nothing is inherited). Never logged.
	Env []string
	// Dir is the working directory; the program must stay in it (postgres and
	// redis-server chdir to their data directory), which is how an adopted process is told
	// from another one that reuses its pid.
	Dir string
	// PIDFile is the program's own pid file (its first line is the pid).
	PIDFile string
	// Log receives the program's stdout and stderr (appended, 0600).
	Log string
	// Owner is the user the process runs as.
	Owner addons.Owner
	// StopSignal asks the program to shut down cleanly; SIGTERM when zero.
	StopSignal syscall.Signal
}

// Config configures a Supervisor; zero fields get defaults.
type Config struct {
	Logger *slog.Logger
	// Poll is how often a process is checked for life (default 250ms).
	Poll time.Duration
	// Backoff is the first restart delay, doubled per quick crash up to MaxBackoff
	// (defaults 1s and 30s). A process that ran for a minute is restarted after Backoff.
	Backoff, MaxBackoff time.Duration
	// StopTimeout is how long Stop waits after StopSignal before SIGKILL (default 30s).
	StopTimeout time.Duration
}

// Supervisor runs and watches instances. Its methods are safe for concurrent use.
type Supervisor struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex // guards the following
	procs  map[string]*proc
	closed bool

	wg sync.WaitGroup // the watchers
}

// proc is one supervised instance; pid is guarded by Supervisor.mu.
type proc struct {
	spec    Spec
	pid     int
	started time.Time
	quit    chan struct{} // closed to end the watcher
	done    chan struct{} // closed when the watcher has ended
}

// ErrSupervised means Start was called for an instance already supervised.
var ErrSupervised = errors.New("instance already supervised")

// New returns a Supervisor.
func New(cfg Config) *Supervisor {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Poll == 0 {
		cfg.Poll = 250 * time.Millisecond
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = time.Second
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.StopTimeout == 0 {
		cfg.StopTimeout = 30 * time.Second
	}
	return &Supervisor{cfg: cfg, log: cfg.Logger.With("component", "addons"), procs: map[string]*proc{}}
}

// Start supervises spec: it adopts the process already running it (started by an earlier
// Supervisor, maybe of a server since restarted), or starts one. It reports whether the
// process was adopted. It does not wait for the program to accept connections.
func (s *Supervisor) Start(spec Spec) (adopted bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, errors.New("supervisor closed")
	}
	if _, ok := s.procs[spec.ID]; ok {
		return false, ErrSupervised
	}
	p := &proc{spec: spec, quit: make(chan struct{}), done: make(chan struct{})}
	if pid, ok := running(spec); ok {
		p.pid, p.started, adopted = pid, time.Now(), true
	} else if err := s.launch(p); err != nil {
		return false, err
	}
	s.procs[spec.ID] = p
	s.wg.Go(func() { s.watch(p) })
	if adopted {
		s.log.Info("add-on instance adopted", "addon", spec.ID, "pid", p.pid)
	}
	return adopted, nil
}

// PID returns the pid of instance id while it runs.
func (s *Supervisor) PID(id string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.procs[id]
	if !ok || p.pid == 0 {
		return 0, false
	}
	return p.pid, true
}

// Stop ends supervision of spec.ID and stops its process: StopSignal, then SIGKILL to its
// whole session after StopTimeout or when ctx ends. It returns once the process is gone.
// An instance that is not supervised (one whose start failed half-way, or any after
// Close) is looked for through spec.PIDFile and stopped too.
func (s *Supervisor) Stop(ctx context.Context, spec Spec) error {
	s.mu.Lock()
	p, ok := s.procs[spec.ID]
	delete(s.procs, spec.ID)
	s.mu.Unlock()
	if !ok {
		pid, _ := running(spec)
		return s.terminate(ctx, spec, pid)
	}
	close(p.quit)
	<-p.done
	return s.terminate(ctx, p.spec, p.pid)
}

// Close stops watching every instance and leaves their processes running, so that the
// next Supervisor adopts them. It waits for the watchers to end.
func (s *Supervisor) Close() error {
	s.mu.Lock()
	s.closed = true
	for _, p := range s.procs {
		close(p.quit)
	}
	s.procs = map[string]*proc{}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// Shutdown stops every supervised instance (Stop on each). The Supervisor stays usable.
func (s *Supervisor) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	specs := make([]Spec, 0, len(s.procs))
	for _, p := range s.procs {
		specs = append(specs, p.spec)
	}
	s.mu.Unlock()
	var errs []error
	for _, spec := range specs {
		errs = append(errs, s.Stop(ctx, spec))
	}
	return errors.Join(errs...)
}

// launch starts p's program in a new session with its output appended to the log file.
// Called with s.mu held or before p is shared.
func (s *Supervisor) launch(p *proc) error {
	spec := p.spec
	rotateLog(spec.Log)
	// launch runs only when no process of spec's runs, so a pid file left by a crash or a
	// reboot is stale; PostgreSQL would refuse to start if its pid now names another
	// process.
	os.Remove(spec.PIDFile)
	logf, err := os.OpenFile(spec.Log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open add-on log: %w", err)
	}
	defer logf.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer devnull.Close()
	sys := &syscall.SysProcAttr{Setsid: true}
	if spec.Owner.Switch {
		sys.Credential = &syscall.Credential{Uid: uint32(spec.Owner.UID), Gid: uint32(spec.Owner.GID), Groups: []uint32{}}
	}
	proc, err := os.StartProcess(spec.Path, append([]string{spec.Path}, spec.Args...), &os.ProcAttr{
		Dir: spec.Dir, Env: spec.Env, Files: []*os.File{devnull, logf, logf}, Sys: sys})
	if err != nil {
		return fmt.Errorf("start add-on %s: %w", spec.ID, err)
	}
	p.pid, p.started = proc.Pid, time.Now()
	// The watcher reaps it with wait4; the handle is not needed.
	proc.Release()
	return nil
}

// maxLog is the size past which an instance's log is moved to LOG.1 at its next start.
const maxLog = 16 << 20

// rotateLog keeps one old log, so a crash-looping instance cannot fill the disk through
// its restarts.
func rotateLog(path string) {
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxLog {
		os.Rename(path, path+".1")
	}
}
