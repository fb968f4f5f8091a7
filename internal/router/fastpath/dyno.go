package fastpath

import (
	"errors"
	"net/http"
	"os"
	"sync"
	"time"
)

// The front end's side towards dynos: choosing one, sending the request over a pooled
// connection, and reading the response head while watching the client.

// roundTrip sends the request to a dyno, retrying other dynos only while connecting fails,
// and relays the response. It reports whether the client connection is still usable. With
// sentTo, an event loop already picked that dyno (loop_linux.go), which the first attempt
// uses; with sent as well, it sent the request over sent, and the round trip goes on from
// waiting for the response.
func (c *frontConn) roundTrip(x *Exchange, sentTo Backend, sent *backendConn) bool {
	c.tried = c.tried[:0]
	var err error
	for range c.cfg.Attempts {
		u := sentTo
		var addr string
		if u == nil {
			if u = c.cfg.Routes.Pick(c.rt, c.tried); u == nil {
				break
			}
			x.Dyno, addr = u.Target()
			x.RTStart, x.Connect = time.Now(), 0
		} else {
			_, addr = u.Target()
		}
		bc, herr := c.send(x, u, addr, sent)
		sentTo, sent = nil, nil
		if herr == nil {
			ok := c.relay(x, u, bc)
			u.Release()
			return ok
		}
		u.Release()
		if err = herr; !IsDialError(err) {
			break
		}
		c.tried = append(c.tried, u)
	}
	x.Code = c.classify(err)
	if x.Code == codeH27 {
		return false
	}
	status, page := c.cfg.Routes.Page(x.Code)
	return c.writePage(x, status, page)
}

// classify maps an error before the response head to an H-code; nil means no dyno was
// there to try.
func (c *frontConn) classify(err error) string {
	switch {
	case errors.Is(err, errClientGone):
		return codeH27
	case err == nil || IsDialError(err):
		return c.cfg.Routes.Unreachable(c.rt, err)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return codeH12
	}
	return codeH13
}

// send writes the request to u over a pooled or new connection and reads the response head
// into c.res. A reused connection that the dyno had already closed is replaced by a new one
// when nothing at all was read from it and the method is safe to repeat, as http.Transport
// does.
//
// With sent, the request was already written over it (by an event loop, which recorded in
// sent whether the connection was reused and how much had been read from it before).
func (c *frontConn) send(x *Exchange, u Backend, addr string, sent *backendConn) (*backendConn, error) {
	for {
		var bc *backendConn
		var reused bool
		var before int64
		var err error
		if sent != nil {
			bc, reused, before, sent = sent, sent.sentReused, sent.sentBase, nil
		} else {
			bc, reused = u.Conns().get(), true
			if bc == nil {
				reused = false
				dialStart := time.Now()
				conn, err := c.cfg.Dialer.Dial("tcp", addr)
				x.Connect = time.Since(dialStart)
				if err != nil {
					return nil, err
				}
				bc = newBackendConn(conn)
			}
			before = bc.nread
			if !reused || time.Since(bc.idleSince) < waitFirstIdle {
				err = bc.writeRead(c.fwd, c.headWait(x))
			} else {
				_, err = bc.conn.Write(c.fwd)
			}
		}
		if err == nil {
			err = c.readResponseHead(x, bc)
		}
		if err == nil {
			return bc, nil
		}
		bc.conn.Close()
		if !reused || bc.nread != before || !replayable(c.req.method) || errors.Is(err, errClientGone) {
			return nil, err
		}
	}
}

// waitFirstIdle is how long a pooled connection may have been idle for writeRead to send
// the next request on it: its wait cannot see an end of file that the dyno sent while the
// connection sat in the pool (that readiness was reported before). A dyno that is still
// there answers the request with a reset, which ends the wait at once; one that vanished
// without a reset would hold the request until headWait. Busy connections, the ones the
// saving is for, are reused within microseconds; idler ones take the ordinary path.
const waitFirstIdle = 100 * time.Millisecond

// headWait is how long the first wait for a dyno's answer lasts: until the client is to be
// watched (see readResponseHead) or the response timeout, whichever comes first.
func (c *frontConn) headWait(x *Exchange) time.Time {
	return x.Start.Add(min(clientWatchDelay, c.cfg.ResponseTimeout))
}

