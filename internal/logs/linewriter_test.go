package logs_test

import (
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/logs"
)

func TestLineWriter(t *testing.T) {
	b := logs.New(logs.Config{})
	w := logs.NewLineWriter(b, "a", "app", "web.1")
	for _, chunk := range []string{"hel", "lo\nwor", "ld\r\n\n", "tail", strings.Repeat("x", logs.MaxMessage+5)} {
		if n, err := w.Write([]byte(chunk)); n != len(chunk) || err != nil {
			t.Fatalf("Write=%d, %v", n, err)
		}
	}
	w.Close()
	p, _ := b.Tail(t.Context(), "a", logs.Filter{}, 10)
	var got []string
	for _, l := range p.Lines {
		got = append(got, l.Message)
	}
	want := []string{"hello", "world", "", "tail" + strings.Repeat("x", logs.MaxMessage-4), strings.Repeat("x", 9)}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("lines=%q, want %q", got, want)
	}
}
