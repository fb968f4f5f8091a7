package runtime

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/creack/pty"
)

// Stdio is a pair of ends for an attached dyno: Child holds the files to give the dyno's
// process as fds 0, 1 and 2; Session is the caller's side.
type Stdio struct {
	Child   [3]*os.File
	Session *Session
}

// NewStdio makes the stdio of an attached dyno: a pseudo-terminal with tty, else three pipes.
// The caller starts the process with Child, then calls CloseChild.
func NewStdio(tty bool) (*Stdio, error) {
	if tty {
		return newPTY()
	}
	return newPipes()
}

// TTY reports whether the child's stdio is a terminal.
func (s *Stdio) TTY() bool { return s != nil && s.Session.Resize != nil }

// SysProcAttr returns the process attributes that start a dyno's first process in a new
// session (so it survives the server's signals). With a tty, the terminal becomes the
// session's controlling terminal, so resizes reach the process as SIGWINCH.
func (s *Stdio) SysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true, Setctty: s.TTY(), Ctty: 0}
}

// CloseChild closes the child's ends once the process has them.
func (s *Stdio) CloseChild() {
	seen := map[*os.File]bool{}
	for _, f := range s.Child {
		if f != nil && !seen[f] {
			seen[f] = true
			f.Close()
		}
	}
}

func newPTY() (*Stdio, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("open pty: %w", err)
	}
	return &Stdio{
		Child: [3]*os.File{slave, slave, slave},
		Session: &Session{
			Stdin:  master,
			Stdout: master,
			Resize: func(rows, cols uint16) error {
				return pty.Setsize(master, &pty.Winsize{Rows: rows, Cols: cols})
			},
			Close: master.Close,
		},
	}, nil
}

func newPipes() (*Stdio, error) {
	var files [6]*os.File
	for i := 0; i < 6; i += 2 {
		r, w, err := os.Pipe()
		if err != nil {
			closeAll(files[:i])
			return nil, fmt.Errorf("make pipe: %w", err)
		}
		files[i], files[i+1] = r, w
	}
	inR, inW, outR, outW, errR, errW := files[0], files[1], files[2], files[3], files[4], files[5]
	return &Stdio{
		Child: [3]*os.File{inR, outW, errW},
		Session: &Session{
			Stdin:  inW,
			Stdout: outR,
			Stderr: errR,
			Close: func() error {
				return errors.Join(inW.Close(), outR.Close(), errR.Close())
			},
		},
	}, nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}
