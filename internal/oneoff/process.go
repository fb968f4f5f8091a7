package oneoff

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/runtime"
)

// ErrNoSession is returned by Attach for a secret that is unknown, used or expired.
var ErrNoSession = bera.Errorf(bera.ENotFound, "This one-off dyno is gone or already attached: run the command again.")

// Process is an attached one-off dyno, started by Attach. Its owner writes the client's
// input to Stdin and calls Wait, which copies the output and returns the exit status.
type Process struct {
	m    *Manager
	r    *run
	sess *runtime.Session
	// Stdin is the dyno's standard input. Without a TTY, closing it sends EOF.
	Stdin io.WriteCloser
	// TTY says the dyno's stdio is a terminal (stdout and stderr are then one stream).
	TTY bool
	// Name is the dyno's name, run.N.
	Name string
}

// Attach claims the pending attached dyno with secret (one use) and starts it. appID and
// name, when not empty, must match the dyno. Errors: ErrNoSession, or the runtime's.
func (m *Manager) Attach(ctx context.Context, secret, appID, name string) (*Process, error) {
	r := m.claim(secret, appID, name)
	if r == nil {
		return nil, ErrNoSession
	}
	att, ok := m.cfg.Runtime.(runtime.Attacher)
	if !ok {
		m.remove(r)
		return nil, bera.Errorf(bera.EUnavailable, "This server's dyno runtime cannot attach to one-off dynos; use --detached.")
	}
	sess, err := att.Attach(ctx, r.spec, r.tty)
	if err != nil {
		m.remove(r)
		m.cfg.Log(r.dyno.AppID, "heroku", r.dyno.Name, "Error R99 (Platform error) -> could not start the process")
		return nil, fmt.Errorf("start %s: %w", r.dyno.Name, err)
	}
	m.up(r)
	return &Process{m: m, r: r, sess: sess, Stdin: sess.Stdin, TTY: r.tty, Name: r.dyno.Name}, nil
}

// secretsEqual compares a presented secret with a run's in constant time, so the time a
// wrong guess takes says nothing about how much of it was right. An empty secret (a claimed
// run's) never matches.
func secretsEqual(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// claim takes the pending run with secret off the pending list.
func (m *Manager) claim(secret, appID, name string) *run {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.runs {
		if r.pending && secretsEqual(r.secret, secret) {
			if (appID != "" && r.dyno.AppID != appID) || (name != "" && r.dyno.Name != name && r.dyno.ID != name) {
				return nil
			}
			r.pending, r.secret = false, ""
			r.expiry.Stop()
			return r
		}
	}
	return nil
}

// Resize changes the terminal size; it does nothing without a TTY.
func (p *Process) Resize(rows, cols uint16) error {
	if p.sess.Resize == nil || rows == 0 || cols == 0 {
		return nil
	}
	return p.sess.Resize(rows, cols)
}

// Wait copies the dyno's output to stdout and stderr (stderr nil: both to stdout) until its
// command exits, and returns the exit status. When ctx ends first, or writing to stdout
// fails (the client left), the dyno is stopped. Wait removes the dyno and releases its stdio.
func (p *Process) Wait(ctx context.Context, stdout, stderr io.Writer) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	copied := p.copyOutput(stdout, stderr, cancel)
	rt := p.m.cfg.Runtime
	st, err := rt.Wait(ctx, p.r.spec.ID)
	if err != nil {
		p.m.cfg.Log(p.r.dyno.AppID, "heroku", p.r.dyno.Name, "Stopping all processes with SIGTERM")
		st, err = rt.Stop(context.WithoutCancel(ctx), p.r.spec.ID, p.m.cfg.StopGrace)
	}
	select {
	case <-copied:
	case <-time.After(p.m.cfg.Drain):
	}
	p.sess.Close()
	p.m.finish(p.r, st)
	if err != nil && bera.ErrorCode(err) != bera.ENotFound {
		return 0, fmt.Errorf("wait for %s: %w", p.r.dyno.Name, err)
	}
	return st.ExitCode, nil
}

// copyOutput copies the session's output streams; the channel closes when both are done.
// A failed write calls gone.
func (p *Process) copyOutput(stdout, stderr io.Writer, gone func()) <-chan struct{} {
	if stderr == nil {
		stdout = &lockedWriter{w: stdout}
		stderr = stdout
	}
	var wg sync.WaitGroup
	pump := func(w io.Writer, r io.Reader) {
		defer wg.Done()
		if _, err := io.Copy(w, r); err != nil && errors.Is(err, errWrite) {
			gone()
		}
	}
	wg.Add(1)
	go pump(writeErrs{stdout}, p.sess.Stdout)
	if p.sess.Stderr != nil {
		wg.Add(1)
		go pump(writeErrs{stderr}, p.sess.Stderr)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return done
}

// errWrite marks a failed write to the client, as opposed to the end of the dyno's output.
var errWrite = errors.New("write to client")

type writeErrs struct{ w io.Writer }

func (w writeErrs) Write(b []byte) (int, error) {
	n, err := w.w.Write(b)
	if err != nil {
		return n, fmt.Errorf("%w: %w", errWrite, err)
	}
	return n, nil
}

// lockedWriter serialises writes from the stdout and stderr pumps.
type lockedWriter struct {
	mu sync.Mutex // guards w
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// startDetached starts a detached dyno (output to the logs) and watches it until it exits.
func (m *Manager) startDetached(ctx context.Context, r *run, user string) error {
	m.cfg.Log(r.dyno.AppID, "heroku", r.dyno.Name, "Starting process with command `"+r.dyno.Command+"`"+byUser(user))
	m.mu.Lock()
	m.runs[r.spec.ID] = r
	m.mu.Unlock()
	if _, err := m.cfg.Runtime.Start(context.WithoutCancel(ctx), r.spec); err != nil {
		m.remove(r)
		m.cfg.Log(r.dyno.AppID, "heroku", r.dyno.Name, "Error R99 (Platform error) -> could not start the process")
		return fmt.Errorf("start %s: %w", r.dyno.Name, err)
	}
	m.up(r)
	m.wg.Add(1)
	go m.watch(r)
	return nil
}

// watch waits for a detached dyno to exit.
func (m *Manager) watch(r *run) {
	defer m.wg.Done()
	st, err := m.cfg.Runtime.Wait(m.ctx, r.spec.ID)
	if err != nil && bera.ErrorCode(err) != bera.ENotFound {
		st, _ = m.cfg.Runtime.Stop(context.Background(), r.spec.ID, 0)
	}
	m.finish(r, st)
}

// up marks a started dyno up.
func (m *Manager) up(r *run) {
	m.setState(r, bera.DynoUp)
	m.stateChanged(r, "starting", "up")
}

// finish logs the exit, forgets the dyno in the runtime and here.
func (m *Manager) finish(r *run, st runtime.Status) {
	m.cfg.Runtime.Stop(context.Background(), r.spec.ID, 0)
	m.remove(r)
	m.cfg.Log(r.dyno.AppID, "heroku", r.dyno.Name, fmt.Sprintf("Process exited with status %d", st.ExitCode))
	m.stateChanged(r, "up", "complete")
	m.log.Info("one-off dyno finished", "app", r.dyno.AppID, "dyno", r.dyno.Name, "status", st.ExitCode)
}

func (m *Manager) remove(r *run) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.runs[r.spec.ID] == r {
		delete(m.runs, r.spec.ID)
	}
}
