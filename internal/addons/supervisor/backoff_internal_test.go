package supervisor

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want time.Duration
	}{{0, time.Second}, {1, 2 * time.Second}, {4, 16 * time.Second}, {5, 30 * time.Second}, {50, 30 * time.Second}} {
		if got := backoff(time.Second, 30*time.Second, tt.n); got != tt.want {
			t.Errorf("backoff(%d)=%v, want %v", tt.n, got, tt.want)
		}
	}
}

func TestProcState(t *testing.T) {
	for _, tt := range []struct {
		stat string
		want byte
	}{{"12 (postgres) S 1 12", 'S'}, {"12 (a) b) Z 1", 'Z'}, {"garbage", 0}, {"1 (x)", 0}} {
		if got := procState([]byte(tt.stat)); got != tt.want {
			t.Errorf("procState(%q)=%q, want %q", tt.stat, got, tt.want)
		}
	}
}

func FuzzProcState(f *testing.F) {
	f.Add([]byte("12 (postgres) S 1 12 12 0"))
	f.Add([]byte("1 ((x) y)) Z"))
	f.Add([]byte(")"))
	f.Fuzz(func(t *testing.T, stat []byte) {
		procState(stat) // must not panic on any /proc content
	})
}
