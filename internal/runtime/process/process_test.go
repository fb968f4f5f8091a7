package process_test

import (
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"

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

func TestRefusesImages(t *testing.T) {
	rt := process.New(process.Config{})
	defer rt.Close()
	spec := runtime.DynoSpec{ID: "img1", Name: "web.1", Command: "exec /cnb/lifecycle/launcher", ImageLayers: []string{"/data/images/unpacked/1/aa"}}
	_, err := rt.Start(t.Context(), spec)
	if bera.ErrorCode(err) != bera.EInvalid || !strings.Contains(bera.ErrorMessage(err), "needs the runc runtime (--runtime runc)") {
		t.Errorf("Start = %v, want EInvalid naming the runc runtime", err)
	}
}
