package redisbuf_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/kingvon-ke/bera/internal/logs"
	"github.com/kingvon-ke/bera/internal/logs/logstest"
	"github.com/kingvon-ke/bera/internal/logs/redisbuf"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// MustRedis returns a client of the Redis at BERA_TEST_REDIS_URL (default
// redis://127.0.0.1:6379/0) and a key prefix unique to the test, deleted at cleanup.
func MustRedis(t *testing.T) (*redis.Client, string) {
	t.Helper()
	u := os.Getenv("BERA_TEST_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/0"
	}
	opts, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	if err := c.Ping(t.Context()).Err(); err != nil {
		c.Close()
		why := "Redis at " + u + " is not reachable (apt-get install -y redis-server; redis-server --port 6379 --daemonize yes): " + err.Error()
		beratest.Missing(t, why)
	}
	prefix := "bera-test:" + uuid.NewString() + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := c.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			c.Del(ctx, keys...)
		}
		c.Close()
	})
	return c, prefix
}

// MustRun runs l until the test ends.
func MustRun(t *testing.T, l *redisbuf.Log) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = l.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
}

func TestLog_Conformance(t *testing.T) {
	logstest.Run(t, func(t *testing.T) logs.Log {
		c, prefix := MustRedis(t)
		l := redisbuf.New(redisbuf.Config{Client: c, Prefix: prefix, Lines: logstest.Lines})
		MustRun(t, l)
		return l
	})
}

// TestLog_TwoServers: a line written on one server wakes a tail on another.
func TestLog_TwoServers(t *testing.T) {
	c, prefix := MustRedis(t)
	a := redisbuf.New(redisbuf.Config{Client: c, Prefix: prefix})
	b := redisbuf.New(redisbuf.Config{Client: c, Prefix: prefix})
	MustRun(t, a)
	MustRun(t, b)
	notify, stop := b.Notify("app1")
	defer stop()
	// b's subscription may not be active yet: keep writing until it wakes.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for woke := false; !woke; {
		select {
		case <-notify:
			woke = true
		case <-tick.C:
			a.Write("app1", "app", "web.1", "hello")
		}
	}
	p, err := b.Tail(t.Context(), "app1", logs.Filter{}, 1)
	if err != nil || len(p.Lines) != 1 || p.Lines[0].Message != "hello" {
		t.Fatalf("tail on b = %+v, %v", p, err)
	}
	// Lines a queued after b woke must reach Redis before Remove, or they outlive it.
	if err := a.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := a.Remove(t.Context(), "app1"); err != nil {
		t.Fatal(err)
	}
	if p, _ := b.Tail(t.Context(), "app1", logs.Filter{}, 1); len(p.Lines) != 0 {
		t.Errorf("after Remove: %v", p.Lines)
	}
}

// TestLog_QueueFull: without Run, writes past the queue are dropped and counted, and
// never block.
func TestLog_QueueFull(t *testing.T) {
	c, prefix := MustRedis(t)
	l := redisbuf.New(redisbuf.Config{Client: c, Prefix: prefix, QueueSize: 10})
	for range 25 {
		l.Write("app1", "app", "web.1", "x")
	}
	if got := l.Dropped(); got != 15 {
		t.Errorf("Dropped=%d, want 15", got)
	}
}
