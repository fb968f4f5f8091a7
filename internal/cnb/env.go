package cnb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Env is an environment being built up from layers, in the order the
// Buildpack API applies them.
type Env struct {
	vars map[string]string
}

// NewEnv starts from a KEY=VALUE list.
func NewEnv(kvs []string) *Env {
	e := &Env{vars: map[string]string{}}
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		e.vars[k] = v
	}
	return e
}

// Get returns a variable's value.
func (e *Env) Get(k string) (string, bool) {
	v, ok := e.vars[k]
	return v, ok
}

// Set sets a variable.
func (e *Env) Set(k, v string) { e.vars[k] = v }

// List returns the environment as sorted KEY=VALUE pairs.
func (e *Env) List() []string {
	out := make([]string, 0, len(e.vars))
	for k, v := range e.vars {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// prependPath puts dir in front of the list variable k (":"-separated) if
// dir exists.
func (e *Env) prependPath(k, dir string) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return
	}
	e.modify(k, dir, ".prepend", ":")
}

// modify applies one modifier suffix to k.
func (e *Env) modify(k, v, suffix, delim string) {
	cur, set := e.vars[k]
	switch suffix {
	case ".default":
		if !set {
			e.vars[k] = v
		}
	case ".append":
		if cur == "" {
			e.vars[k] = v
		} else {
			e.vars[k] = cur + delim + v
		}
	case ".prepend":
		if cur == "" {
			e.vars[k] = v
		} else {
			e.vars[k] = v + delim + cur
		}
	default: // ".override" and no suffix (Buildpack API 0.5+)
		e.vars[k] = v
	}
}

// ApplyDir applies the env modifier files of an env directory (env/,
// env.build/, env.launch/ or env.launch/<process>/): <VAR> and
// <VAR>.override set, <VAR>.default sets if unset, <VAR>.append and
// <VAR>.prepend join with the content of <VAR>.delim (nothing if absent).
// A missing directory is not an error.
func (e *Env) ApplyDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, ent := range ents {
		if ent.IsDir() || strings.HasSuffix(ent.Name(), ".delim") {
			continue
		}
		if err := e.applyFile(dir, ent.Name()); err != nil {
			return err
		}
	}
	return nil
}

func (e *Env) applyFile(dir, name string) error {
	k, suffix := splitModifier(name)
	if k == "" || strings.Contains(k, "=") {
		return nil
	}
	v, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return fmt.Errorf("env file %s: %w", name, err)
	}
	delim, err := os.ReadFile(filepath.Join(dir, k+".delim"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("env file %s.delim: %w", k, err)
	}
	e.modify(k, string(v), suffix, string(delim))
	return nil
}

// splitModifier splits "PATH.prepend" into "PATH", ".prepend". Unknown
// suffixes are part of the name (the file overrides that name).
func splitModifier(name string) (string, string) {
	for _, s := range []string{".override", ".default", ".append", ".prepend"} {
		if k, ok := strings.CutSuffix(name, s); ok {
			return k, s
		}
	}
	return name, ""
}
