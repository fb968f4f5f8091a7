package redis_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/addons/addonstest"
)

// SetPolicy changes the policy in redis.conf (what a restart reads) and in Info, and
// refuses what Redis does not know.
func TestProvider_SetPolicy(t *testing.T) {
	e := newEnv(t)
	p := e.MustOpen(t, addonstest.Root(t))
	if _, err := p.Provision(t.Context(), addons.Request{ID: "r1"}); err != nil {
		t.Fatal(err)
	}
	if err := p.SetPolicy(t.Context(), "r1", "allkeys-lfu"); err != nil {
		t.Fatal(err)
	}
	conf, err := os.ReadFile(filepath.Join(p.Dir("r1"), "redis.conf"))
	if err != nil || !strings.Contains(string(conf), "maxmemory-policy allkeys-lfu\n") {
		t.Errorf("redis.conf after SetPolicy (%v):\n%s", err, conf)
	}
	info, err := p.Info(t.Context(), "r1")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range info.Rows {
		if r.Name == "Maxmemory" && r.Values[0] != "allkeys-lfu" {
			t.Errorf("Maxmemory row %v", r.Values)
		}
	}
	if err := p.SetPolicy(t.Context(), "r1", "everything"); !errors.Is(err, addons.ErrInvalidPolicy) {
		t.Errorf("SetPolicy(everything): %v", err)
	}
	if err := p.SetPolicy(t.Context(), "nope", "noeviction"); !errors.Is(err, addons.ErrNotFound) {
		t.Errorf("SetPolicy of no instance: %v", err)
	}
}
