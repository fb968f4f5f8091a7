// Package redisbuf is the Redis Streams backend of the log buffer (--redis-url), for
// several bera servers sharing one log router: each app's latest lines live in a capped
// stream, and writers publish a notification so every server's tails wake up.
//
// Keys, for app A under Config.Prefix P: P{A}:lines (a stream with ids "0-SEQ"), P{A}:seq
// (the counter of SEQ) and the Pub/Sub channel P{A}:notify. The braces keep an app's
// keys in one Redis Cluster slot.
package redisbuf

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kingvon-ke/bera/internal/logs"
)

// Defaults of Config.
const (
	DefaultPrefix    = "bera:logs:"
	DefaultQueueSize = 10000
	batchSize        = 500
)

// Config configures a Log.
type Config struct {
	// Client is the Redis connection.
	Client redis.UniversalClient
	// Prefix is put before every key; "" means DefaultPrefix.
	Prefix string
	// Lines is how many lines each app keeps; 0 means logs.DefaultLines.
	Lines int
	// QueueSize is how many written lines may wait to be sent to Redis before new ones are
	// dropped (and counted); 0 means DefaultQueueSize.
	QueueSize int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger logs Redis failures; nil means slog.Default().
	Logger *slog.Logger
}

// Log is a logs.Log kept in Redis. Write never waits for Redis: lines queue in memory and
// Run sends them in pipelined batches.
//
// Lifecycle:
//  1. New returns a Log; writes queue but nothing is sent.
//  2. Run, in a goroutine owned by the caller, sends queued lines and relays notifications
//     from other servers until ctx ends.
//  3. Reads (Tail, After) go to Redis directly and work with or without Run.
type Log struct {
	cfg     Config
	queue   chan item
	dropped atomic.Uint64

	mu   sync.Mutex // guards the following
	subs map[string]map[chan struct{}]struct{}
}

var _ logs.Log = (*Log)(nil)

// item is a queued line, or (with done set) a Sync marker.
type item struct {
	app, source, dyno, msg string
	nano                   int64
	done                   chan struct{}
}

// New returns a Log with the defaults of cfg filled in.
func New(cfg Config) *Log {
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.Lines <= 0 {
		cfg.Lines = logs.DefaultLines
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Logger = cfg.Logger.With("component", "logs", "backend", "redis")
	return &Log{cfg: cfg, queue: make(chan item, cfg.QueueSize), subs: make(map[string]map[chan struct{}]struct{})}
}

// Write queues msg, split as logs.SplitMessage does, for the app's stream. When the queue
// is full the lines are dropped and counted (see Dropped); it never blocks.
func (l *Log) Write(appID, source, dyno, msg string) {
	nano := l.cfg.Now().UnixNano()
	for _, m := range logs.SplitMessage(msg) {
		select {
		case l.queue <- item{app: appID, source: source, dyno: dyno, msg: m, nano: nano}:
		default:
			l.dropped.Add(1)
		}
	}
}

// Dropped returns how many written lines were dropped because Redis did not keep up or
// failed.
func (l *Log) Dropped() uint64 { return l.dropped.Load() }

// Sync returns once every line written before it was sent to Redis (or dropped). It needs
// Run to be running.
func (l *Log) Sync(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case l.queue <- item{done: done}:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Remove deletes an app's lines and counter, for example when the app is deleted.
func (l *Log) Remove(ctx context.Context, appID string) error {
	if err := l.cfg.Client.Del(ctx, l.key(appID, "lines"), l.key(appID, "seq")).Err(); err != nil {
		return fmt.Errorf("remove log of %s: %w", appID, err)
	}
	return nil
}

func (l *Log) key(appID, kind string) string {
	return l.cfg.Prefix + "{" + appID + "}:" + kind
}

func seqID(seq uint64) string { return "0-" + strconv.FormatUint(seq, 10) }

func parseSeq(id string) (uint64, error) {
	if len(id) < 3 || id[:2] != "0-" {
		return 0, fmt.Errorf("unexpected log stream id %q", id)
	}
	return strconv.ParseUint(id[2:], 10, 64)
}
