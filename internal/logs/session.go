package logs

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Limits and defaults of log sessions.
const (
	DefaultSessionLines = 100
	MaxSessionLines     = DefaultLines
	DefaultSessionTTL   = 15 * time.Minute
	DefaultKeepAlive    = 15 * time.Second
)

// ErrBadSession is returned for a session URL whose signature is forged or malformed.
var ErrBadSession = errors.New("invalid log session signature")

// ErrExpiredSession is returned for a session URL past its expiry.
var ErrExpiredSession = errors.New("log session expired")

// SessionOptions are the parameters of a log session, as `heroku logs` sends them.
type SessionOptions struct {
	// Lines is the size of the backlog: 0 means DefaultSessionLines, capped at
	// MaxSessionLines.
	Lines int
	// Tail keeps the stream open after the backlog.
	Tail bool
	// Source and Dyno filter the lines; see Filter.
	Source string
	Dyno   string
	// Holder names who the session was issued to (opaque to this package, signed with the
	// rest); SessionsConfig.Allowed is asked about it while the session streams.
	Holder string
}

// Filter returns the line filter of the session.
func (o SessionOptions) Filter() Filter { return Filter{Source: o.Source, Dyno: o.Dyno} }

func (o SessionOptions) normalized() SessionOptions {
	if o.Lines <= 0 {
		o.Lines = DefaultSessionLines
	}
	o.Lines = min(o.Lines, MaxSessionLines)
	return o
}

// SessionsConfig configures Sessions.
type SessionsConfig struct {
	// Key signs session URLs (HMAC-SHA256); at least 32 random bytes, kept secret.
	Key []byte
	// BaseURL is where the Sessions handler is mounted, such as
	// "http://127.0.0.1:3000/log-sessions"; URLs are BaseURL/APP_ID?….
	BaseURL string
	// TTL is how long an issued URL can be opened (and re-opened by a tailing client);
	// 0 means DefaultSessionTTL. A stream already open is not cut at expiry.
	TTL time.Duration
	// KeepAlive is the interval of SSE keep-alive comments; 0 means DefaultKeepAlive.
	KeepAlive time.Duration
	// Stream is where the lines come from.
	Stream Stream
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger logs failed writes to clients; nil means slog.Default().
	Logger *slog.Logger
	// Allowed reports whether the session's holder may still read appID's log: it is asked
	// when a session opens and every RecheckInterval while it tails, and a session whose
	// holder lost access (a revoked key, a removed collaborator) ends. Nil allows always.
	Allowed func(ctx context.Context, holder, appID string) bool
	// RecheckInterval is how often a tailing session asks Allowed; 0 means 2 s.
	RecheckInterval time.Duration
}

// Sessions issues signed log-session URLs (Heroku's logplex_url) and serves them: it is an
// http.Handler for GET BaseURL/APP_ID?…, negotiating SSE or plain text on Accept.
type Sessions struct {
	cfg SessionsConfig
}

// NewSessions returns Sessions with the defaults of cfg filled in.
func NewSessions(cfg SessionsConfig) *Sessions {
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultSessionTTL
	}
	if cfg.KeepAlive <= 0 {
		cfg.KeepAlive = DefaultKeepAlive
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RecheckInterval <= 0 {
		cfg.RecheckInterval = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Logger = cfg.Logger.With("component", "logs")
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	return &Sessions{cfg: cfg}
}

// NewURL returns a signed URL that streams the app's log with opts, valid for the TTL.
func (s *Sessions) NewURL(appID string, opts SessionOptions) string {
	return s.cfg.BaseURL + "/" + url.PathEscape(appID) + "?" + s.Query(appID, opts)
}

// Query returns only the signed query string of NewURL, for callers that build the
// base of the URL themselves (for example from the request's host).
func (s *Sessions) Query(appID string, opts SessionOptions) string {
	opts = opts.normalized()
	exp := s.cfg.Now().Add(s.cfg.TTL).Unix()
	q := url.Values{}
	q.Set("lines", strconv.Itoa(opts.Lines))
	if opts.Tail {
		q.Set("tail", "1")
	}
	if opts.Source != "" {
		q.Set("source", opts.Source)
	}
	if opts.Dyno != "" {
		q.Set("dyno", opts.Dyno)
	}
	if opts.Holder != "" {
		q.Set("holder", opts.Holder)
	}
	q.Set("exp", strconv.FormatInt(exp, 10))
	q.Set("sig", s.sign(appID, opts, exp))
	return q.Encode()
}

// Verify checks the signature and expiry of a session query for appID and returns its
// options: ErrBadSession or ErrExpiredSession otherwise.
func (s *Sessions) Verify(appID string, q url.Values) (SessionOptions, error) {
	lines, err1 := strconv.Atoi(q.Get("lines"))
	exp, err2 := strconv.ParseInt(q.Get("exp"), 10, 64)
	if err1 != nil || err2 != nil {
		return SessionOptions{}, ErrBadSession
	}
	opts := SessionOptions{Lines: lines, Tail: q.Get("tail") == "1", Source: q.Get("source"), Dyno: q.Get("dyno"), Holder: q.Get("holder")}
	want := s.sign(appID, opts, exp)
	if !hmac.Equal([]byte(want), []byte(q.Get("sig"))) || opts != opts.normalized() {
		return SessionOptions{}, ErrBadSession
	}
	if s.cfg.Now().Unix() > exp {
		return SessionOptions{}, ErrExpiredSession
	}
	return opts, nil
}

func (s *Sessions) sign(appID string, o SessionOptions, exp int64) string {
	mac := hmac.New(sha256.New, s.cfg.Key)
	// Length-prefixed fields, so no two different sessions share a message.
	for _, f := range []string{"bera-log-session-v1", appID, strconv.Itoa(o.Lines), strconv.FormatBool(o.Tail), o.Source, o.Dyno, strconv.FormatInt(exp, 10), o.Holder} {
		mac.Write(strconv.AppendInt(nil, int64(len(f)), 10))
		mac.Write([]byte{':'})
		mac.Write([]byte(f))
	}
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}
