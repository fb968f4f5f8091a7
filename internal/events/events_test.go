package events_test

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera/internal/events"
)

// subscribe subscribes to apps on b, closing the subscription when the test ends.
func subscribe(t testing.TB, b events.Bus, apps ...string) events.Subscription {
	t.Helper()
	s, err := b.Subscribe(t.Context(), apps)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func logLine(app, line string) events.Event {
	return events.Event{AppID: app, Payload: events.Log{Dyno: "web.1", Line: line, Source: "app"}}
}

func TestBusDeliversInOrderPerApp(t *testing.T) {
	b := events.NewInMem()
	a := subscribe(t, b, "a")
	other := subscribe(t, b, "b")
	for i := range 10 {
		b.Publish(logLine("a", strconv.Itoa(i)))
	}
	for i := range 10 {
		e := <-a.C()
		if e.Payload != (events.Log{Dyno: "web.1", Line: strconv.Itoa(i), Source: "app"}) || e.Time.IsZero() || e.AppID != "a" {
			t.Fatalf("event %d = %+v", i, e)
		}
	}
	select {
	case e := <-other.C():
		t.Fatalf("app b got app a's event %+v", e)
	default:
	}
}

func TestBusDropsFullSubscriberWithoutBlocking(t *testing.T) {
	b := events.NewInMem()
	b.Buffer = 4
	slow := subscribe(t, b, "a")
	fast := subscribe(t, b, "a")
	for range 100 {
		b.Publish(logLine("a", "x"))
		<-fast.C()
	}
	select {
	case <-slow.Done():
	default:
		t.Fatal("Done of the dropped subscription is open")
	}
	n := 0
	for range slow.C() {
		n++
	}
	if n != 4 || !errors.Is(slow.Err(), events.ErrSlow) || b.Dropped() != 1 {
		t.Fatalf("slow got %d events, err %v, dropped %d", n, slow.Err(), b.Dropped())
	}
	if fast.Err() != nil {
		t.Fatalf("fast subscriber ended: %v", fast.Err())
	}
	fast.Close()
	if _, open := <-fast.C(); open || !errors.Is(fast.Err(), events.ErrClosed) {
		t.Fatalf("closed subscription still open, err %v", fast.Err())
	}
	slow.Close() // closing a dropped subscription is harmless
	if !errors.Is(slow.Err(), events.ErrSlow) {
		t.Fatalf("Close changed a dropped subscription's Err to %v", slow.Err())
	}
}

// Publishers on several goroutines, subscribers of one or both apps closing while they
// publish: each subscriber sees each publisher's events in the order published, and the
// race detector sees no race.
func TestBusConcurrentPublishersAndClose(t *testing.T) {
	b := events.NewInMem()
	const publishers, each = 4, 500
	both := subscribe(t, b, "a", "b")
	early := subscribe(t, b, "a")
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Go(func() {
			for i := range each {
				b.Publish(events.Event{AppID: []string{"a", "b"}[p%2], Payload: events.Log{Dyno: strconv.Itoa(p), Line: strconv.Itoa(i)}})
			}
		})
	}
	wg.Go(func() {
		<-early.C()
		early.Close()
	})
	wg.Wait()
	both.Close()
	next := make([]int, publishers)
	for e := range both.C() {
		l := e.Payload.(events.Log)
		p, _ := strconv.Atoi(l.Dyno)
		if l.Line != strconv.Itoa(next[p]) {
			t.Fatalf("publisher %d: got line %s, want %d", p, l.Line, next[p])
		}
		next[p]++
	}
	for p, n := range next {
		if n != each {
			t.Errorf("publisher %d: %d events arrived, want %d", p, n, each)
		}
	}
	if !errors.Is(early.Err(), events.ErrClosed) {
		t.Errorf("early subscription: err %v, want ErrClosed", early.Err())
	}
}

func TestSubscribed(t *testing.T) {
	b := events.NewInMem()
	s, _ := b.Subscribe(t.Context(), []string{"a"})
	if !b.Subscribed("a") || b.Subscribed("b") {
		t.Fatal("Subscribed wrong with one subscriber of a")
	}
	s.Close()
	if b.Subscribed("a") {
		t.Fatal("Subscribed after Close")
	}
}

func TestDiscard(t *testing.T) {
	events.Discard.Publish(logLine("a", "dropped")) // must not panic
	if got := (events.Event{}).Type(); got != "" {
		t.Errorf("Type of an event without payload = %q", got)
	}
}

func BenchmarkPublish(b *testing.B) {
	bus := events.NewInMem()
	bus.Buffer = 1 << 16
	s := subscribe(b, bus, "a")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range s.C() {
		}
	}()
	e := logLine("a", fmt.Sprint("seq=", 123456))
	for b.Loop() {
		bus.Publish(e)
	}
	if bus.Dropped() > 0 {
		b.Fatal("the reading subscriber fell behind and was dropped")
	}
	s.Close()
	<-done
}
