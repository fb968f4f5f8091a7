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
