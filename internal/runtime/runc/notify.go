package runc

import (
	"bytes"
	"errors"
	"os"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The goroutines that watch a dyno wait for news instead of polling its directory: one
// inotify instance for the whole runtime reports the files the shim writes there (the exit
// file, the output chunks), and each wakes the goroutine it concerns. Polling every 50 ms
// cost about 3 % of a core per dyno (a stat of the exit file and of each stream's next
// chunk, and `runc state` every second), which the router then lacked.
//
// Without inotify (its limits reached) a dyno's goroutines poll at pollInterval, as before.
// With it they still look every watchedPoll, in case an event was lost.
const watchedPoll = 2 * time.Second

// watchMask is what is reported in a dyno directory: a file created or written to (a chunk
// of output), or renamed into it (the exit file, moved into place once complete).
const watchMask = unix.IN_CREATE | unix.IN_MODIFY | unix.IN_MOVED_TO

// wakes are the channels that wake one dyno's goroutines; each holds at most one wake-up.
type wakes struct {
	exit, stdout, stderr chan struct{}
}

func newWakes() *wakes {
	return &wakes{exit: make(chan struct{}, 1), stdout: make(chan struct{}, 1), stderr: make(chan struct{}, 1)}
}

func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func (w *wakes) all() {
	wake(w.exit)
	wake(w.stdout)
	wake(w.stderr)
}

// notifier owns the runtime's inotify instance.
type notifier struct {
	f *os.File // the inotify descriptor, non-blocking, so reads wait in Go's poller

	mu    sync.Mutex // guards the following
	byWD  map[int32]*wakes
	wdDir map[string]int32
}

// newNotifier starts an inotify instance and its reader; it runs until close.
func newNotifier() (*notifier, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, err
	}
	n := &notifier{f: os.NewFile(uintptr(fd), "inotify"), byWD: map[int32]*wakes{}, wdDir: map[string]int32{}}
	go n.read()
	return n, nil
}

// watch reports changes in dir to w until unwatch. It fails when inotify's limits are reached.
func (n *notifier) watch(dir string, w *wakes) error {
	if n == nil {
		return errors.ErrUnsupported
	}
	wd, err := unix.InotifyAddWatch(int(n.f.Fd()), dir, watchMask)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.byWD[int32(wd)] = w
	n.wdDir[dir] = int32(wd)
	return nil
}

// unwatch stops reporting changes in dir.
func (n *notifier) unwatch(dir string) {
	if n == nil {
		return
	}
	n.mu.Lock()
	wd, ok := n.wdDir[dir]
	delete(n.wdDir, dir)
	delete(n.byWD, wd)
	n.mu.Unlock()
	if ok {
		unix.InotifyRmWatch(int(n.f.Fd()), uint32(wd)) //nolint:errcheck // gone with its directory
	}
}

func (n *notifier) close() {
	if n != nil {
		n.f.Close()
	}
}

// read delivers the events until the descriptor is closed.
func (n *notifier) read() {
	buf := make([]byte, 64<<10)
	for {
		k, err := n.f.Read(buf)
		if err != nil {
			return
		}
		n.dispatch(buf[:k])
	}
}

// dispatch wakes, for each event in buf, the goroutine its file concerns.
func (n *notifier) dispatch(buf []byte) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for len(buf) >= unix.SizeofInotifyEvent {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[0]))
		end := unix.SizeofInotifyEvent + int(ev.Len)
		if end > len(buf) {
			return
		}
		name := bytes.TrimRight(buf[unix.SizeofInotifyEvent:end], "\x00")
		buf = buf[end:]
		if ev.Mask&unix.IN_Q_OVERFLOW != 0 {
			for _, w := range n.byWD {
				w.all()
			}
			continue
		}
		if ev.Mask&unix.IN_IGNORED != 0 { // the directory is gone
			delete(n.byWD, ev.Wd)
			continue
		}
		if w := n.byWD[ev.Wd]; w != nil {
			if c := w.channel(name); c != nil {
				wake(c)
			}
		}
	}
}

// channel is the wake channel of the goroutine that reads file name, nil when none does.
func (w *wakes) channel(name []byte) chan struct{} {
	switch {
	case string(name) == "exit":
		return w.exit
	case isChunk(name, "stdout"):
		return w.stdout
	case isChunk(name, "stderr"):
		return w.stderr
	}
	return nil
}

// isChunk reports whether name is a numbered output chunk of stream (stdout.000001), not
// its offset file.
func isChunk(name []byte, stream string) bool {
	n := len(stream)
	return len(name) > n+1 && string(name[:n]) == stream && name[n] == '.' && name[n+1] >= '0' && name[n+1] <= '9'
}

// watchPID returns a channel closed when process pid (not a child of ours) exits, or when it
// can no longer be watched, and a function to call once done with it. The channel is nil when
// pid cannot be watched at all (it is gone already, or the kernel has no pidfd).
func watchPID(pid int) (<-chan struct{}, func()) {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return nil, func() {}
	}
	f := os.NewFile(uintptr(fd), "pidfd")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, func() {}
	}
	exited := make(chan struct{})
	go func() {
		// A pidfd turns readable when its process exits; Read waits for that in Go's poller
		// and fails once f is closed (or at once if the poller cannot watch it).
		defer close(exited)
		rc.Read(func(fd uintptr) bool { //nolint:errcheck // either way the watch is over
			n, _ := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, 0)
			return n > 0
		})
	}()
	return exited, func() { f.Close() }
}
