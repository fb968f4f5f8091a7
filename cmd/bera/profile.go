package main

import (
	"os"
	"runtime/pprof"
)

// startCPUProfile writes a CPU profile of the server to BERA_CPUPROFILE, when set, until the
// returned function is called (at shutdown). For benchmarks: go tool pprof -top FILE.
func startCPUProfile() (stop func(), err error) {
	path := os.Getenv("BERA_CPUPROFILE")
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
