package logs_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/logs"
)

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// sinkFunc adapts a function to logs.Sink.
type sinkFunc struct{ fn func(logs.Line) }

func (f *sinkFunc) Send(l logs.Line) { f.fn(l) }

func writeN(b *logs.Buffer, app, source, dyno string, from, to int) {
	for i := from; i < to; i++ {
		b.Write(app, source, dyno, "line "+strconv.Itoa(i))
	}
}

func checkLines(t *testing.T, lines []logs.Line, from, to int) {
	t.Helper()
	if len(lines) != to-from {
		t.Fatalf("got %d lines, want %d", len(lines), to-from)
	}
	for i, l := range lines {
		if want := fmt.Sprintf("line %d", from+i); l.Message != want {
			t.Fatalf("line %d = %q, want %q", i, l.Message, want)
		}
		if i > 0 && l.Seq != lines[i-1].Seq+1 {
			t.Fatalf("seq %d after %d", l.Seq, lines[i-1].Seq)
		}
	}
}

func TestBuffer_Write(t *testing.T) {
	clk := newClock()
	b := logs.New(logs.Config{Now: clk.Now})
	b.Write("a", "app", "web.1", "one\ntwo\r\n")
	p, _ := b.Tail(t.Context(), "a", logs.Filter{}, 10)
	lines := p.Lines
	if len(lines) != 2 || lines[0].Message != "one" || lines[1].Message != "two" {
		t.Fatalf("lines=%v", lines)
	}
	if got, want := lines[0].String(), "2026-01-01T00:00:00.000000+00:00 app[web.1]: one"; got != want {
		t.Errorf("line=%q, want %q", got, want)
	}
}

func TestBuffer_Sink(t *testing.T) {
	b := logs.New(logs.Config{})
	var got []logs.Line
	s := &sinkFunc{func(l logs.Line) { got = append(got, l) }}
	b.AddSink("a", s)
	writeN(b, "a", "app", "web.1", 0, 10)
	writeN(b, "other", "app", "web.1", 0, 10)
	b.RemoveSink("a", s)
	writeN(b, "a", "app", "web.1", 10, 20)
	checkLines(t, got, 0, 10)
}

func TestBuffer_Notify(t *testing.T) {
	b := logs.New(logs.Config{})
	ch, stop := b.Notify("a")
	defer stop()
	writeN(b, "a", "app", "web.1", 0, 100)
	<-ch // coalesced: one pending value for many writes
	select {
	case <-ch:
		t.Error("second notification pending after one read")
	default:
	}
	stop()
	writeN(b, "a", "app", "web.1", 100, 101)
	select {
	case <-ch:
		t.Error("notified after stop")
	default:
	}
}
