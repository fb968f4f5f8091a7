package runtime_test

import (
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/runtime"
)

func TestCopyLines(t *testing.T) {
	long := strings.Repeat("a", runtime.MaxLineBytes)
	tests := []struct {
		name, in string
		want     []string
	}{
		{"Empty", "", nil},
		{"OneLine", "hello\n", []string{"hello"}},
		{"NoNewline", "a\nb", []string{"a", "b"}},
		{"CRLF", "a\r\nb\r\n", []string{"a", "b"}},
		{"EmptyLines", "\n\n", []string{"", ""}},
		{"Long", long + "bc\n", []string{long, "bc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			if err := runtime.CopyLines(strings.NewReader(tt.in), func(s string) { got = append(got, s) }); err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("lines = %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzLineSplitter(f *testing.F) {
	f.Add([]byte("a\nb\r\nc"), 3)
	f.Add([]byte(strings.Repeat("x", 20001)), 7000)
	f.Fuzz(func(t *testing.T, in []byte, chunk int) {
		if chunk <= 0 {
			chunk = 1
		}
		var whole, pieces []string
		runtime.CopyLines(strings.NewReader(string(in)), func(s string) { whole = append(whole, s) })
		s := &runtime.LineSplitter{Emit: func(l string) { pieces = append(pieces, l) }}
		for p := in; len(p) > 0; p = p[min(chunk, len(p)):] {
			s.Write(p[:min(chunk, len(p))])
		}
		s.Flush()
		for _, l := range pieces {
			if len(l) > runtime.MaxLineBytes || strings.Contains(l, "\n") {
				t.Fatalf("bad line of %d bytes", len(l))
			}
		}
		if strings.Join(whole, "\n") != strings.Join(pieces, "\n") {
			t.Fatalf("chunked split differs from whole split")
		}
	})
}

func TestAppUID(t *testing.T) {
	a, b := runtime.AppUID("app-a"), runtime.AppUID("app-a")
	if a != b || a < 100000 || a >= 160000 {
		t.Errorf("AppUID = %d, %d; want stable in 100000..159999", a, b)
	}
}
