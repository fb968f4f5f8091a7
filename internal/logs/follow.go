package logs

import (
	"context"
	"fmt"
)

// Log is a backend of the log router: lines go in with Write and come out through Stream.
// *Buffer is the in-memory backend; the redisbuf package has a Redis Streams one.
type Log interface {
	// Write appends msg to the app's log without ever blocking on readers; see
	// (*Buffer).Write.
	Write(appID, source, dyno, msg string)
	Stream
}

// Follow sends every line of the app written from now on to sink, in order, until ctx
// ends (it then returns ctx's error) or the Stream fails. It serves sinks (drains) from
// backends that cannot call them on write, such as Redis shared by several servers; with
// a *Buffer, AddSink is the cheaper path. Lines evicted before Follow read them are
// skipped.
func Follow(ctx context.Context, s Stream, appID string, sink Sink) error {
	notify, stop := s.Notify(appID)
	defer stop()
	p, err := s.Tail(ctx, appID, Filter{}, 0)
	if err != nil {
		return fmt.Errorf("follow %s: %w", appID, err)
	}
	for cursor := p.Cursor; ; {
		if p, err = s.After(ctx, appID, cursor, Filter{}, batchLines); err != nil {
			return fmt.Errorf("follow %s: %w", appID, err)
		}
		for _, l := range p.Lines {
			sink.Send(l)
		}
		cursor = p.Cursor
		if len(p.Lines) == batchLines {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-notify:
		}
	}
}
