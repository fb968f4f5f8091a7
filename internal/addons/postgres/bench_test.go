package postgres_test

import (
	"testing"

	"github.com/kingvon-ke/bera/internal/addons/addonstest"
)

// BenchmarkProvision: time from Provision to the first INSERT, and memory per idle
// instance, for a dedicated standard-0 server and for the shared plan.
func BenchmarkProvision(b *testing.B) {
	b.Run("Dedicated", func(b *testing.B) {
		e := newEnv(b)
		addonstest.Bench(b, e.MustOpen(b, addonstest.Root(b)), "", addonstest.Postgres)
	})
	b.Run("Shared", func(b *testing.B) {
		e := newEnv(b)
		e.sharedURL = sharedServer
		addonstest.Bench(b, e.MustOpen(b, addonstest.Root(b)), "shared", addonstest.Postgres)
	})
}
