package builtin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/buildpacks/libcnb/v2"
)

// out is where the buildpacks write their build output; the lifecycle streams it.
var out io.Writer = os.Stdout

// say prints a step line in the classic buildpacks' style.
func say(format string, a ...any) { fmt.Fprintf(out, "-----> "+format+"\n", a...) }

// warn prints a warning line.
func warn(format string, a ...any) { fmt.Fprintf(out, " !     "+format+"\n", a...) }

// isFile reports whether name under dir is a regular file (links are not followed, so a
// link out of the app is not taken for one of its files).
func isFile(dir, name string) bool {
	fi, err := os.Lstat(filepath.Join(dir, name))
	return err == nil && fi.Mode().IsRegular()
}

// isDir reports whether p is a directory.
func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// readAppFile reads the regular file name under dir, at most max bytes.
func readAppFile(dir, name string, max int64) ([]byte, error) {
	if !isFile(dir, name) {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, max)
	}
	return b, nil
}

// tool finds a toolchain program: the first of paths that is executable, else name on
// PATH.
func tool(name string, paths ...string) (string, error) {
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s is not installed on this Bera host (expected %s)", name, strings.Join(paths, " or "))
}

// command is a program run by a buildpack, its output indented under the step line.
type command struct {
	dir  string
	env  []string // added to the buildpack's environment
	path string
	args []string
}

// run runs c with its output streamed to out, indented.
func (c command) run() error {
	w := &indent{w: out}
	defer w.flush()
	return c.runTo(w)
}

// output runs c and returns its standard output; standard error goes to out, indented.
func (c command) output() (string, error) {
	var buf bytes.Buffer
	w := &indent{w: out}
	defer w.flush()
	cmd := c.cmd(&buf, w)
	err := cmd.Run()
	return strings.TrimSpace(buf.String()), c.wrap(err)
}

func (c command) runTo(w io.Writer) error {
	return c.wrap(c.cmd(w, w).Run())
}

func (c command) cmd(stdout, stderr io.Writer) *exec.Cmd {
	cmd := exec.Command(c.path, c.args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), c.env...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	return cmd
}

func (c command) wrap(err error) error {
	if err == nil {
		return nil
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Errorf("%s %s failed (exit code %d)", filepath.Base(c.path), strings.Join(c.args, " "), exit.ExitCode())
	}
	return fmt.Errorf("%s: %w", filepath.Base(c.path), err)
}

// indent prefixes each line written to w with seven spaces, as the classic buildpacks do.
type indent struct {
	mu   sync.Mutex // guards the following
	w    io.Writer
	line []byte
}

// Write buffers p and writes out its whole lines.
func (i *indent) Write(p []byte) (int, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.line = append(i.line, p...)
	for {
		n := bytes.IndexByte(i.line, '\n')
		if n < 0 {
			return len(p), nil
		}
		if _, err := fmt.Fprintf(i.w, "       %s\n", i.line[:n]); err != nil {
			return len(p), err
		}
		i.line = i.line[n+1:]
	}
}

// flush writes a last line without a newline.
func (i *indent) flush() {
	i.mu.Lock()
	defer i.mu.Unlock()
	if len(i.line) > 0 {
		fmt.Fprintf(i.w, "       %s\n", i.line)
		i.line = nil
	}
}

// freshLayer returns the layer name of layers, emptied, with types t.
func freshLayer(layers libcnb.Layers, name string, t libcnb.LayerTypes) (libcnb.Layer, error) {
	l, err := layers.Layer(name)
	if err != nil {
		return l, err
	}
	if l, err = l.Reset(); err != nil {
		return l, err
	}
	l.LayerTypes = t
	return l, nil
}

// keptLayer returns the layer name of layers as the lifecycle restored it (created empty
// when it was not), with types t, and whether it held anything.
func keptLayer(layers libcnb.Layers, name string, t libcnb.LayerTypes) (l libcnb.Layer, restored bool, err error) {
	if l, err = layers.Layer(name); err != nil {
		return l, false, err
	}
	ents, _ := os.ReadDir(l.Path)
	if err := os.MkdirAll(l.Path, 0o755); err != nil {
		return l, false, err
	}
	if l.Metadata == nil {
		l.Metadata = map[string]any{}
	}
	l.LayerTypes = t
	return l, len(ents) > 0, nil
}
