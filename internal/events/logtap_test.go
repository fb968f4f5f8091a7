package events_test

import (
	"testing"

	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/logs"
)

func TestLogTapPublishesLinesAndStates(t *testing.T) {
	bus := events.NewInMem()
	tap := events.LogTap{Log: logs.New(logs.Config{}), Bus: bus}
	tap.Write("nobody", "app", "web.1", "unseen") // no subscriber: skipped
	sub := bus.Subscribe([]string{"a"})
	tap.Write("a", "app", "web.1", "hello")
	tap.Write("a", "heroku", "web.1", "State changed from starting to up")
	sub.Close()
	var got []string
	for e := range sub.C() {
		got = append(got, e.Type)
	}
	want := []string{events.TypeLog, events.TypeLog, events.TypeDynoState}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("events %q, want %q", got, want)
	}
}

func BenchmarkLogTap(b *testing.B) {
	for _, subscribed := range []bool{false, true} {
		b.Run(map[bool]string{false: "NoSubscriber", true: "OneSubscriber"}[subscribed], func(b *testing.B) {
			bus := events.NewInMem()
			bus.Buffer = 1 << 16
			buf := logs.New(logs.Config{})
			if subscribed {
				s := bus.Subscribe([]string{"a"})
				go func() {
					for range s.C() {
					}
				}()
				defer s.Close()
			}
			tap := events.LogTap{Log: buf, Bus: bus}
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
