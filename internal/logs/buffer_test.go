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

func TestBuffer_Tail(t *testing.T) {
	t.Run("Ring", func(t *testing.T) {
		b := logs.New(logs.Config{Lines: 1500})
		writeN(b, "a", "app", "web.1", 0, 2000)
		lines, cursor := b.Tail("a", logs.Filter{}, 1500)
		checkLines(t, lines, 500, 2000)
		if cursor != lines[len(lines)-1].Seq {
			t.Errorf("cursor=%d, want %d", cursor, lines[len(lines)-1].Seq)
		}
		lines, _ = b.Tail("a", logs.Filter{}, 10)
		checkLines(t, lines, 1990, 2000)
	})
	t.Run("Filter", func(t *testing.T) {
		b := logs.New(logs.Config{})
		for i := range 30 {
			b.Write("a", "app", fmt.Sprintf("web.%d", i%3+1), "line "+strconv.Itoa(i))
			b.Write("a", "heroku", "router", "at=info")
		}
		lines, _ := b.Tail("a", logs.Filter{Dyno: "web.2"}, 5)
		if len(lines) != 5 || lines[4].Message != "line 28" || lines[0].Message != "line 16" {
			t.Errorf("web.2 tail = %v", lines)
		}
		lines, _ = b.Tail("a", logs.Filter{Source: "heroku"}, 100)
		if len(lines) != 30 {
			t.Errorf("heroku lines=%d, want 30", len(lines))
		}
	})
	t.Run("UnknownApp", func(t *testing.T) {
		b := logs.New(logs.Config{})
		if lines, _ := b.Tail("nope", logs.Filter{}, 10); len(lines) != 0 {
			t.Errorf("lines=%v", lines)
		}
	})
	t.Run("AppsAreSeparate", func(t *testing.T) {
		b := logs.New(logs.Config{})
		writeN(b, "a", "app", "web.1", 0, 3)
		writeN(b, "b", "app", "web.1", 10, 12)
		lines, _ := b.Tail("b", logs.Filter{}, 10)
		checkLines(t, lines, 10, 12)
	})
}

func TestBuffer_After(t *testing.T) {
	b := logs.New(logs.Config{Lines: 100})
	writeN(b, "a", "app", "web.1", 0, 50)
	lines, cursor := b.Tail("a", logs.Filter{}, 10)
	checkLines(t, lines, 40, 50)

	t.Run("Resume", func(t *testing.T) {
		lines, next, dropped := b.After("a", lines[4].Seq, logs.Filter{}, 1000)
		checkLines(t, lines, 45, 50)
		if next != cursor || dropped != 0 {
			t.Errorf("next=%d dropped=%d, want %d 0", next, dropped, cursor)
		}
	})
	t.Run("Limit", func(t *testing.T) {
		got, next, _ := b.After("a", lines[0].Seq, logs.Filter{}, 3)
		checkLines(t, got, 41, 44)
		if next != got[2].Seq {
			t.Errorf("next=%d, want %d", next, got[2].Seq)
		}
	})
	t.Run("Dropped", func(t *testing.T) {
		writeN(b, "a", "app", "web.1", 50, 200)
		got, _, dropped := b.After("a", cursor, logs.Filter{}, 1000)
		checkLines(t, got, 100, 200)
		if dropped != 50 {
			t.Errorf("dropped=%d, want 50", dropped)
		}
	})
	t.Run("FilterAdvancesCursor", func(t *testing.T) {
		_, c := b.Tail("a", logs.Filter{}, 1)
		b.Write("a", "heroku", "router", "at=info")
		got, next, _ := b.After("a", c, logs.Filter{Source: "app"}, 10)
		if len(got) != 0 || next != c+1 {
			t.Errorf("got=%v next=%d, want none and %d", got, next, c+1)
		}
	})
}

func TestBuffer_Write(t *testing.T) {
	clk := newClock()
	b := logs.New(logs.Config{Now: clk.Now})
	b.Write("a", "app", "web.1", "one\ntwo\r\n")
	lines, _ := b.Tail("a", logs.Filter{}, 10)
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
