// Package eventstest is the conformance suite of events.Bus: every implementation (the
// in-process one, and the buses across servers to come) runs the same behaviours.
package eventstest

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/events"
)

// Timeout bounds each wait for an event; a remote bus delivers over the network.
const Timeout = 10 * time.Second

// Run runs the conformance suite against the buses newBus makes, a fresh one per subtest.
func Run(t *testing.T, newBus func(t *testing.T) events.Bus) {
	t.Run("EveryPayloadInOrder", func(t *testing.T) { testEveryPayloadInOrder(t, newBus(t)) })
	t.Run("OnlyItsApps", func(t *testing.T) { testOnlyItsApps(t, newBus(t)) })
	t.Run("Time", func(t *testing.T) { testTime(t, newBus(t)) })
	t.Run("Close", func(t *testing.T) { testClose(t, newBus(t)) })
	t.Run("ConcurrentPublishers", func(t *testing.T) { testConcurrentPublishers(t, newBus(t)) })
}

// Samples holds one payload of every type, every field set.
var Samples = []events.Payload{
	events.BuildOutput{Line: "-----> Python app detected\r"},
	events.ReleaseCreated{Description: "Set FOO config vars", ID: "0b9e6a3c-8a6f-4a57-9a2e-3f1f2c3d4e5f", Version: 12},
	events.DynoState{Dyno: "web.2", From: "up", To: "crashed"},
	events.FormationChanged{Quantity: 3, Size: "performance-m", Type: "worker"},
	events.Log{Dyno: "router", Line: `at=info path="/" <é> ` + "\x00", Source: "heroku"},
	events.AddonChanged{Addon: "redis-curved-12345", AddonID: "6d1f0b2a-3c4e-4f5a-8b9c-0d1e2f3a4b5c", Attachment: "REDIS",
		Plan: "heroku-redis:premium-0", Service: "heroku-redis", State: events.AddonProvisioned},
}

// Subscribe subscribes to apps on b and closes the subscription when the test ends.
func Subscribe(t testing.TB, b events.Bus, apps ...string) events.Subscription {
	t.Helper()
	s, err := b.Subscribe(t.Context(), apps)
	if err != nil {
		t.Fatalf("subscribe to %q: %v", apps, err)
	}
	t.Cleanup(s.Close)
	return s
}

// Next returns the next event of s, failing if none comes within Timeout or s ends.
func Next(t testing.TB, s events.Subscription) events.Event {
	t.Helper()
	select {
	case e, ok := <-s.C():
		if !ok {
			t.Fatalf("subscription ended: %v", s.Err())
		}
		return e
	case <-time.After(Timeout):
		t.Fatalf("no event within %s", Timeout)
	}
	return events.Event{}
}

// Every payload type arrives as published, in the order published.
func testEveryPayloadInOrder(t *testing.T, b events.Bus) {
	s := Subscribe(t, b, "a")
	for range 3 {
		for _, p := range Samples {
			b.Publish(events.Event{AppID: "a", Payload: p})
		}
	}
	for range 3 {
		for _, want := range Samples {
			if e := Next(t, s); e.AppID != "a" || e.Payload != want {
				t.Fatalf("got %+v, want %+v of app a", e, want)
			}
		}
	}
}

// A subscriber gets the events of the apps it follows, and no other app's.
func testOnlyItsApps(t *testing.T, b events.Bus) {
	onlyB := Subscribe(t, b, "b")
	both := Subscribe(t, b, "a", "b")
	b.Publish(events.Event{AppID: "a", Payload: events.Log{Line: "of a"}})
	b.Publish(events.Event{AppID: "c", Payload: events.Log{Line: "of c"}})
	b.Publish(events.Event{AppID: "b", Payload: events.Log{Line: "of b"}})
	// Events of one publisher arrive in order: had a's or c's event reached onlyB, it
	// would come before b's.
	if e := Next(t, onlyB); e.AppID != "b" {
		t.Errorf("a subscriber of b got %+v", e)
	}
	for _, want := range []string{"a", "b"} {
		if e := Next(t, both); e.AppID != want {
			t.Errorf("a subscriber of a and b got %+v, want app %s's event", e, want)
		}
	}
}

// An event published without a time arrives stamped; one with a time keeps it.
func testTime(t *testing.T, b events.Bus) {
	s := Subscribe(t, b, "a")
	at := time.Date(2026, 12, 2, 3, 4, 5, 6, time.UTC)
	b.Publish(events.Event{AppID: "a", Payload: events.Log{Line: "stamped"}})
	b.Publish(events.Event{AppID: "a", Time: at, Payload: events.Log{Line: "kept"}})
	if e := Next(t, s); e.Time.IsZero() {
		t.Errorf("event published without a time arrived without one: %+v", e)
	}
	if e := Next(t, s); !e.Time.Equal(at) {
		t.Errorf("time %v arrived as %v", at, e.Time)
	}
}

// Close ends a subscription: C and Done close, Err is ErrClosed; Close again and publishing
// to its apps are harmless, and other subscribers go on.
func testClose(t *testing.T, b events.Bus) {
	s := Subscribe(t, b, "a")
	other := Subscribe(t, b, "a")
	s.Close()
	select {
	case <-s.Done():
	case <-time.After(Timeout):
		t.Fatal("Done still open after Close")
	}
	for range s.C() { // drain what arrived before Close
	}
	if !errors.Is(s.Err(), events.ErrClosed) {
		t.Errorf("Err after Close = %v, want ErrClosed", s.Err())
	}
	s.Close()
	b.Publish(events.Event{AppID: "a", Payload: events.Log{Line: "after close"}})
	if e := Next(t, other); e.Payload != (events.Log{Line: "after close"}) {
		t.Errorf("the other subscriber got %+v", e)
	}
	if other.Err() != nil {
		t.Errorf("the other subscription ended: %v", other.Err())
	}
}

// Several goroutines publish while a subscriber closes: each subscriber sees each
// goroutine's events in order, and the race detector sees no race.
func testConcurrentPublishers(t *testing.T, b events.Bus) {
	const publishers, each = 4, 500
	both := Subscribe(t, b, "a", "b")
	early := Subscribe(t, b, "a")
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
	next := make([]int, publishers)
	for range publishers * each {
		l, _ := Next(t, both).Payload.(events.Log)
		p, err := strconv.Atoi(l.Dyno)
		if err != nil || p >= publishers {
			t.Fatalf("unexpected event %+v", l)
		}
		if l.Line != strconv.Itoa(next[p]) {
			t.Fatalf("publisher %d: got line %s, want %d", p, l.Line, next[p])
		}
		next[p]++
	}
	wg.Wait()
	if !errors.Is(early.Err(), events.ErrClosed) {
		t.Errorf("early subscription: err %v, want ErrClosed", early.Err())
	}
}
