package drain

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/kingvon-ke/bera/internal/logs"
	"github.com/kingvon-ke/bera/internal/netguard"
)

// Defaults of Config.
const (
	DefaultBufferSize = 1024
	DefaultBatchSize  = 500
	DefaultMinBackoff = 100 * time.Millisecond
	DefaultMaxBackoff = 30 * time.Second
)

// Writer is where a drain reports its overflows: the app's log stream (*logs.Buffer).
type Writer interface {
	Write(appID, source, dyno, msg string)
}

// Config configures a Drain.
type Config struct {
	// URL is the destination: syslog://HOST:PORT, syslog+tls://HOST:PORT, https://… or
	// http://… (user info in an HTTP URL is sent as Basic auth).
	URL string
	// AppID is the app whose stream receives the drain's L10 lines.
	AppID string
	// Host is the syslog HOST field: the drain token (d.UUID) or the app name.
	Host string
	// Token is sent as Logplex-Drain-Token to HTTP drains; "" means Host.
	Token string
	// Log receives L10 lines; nil means drops are only counted.
	Log Writer
	// BufferSize is how many lines wait for delivery before the oldest are dropped;
	// 0 means DefaultBufferSize.
	BufferSize int
	// BatchSize is the largest number of lines per HTTP request or syslog write; 0 means
	// DefaultBatchSize.
	BatchSize int
	// MinBackoff and MaxBackoff bound the wait between failed deliveries, which doubles.
	MinBackoff, MaxBackoff time.Duration
	// TLSConfig is used for syslog+tls:// (and https:// when HTTPClient is nil).
	TLSConfig *tls.Config
	// HTTPClient posts to HTTP drains; nil means a client with TLSConfig, a 30 s timeout,
	// no proxy, and the address check of AllowPrivate.
	HTTPClient *http.Client
	// AllowPrivate lets the drain connect to loopback, private and link-local addresses.
	// Without it every connection's address is checked when it is dialled (netguard), after
	// DNS and redirects, so names that resolve to such addresses are refused too.
	AllowPrivate bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger logs delivery failures; nil means slog.Default().
	Logger *slog.Logger
}

// transport delivers batches to one kind of destination. send may be retried with the same
// batch and frame id after an error; close releases connections.
type transport interface {
	send(ctx context.Context, batch []byte, count int, frameID string) error
	close() error
}

// Drain forwards an app's lines to one destination. It implements logs.Sink; register it
// with (*logs.Buffer).AddSink and run Run in a goroutine owned by the caller.
//
// Lifecycle:
//  1. New parses the URL; nothing connects yet.
//  2. AddSink starts Send calls; lines queue, up to BufferSize.
//  3. Run connects, delivers in order, retries with backoff, reconnects, until ctx ends.
//  4. RemoveSink, then cancel Run's context; undelivered lines are lost.
//
// Delivery is at least once per connection: a syslog connection that breaks mid-write may
// repeat or lose the lines of that write.
type Drain struct {
	cfg Config
	q   *queue
	tr  transport
	// refusedSaid is set once the app's stream was told the destination's address is
	// refused; owned by Run's goroutine.
	refusedSaid bool
}

var _ logs.Sink = (*Drain)(nil)

// New returns a Drain for cfg.URL, or an error for an unsupported or malformed URL.
func New(cfg Config) (*Drain, error) {
	cfg = withDefaults(cfg)
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("parse drain url: %w", err)
	}
	var tr transport
	switch u.Scheme {
	case "syslog", "syslog+tls":
		tr, err = newSyslog(u, cfg.TLSConfig, cfg.AllowPrivate)
	case "http", "https":
		tr, err = newHTTP(u, cfg)
	default:
		err = fmt.Errorf("unsupported drain scheme %q", u.Scheme)
	}
	if err != nil {
		return nil, err
	}
	return &Drain{cfg: cfg, q: newQueue(cfg.BufferSize), tr: tr}, nil
}

func withDefaults(cfg Config) Config {
	if cfg.BufferSize <= 0 {
		cfg.BufferSize = DefaultBufferSize
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(DefaultMaxBackoff, cfg.MinBackoff)
	}
	if cfg.Token == "" {
		cfg.Token = cfg.Host
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Logger = cfg.Logger.With("component", "drain", "app", cfg.AppID)
	return cfg
}

// Send queues l for delivery; when the queue is full it drops the oldest line. It never
// blocks.
func (d *Drain) Send(l logs.Line) {
	d.q.push(l, d.cfg.Now())
}

// Stats returns the drain's counters.
func (d *Drain) Stats() Stats {
	return d.q.snapshot()
}

// Run delivers queued lines until ctx ends, then closes the connection and returns
// ctx's error.
func (d *Drain) Run(ctx context.Context) error {
	defer d.tr.close()
	for {
		batch := d.q.take(ctx, d.cfg.BatchSize)
		if batch == nil {
			return ctx.Err()
		}
		d.reportDrops()
		if err := d.deliver(ctx, batch); err != nil {
			return err
		}
	}
}

// deliver sends one batch, retrying with doubling backoff until it succeeds or ctx ends.
func (d *Drain) deliver(ctx context.Context, lines []logs.Line) error {
	var frames []byte
	for _, l := range lines {
		frames = AppendFrame(frames, FrameOf(d.cfg.Host, l))
	}
	frameID := newFrameID()
	wait := d.cfg.MinBackoff
	for {
		err := d.tr.send(ctx, frames, len(lines), frameID)
		if err == nil {
			d.q.delivered()
			return nil
		}
		d.cfg.Logger.Warn("drain delivery failed", "err", err, "retry_in", wait)
		d.reportRefused(err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, d.cfg.MaxBackoff)
		d.reportDrops()
	}
}

// reportDrops writes an L10 line into the app's stream for drops not reported yet. The
// L10 line itself goes through the sinks, this drain included.
func (d *Drain) reportDrops() {
	n, since := d.q.drops()
	if n == 0 || d.cfg.Log == nil {
		return
	}
	d.cfg.Log.Write(d.cfg.AppID, "heroku", "logplex", fmt.Sprintf(
		"Error L10 (output buffer overflow): %d messages dropped since %s.", n, since.UTC().Format(time.RFC3339)))
	d.q.reported(n)
}

// reportRefused writes one line into the app's stream the first time the destination's
// address is refused, so the app's owner learns why nothing arrives. Delivery keeps being
// retried: the name may resolve to a public address later.
func (d *Drain) reportRefused(err error) {
	var be *netguard.BlockedError
	if d.refusedSaid || d.cfg.Log == nil || !errors.As(err, &be) {
		return
	}
	d.refusedSaid = true
	d.cfg.Log.Write(d.cfg.AppID, "heroku", "logplex", fmt.Sprintf(
		"Error: drain %s leads to %s, %s; this server does not deliver to private networks.", d.cfg.Host, be.Addr, be.Kind))
}

func newFrameID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
