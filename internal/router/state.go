package router

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Causes of the outgoing request's cancellation.
var (
	errResponseTimeout = errors.New("no response headers in time")
	errIdleTimeout     = errors.New("connection idle")
	errNoBackend       = errors.New("no backend available")
	errBodyTooLarge    = errors.New("request body too large")
)

// stateKey is the context key under which a request's *state is found.
type stateKey struct{}

// state is everything the router tracks about one proxied request. It is also the outgoing
// request's context, which saves an allocation per request on the hot path: Value answers
// stateKey with the state itself, and the embedded context carries the cancellation.
type state struct {
	context.Context
	cancel context.CancelCauseFunc

	r        *Router
	in       *http.Request
	entry    *entry
	rec      recorder
	start    time.Time
	host     string
	reqID    string
	clientIP string

	up      *Upstream // the backend holding this request's in-flight count
	dyno    string    // the last dyno tried, for the log line
	rtStart time.Time // when the last attempt started
	connect atomic.Int64
	last    atomic.Int64 // unix nanos of the last data seen either way
	status  int          // status of the dyno's response
	body    *reqBody
	readErr error // error reading the dyno's response body
	respEOF bool
	code    Code

	tmu     sync.Mutex // guards the following
	timer   *time.Timer
	headers bool // response headers arrived: the timer now watches idleness
	stopped bool
}

// Value implements context.Context.
func (st *state) Value(key any) any {
	if key == (stateKey{}) {
		return st
	}
	return st.Context.Value(key)
}

// stateOf returns the state of the request whose context is ctx, or nil.
func stateOf(ctx context.Context) *state {
	st, _ := ctx.Value(stateKey{}).(*state)
	return st
}

// startTimer arms the response timeout (H12), which later becomes the idle timeout (H15).
func (st *state) startTimer() {
	st.tmu.Lock()
	st.timer = time.AfterFunc(st.r.cfg.ResponseTimeout, st.onTimer)
	st.tmu.Unlock()
}

// onTimer cancels the outgoing request with the right cause, or re-arms for idleness.
func (st *state) onTimer() {
	st.tmu.Lock()
	defer st.tmu.Unlock()
	if st.stopped {
		return
	}
	if !st.headers {
		st.cancel(errResponseTimeout)
		return
	}
	idle := time.Since(time.Unix(0, st.last.Load()))
	if limit := st.r.cfg.IdleTimeout; idle < limit {
		st.timer.Reset(limit - idle)
		return
	}
	st.cancel(errIdleTimeout)
}

// gotHeaders switches the timer from the response timeout to the idle timeout.
func (st *state) gotHeaders() {
	st.touch()
	st.tmu.Lock()
	st.headers = true
	if st.timer != nil && !st.stopped {
		st.timer.Reset(st.r.cfg.IdleTimeout)
	}
	st.tmu.Unlock()
}

// stopTimer disarms the timer for good.
func (st *state) stopTimer() {
	st.tmu.Lock()
	st.stopped = true
	if st.timer != nil {
		st.timer.Stop()
	}
	st.tmu.Unlock()
}

// touch records that data moved.
func (st *state) touch() { st.last.Store(time.Now().UnixNano()) }

// protocol returns "https" or "http" for the client connection.
func (st *state) protocol() string {
	if st.in.TLS != nil {
		return "https"
	}
	return "http"
}

// localPort returns the port the client connected to, for X-Forwarded-Port.
func localPort(r *http.Request) string {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr); ok {
		return strconv.Itoa(a.Port)
	}
	if r.TLS != nil {
		return "443"
	}
	return "80"
}

// clientIP returns the IP of the peer of r's connection, never a header value.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// recorder is the client's ResponseWriter, counting status and body bytes. Unwrap lets
// http.ResponseController reach Hijack underneath; Flush is intercepted (see FlushError).
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	length int64 // the response's Content-Length, -1 when unknown or when it has no body
}

// WriteHeader implements http.ResponseWriter; 1xx responses are passed on, not recorded.
func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
		w.length = -1
		if cl := w.Header().Get("Content-Length"); cl != "" {
			if n, err := strconv.ParseInt(cl, 10, 64); err == nil {
				w.length = n
			}
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// FlushError sends what was written to the client, as the proxy asks after every write
// (FlushInterval -1). For a response of known length it skips the two flushes that cost a
// syscall each without getting data to the client sooner: a flush of the headers alone
// before the first body byte, and one after the last byte, which the server sends anyway
// when the handler returns.
func (w *recorder) FlushError() error {
	if w.length >= 0 && (w.bytes == 0 || w.bytes == w.length) {
		return nil
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush implements http.Flusher.
func (w *recorder) Flush() { w.FlushError() } //nolint:errcheck // Flusher has no error

// Unwrap returns the underlying ResponseWriter.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
