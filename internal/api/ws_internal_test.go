package api

import (
	"strings"
	"testing"
)

func TestKeyFromSubprotocols(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   string
	}{
		{"none", nil, ""},
		{"protocol only", []string{"bera.events"}, ""},
		{"one header", []string{"bera.events, bera.key.abc123"}, "abc123"},
		{"two headers", []string{"bera.events", "bera.key.k"}, "k"},
		{"other protocols", []string{"chat, superchat"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := keyFromSubprotocols(tt.values); got != tt.want {
				t.Errorf("keyFromSubprotocols(%q) = %q, want %q", tt.values, got, tt.want)
			}
		})
	}
}

func FuzzKeyFromSubprotocols(f *testing.F) {
	f.Add("bera.events, bera.key.abc")
	f.Add("bera.key.")
	f.Fuzz(func(t *testing.T, header string) {
		key := keyFromSubprotocols([]string{header})
		if key != "" && (!strings.Contains(header, keySubprotocolPrefix+key) || strings.Contains(key, ",")) {
			t.Fatalf("%q gave key %q", header, key)
		}
	})
}
