package runc_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

// TestOutputChunks writes more than two 4 MiB chunks: every line arrives, in order, and the
// delivered chunks are deleted.
func TestOutputChunks(t *testing.T) {
	e := runtimetest.NewEnv(t, newRuntime)
	const n = 1_200_000
	spec := e.Spec("run.1", fmt.Sprintf("seq 1 %d", n))
	e.MustStart(spec)
	e.MustWait(spec.ID)
	lines := e.Out.Lines(spec.ID, runtime.Stdout)
	if len(lines) != n || lines[n-1] != fmt.Sprint(n) {
		t.Fatalf("got %d lines, want %d", len(lines), n)
	}
	for i, l := range lines {
		if l != fmt.Sprint(i+1) {
			t.Fatalf("line %d = %q, want %d", i, l, i+1)
		}
	}
	chunks, _ := filepath.Glob(filepath.Join(e.State, "dynos", spec.ID, "stdout.[0-9]*"))
	if len(chunks) != 1 || filepath.Base(chunks[0]) != "stdout.000002" {
		t.Errorf("chunks left = %q, want only the last one, stdout.000002", chunks)
	}
}
