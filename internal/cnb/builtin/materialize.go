package builtin

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"

	"github.com/kingvon-ke/bera/internal/cnb"
	"github.com/kingvon-ke/bera/internal/runtime"
)

// Materialize writes the built-in buildpacks under dir in the store layout of cnb.Store
// (<dir>/<id with "/" as "_">/<Version>/), each with a buildpack.toml and bin/detect and
// bin/build: /bin/sh wrappers that exec self (the bera binary, an absolute path) in
// buildpack mode, which Main recognises. It returns BuilderOrder. Running the wrappers
// needs /bin/sh and self at the same path; existing files are replaced.
func Materialize(dir, self string) (cnb.Order, error) {
	if !filepath.IsAbs(self) {
		return nil, fmt.Errorf("materialize built-in buildpacks: %q is not an absolute path", self)
	}
	for _, bp := range builtins {
		if err := materialize(dir, self, bp); err != nil {
			return nil, fmt.Errorf("materialize buildpack %s: %w", bp.id, err)
		}
	}
	return BuilderOrder(), nil
}

func materialize(dir, self string, bp buildpack) error {
	bpDir := cnb.Store{Dir: dir}.Path(bp.id, Version)
	if err := os.MkdirAll(filepath.Join(bpDir, "bin"), 0o755); err != nil {
		return err
	}
	desc, err := descriptor(bp)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(bpDir, "buildpack.toml"), desc, 0o644); err != nil {
		return err
	}
	for _, phase := range []string{"detect", "build"} {
		script := fmt.Sprintf("#!/bin/sh\nexec %s %s %s %s \"$@\"\n", runtime.ShellQuote(self), modeArg, bp.id, phase)
		path := filepath.Join(bpDir, "bin", phase)
		if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
			return err
		}
		// WriteFile keeps the mode of a file that existed.
		if err := os.Chmod(path, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// descriptor is bp's buildpack.toml.
func descriptor(bp buildpack) ([]byte, error) {
	type info struct {
		ID      string `toml:"id"`
		Version string `toml:"version"`
		Name    string `toml:"name"`
	}
	var buf bytes.Buffer
	err := toml.NewEncoder(&buf).Encode(struct {
		API       string `toml:"api"`
		Buildpack info   `toml:"buildpack"`
	}{API, info{bp.id, Version, bp.name}})
	return buf.Bytes(), err
}
