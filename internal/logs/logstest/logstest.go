// Package logstest is the conformance suite of log backends (logs.Log): every backend
// runs the same tests of ordering, backlog, filters, resume, eviction and notification.
package logstest

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/kingvon-ke/bera/internal/logs"
)

// Lines is the per-app capacity the backend under test must be configured with.
const Lines = 100

// Syncer is implemented by backends whose Write is asynchronous: Sync returns once every
// line written before it is readable.
type Syncer interface {
	Sync(ctx context.Context) error
}

// Run runs the suite. newLog returns an empty backend keeping Lines lines per app, whose
// resources the test's cleanups release.
func Run(t *testing.T, newLog func(t *testing.T) logs.Log) {
	t.Run("TailAndEviction", func(t *testing.T) { testTail(t, newLog(t)) })
	t.Run("Filter", func(t *testing.T) { testFilter(t, newLog(t)) })
	t.Run("After", func(t *testing.T) { testAfter(t, newLog(t)) })
	t.Run("Notify", func(t *testing.T) { testNotify(t, newLog(t)) })
	t.Run("Follow", func(t *testing.T) { testFollow(t, newLog(t)) })
}

func write(t *testing.T, l logs.Log, app, dyno string, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		l.Write(app, "app", dyno, "line "+strconv.Itoa(i))
	}
	sync(t, l)
}

func sync(t *testing.T, l logs.Log) {
	t.Helper()
	if s, ok := l.(Syncer); ok {
		if err := s.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
}

// check fails unless lines are "line from" … "line to-1" with consecutive Seq.
func check(t *testing.T, lines []logs.Line, from, to int) {
	t.Helper()
	if len(lines) != to-from {
		t.Fatalf("got %d lines, want %d", len(lines), to-from)
	}
	for i, l := range lines {
		if want := fmt.Sprintf("line %d", from+i); l.Message != want || l.Source != "app" || l.Time.IsZero() {
			t.Fatalf("line %d = %+v, want %q", i, l, want)
		}
		if i > 0 && l.Seq != lines[i-1].Seq+1 {
			t.Fatalf("seq %d after %d", l.Seq, lines[i-1].Seq)
		}
	}
}

func tail(t *testing.T, l logs.Log, app string, f logs.Filter, n int) logs.Page {
	t.Helper()
	p, err := l.Tail(t.Context(), app, f, n)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func after(t *testing.T, l logs.Log, app string, seq uint64, f logs.Filter, n int) logs.Page {
	t.Helper()
	p, err := l.After(t.Context(), app, seq, f, n)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func testTail(t *testing.T, l logs.Log) {
	if p := tail(t, l, "app1", logs.Filter{}, 10); len(p.Lines) != 0 {
		t.Fatalf("empty app has %d lines", len(p.Lines))
	}
	write(t, l, "app1", "web.1", 0, Lines+50)
	write(t, l, "app2", "web.1", 1000, 1001)
	p := tail(t, l, "app1", logs.Filter{}, Lines)
	check(t, p.Lines, 50, Lines+50)
	if last := p.Lines[len(p.Lines)-1].Seq; p.Cursor != last {
		t.Errorf("cursor=%d, want %d", p.Cursor, last)
	}
	check(t, tail(t, l, "app1", logs.Filter{}, 5).Lines, Lines+45, Lines+50)
	check(t, tail(t, l, "app2", logs.Filter{}, 5).Lines, 1000, 1001)
}

func testFilter(t *testing.T, l logs.Log) {
	for i := range 30 {
		l.Write("app1", "app", "web."+strconv.Itoa(i%3+1), "line "+strconv.Itoa(i))
		l.Write("app1", "heroku", "router", "at=info")
	}
	sync(t, l)
	lines := tail(t, l, "app1", logs.Filter{Dyno: "web.2"}, 5).Lines
	if len(lines) != 5 || lines[0].Message != "line 16" || lines[4].Message != "line 28" {
		t.Errorf("web.2 tail=%v", lines)
	}
	lines = tail(t, l, "app1", logs.Filter{Dyno: "web"}, 30).Lines
	for i, ln := range lines {
		if ln.Message != "line "+strconv.Itoa(i) {
			t.Fatalf("web line %d = %q", i, ln.Message)
		}
	}
	if len(lines) != 30 {
		t.Errorf("web lines=%d, want 30", len(lines))
	}
	lines = tail(t, l, "app1", logs.Filter{Source: "heroku"}, 100).Lines
	if len(lines) != 30 || lines[0].Dyno != "router" {
		t.Errorf("heroku lines=%d", len(lines))
	}
}

func testAfter(t *testing.T, l logs.Log) {
	write(t, l, "app1", "web.1", 0, 50)
	p := tail(t, l, "app1", logs.Filter{}, 10)
	check(t, p.Lines, 40, 50)
	got := after(t, l, "app1", p.Lines[4].Seq, logs.Filter{}, 1000)
	check(t, got.Lines, 45, 50)
	if got.Cursor != p.Cursor || got.Dropped != 0 {
		t.Errorf("cursor=%d dropped=%d, want %d 0", got.Cursor, got.Dropped, p.Cursor)
	}
	got = after(t, l, "app1", p.Lines[0].Seq, logs.Filter{}, 3)
	check(t, got.Lines, 41, 44)
	if got.Cursor != got.Lines[2].Seq {
		t.Errorf("cursor=%d, want %d", got.Cursor, got.Lines[2].Seq)
	}
	write(t, l, "app1", "web.1", 50, Lines+100)
	got = after(t, l, "app1", p.Cursor, logs.Filter{}, 1000)
	check(t, got.Lines, 100, Lines+100)
	if got.Dropped != 50 {
		t.Errorf("dropped=%d, want 50", got.Dropped)
	}
	c := tail(t, l, "app1", logs.Filter{}, 1).Cursor
	l.Write("app1", "heroku", "router", "at=info")
	sync(t, l)
	got = after(t, l, "app1", c, logs.Filter{Source: "app"}, 10)
	if len(got.Lines) != 0 || got.Cursor != c+1 {
		t.Errorf("filtered After: %v cursor=%d, want none and %d", got.Lines, got.Cursor, c+1)
	}
}

func testNotify(t *testing.T, l logs.Log) {
	ch, stop := l.Notify("app1")
	defer stop()
	write(t, l, "app1", "web.1", 0, 10)
	<-ch
}

type collect chan logs.Line

func (c collect) Send(l logs.Line) { c <- l }

func testFollow(t *testing.T, l logs.Log) {
	write(t, l, "app1", "web.1", 0, 5) // before Follow: not sent
	ctx, cancel := context.WithCancel(t.Context())
	got := make(collect, 100)
	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		close(started)
		_ = logs.Follow(ctx, l, "app1", got)
	}()
	<-started
	// Follow may start after some of these writes; it must then still send the later ones
	// in order, so keep writing until 5 lines arrived.
	var lines []logs.Line
	for i := 5; len(lines) < 5; i++ {
		write(t, l, "app1", "web.1", i, i+1)
		for len(got) > 0 {
			lines = append(lines, <-got)
		}
	}
	cancel()
	<-done
	for i := 1; i < len(lines); i++ {
		if lines[i].Seq <= lines[i-1].Seq {
			t.Fatalf("followed seq %d after %d", lines[i].Seq, lines[i-1].Seq)
		}
	}
}
