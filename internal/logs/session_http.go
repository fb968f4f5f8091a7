package logs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// batchLines is how many lines a session reads from the Stream at a time.
const batchLines = 500

// ServeHTTP serves a log session: 403 for a forged or expired URL, then the backlog and,
// when tailing, new lines. Clients that accept text/event-stream get SSE events
// (`id: SEQ\ndata: LINE\n\n`, keep-alive comments, resume after Last-Event-ID); others get
// text/plain, one line per "\n".
func (s *Sessions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Only GET is allowed on a log session.")
		return
	}
	appID := path.Base(r.URL.Path)
	opts, err := s.Verify(appID, r.URL.Query())
	if err != nil {
		writeError(w, http.StatusForbidden, "forbidden", "This log session is invalid or has expired. Please try again.")
		return
	}
	if !s.allowed(r.Context(), opts, appID) {
		writeError(w, http.StatusForbidden, "forbidden", "The access this log session was issued for has ended.")
		return
	}
	backlog, err := s.backlog(r.Context(), appID, opts, lastEventID(r))
	if err != nil {
		s.cfg.Logger.Error("read log backlog", "app", appID, "err", err)
		writeError(w, http.StatusServiceUnavailable, "service_unavailable", "Logs are unavailable right now. Please try again.")
		return
	}
	enc := newEncoder(w, acceptsSSE(r.Header.Get("Accept")))
	enc.start()
	enc.lines(backlog.Lines)
	if err := s.follow(r.Context(), enc, appID, opts, backlog.Cursor); err != nil && !errors.Is(err, context.Canceled) {
		s.cfg.Logger.Debug("log session ended", "app", appID, "err", err)
	}
}

// backlog reads the last opts.Lines lines, or, for a client resuming after an event id,
// nothing but the cursor.
func (s *Sessions) backlog(ctx context.Context, appID string, opts SessionOptions, resume *uint64) (Page, error) {
	if resume != nil {
		return Page{Cursor: *resume}, nil
	}
	return s.cfg.Stream.Tail(ctx, appID, opts.Filter(), opts.Lines)
}

// follow sends, when tailing, the lines after cursor until ctx ends or a write fails.
func (s *Sessions) follow(ctx context.Context, enc *encoder, appID string, opts SessionOptions, cursor uint64) error {
	if !opts.Tail {
		return enc.flush()
	}
	notify, stop := s.cfg.Stream.Notify(appID)
	defer stop()
	keepAlive := time.NewTicker(s.cfg.KeepAlive)
	defer keepAlive.Stop()
	recheck := time.NewTicker(s.cfg.RecheckInterval)
	defer recheck.Stop()
	for {
		var err error
		if cursor, err = s.catchUp(ctx, enc, appID, opts.Filter(), cursor); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-notify:
		case <-keepAlive.C:
			enc.keepAlive()
		case <-recheck.C:
			if !s.allowed(ctx, opts, appID) {
				return errAccessEnded
			}
		}
	}
}

// errAccessEnded ends a tail whose holder lost access to the app.
var errAccessEnded = errors.New("log session holder lost access")

// allowed asks SessionsConfig.Allowed whether the session's holder may read appID's log.
func (s *Sessions) allowed(ctx context.Context, opts SessionOptions, appID string) bool {
	return s.cfg.Allowed == nil || s.cfg.Allowed(ctx, opts.Holder, appID)
}

// catchUp sends every line after cursor and returns the new cursor. Lines evicted before
// this session read them are reported as one L11 line, as Logplex does for tails.
func (s *Sessions) catchUp(ctx context.Context, enc *encoder, appID string, f Filter, cursor uint64) (uint64, error) {
	for {
		p, err := s.cfg.Stream.After(ctx, appID, cursor, f, batchLines)
		if err != nil {
			return cursor, err
		}
		lines, dropped := p.Lines, p.Dropped
		if dropped > 0 {
			enc.line(Line{Time: s.cfg.Now().UTC(), Source: "heroku", Dyno: "logplex",
				Message: fmt.Sprintf("Error L11 (Tail buffer overflow) -> This tail session dropped %d messages.", dropped)}, false)
		}
		enc.lines(lines)
		cursor = p.Cursor
		if err := enc.flush(); err != nil || len(lines) < batchLines {
			return cursor, err
		}
	}
}

// encoder writes lines as SSE events or plain text, remembering the first write error.
type encoder struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	sse     bool
	buf     []byte
	scratch []byte
	err     error
}

func newEncoder(w http.ResponseWriter, sse bool) *encoder {
	return &encoder{w: w, rc: http.NewResponseController(w), sse: sse}
}

// start writes the headers, and lifts the server's write deadline, which would cut a
// long-lived tail.
func (e *encoder) start() {
	h := e.w.Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	if e.sse {
		h.Set("Content-Type", "text/event-stream; charset=utf-8")
	}
	e.w.WriteHeader(http.StatusOK)
	_ = e.rc.SetWriteDeadline(time.Time{})
	e.err = e.rc.Flush()
}

func (e *encoder) lines(lines []Line) {
	for _, l := range lines {
		e.line(l, true)
	}
}

func (e *encoder) line(l Line, withID bool) {
	if !e.sse {
		e.buf = append(l.AppendFormat(e.buf), '\n')
		return
	}
	if withID {
		e.buf = append(strconv.AppendUint(append(e.buf, "id: "...), l.Seq, 10), '\n')
	}
	// "\r" and "\n" both end an SSE line, so each piece becomes its own data line.
	e.buf = append(e.buf, "data: "...)
	e.scratch = l.AppendFormat(e.scratch[:0])
	for _, c := range e.scratch {
		if c == '\r' || c == '\n' {
			e.buf = append(e.buf, "\ndata: "...)
			continue
		}
		e.buf = append(e.buf, c)
	}
	e.buf = append(e.buf, "\n\n"...)
}

func (e *encoder) keepAlive() {
	if e.sse {
		e.buf = append(e.buf, ":\n\n"...)
	}
}

// flush sends what is buffered and returns the first error of the session.
func (e *encoder) flush() error {
	if e.err == nil && len(e.buf) > 0 {
		_, e.err = e.w.Write(e.buf)
		e.buf = e.buf[:0]
		if e.err == nil {
			e.err = e.rc.Flush()
		}
	}
	return e.err
}

func acceptsSSE(accept string) bool {
	return strings.Contains(strings.ToLower(accept), "text/event-stream")
}

func lastEventID(r *http.Request) *uint64 {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		return nil
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return nil
	}
	return &n
}

func writeError(w http.ResponseWriter, status int, id, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"id":%q,"message":%q}`+"\n", id, msg)
}
