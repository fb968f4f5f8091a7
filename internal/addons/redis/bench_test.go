package redis_test

import (
	"testing"

	"github.com/kingvon-ke/bera/internal/addons/addonstest"
)

// BenchmarkProvision: time from Provision to the first SET, and memory per idle instance.
func BenchmarkProvision(b *testing.B) {
	e := newEnv(b)
	addonstest.Bench(b, e.MustOpen(b, addonstest.Root(b)), "", addonstest.Redis)
}
