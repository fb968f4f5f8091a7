package router

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kingvon-ke/bera/internal/router/fastpath"
)

// newProxy returns the one reverse proxy all requests go through.
func (r *Router) newProxy() *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite:        r.rewrite,
		Transport:      roundTripper{r},
		FlushInterval:  -1,
		ModifyResponse: r.modifyResponse,
		ErrorHandler:   r.handleProxyError,
		BufferPool:     newBufferPool(),
		ErrorLog:       slog.NewLogLogger(r.logger.Handler(), slog.LevelDebug),
	}
}

// rewrite sets the headers a dyno sees. X-Forwarded-* come from the connection only: the
// proxy has already dropped the client's X-Forwarded-For/Host/Proto, and the rest are
// overwritten here.
func (r *Router) rewrite(pr *httputil.ProxyRequest) {
	st := stateOf(pr.Out.Context())
	out := pr.Out
	out.URL.Scheme = "http"
	out.URL.Host = st.entry.route.AppID // replaced by the backend address in RoundTrip
	out.Host = pr.In.Host
	h := out.Header
	h.Set("X-Forwarded-For", st.clientIP)
	h.Set("X-Forwarded-Proto", st.protocol())
	h.Set("X-Forwarded-Port", localPort(pr.In))
	h.Del("Forwarded")
	h.Set("X-Request-Id", st.reqID)
	h.Set("X-Request-Start", strconv.FormatInt(st.start.UnixMilli(), 10))
	h["Via"] = append(h["Via"], r.cfg.Via)
	if out.Body != nil && out.Body != http.NoBody {
		st.body = &reqBody{rc: out.Body, st: st, limit: r.cfg.MaxBodyBytes}
		out.Body = st.body
	}
}

// modifyResponse returns the request id to the client, replacing any the dyno set.
func (r *Router) modifyResponse(res *http.Response) error {
	st := stateOf(res.Request.Context())
	res.Header.Set("X-Request-Id", st.reqID)
	return nil
}

// handleProxyError answers for a request the dyno did not answer, with its H-code page.
func (r *Router) handleProxyError(w http.ResponseWriter, out *http.Request, err error) {
	st := stateOf(out.Context())
	if st.body != nil && st.body.tooLarge.Load() {
		st.tooLarge()
		return
	}
	code := st.classify(err)
	r.logger.Debug("proxy error", "app", st.entry.route.AppID, "request_id", st.reqID, "code", string(code), "err", err)
	st.fail(code)
}

// roundTripper picks a backend for each attempt and retries another one only when the
// connection could not be made, so no byte of the request reached a dyno.
type roundTripper struct{ r *Router }

// RoundTrip implements http.RoundTripper.
func (t roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	st := stateOf(req.Context())
	var tried []*Upstream
	err := errNoBackend
	for range t.r.cfg.Attempts {
		u := t.r.pick(st.entry, tried)
		if u == nil {
			break
		}
		st.up, st.dyno, st.rtStart = u, u.Dyno, time.Now()
		st.connect.Store(0)
		req.URL.Host = u.Addr
		var res *http.Response
		if res, err = t.r.transport.RoundTrip(req); err == nil {
			st.gotResponse(res)
			return res, nil
		}
		if !fastpath.IsDialError(err) {
			return nil, err
		}
		tried = append(tried, u)
		st.up = nil
		u.release()
	}
	return nil, err
}

// pick selects and acquires one of e's backends not in tried, or returns nil if none is
// left.
func (r *Router) pick(e *entry, tried []*Upstream) *Upstream {
	ups := e.ups
	for {
		if len(tried) > 0 {
			ups = without(ups, tried)
		}
		if len(ups) == 0 {
			return nil
		}
		u := ups[r.cfg.Selector.Select(ups)]
		if u.acquire() {
			return u
		}
		// Retired since the snapshot was loaded: never send it new work.
		tried = append(tried, u)
	}
}

