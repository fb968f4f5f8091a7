package runc_test

import (
	"testing"

	"github.com/kingvon-ke/bera/internal/runtime/runc"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

func BenchmarkStart(b *testing.B) {
	Require(b)
	rt, err := runc.New(b.Context(), runc.Config{Root: b.TempDir(), Prefix: testPrefix, Bridge: testBridge, Subnet: testSubnet})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	runtimetest.BenchStart(b, rt)
}
