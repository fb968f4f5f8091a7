package runc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime"
)

// tail delivers the lines of one output stream of d, chunk after chunk, from where the last
// runtime stopped, until the dyno has exited and everything is read, or the runtime closes.
func (r *Runtime) tail(d *dyno, stream runtime.Stream) {
	t := newTailer(d.dir, stream, func(text string) {
		r.cfg.Output(runtime.Line{DynoID: d.meta.ID, App: d.meta.App, Name: d.meta.Name, Stream: stream, Text: text, Time: time.Now()})
	})
	defer t.close()
	poll := time.NewTicker(d.poll)
	defer poll.Stop()
	var last time.Time
	for {
		last = time.Now()
		if err := t.drain(); err != nil {
			r.log.Error("read dyno output", "dyno", d.meta.Name, "err", err)
			return
		}
		t.saveOffset()
		select {
		case <-d.exited:
			// The shim writes the exit file after its split processes finished writing.
			if err := t.drain(); err != nil {
				r.log.Error("read dyno output", "dyno", d.meta.Name, "err", err)
			}
			t.split.Flush()
			return
		case <-r.ctx.Done():
			return
		case <-d.wakeFor(string(stream)):
			// A chatty dyno wakes its reader at every write: read in batches, as often as
			// polling did at most (but at once when the dyno exits: Stop waits for it).
			batch := time.NewTimer(pollInterval - time.Since(last))
			select {
			case <-batch.C:
			case <-d.exited:
			case <-r.ctx.Done():
			}
			batch.Stop()
		case <-poll.C:
		}
	}
}

// tailer reads the numbered chunk files `split` writes for one stream.
type tailer struct {
	dir    string
	stream runtime.Stream
	split  *runtime.LineSplitter
	chunk  int      // index of the chunk being read, the lowest one left on disk
	f      *os.File // open chunk, nil until it exists
	off    int64    // bytes of the chunk delivered to split
	saved  int64
	buf    []byte
}

func newTailer(dir string, stream runtime.Stream, emit func(string)) *tailer {
	t := &tailer{dir: dir, stream: stream, split: &runtime.LineSplitter{Emit: emit}}
	t.chunk = t.lowestChunk()
	t.off = readOffset(t.offsetPath())
	t.saved = t.off
	return t
}

func (t *tailer) path(i int) string {
	return filepath.Join(t.dir, fmt.Sprintf("%s.%06d", t.stream, i))
}

func (t *tailer) offsetPath() string { return filepath.Join(t.dir, string(t.stream)+".offset") }

// lowestChunk finds the first chunk not yet deleted (0 when there is none).
func (t *tailer) lowestChunk() int {
	names, _ := filepath.Glob(filepath.Join(t.dir, string(t.stream)+".[0-9]*"))
	low := -1
	for _, n := range names {
		i, err := strconv.Atoi(strings.TrimPrefix(filepath.Ext(n), "."))
		if err == nil && (low < 0 || i < low) {
			low = i
		}
	}
	return max(low, 0)
}

// drain reads everything written so far. A chunk is complete once the next one exists:
// then it is read to its end, deleted, and the next one is opened.
func (t *tailer) drain() error {
	for {
		if t.f == nil {
			f, err := os.Open(t.path(t.chunk))
			if errors.Is(err, os.ErrNotExist) {
				return nil
			} else if err != nil {
				return err
			}
			if _, err := f.Seek(t.off, io.SeekStart); err != nil {
				f.Close()
				return err
			}
			t.f = f
		}
		if err := t.read(); err != nil {
			return err
		}
		if _, err := os.Stat(t.path(t.chunk + 1)); err != nil {
			return nil
		}
		if err := t.nextChunk(); err != nil {
			return err
		}
	}
}

// nextChunk finishes the current, complete chunk and moves to the next one.
func (t *tailer) nextChunk() error {
	if err := t.read(); err != nil {
		return err
	}
	t.f.Close()
	t.f = nil
	if err := os.Remove(t.path(t.chunk)); err != nil {
		return err
	}
	t.chunk++
	t.off = 0
	t.saveOffset()
	return nil
}

// read delivers the chunk's new bytes. (io.Copy would allocate a buffer at every call:
// *os.File's WriteTo does.)
func (t *tailer) read() error {
	if t.buf == nil {
		t.buf = make([]byte, 32<<10)
	}
	for {
		n, err := t.f.Read(t.buf)
		t.split.Write(t.buf[:n]) //nolint:errcheck // never fails
		t.off += int64(n)
		if err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// saveOffset records where a new runtime should resume: the start of the first line not
// yet delivered (a line cut across chunks resumes at the later chunk's start).
func (t *tailer) saveOffset() {
	off := max(t.off-int64(t.split.Buffered()), 0)
	if off != t.saved {
		t.saved = off
		os.WriteFile(t.offsetPath(), []byte(strconv.FormatInt(off, 10)), 0o600)
	}
}

func (t *tailer) close() {
	if t.f != nil {
		t.f.Close()
	}
}

func readOffset(path string) int64 {
	b, _ := os.ReadFile(path)
	n, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return n
}
