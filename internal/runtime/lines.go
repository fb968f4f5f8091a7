package runtime

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"time"
)

// Stream names the output stream a line came from.
type Stream string

// Output streams of a dyno.
const (
	Stdout Stream = "stdout"
	Stderr Stream = "stderr"
)

// MaxLineBytes is the longest line delivered as one Line; longer lines are cut into pieces
// of this size (Heroku's log lines stop at 10,000 bytes too).
const MaxLineBytes = 10000

// Line is one line of a dyno's output, without its newline.
type Line struct {
	DynoID string
	App    string
	Name   string // the dyno name, web.1
	Stream Stream
	Text   string
	Time   time.Time
}

// LineSplitter turns a byte stream into lines. Write never fails and never blocks on a
// slow reader other than the sink itself; Flush delivers a last line without a newline.
type LineSplitter struct {
	// Emit receives each complete line, without the newline and a trailing carriage return.
	Emit func(text string)
	buf  []byte
}

// Write implements io.Writer.
func (s *LineSplitter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.buf = append(s.buf, p...)
			s.cutLong()
			break
		}
		s.buf = append(s.buf, p[:i]...)
		s.cutLong()
		s.emit()
		p = p[i+1:]
	}
	return n, nil
}

// Flush emits what is left after the last newline, if anything.
func (s *LineSplitter) Flush() {
	if len(s.buf) > 0 {
		s.emit()
	}
}

// Buffered returns how many bytes wait for a newline.
func (s *LineSplitter) Buffered() int { return len(s.buf) }

func (s *LineSplitter) cutLong() {
	for len(s.buf) > MaxLineBytes {
		s.Emit(string(s.buf[:MaxLineBytes]))
		s.buf = append(s.buf[:0], s.buf[MaxLineBytes:]...)
	}
}

func (s *LineSplitter) emit() {
	s.Emit(string(bytes.TrimSuffix(s.buf, []byte("\r"))))
	s.buf = s.buf[:0]
}

// CopyLines reads r until EOF or an error and emits every line to emit, the last one
// even without a newline. A closed pipe or file counts as EOF.
func CopyLines(r io.Reader, emit func(text string)) error {
	s := &LineSplitter{Emit: emit}
	_, err := io.Copy(s, bufio.NewReaderSize(r, 64<<10))
	s.Flush()
	if errors.Is(err, io.ErrClosedPipe) {
		return nil
	}
	return err
}
