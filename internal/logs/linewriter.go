package logs

import "bytes"

// Writer is anything lines can be written to: *Buffer, or another Log backend.
type Writer interface {
	Write(appID, source, dyno, msg string)
}

// LineWriter turns a byte stream, such as a dyno's stdout, into log lines: each "\n" ends
// a line, and a partial line longer than MaxMessage is written in pieces. It is an
// io.WriteCloser for one stream and is not safe for concurrent use.
type LineWriter struct {
	log                 Writer
	appID, source, dyno string
	partial             []byte
}

// NewLineWriter returns a LineWriter that writes the app's lines from source[dyno] to log.
func NewLineWriter(log Writer, appID, source, dyno string) *LineWriter {
	return &LineWriter{log: log, appID: appID, source: source, dyno: dyno}
}

// Write writes every complete line of p and keeps the rest for the next call. It never
// fails.
func (w *LineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			break
		}
		w.emit(append(w.partial, p[:i]...))
		w.partial, p = w.partial[:0], p[i+1:]
	}
	w.partial = append(w.partial, p...)
	for len(w.partial) > MaxMessage {
		w.emit(w.partial[:MaxMessage])
		w.partial = append(w.partial[:0], w.partial[MaxMessage:]...)
	}
	return n, nil
}

// Close writes the last partial line, if any.
func (w *LineWriter) Close() error {
	if len(w.partial) > 0 {
		w.emit(w.partial)
		w.partial = w.partial[:0]
	}
	return nil
}

func (w *LineWriter) emit(line []byte) {
	w.log.Write(w.appID, w.source, w.dyno, string(bytes.TrimSuffix(line, []byte("\r"))))
}
