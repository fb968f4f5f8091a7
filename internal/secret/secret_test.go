package secret_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/kingvon-ke/bera/internal/secret"
)

func TestBox_RoundTrip(t *testing.T) {
	key, err := secret.LoadOrCreateKey(filepath.Join(t.TempDir(), "secret.key"), "")
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := box.Seal([]byte("DATABASE_URL=postgres://x"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("postgres")) {
		t.Fatal("sealed value contains the plaintext")
	}
	got, err := box.Open(sealed)
	if err != nil || string(got) != "DATABASE_URL=postgres://x" {
		t.Fatalf("Open=%q, %v", got, err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := box.Open(sealed); err == nil {
		t.Fatal("Open of a tampered value succeeded")
	}
}

func TestLoadOrCreateKey_Stable(t *testing.T) {
	p := filepath.Join(t.TempDir(), "secret.key")
	a, err := secret.LoadOrCreateKey(p, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := secret.LoadOrCreateKey(p, "")
	if err != nil || !bytes.Equal(a, b) {
		t.Fatalf("second load differs: %v", err)
	}
	if _, err := secret.LoadOrCreateKey(p, "nothex"); err == nil {
		t.Fatal("a malformed env key was accepted")
	}
}

func TestPassword(t *testing.T) {
	h := secret.HashPassword("hunter2")
	if !secret.CheckPassword(h, "hunter2") {
		t.Fatal("right password rejected")
	}
	if secret.CheckPassword(h, "hunter3") || secret.CheckPassword("garbage", "hunter2") {
		t.Fatal("wrong password accepted")
	}
}
