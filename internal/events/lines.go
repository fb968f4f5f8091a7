package events

import "bytes"

// maxLine is the longest partial line Lines holds before publishing it anyway.
const maxLine = 64 << 10

// Lines is an io.Writer that publishes each complete line written to it as a BuildOutput
// event of the app. It never fails and never blocks.
type Lines struct {
	Events Publisher
	AppID  string
	buf    []byte
}

// Write implements io.Writer.
func (l *Lines) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.emit(l.buf[:i])
		l.buf = l.buf[i+1:]
	}
	if len(l.buf) >= maxLine {
		l.Flush()
	}
	return len(p), nil
}

// Flush publishes a trailing partial line, if any.
func (l *Lines) Flush() {
	if len(l.buf) > 0 {
		l.emit(l.buf)
	}
	l.buf = nil
}

func (l *Lines) emit(line []byte) {
	line = bytes.TrimRight(line, "\r")
	l.Events.Publish(Event{AppID: l.AppID, Payload: BuildOutput{Line: string(line)}})
}
