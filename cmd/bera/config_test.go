package main

import (
	"io"
	"path/filepath"
	"testing"
)

// Relative path flags are resolved once, at start: runc needs absolute slug directories.
func TestParseServerFlagsAbsPaths(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("BERA_TLS_KEY", "tls/key.pem")
	c, err := parseServerFlags([]string{"--data", "./.bera", "--tls-cert", "tls/cert.pem", "--acme-ca-root", "/etc/roots.pem"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, got, want string }{
		{"data", c.Data, filepath.Join(dir, ".bera")},
		{"tls-cert", c.TLSCert, filepath.Join(dir, "tls", "cert.pem")},
		{"tls-key", c.TLSKey, filepath.Join(dir, "tls", "key.pem")},
		{"acme-ca-root", c.ACMECARoot, "/etc/roots.pem"},
	} {
		if tt.got != tt.want {
			t.Errorf("--%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// The router's fast path is on unless the flag or BERA_ROUTER_FAST_PATH turns it off.
func TestParseServerFlagsRouterFastPath(t *testing.T) {
	for _, tt := range []struct {
		env  string
		args []string
		want bool
	}{
		{"", nil, true},
		{"", []string{"--router-fast-path=false"}, false},
		{"false", nil, false},
		{"false", []string{"--router-fast-path"}, true},
	} {
		if tt.env != "" {
			t.Setenv("BERA_ROUTER_FAST_PATH", tt.env)
		}
		c, err := parseServerFlags(tt.args, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.RouterFastPath != tt.want {
			t.Errorf("BERA_ROUTER_FAST_PATH=%q %v: RouterFastPath=%v, want %v", tt.env, tt.args, c.RouterFastPath, tt.want)
		}
	}
}
