package runtimetest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// appPy is the test slug's program. "serve" listens on $PORT, prints "listening" and, for
// every connection, prints "request N" and answers "hello from $DYNO". "hog" allocates
// memory until it is killed.
const appPy = `import os, socket, sys
mode = sys.argv[1]
if mode == "serve":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(os.environ["PORT"])))
    s.listen(16)
    print("listening", flush=True)
    n = 0
    while True:
        c, _ = s.accept()
        n += 1
        print("request", n, flush=True)
        c.sendall(("hello from " + os.environ["DYNO"] + "\n").encode())
        c.close()
elif mode == "hog":
    chunks = []
    print("hogging", flush=True)
    while True:
        chunks.append(bytearray(b"x") * (16 << 20))
`

// Python is the interpreter the test slug runs with; /usr is visible in every backend.
const Python = "/usr/bin/python3"

// MustSlug writes the test slug into a fresh directory readable by any user and returns it.
func MustSlug(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte(appPy), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("slug-secret\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if _, err := os.Stat(Python); err != nil {
		Skip(tb, "apt-get install -y python3")
	}
	return dir
}

// Skip skips the test naming the install command, or fails it when CI=true.
func Skip(tb testing.TB, install string) {
	tb.Helper()
	beratest.Missing(tb, "missing dependency; install with: "+install)
}
