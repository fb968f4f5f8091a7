package events_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/events/eventstest"
)

func TestInMem(t *testing.T) {
	eventstest.Run(t, func(*testing.T) events.Bus { return events.NewInMem() })
}

// wireBus is an InMem that sends every event through its JSON encoding first, as a bus
// across servers does.
type wireBus struct {
	*events.InMem
	t *testing.T
}

func (b wireBus) Publish(e events.Event) {
	raw, err := json.Marshal(e)
	if err != nil {
		b.t.Errorf("encode %+v: %v", e, err)
		return
	}
	var got events.Event
	if err := json.Unmarshal(raw, &got); err != nil {
		b.t.Errorf("decode %s: %v", raw, err)
		return
	}
	b.InMem.Publish(got)
}

// Events that cross their encoding behave as on the in-process bus.
func TestInMemThroughEncoding(t *testing.T) {
	eventstest.Run(t, func(t *testing.T) events.Bus { return wireBus{events.NewInMem(), t} })
}

func logLine(app, line string) events.Event {
	return events.Event{AppID: app, Payload: events.Log{Dyno: "web.1", Line: line, Source: "app"}}
}

func TestBusDropsFullSubscriberWithoutBlocking(t *testing.T) {
	b := events.NewInMem()
	b.Buffer = 4
	slow := eventstest.Subscribe(t, b, "a")
	fast := eventstest.Subscribe(t, b, "a")
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
	s := eventstest.Subscribe(b, bus, "a")
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
