package events_test

import (
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/events/eventstest"
)

func TestLinesSplitsWrites(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   []string
	}{
		{"whole lines", []string{"a\nb\n"}, []string{"a", "b"}},
		{"split line", []string{"he", "llo\r\nwor", "ld"}, []string{"hello", "world"}},
		{"empty line", []string{"\n"}, []string{""}},
		{"nothing", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := collectLines(t, tt.writes)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func collectLines(t *testing.T, writes []string) []string {
	bus := events.NewInMem()
	sub := eventstest.Subscribe(t, bus, "a")
	w := &events.Lines{Events: bus, AppID: "a"}
	for _, s := range writes {
		w.Write([]byte(s))
	}
	w.Flush()
	sub.Close()
	var got []string
	for e := range sub.C() {
		got = append(got, e.Payload.(events.BuildOutput).Line)
	}
	return got
}

func FuzzLines(f *testing.F) {
	f.Add("a\nb", 1)
	f.Fuzz(func(t *testing.T, s string, cut int) {
		if cut < 0 || cut > len(s) || len(s) > maxFuzz {
			return
		}
		got := strings.Join(collectLines(t, []string{s[:cut], s[cut:]}), "\n")
		want := strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\r\n", "\n")
		if !strings.Contains(s, "\r") && got != want {
			t.Fatalf("%q split at %d: got %q", s, cut, got)
		}
	})
}

const maxFuzz = 4096