// replayable reports whether a bodyless request with method m may be sent twice.
func replayable(m []byte) bool {
	switch string(m) {
	case "GET", "HEAD", "OPTIONS", "TRACE":
		return true
	}
	return false
}

// clientWatchDelay is how long a dyno may take to answer before the router starts watching
// the client connection for a hang-up (H27) while it waits.
const clientWatchDelay = time.Second

// readResponseHead reads the dyno's response head into c.res, skipping informational
// responses, within Config.ResponseTimeout of the request's start. From clientWatchDelay on
// it also watches the client, and gives up with errClientGone when the client hangs up.
func (c *frontConn) readResponseHead(x *Exchange, bc *backendConn) (err error) {
	deadline := x.Start.Add(c.cfg.ResponseTimeout)
	watchAt := x.Start.Add(clientWatchDelay)
	var w *clientWatch
	defer func() {
		if w != nil && c.unwatch(w) {
			err = errClientGone
		}
	}()
	for {
		n := headEnd(bc.buffered())
		if n < 0 {
			wait := deadline
			if w == nil && watchAt.Before(deadline) {
				wait = watchAt
			}
			err := c.fillHead(bc, w, wait)
			if w == nil && wait.Equal(watchAt) && errors.Is(err, os.ErrDeadlineExceeded) {
				w = c.watch(bc)
				continue
			}
			if err != nil {
				return err
			}
			continue
		}
		isHead := string(c.req.method) == http.MethodHead
		if err := parseResponseHead(bc.buffered()[:n], isHead, &c.res); err != nil {
			return err
		}
		if c.res.status == http.StatusSwitchingProtocols {
			return errBadResponse // no upgrade was asked for on this path
		}
		if c.res.status >= 200 {
			c.resN = n
			return nil
		}
		// 1xx (103 Early Hints): passed on at once; the final response follows.
		if err := c.relayInterim(); err != nil {
			return err
		}
		bc.r += n
	}
}

// fillHead reads more of a response head from bc until wait. While the client is watched
// (w not nil), the deadline is set under the watch's lock, so a hang-up noticed meanwhile
// is never overwritten by a later deadline.
func (c *frontConn) fillHead(bc *backendConn, w *clientWatch, wait time.Time) error {
	if w == nil {
		return bc.fill(wait, maxResponseHeaderBytes)
	}
	w.mu.Lock()
	err := bc.prepare(wait, maxResponseHeaderBytes)
	if w.gone {
		err = errClientGone
	}
	w.mu.Unlock()
	if err != nil {
		return err
	}
	return bc.read()
}

// clientWatch is a read on the client connection while the router waits for a slow dyno:
// it ends with the client's next bytes (kept), or with the client gone, which cuts the wait
// for the dyno short.
type clientWatch struct {
	done chan struct{}
	buf  [1024]byte
	n    int
	mu   sync.Mutex // guards gone, and the dyno connection's deadline while watching
	gone bool
}

// watch starts watching the client for the request waiting on bc.
func (c *frontConn) watch(bc *backendConn) *clientWatch {
	w := &clientWatch{done: make(chan struct{})}
	c.conn.SetReadDeadline(time.Time{}) //nolint:errcheck // a failure shows in the read
	c.rd.at = time.Time{}
	go func() {
		defer close(w.done)
		n, err := c.conn.Read(w.buf[:])
		w.n = n
		if n == 0 && err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.gone = true
			// Ends the wait for the dyno; bc.rd is the waiting goroutine's, so not through it.
			bc.conn.SetReadDeadline(time.Unix(1, 0)) //nolint:errcheck // bc is dropped next
		}
	}()
	return w
}

// unwatch ends a watch, keeps what the client sent meanwhile, and reports whether the client
// is gone.
func (c *frontConn) unwatch(w *clientWatch) bool {
	c.rd.expire(c.conn.SetReadDeadline)
	<-w.done
	if w.n > 0 {
		// Grown, never compacted: the request being served still points into the buffer.
		if c.in.w+w.n > len(c.in.b) {
			grown := make([]byte, c.in.w+w.n+frontBufSize)
			copy(grown, c.in.b[:c.in.w])
			c.in.b = grown
		}
		c.in.w += copy(c.in.b[c.in.w:], w.buf[:w.n])
	}
	return w.gone
}
