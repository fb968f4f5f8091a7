package cli

import (
	"maps"
	"testing"

	"github.com/kingvon-ke/bera/internal/wire"
)

func TestAddonOptions(t *testing.T) {
	got, err := addonOptions([]string{"--maxmemory_policy", "allkeys-lru", "--tls", "--version=16"})
	want := map[string]wire.ConfigValue{"maxmemory_policy": "allkeys-lru", "tls": "true", "version": "16"}
	if err != nil || !maps.Equal(got, want) {
		t.Fatalf("addonOptions = %v, %v; want %v", got, err, want)
	}
	if _, err := addonOptions([]string{"stray"}); err == nil {
		t.Fatal("a value without its --key was accepted")
	}
}
