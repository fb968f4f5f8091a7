package server

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kingvon-ke/bera/internal/beratest"
)

func TestOpenData(t *testing.T) {
	if os.Geteuid() != 0 {
		beratest.Missing(t, "run the tests as root: DATA changes only when the server runs as root")
	}
	data := filepath.Join(t.TempDir(), "data")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(data, 0o700))
	must(os.WriteFile(filepath.Join(data, "secret.key"), []byte("k"), 0o600))
	must(os.WriteFile(filepath.Join(data, "ca.pem"), []byte("cert"), 0o644))
	must(os.WriteFile(filepath.Join(data, "loose.txt"), []byte("x"), 0o644))
	must(os.Mkdir(filepath.Join(data, "slugs"), 0o755))
	must(os.Mkdir(filepath.Join(data, "addons"), 0o711))
	must(openData(data))
	want := map[string]os.FileMode{".": 0o711, "secret.key": 0o600, "ca.pem": 0o644, "loose.txt": 0o600,
		"slugs": 0o700, "addons": 0o711, "repos": 0o700, "slugdirs": 0o700, "runc": 0o700}
	for name, mode := range want {
		fi, err := os.Stat(filepath.Join(data, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %o, want %o", name, fi.Mode().Perm(), mode)
		}
	}
	must(openData(data)) // again, at the next start: nothing changes
}
