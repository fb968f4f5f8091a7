package router

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/kingvon-ke/bera/internal/router/fastpath"
)

// ServeHTTP routes one request: it looks the Host up in the current table, answers for the
// app when it cannot be served (H80, H10, H14), and otherwise proxies to one of its dynos.
func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	st := &state{r: r, in: req, start: time.Now()}
	st.reqID = requestID(req.Header.Get("X-Request-Id"))
	st.host = NormalizeHost(req.Host)
	st.entry = r.table.Load().lookup(st.host)
	if st.entry == nil {
		w.Header().Set("X-Request-Id", st.reqID)
		writePage(w, http.StatusNotFound, pageNotFound)
		return
	}
	st.clientIP = clientIP(req)
	st.rec.ResponseWriter = w
	defer r.finish(st)
	rt := &st.entry.route
	switch {
	case rt.Maintenance:
		st.fail(H80)
	case len(st.entry.ups) == 0 && rt.Crashed:
		st.fail(H10)
	case len(st.entry.ups) == 0:
		st.fail(H14)
	case r.cfg.MaxBodyBytes > 0 && req.ContentLength > r.cfg.MaxBodyBytes:
		st.tooLarge()
	default:
		r.proxyTo(st)
	}
}

// proxyTo sends the request through the reverse proxy with st as its context.
func (r *Router) proxyTo(st *state) {
	st.Context, st.cancel = context.WithCancelCause(st.in.Context())
	st.startTimer()
	r.proxy.ServeHTTP(&st.rec, st.in.WithContext(st))
}

// fail answers with code's page.
func (st *state) fail(code Code) {
	st.code = code
	st.rec.Header().Set("X-Request-Id", st.reqID)
	writePage(&st.rec, code.Status(), codes[code].page)
}

// tooLarge answers 413 for a request body over Config.MaxBodyBytes.
func (st *state) tooLarge() {
	st.rec.Header().Set("X-Request-Id", st.reqID)
	st.rec.Header().Set("Connection", "close")
	writePage(&st.rec, http.StatusRequestEntityTooLarge, pageTooLarge)
}

// pageTooLarge is served for a request body over Config.MaxBodyBytes.
var pageTooLarge = renderPage("Request too large", "The request body is larger than this platform accepts.")

// finish releases the request's backend and timers and reports it. It runs deferred, so
// also when the proxy aborts the response with http.ErrAbortHandler.
func (r *Router) finish(st *state) {
	end := time.Now()
	if st.cancel != nil {
		st.stopTimer()
		st.cancel(context.Canceled)
	}
	if st.up != nil {
		st.up.release()
	}
	if st.code == "" && st.status != http.StatusSwitchingProtocols && st.dyno != "" && !st.respEOF {
		st.code = st.classifyAbort()
	}
	e := st.entryAt(end)
	if r.cfg.Sink != nil {
		r.cfg.Sink.RouterLine(e.AppID, e.Line())
	}
	if r.cfg.Metrics != nil {
		r.cfg.Metrics.Observe(&e)
	}
}

// classifyAbort names what cut a response short after its headers, or "" if nothing did.
func (st *state) classifyAbort() Code {
	cause := context.Cause(st)
	switch {
	case errors.Is(cause, errIdleTimeout):
		return H15
	case errors.Is(cause, errResponseTimeout):
		return H12
	case st.readErr != nil:
		return H13
	case st.in.Context().Err() != nil:
		return H27
	}
	return ""
}

// classify maps an error from the dyno round trip to an H-code; 0 status means 413.
func (st *state) classify(err error) Code {
	cause := context.Cause(st)
	switch {
	case st.in.Context().Err() != nil:
		return H27
	case errors.Is(cause, errResponseTimeout):
		return H12
	case errors.Is(cause, errIdleTimeout):
		return H15
	case errors.Is(err, errNoBackend) || fastpath.IsDialError(err):
		return connectCode(err, st.entry.route.Crashed)
	case st.body != nil && st.body.started.Load() && !st.body.eof.Load():
		return H18
	}
	return H13
}

// entryAt builds the request's log entry as of end.
func (st *state) entryAt(end time.Time) Entry {
	e := Entry{
		AppID:     st.entry.route.AppID,
		Code:      st.code,
		Method:    st.in.Method,
		Path:      st.in.RequestURI,
		Host:      st.host,
		RequestID: st.reqID,
		Fwd:       st.clientIP,
		Dyno:      st.dyno,
		Status:    st.rec.status,
		Bytes:     st.rec.bytes,
		Protocol:  st.protocol(),
	}
	if st.status == http.StatusSwitchingProtocols {
		e.Status = st.status
	}
	if st.code != "" && st.code != H27 {
		e.Status = st.code.Status()
	}
	if st.code == H27 {
		e.Status = 499
	}
	if st.dyno != "" {
		e.Connect = time.Duration(st.connect.Load())
		e.Service = max(end.Sub(st.rtStart)-e.Connect, 0)
	}
	return e
}

// connectCode maps a failure to reach any dyno (errNoBackend, or a dial error on the last
// one tried) to its H-code; crashed says the app has crashed web dynos.
func connectCode(err error, crashed bool) Code {
	var ne net.Error
	switch {
	case errors.Is(err, errNoBackend) && crashed:
		return H10
	case errors.Is(err, errNoBackend):
		return H14
	case errors.As(err, &ne) && ne.Timeout():
		return H19
	}
	return H21
}
