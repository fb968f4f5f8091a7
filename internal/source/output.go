package source

import (
	"context"
	"crypto/hmac"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/google/uuid"

	"github.com/kingvon-ke/bera"
)

// liveLog is the output file of a running build, which readers follow until it is done.
type liveLog struct {
	f *os.File

	mu   sync.Mutex // guards the following
	size int64
	done bool
	wake chan struct{} // closed and replaced on every write and at the end
}

func newLiveLog(path string) (*liveLog, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	return &liveLog{f: f, wake: make(chan struct{})}, nil
}

// Write appends to the file and wakes the readers.
func (l *liveLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.f.Write(p)
	l.size += int64(n)
	l.wakeLocked()
	return n, err
}

func (l *liveLog) finish() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.f.Close()
	l.done = true
	l.wakeLocked()
}

func (l *liveLog) wakeLocked() {
	close(l.wake)
	l.wake = make(chan struct{})
}

func (l *liveLog) state() (int64, bool, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.size, l.done, l.wake
}

// follower reads a liveLog's file as it grows, until the build is done.
type follower struct {
	ctx context.Context
	f   *os.File
	l   *liveLog
	pos int64
}

func (r *follower) Read(p []byte) (int, error) {
	for {
		size, done, wake := r.l.state()
		if r.pos < size {
			n, err := r.f.Read(p[:min(int64(len(p)), size-r.pos)])
			r.pos += int64(n)
			return n, err
		}
		if done {
			return 0, io.EOF
		}
		select {
		case <-wake:
		case <-r.ctx.Done():
			return 0, r.ctx.Err()
		}
	}
}

func (r *follower) Close() error { return r.f.Close() }

// Output returns the output of a build for its output_stream_url: it follows a running
// build until it ends and replays a finished one. ENotFound for a bad token or an unknown
// build, so ids cannot be probed.
func (s *Service) Output(ctx context.Context, buildID, token string) (io.ReadCloser, error) {
	if uuid.Validate(buildID) != nil || !hmac.Equal([]byte(token), []byte(s.outputToken(buildID))) {
		return nil, bera.NotFound("build")
	}
	s.mu.Lock()
	l := s.live[buildID]
	s.mu.Unlock()
	f, err := os.Open(s.outputPath(buildID))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, bera.NotFound("build")
	}
	if err != nil {
		return nil, err
	}
	if l == nil {
		return f, nil
	}
	return &follower{ctx: ctx, f: f, l: l}, nil
}
