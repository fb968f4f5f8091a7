package build

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/kingvon-ke/bera/internal/srctree"
)

// slugIgnore is the parsed .slugignore: .gitignore-like patterns without negation.
type slugIgnore struct {
	patterns []ignorePattern
}

// ignorePattern is one .slugignore line.
type ignorePattern struct {
	glob     string
	anchored bool // contains a "/": matched against the whole relative path
	dirOnly  bool // ended with "/"
}

// maxSlugIgnore caps the size of a .slugignore.
const maxSlugIgnore = 1 << 20

// parseSlugIgnore reads .slugignore inside the tree r; a missing file ignores nothing. Errors
// from reading it are *srctree.Error (a link leaving the tree, too large, …).
func parseSlugIgnore(r *os.Root) (*slugIgnore, error) {
	b, err := srctree.ReadFileIn(r, ".slugignore", maxSlugIgnore)
	if errors.Is(err, fs.ErrNotExist) {
		return &slugIgnore{}, nil
	}
	if err != nil {
		return nil, err
	}
	return parseSlugIgnoreLines(b), nil
}

// parseSlugIgnoreLines parses the lines of a .slugignore. It accepts any input: lines it
// cannot use are skipped.
func parseSlugIgnoreLines(b []byte) *slugIgnore {
	si := &slugIgnore{}
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "!") {
			continue
		}
		p := ignorePattern{dirOnly: strings.HasSuffix(line, "/")}
		line = strings.Trim(line, "/")
		if line == "" {
			continue
		}
		p.anchored = strings.Contains(line, "/")
		p.glob = line
		si.patterns = append(si.patterns, p)
	}
	return si
}

// match reports whether the relative slash path rel is ignored.
func (si *slugIgnore) match(rel string, isDir bool) bool {
	for _, p := range si.patterns {
		if p.dirOnly && !isDir {
			continue
		}
		target := rel
		if !p.anchored {
			target = path.Base(rel)
		}
		if ok, _ := path.Match(p.glob, target); ok {
			return true
		}
	}
	return false
}

// applySlugIgnore removes the files and directories under dir that .slugignore names and
// returns how many it removed. It works inside dir only (an os.Root): it never reads or
// removes through a link.
func applySlugIgnore(dir string) (int, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	si, err := parseSlugIgnore(r)
	if err != nil || len(si.patterns) == 0 {
		return 0, err
	}
	var doomed []string
	err = fs.WalkDir(r.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		if !si.match(p, d.IsDir()) {
			return nil
		}
		doomed = append(doomed, p)
		if d.IsDir() {
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("apply .slugignore: %w", err)
	}
	for _, p := range doomed {
		if err := r.RemoveAll(p); err != nil {
			return 0, fmt.Errorf("apply .slugignore: %w", err)
		}
	}
	return len(doomed), nil
}
