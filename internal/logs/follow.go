package logs

import "context"

// Log is a backend of the log router: lines go in with Write and come out through Stream.
// *Buffer is the in-memory backend; the redisbuf package has a Redis Streams one.
type Log interface {
	// Write appends msg to the app's log without ever blocking on readers; see
	// (*Buffer).Write.
	Write(appID, source, dyno, msg string)
	Stream
}

// Follow sends every line of the app written from now on to sink, in order, until ctx
// ends. It serves sinks (drains) from backends that cannot call them on write, such as
// Redis shared by several servers; with a *Buffer, AddSink is the cheaper path. Lines
// evicted before Follow read them are counted in the returned total and skipped.
func Follow(ctx context.Context, s Stream, appID string, sink Sink) (dropped uint64) {
	notify, stop := s.Notify(appID)
	defer stop()
	_, cursor := s.Tail(appID, Filter{}, 0)
	for {
		lines, next, lost := s.After(appID, cursor, Filter{}, batchLines)
		dropped += lost
		for _, l := range lines {
			sink.Send(l)
		}
		cursor = next
		if len(lines) == batchLines {
			continue
		}
		select {
		case <-ctx.Done():
			return dropped
		case <-notify:
		}
	}
}
