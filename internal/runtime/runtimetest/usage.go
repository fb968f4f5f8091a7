package runtimetest

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/kingvon-ke/bera/internal/runtime"
)

// HogCommand is the command of a dyno that holds mb MiB of memory, written so it is
// resident, prints "ready" and sleeps.
func HogCommand(mb int) string {
	return Python + ` -c "import time; b = bytearray(b'x') * (` + strconv.Itoa(mb) + ` << 20); print('ready', flush=True); time.sleep(600)"`
}

// testUsage checks runtime.UsageReporter: the memory a running dyno holds, ErrNotRunning
// once it exited and ErrNotFound once stopped.
func testUsage(t *testing.T, f Factory) {
	e := NewEnv(t, f)
	ur, ok := e.RT.(runtime.UsageReporter)
	if !ok {
		t.Skip("backend does not report usage")
	}
	spec := e.Spec("worker.1", HogCommand(24))
	e.MustStart(spec)
	e.MustAwait(spec.ID, "ready")
	u, err := ur.Usage(t.Context(), spec.ID)
	if err != nil {
		t.Fatalf("Usage: %v", err)
	}
	if u.RSS < 24<<20 {
		t.Errorf("RSS=%d, want at least 24 MiB", u.RSS)
	}
	if _, err := e.RT.Stop(t.Context(), spec.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := ur.Usage(t.Context(), spec.ID); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Usage of a stopped dyno: %v, want ErrNotFound", err)
	}

	exited := e.Spec("worker.2", "exit 0")
	e.MustStart(exited)
	e.MustWait(exited.ID)
	if _, err := ur.Usage(context.Background(), exited.ID); !errors.Is(err, runtime.ErrNotRunning) {
		t.Errorf("Usage of an exited dyno: %v, want ErrNotRunning", err)
	}
}
