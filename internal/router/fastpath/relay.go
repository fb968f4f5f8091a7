package fastpath

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// Relaying a dyno's response to the client. The client's response is assembled in one
// buffer and written when the dyno has nothing more to read right away, so a small response
// costs one write and a streamed one is flushed as it arrives.

// relay sends the response head and body to the client. It reports whether the client
// connection is still usable.
func (c *frontConn) relay(x *Exchange, u Backend, bc *backendConn) bool {
	x.Status = c.res.status
	closeClient := c.req.close || c.res.framing == bodyClose
	c.out = c.appendResponseHead(c.out[:0], x, closeClient)
	bc.r += c.resN
	var err error
	switch c.res.framing {
	case bodyLength:
		err = c.relayLength(x, bc, c.res.length)
	case bodyChunked:
		err = c.relayChunked(x, bc)
	case bodyClose:
		err = c.relayUntilClose(x, bc)
	}
	if err == nil {
		err = c.flush()
	} else if !errors.Is(err, errClientGone) {
		c.flush() //nolint:errcheck // what the client gets of a response cut short
	}
	switch {
	case err == nil && !c.res.close && bc.r == bc.w:
		u.Conns().put(bc, c.cfg.MaxIdleConnsPerBackend)
	default:
		bc.conn.Close()
	}
	switch {
	case errors.Is(err, errClientGone):
		x.Code = codeH27
		return false
	case errors.Is(err, os.ErrDeadlineExceeded):
		x.Code = codeH15
		return false
	case err != nil:
		x.Code = codeH13
		return false
	}
	return !closeClient
}

// relayInterim sends the informational (1xx) response in c.res to the client.
func (c *frontConn) relayInterim() error {
	b := append(c.out[:0], "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(c.res.status), 10)
	b = append(b, ' ')
	b = append(b, c.res.reason...)
	b = append(b, "\r\n"...)
	b = c.appendFields(b, c.res.fields)
	c.out = append(b, "\r\n"...)
	return c.flush()
}

// appendFields appends a dyno's header fields without hop-by-hop ones and its X-Request-Id.
func (c *frontConn) appendFields(b []byte, fields []field) []byte {
	c.drop = connectionNames(fields, c.drop[:0])
	for _, f := range fields {
		if oneOf(f.name, hopByHop) || equalLower(f.name, "x-request-id") || c.dropped(f.name) {
			continue
		}
		b = appendField(b, f.name, f.value)
	}
	return b
}

// appendResponseHead appends the response head for the client: the dyno's status and
// fields without hop-by-hop ones, the request id, and the framing of the relayed body.
func (c *frontConn) appendResponseHead(b []byte, x *Exchange, closeClient bool) []byte {
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(c.res.status), 10)
	b = append(b, ' ')
	b = append(b, c.res.reason...)
	b = append(b, "\r\n"...)
	b = c.appendFields(b, c.res.fields)
	if !c.res.date { // a proxy adds the Date an origin left out (RFC 9110 §6.6.1)
		b = append(b, "Date: "...)
		b = appendDate(b, time.Now())
		b = append(b, "\r\n"...)
	}
	b = append(b, "X-Request-Id: "...)
	b = append(b, x.RequestID...)
	b = append(b, "\r\n"...)
	if c.res.framing == bodyChunked {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	if closeClient {
		b = append(b, "Connection: close\r\n"...)
	}
	return append(b, "\r\n"...)
}

// dropped reports whether the dyno's Connection header named this field.
func (c *frontConn) dropped(name []byte) bool {
	for _, d := range c.drop {
		if bytes.EqualFold(name, d) {
			return true
		}
	}
	return false
}

// relayLength relays a body of n bytes.
func (c *frontConn) relayLength(x *Exchange, bc *backendConn, n int64) error {
	for n > 0 {
		if bc.r == bc.w {
			if err := c.fillBody(bc); err != nil {
				return err
			}
		}
		chunk := bc.buffered()
		if int64(len(chunk)) > n {
			chunk = chunk[:n]
		}
		if err := c.emit(chunk); err != nil {
			return err
		}
		bc.r += len(chunk)
		n -= int64(len(chunk))
		x.Bytes += int64(len(chunk))
	}
	return nil
}

// relayUntilClose relays a body that ends when the dyno closes the connection.
func (c *frontConn) relayUntilClose(x *Exchange, bc *backendConn) error {
	for {
		if bc.r == bc.w {
			err := c.fillBody(bc)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
		}
		chunk := bc.buffered()
		if err := c.emit(chunk); err != nil {
			return err
		}
		bc.r += len(chunk)
		x.Bytes += int64(len(chunk))
	}
}

// maxChunkLine bounds a chunk-size or trailer line.
const maxChunkLine = 4 << 10

// relayChunked relays a chunked body chunk by chunk, trailers included.
func (c *frontConn) relayChunked(x *Exchange, bc *backendConn) error {
	for {
		line, err := c.chunkLine(bc)
		if err != nil {
			return err
		}
		size, err := parseChunkSize(line)
		if err != nil {
			return err
		}
		if size == 0 {
			return c.relayTrailers(bc)
		}
		var hdr [20]byte
		if err := c.emit(append(strconv.AppendInt(hdr[:0], size, 16), '\r', '\n')); err != nil {
			return err
		}
		if err := c.relayLength(x, bc, size); err != nil {
			return err
		}
		if line, err = c.chunkLine(bc); err != nil || len(line) != 0 {
			return errors.Join(errBadResponse, err)
		}
		if err := c.emit([]byte("\r\n")); err != nil {
			return err
		}
	}
}

// relayTrailers relays the trailer fields after the last chunk, and the end of the body.
func (c *frontConn) relayTrailers(bc *backendConn) error {
	if err := c.emit([]byte("0\r\n")); err != nil {
		return err
	}
	for {
		line, err := c.chunkLine(bc)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			return c.emit([]byte("\r\n"))
		}
		f, ok := parseField(line)
		if !ok {
			return errBadResponse
		}
		var b [256]byte
		if err := c.emit(appendField(b[:0], f.name, f.value)); err != nil {
			return err
		}
	}
}

