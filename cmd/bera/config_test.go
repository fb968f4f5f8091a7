package main

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/kingvon-ke/bera/internal/server"
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

// The router's fast path and its event loops are on unless their flags or env vars
// say otherwise.
func TestParseServerFlagsRouterDefaults(t *testing.T) {
	for _, f := range []struct {
		flag, env string
		def       bool
		get       func(*server.Config) bool
	}{
		{"router-fast-path", "BERA_ROUTER_FAST_PATH", true, func(c *server.Config) bool { return c.RouterFastPath }},
		{"router-event-loop", "BERA_ROUTER_EVENT_LOOP", true, func(c *server.Config) bool { return c.RouterEventLoop }},
	} {
		for _, tt := range []struct {
			env  string
			args []string
			want bool
		}{
			{"", nil, f.def},
			{"", []string{"--" + f.flag + "=false"}, false},
			{"false", nil, false},
			{"false", []string{"--" + f.flag}, true},
		} {
			t.Run(f.flag, func(t *testing.T) {
				if tt.env != "" {
					t.Setenv(f.env, tt.env)
				}
				c, err := parseServerFlags(tt.args, io.Discard)
				if err != nil {
					t.Fatal(err)
				}
				if got := f.get(c); got != tt.want {
					t.Errorf("%s=%q %v: %v, want %v", f.env, tt.env, tt.args, got, tt.want)
				}
			})
		}
	}
}
