package events_test

import (
	"testing"

	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/events/eventstest"
	"github.com/kingvon-ke/bera/internal/logs"
)

// The tap publishes each line as a Log event, and only as that: a "State changed" line is
// no longer taken for a dyno state (the reconciler publishes those itself, so an app cannot
// fake one by printing the text).
func TestLogTapPublishesLines(t *testing.T) {
	bus := events.NewInMem()
	tap := events.LogTap{Log: logs.New(logs.Config{}), Events: bus}
	tap.Write("nobody", "app", "web.1", "unseen") // no subscriber: skipped
	sub := eventstest.Subscribe(t, bus, "a")
	tap.Write("a", "app", "web.1", "hello")
	tap.Write("a", "heroku", "web.1", "State changed from starting to up")
	sub.Close()
	var got []events.Payload
	for e := range sub.C() {
		got = append(got, e.Payload)
	}
	want := []events.Payload{
		events.Log{Dyno: "web.1", Line: "hello", Source: "app"},
		events.Log{Dyno: "web.1", Line: "State changed from starting to up", Source: "heroku"},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("events %+v, want %+v", got, want)
	}
}

func BenchmarkLogTap(b *testing.B) {
	for _, subscribed := range []bool{false, true} {
		b.Run(map[bool]string{false: "NoSubscriber", true: "OneSubscriber"}[subscribed], func(b *testing.B) {
			bus := events.NewInMem()
			bus.Buffer = 1 << 16
			buf := logs.New(logs.Config{})
			if subscribed {
				s := eventstest.Subscribe(b, bus, "a")
				go func() {
					for range s.C() {
					}
				}()
			}
			tap := events.LogTap{Log: buf, Events: bus}
			for b.Loop() {
				tap.Write("a", "app", "web.1", "seq=123456")
			}
			if bus.Dropped() > 0 {
				b.Fatal("the reading subscriber fell behind and was dropped")
			}
		})
	}
	b.Run("BufferAlone", func(b *testing.B) {
		buf := logs.New(logs.Config{})
		for b.Loop() {
			buf.Write("a", "app", "web.1", "seq=123456")
		}
	})
}
