package spacedns

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestUpstreamAddrs(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(conf, []byte("# host\nnameserver 127.0.0.53\nnameserver 2001:db8::1\noptions edns0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		forward []string
		want    []string
	}{
		{nil, []string{"127.0.0.53:53", "[2001:db8::1]:53"}},
		{[]string{"192.0.2.1", "192.0.2.2:5353", "[2001:db8::2]:53", "2001:db8::3"},
			[]string{"192.0.2.1:53", "192.0.2.2:5353", "[2001:db8::2]:53", "[2001:db8::3]:53"}},
	}
	for _, tt := range tests {
		got, err := upstreamAddrs(tt.forward, conf)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("upstreamAddrs(%q)=%q, %v, want %q", tt.forward, got, err, tt.want)
		}
	}
	if err := os.WriteFile(conf, []byte("search example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := upstreamAddrs(nil, conf); err == nil {
		t.Errorf("resolv.conf without nameserver: %q, want an error", got)
	}
}
