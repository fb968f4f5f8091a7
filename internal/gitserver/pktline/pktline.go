// Package pktline reads and writes git's pkt-line framing: a 4-hex-digit length (including
// the 4 bytes) followed by the payload; "0000" is a flush packet.
package pktline

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// MaxPayload is the largest payload git allows in one packet.
const MaxPayload = 65516

// ErrFlush is returned by Reader.Next for a flush packet.
var ErrFlush = errors.New("flush packet")

// Writer writes packets to an io.Writer.
type Writer struct {
	w   io.Writer
	err error
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// WriteString writes s as one packet (ErrTooLong past MaxPayload).
func (w *Writer) WriteString(s string) error {
	if w.err != nil {
		return w.err
	}
	if len(s) > MaxPayload {
		return fmt.Errorf("pkt-line payload of %d bytes is longer than %d", len(s), MaxPayload)
	}
	_, w.err = fmt.Fprintf(w.w, "%04x%s", len(s)+4, s)
	return w.err
}

// Flush writes a flush packet.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	_, w.err = io.WriteString(w.w, "0000")
	return w.err
}

// Reader reads packets from an io.Reader.
type Reader struct {
	r   io.Reader
	buf [MaxPayload + 4]byte
}

// NewReader returns a Reader on r.
func NewReader(r io.Reader) *Reader { return &Reader{r: r} }

// Next returns the next packet's payload (valid until the next call), ErrFlush for a flush
// packet, io.EOF at a clean end, or an error for malformed input.
func (r *Reader) Next() ([]byte, error) {
	if _, err := io.ReadFull(r.r, r.buf[:4]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return nil, errors.New("pkt-line: truncated length")
		}
		return nil, err
	}
	n, err := strconv.ParseUint(string(r.buf[:4]), 16, 16)
	if err != nil {
		return nil, fmt.Errorf("pkt-line: bad length %q", r.buf[:4])
	}
	switch {
	case n == 0:
		return nil, ErrFlush
	case n < 4 || n > MaxPayload+4:
		return nil, fmt.Errorf("pkt-line: length %d out of range", n)
	}
	if _, err := io.ReadFull(r.r, r.buf[4:n]); err != nil {
		return nil, fmt.Errorf("pkt-line: truncated payload: %w", err)
	}
	return r.buf[4:n], nil
}
