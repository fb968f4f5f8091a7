package events_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/kingvon-ke/bera/internal/events"
)

func TestBusDeliversInOrderPerApp(t *testing.T) {
	b := events.NewInMem()
	a := b.Subscribe([]string{"a"})
	defer a.Close()
	other := b.Subscribe([]string{"b"})
	defer other.Close()
	for i := range 10 {
		b.Publish(events.Event{Type: events.TypeLog, AppID: "a", Data: map[string]any{"n": i}})
	}
	for i := range 10 {
		e := <-a.C()
		if e.Data["n"] != i || e.Time.IsZero() {
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
	slow := b.Subscribe([]string{"a"})
	fast := b.Subscribe([]string{"a"})
	for i := range 100 {
		b.Publish(events.Event{AppID: "a"})
		<-fast.C()
		_ = i
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
}

func TestParseStateLine(t *testing.T) {
	tests := []struct {
		source, msg, from, to string
		ok                    bool
	}{
		{"heroku", "State changed from starting to up", "starting", "up", true},
		{"app", "State changed from starting to up", "", "", false},
		{"heroku", "State changed from starting", "", "", false},
		{"heroku", "Starting process with command `x`", "", "", false},
	}
	for _, tt := range tests {
		from, to, ok := events.ParseStateLine(tt.source, tt.msg)
		if from != tt.from || to != tt.to || ok != tt.ok {
			t.Errorf("ParseStateLine(%q, %q) = %q, %q, %v", tt.source, tt.msg, from, to, ok)
		}
	}
}

func FuzzParseStateLine(f *testing.F) {
	f.Add("heroku", "State changed from starting to up")
	f.Fuzz(func(t *testing.T, source, msg string) {
		from, to, ok := events.ParseStateLine(source, msg)
		if ok && (from == "" || to == "" || msg != fmt.Sprintf("State changed from %s to %s", from, to)) {
			t.Fatalf("%q -> %q %q", msg, from, to)
		}
	})
}

func BenchmarkPublish(b *testing.B) {
	bus := events.NewInMem()
	bus.Buffer = 1 << 16
	s := bus.Subscribe([]string{"a"})
	go func() {
		for range s.C() {
		}
	}()
	e := events.Event{Type: events.TypeLog, AppID: "a"}
	for b.Loop() {
		bus.Publish(e)
	}
	if bus.Dropped() > 0 {
		b.Fatal("the reading subscriber fell behind and was dropped")
	}
	s.Close()
}

func TestSubscribed(t *testing.T) {
	b := events.NewInMem()
	s := b.Subscribe([]string{"a"})
	if !b.Subscribed("a") || b.Subscribed("b") {
		t.Fatal("Subscribed wrong with one subscriber of a")
	}
	s.Close()
	if b.Subscribed("a") {
		t.Fatal("Subscribed after Close")
	}
}
