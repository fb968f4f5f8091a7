package buildrun_test

import (
	"testing"

	"github.com/kingvon-ke/bera/internal/runtime/runc/buildrun"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"2G", 2 << 30, true}, {"512M", 512 << 20, true}, {"512MiB", 512 << 20, true}, {"1.5g", 3 << 29, true},
		{"1048576", 1 << 20, true}, {"64k", 64 << 10, true}, {"", 0, false}, {"G", 0, false}, {"-1G", 0, false},
		{"0", 0, false}, {"2X", 0, false}, {"99999999T", 0, false},
	}
	for _, tt := range tests {
		got, err := buildrun.ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{2 << 30: "2 GiB", 64 << 20: "64 MiB", 1000: "1000 bytes"} {
		if got := buildrun.FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"2G", "512MiB", "1.5g", "12", "kb", "1e3M", "NaN", "Inf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := buildrun.ParseSize(s)
		if err == nil && n <= 0 {
			t.Fatalf("ParseSize(%q) = %d without error", s, n)
		}
	})
}
