package redisbuf

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kingvon-ke/bera/internal/logs"
)

// Tail implements logs.Stream: it reads the app's whole stream (at most Config.Lines) and
// keeps the last n matching lines.
func (l *Log) Tail(ctx context.Context, appID string, f logs.Filter, n int) (logs.Page, error) {
	count := int64(l.cfg.Lines)
	if n <= 0 {
		count = 1
	}
	msgs, err := l.cfg.Client.XRevRangeN(ctx, l.key(appID, "lines"), "+", "-", count).Result()
	if err != nil {
		return logs.Page{}, fmt.Errorf("read log of %s: %w", appID, err)
	}
	var p logs.Page
	for i, m := range msgs {
		line, err := toLine(m)
		if err != nil {
			return logs.Page{}, err
		}
		if i == 0 {
			p.Cursor = line.Seq
		}
		if len(p.Lines) < n && f.Match(line) {
			p.Lines = append(p.Lines, line)
		}
	}
	slices.Reverse(p.Lines)
	return p, nil
}

// After implements logs.Stream.
func (l *Log) After(ctx context.Context, appID string, after uint64, f logs.Filter, max int) (logs.Page, error) {
	msgs, err := l.cfg.Client.XRangeN(ctx, l.key(appID, "lines"), "("+seqID(after), "+", int64(max)).Result()
	if err != nil {
		return logs.Page{}, fmt.Errorf("read log of %s: %w", appID, err)
	}
	p := logs.Page{Cursor: after}
	for i, m := range msgs {
		line, err := toLine(m)
		if err != nil {
			return logs.Page{}, err
		}
		if i == 0 && line.Seq > after+1 {
			p.Dropped = line.Seq - after - 1
		}
		p.Cursor = line.Seq
		if f.Match(line) {
			p.Lines = append(p.Lines, line)
		}
	}
	return p, nil
}

func toLine(m redis.XMessage) (logs.Line, error) {
	seq, err := parseSeq(m.ID)
	if err != nil {
		return logs.Line{}, err
	}
	str := func(k string) string { s, _ := m.Values[k].(string); return s }
	nano, err := strconv.ParseInt(str("t"), 10, 64)
	if err != nil {
		return logs.Line{}, fmt.Errorf("log stream entry %s: bad time: %w", m.ID, err)
	}
	return logs.Line{Seq: seq, Time: time.Unix(0, nano).UTC(), Source: str("s"), Dyno: str("d"), Message: str("m")}, nil
}

// Notify implements logs.Stream. Local writes notify at once; other servers' writes
// arrive through Pub/Sub while Run is running.
func (l *Log) Notify(appID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	l.mu.Lock()
	if l.subs[appID] == nil {
		l.subs[appID] = make(map[chan struct{}]struct{})
	}
	l.subs[appID][ch] = struct{}{}
	l.mu.Unlock()
	return ch, func() {
		l.mu.Lock()
		delete(l.subs[appID], ch)
		if len(l.subs[appID]) == 0 {
			delete(l.subs, appID)
		}
		l.mu.Unlock()
	}
}

func (l *Log) notify(appID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ch := range l.subs[appID] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// relay wakes local readers on every app's notify channel until ctx ends.
func (l *Log) relay(ctx context.Context) {
	ps := l.cfg.Client.PSubscribe(ctx, l.cfg.Prefix+"{*}:notify")
	// ReceiveMessage does not return when ctx ends; closing the subscription does.
	stop := context.AfterFunc(ctx, func() { ps.Close() })
	defer stop()
	defer ps.Close()
	for {
		msg, err := ps.ReceiveMessage(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, redis.ErrClosed) {
				return
			}
			l.cfg.Logger.Warn("receive log notifications", "err", err)
			// go-redis reconnects the subscription on the next receive; do not spin.
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		app := strings.TrimSuffix(strings.TrimPrefix(msg.Channel, l.cfg.Prefix+"{"), "}:notify")
		l.notify(app)
	}
}
