package cnb

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// writeBuildpack installs a shell-script buildpack id@1.0 under store with
// the given bin/detect body (and a trivial bin/build).
func writeBuildpack(t *testing.T, store, id, detect string) {
	t.Helper()
	writeBuildpackFull(t, store, id, "", detect, "exit 0")
}

func writeBuildpackFull(t *testing.T, store, id, extraTOML, detect, build string) {
	t.Helper()
	dir := filepath.Join(store, escapeID(id), "1.0")
	mustWrite(t, filepath.Join(dir, "buildpack.toml"), fmt.Sprintf("api = \"0.10\"\n[buildpack]\nid = %q\nversion = \"1.0\"\n%s", id, extraTOML), 0o644)
	mustWrite(t, filepath.Join(dir, "bin", "detect"), "#!/bin/sh\nset -e\n"+detect+"\n", 0o755)
	mustWrite(t, filepath.Join(dir, "bin", "build"), "#!/bin/sh\nset -e\n"+build+"\n", 0o755)
}

func mustWrite(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

func group(ids ...string) Group {
	var g Group
	for _, id := range ids {
		opt := false
		if id[0] == '?' {
			id, opt = id[1:], true
		}
		g.Group = append(g.Group, GroupEntry{ID: id, Version: "1.0", Optional: opt})
	}
	return g
}

func ids(es []GroupEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}
