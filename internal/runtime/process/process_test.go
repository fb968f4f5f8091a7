package process_test

import (
	"testing"

	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/process"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

func newRuntime(t *testing.T, _ string, out func(runtime.Line)) runtime.Runtime {
	rt := process.New(process.Config{Output: out})
	t.Cleanup(func() { rt.Close() })
	return rt
}

func TestConformance(t *testing.T) {
	runtimetest.Run(t, newRuntime)
}

func TestCapabilities(t *testing.T) {
	if got := process.New(process.Config{}).Capabilities(); got.Isolated || got.SurvivesRestart {
		t.Errorf("Capabilities() = %+v, want no isolation and no survival", got)
	}
}
