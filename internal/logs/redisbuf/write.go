package redisbuf

import (
	"context"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"
)

// appendScript adds a batch of one app's lines with consecutive SEQs, caps the stream and
// publishes the last SEQ. KEYS: lines, seq, notify. ARGV: maxlen, then t, s, d, m per line.
var appendScript = redis.NewScript(`
local k = (#ARGV - 1) / 4
local n = redis.call('INCRBY', KEYS[2], k) - k
for i = 2, #ARGV, 4 do
  n = n + 1
  redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '0-' .. string.format('%d', n),
    't', ARGV[i], 's', ARGV[i+1], 'd', ARGV[i+2], 'm', ARGV[i+3])
end
redis.call('PUBLISH', KEYS[3], n)
return n
`)

// Run sends queued lines to Redis and relays other servers' notifications until ctx
// ends; it returns ctx's error.
func (l *Log) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { l.relay(ctx) })
	defer wg.Wait()
	for {
		batch, markers := l.next(ctx)
		if batch == nil && markers == nil {
			return ctx.Err()
		}
		if err := l.send(ctx, batch); err != nil {
			l.dropped.Add(uint64(len(batch)))
			l.cfg.Logger.Warn("send log lines to redis", "lines", len(batch), "err", err)
		}
		for _, m := range markers {
			close(m)
		}
	}
}

// next waits for queued items and returns up to batchSize lines and the Sync markers
// among them, or nils when ctx ends.
func (l *Log) next(ctx context.Context) ([]item, []chan struct{}) {
	var batch []item
	var markers []chan struct{}
	add := func(it item) {
		if it.done != nil {
			markers = append(markers, it.done)
		} else {
			batch = append(batch, it)
		}
	}
	select {
	case <-ctx.Done():
		return nil, nil
	case it := <-l.queue:
		add(it)
	}
	for len(batch) < batchSize {
		select {
		case it := <-l.queue:
			add(it)
		default:
			return batch, markers
		}
	}
	return batch, markers
}

// send appends a batch in one pipeline, one script call per run of the same app (so the
// order of each app's lines is kept), then wakes local readers.
func (l *Log) send(ctx context.Context, batch []item) error {
	if len(batch) == 0 {
		return nil
	}
	pipe := l.cfg.Client.Pipeline()
	var apps []string
	for i := 0; i < len(batch); {
		j := i
		args := []any{l.cfg.Lines}
		for ; j < len(batch) && batch[j].app == batch[i].app; j++ {
			it := batch[j]
			args = append(args, it.nano, it.source, it.dyno, it.msg)
		}
		app := batch[i].app
		appendScript.Eval(ctx, pipe, []string{l.key(app, "lines"), l.key(app, "seq"), l.key(app, "notify")}, args...)
		apps = append(apps, app)
		i = j
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("append %d lines: %w", len(batch), err)
	}
	for _, app := range apps {
		l.notify(app)
	}
	return nil
}
