package process_test

import (
	"testing"

	"github.com/kingvon-ke/bera/internal/runtime/process"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

func BenchmarkStart(b *testing.B) {
	rt := process.New(process.Config{})
	defer rt.Close()
	runtimetest.BenchStart(b, rt)
}