// without returns ups minus the ones in drop.
func without(ups, drop []*Upstream) []*Upstream {
	out := make([]*Upstream, 0, len(ups))
	for _, u := range ups {
		keep := true
		for _, d := range drop {
			keep = keep && u != d
		}
		if keep {
			out = append(out, u)
		}
	}
	return out
}

// gotResponse records the response and wraps its body to watch for idleness and errors.
func (st *state) gotResponse(res *http.Response) {
	st.status = res.StatusCode
	st.gotHeaders()
	if rwc, ok := res.Body.(io.ReadWriteCloser); ok && res.StatusCode == http.StatusSwitchingProtocols {
		res.Body = &upgradedBody{rwc: rwc, st: st}
		return
	}
	res.Body = &respBody{rc: res.Body, st: st}
}

// dialRecorder wraps d to record the connect time in the requesting state. A connection
// dialed for one request may serve another; that one then reports connect=0ms.
func dialRecorder(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		start := time.Now()
		c, err := d.DialContext(ctx, network, addr)
		if st := stateOf(ctx); st != nil {
			st.connect.Store(int64(time.Since(start)))
		}
		return c, err
	}
}

// reqBody is the request body on its way to the dyno. Close does nothing, so a retry after a
// failed connect can still send it; the server closes the real body.
type reqBody struct {
	rc    io.ReadCloser
	st    *state
	limit int64
	n     int64
	// Read runs on the transport's goroutine, which may outlive RoundTrip; hence atomics.
	started  atomic.Bool
	eof      atomic.Bool
	tooLarge atomic.Bool
}

// Read implements io.Reader, enforcing Config.MaxBodyBytes on bodies of unknown length.
func (b *reqBody) Read(p []byte) (int, error) {
	b.started.Store(true)
	n, err := b.rc.Read(p)
	b.n += int64(n)
	if n > 0 {
		b.st.touch()
	}
	if b.limit > 0 && b.n > b.limit {
		b.tooLarge.Store(true)
		return n, errBodyTooLarge
	}
	if err == io.EOF {
		b.eof.Store(true)
	}
	return n, err
}

// Close implements io.Closer.
func (b *reqBody) Close() error { return nil }

// respBody is the dyno's response body, noting activity, errors and the end.
type respBody struct {
	rc io.ReadCloser
	st *state
}

// Read implements io.Reader.
func (b *respBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.st.touch()
	}
	switch {
	case err == io.EOF:
		b.st.respEOF = true
	case err != nil:
		b.st.readErr = err
	}
	return n, err
}

// Close implements io.Closer.
func (b *respBody) Close() error { return b.rc.Close() }

// upgradedBody is the dyno's side of a switched-protocols (WebSocket) connection. Both
// directions count as activity. It is used from two goroutines, so it only touches atomics.
type upgradedBody struct {
	rwc io.ReadWriteCloser
	st  *state
}

// Read implements io.Reader.
func (b *upgradedBody) Read(p []byte) (int, error) {
	n, err := b.rwc.Read(p)
	if n > 0 {
		b.st.touch()
	}
	return n, err
}

// Write implements io.Writer.
func (b *upgradedBody) Write(p []byte) (int, error) {
	n, err := b.rwc.Write(p)
	if n > 0 {
		b.st.touch()
	}
	return n, err
}

// Close implements io.Closer.
func (b *upgradedBody) Close() error { return b.rwc.Close() }

// bufferPool recycles the proxy's copy buffers.
type bufferPool struct{ p sync.Pool }

// newBufferPool returns a pool of 32 KiB buffers.
func newBufferPool() *bufferPool {
	return &bufferPool{p: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
}

// Get implements httputil.BufferPool.
func (bp *bufferPool) Get() []byte { return *bp.p.Get().(*[]byte) }

// Put implements httputil.BufferPool.
func (bp *bufferPool) Put(b []byte) { bp.p.Put(&b) }
