package fastpath

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"time"
)

// Config configures a Server. Zero durations and counts take the router's defaults.
type Config struct {
	// Routes is the router the Server serves. Required.
	Routes Routes
	// Logger gets accept errors. Default: discard.
	Logger *slog.Logger
	// Dialer connects to dynos. Default: a 5 s connect timeout.
	Dialer *net.Dialer
	// ResponseTimeout is how long a dyno has to send response headers (H12), and a client
	// to send a request head once it began. Default 30 s.
	ResponseTimeout time.Duration
	// IdleTimeout ends a connection waiting for a request, and a response with no data
	// either way, after this long (H15). Default 55 s.
	IdleTimeout time.Duration
	// MaxIdleConnsPerBackend is the keep-alive pool size per dyno. Default 512.
	MaxIdleConnsPerBackend int
	// Attempts is how many backends a request may try when connecting fails. Default 3.
	Attempts int
	// Via is added to the Via header of requests to dynos. Default "1.1 bera".
	Via string
	// EventLoop serves keep-alive connections between and during their plain requests from
	// an event loop for every two CPUs (loop_linux.go) instead of a goroutine each; anything else a
	// connection needs goes on on a goroutine, as without it. Linux only; ignored elsewhere.
	EventLoop bool
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Dialer == nil {
		c.Dialer = &net.Dialer{Timeout: 5 * time.Second}
	}
	c.ResponseTimeout = orDefault(c.ResponseTimeout, 30*time.Second)
	c.IdleTimeout = orDefault(c.IdleTimeout, 55*time.Second)
	c.MaxIdleConnsPerBackend = orDefault(c.MaxIdleConnsPerBackend, 512)
	c.Attempts = orDefault(c.Attempts, 3)
	c.Via = orDefault(c.Via, "1.1 bera")
	return c
}

// orDefault returns v, or def when v is the zero value.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Routes is the router as the fast path sees it. Its methods are called from every
// connection at once and must not block.
type Routes interface {
	// Lookup returns the route for a normalized host (valid only during the call) when the
	// fast path may serve the request, or nil to leave it to the slow path: unknown hosts,
	// apps in maintenance or without up dynos, hosts diverted to the slow path.
	Lookup(host []byte) Route
	// Pick chooses a backend of rt that is not in tried and counts a request against it
	// until its Release, or returns nil when there is none left.
	Pick(rt Route, tried []Backend) Backend
	// Unreachable returns the H-code for a request that reached no dyno of rt: err is the
	// dial error of the last dyno tried, or nil when there was none to try.
	Unreachable(rt Route, err error) string
	// Page returns the status and HTML page the router answers with for an H-code.
	Page(code string) (status int, page []byte)
	// Report records a finished request (its router log line and metrics). x is valid
	// only during the call.
	Report(rt Route, x *Exchange)
}

// Route is the router's handle on one app's route: the Server only passes it back to
// Routes. It must be a pointer, so that passing it around does not allocate.
type Route any

// Backend is one dyno as the fast path sees it.
type Backend interface {
	// Target returns the dyno's name, for the log line, and the address to dial.
	Target() (dyno, addr string)
	// Conns returns the pool of keep-alive connections to the dyno. The router closes it
	// when the dyno leaves.
	Conns() *Pool
	// Release ends the request Pick counted.
	Release()
}

// Exchange is one request's outcome, as reported to Routes.Report.
type Exchange struct {
	Method, Target, Host []byte // as the client sent them; Host normalized
	RequestID            []byte
	ClientIP             string
	Start                time.Time // when the request head was read
	RTStart              time.Time // when the last dyno tried was picked
	Connect              time.Duration
	Dyno                 string // the last dyno tried, "" for none
	Code                 string // the H-code, "" for none
	Status               int    // the dyno's status, or the page's
	Bytes                int64  // body bytes relayed to the client
}

// The H-codes the fast path itself decides (the others come from Routes.Unreachable).
const (
	codeH12 = "H12" // request timeout
	codeH13 = "H13" // connection closed without response
	codeH15 = "H15" // idle connection
	codeH27 = "H27" // client request interrupted
)

// IsDialError reports whether err happened while connecting, before any byte was sent.
func IsDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// ValidRequestID reports whether a client-supplied request id may be kept: 20 to 200
// characters of [A-Za-z0-9+=/-], Heroku's rule.
func ValidRequestID(s string) bool {
	if len(s) < 20 || len(s) > 200 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '+' || c == '=' || c == '/' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// AppendUUID appends a random (version 4) UUID in its canonical form to dst. The bits come
// from the runtime's ChaCha8 generator (math/rand/v2), which costs no system call: request
// ids are correlation ids, shown to clients and dynos, not secrets.
func AppendUUID(dst []byte) []byte {
	var u [16]byte
	binary.LittleEndian.PutUint64(u[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(u[8:], rand.Uint64())
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return append(dst, b[:]...)
}