// chunkLine returns the next line of a chunked body, without its line ending.
func (c *frontConn) chunkLine(bc *backendConn) ([]byte, error) {
	for {
		if i := bytes.IndexByte(bc.buffered(), '\n'); i >= 0 {
			line := bc.buffered()[:i]
			bc.r += i + 1
			return bytes.TrimSuffix(line, []byte{'\r'}), nil
		}
		if len(bc.buffered()) > maxChunkLine {
			return nil, errBadResponse
		}
		if err := c.fillBody(bc); err != nil {
			return nil, err
		}
	}
}

// fillBody flushes what the client is owed, then waits up to Config.IdleTimeout for more
// of the body from the dyno.
func (c *frontConn) fillBody(bc *backendConn) error {
	if err := c.flush(); err != nil {
		return err
	}
	err := bc.fill(time.Now().Add(c.cfg.IdleTimeout), len(bc.b))
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return errors.Join(errDynoBody, err)
	}
	return err
}

// emit queues p for the client, writing first when it would not fit.
func (c *frontConn) emit(p []byte) error {
	if len(c.out)+len(p) <= outBufSize {
		if len(c.out)+len(p) > cap(c.out) {
			big := *outPool.Get().(*[]byte)
			c.out = append(big[:0], c.out...)
		}
		c.out = append(c.out, p...)
		return nil
	}
	if err := c.flush(); err != nil {
		return err
	}
	if len(p) >= outBufSize/2 {
		return c.write(p)
	}
	c.out = append(c.out, p...)
	return nil
}

// flush writes the queued bytes to the client.
func (c *frontConn) flush() error {
	if len(c.out) == 0 {
		return nil
	}
	err := c.write(c.out)
	c.out = c.out[:0]
	return err
}

// write writes p to the client within Config.IdleTimeout.
func (c *frontConn) write(p []byte) error {
	if err := c.wd.set(c.conn.SetWriteDeadline, time.Now().Add(c.cfg.IdleTimeout)); err != nil {
		return errors.Join(errClientGone, err)
	}
	if _, err := c.conn.Write(p); err != nil {
		return errors.Join(errClientGone, err)
	}
	return nil
}

// writePage answers with a router page, and reports whether the connection stays usable.
func (c *frontConn) writePage(x *Exchange, status int, page []byte) bool {
	x.Status = status
	b := append(c.out[:0], "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(status)...)
	b = append(b, "\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-cache, no-store\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(page)), 10)
	b = append(b, "\r\nX-Request-Id: "...)
	b = append(b, x.RequestID...)
	if c.req.close {
		b = append(b, "\r\nConnection: close"...)
	}
	b = append(b, "\r\n\r\n"...)
	if string(c.req.method) != http.MethodHead {
		b = append(b, page...)
	}
	c.out = b
	return c.flush() == nil
}

// dateStamp is the current second in HTTP-date format.
type dateStamp struct {
	sec int64
	b   []byte
}

// dateCache holds the last formatted second.
var dateCache atomic.Pointer[dateStamp]

// appendDate appends now as an HTTP-date, formatting it at most once a second.
func appendDate(b []byte, now time.Time) []byte {
	d := dateCache.Load()
	if d == nil || d.sec != now.Unix() {
		d = &dateStamp{sec: now.Unix(), b: now.UTC().AppendFormat(nil, http.TimeFormat)}
		dateCache.Store(d)
	}
	return append(b, d.b...)
}
