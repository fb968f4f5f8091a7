package build

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
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

// parseSlugIgnore reads dir/.slugignore; a missing file ignores nothing.
func parseSlugIgnore(dir string) (*slugIgnore, error) {
	f, err := os.Open(filepath.Join(dir, ".slugignore"))
	if os.IsNotExist(err) {
		return &slugIgnore{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	si := &slugIgnore{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
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
	return si, sc.Err()
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
// returns how many it removed.
func applySlugIgnore(dir string) (int, error) {
	si, err := parseSlugIgnore(dir)
	if err != nil || len(si.patterns) == 0 {
		return 0, err
	}
	var doomed []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if !si.match(filepath.ToSlash(rel), d.IsDir()) {
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
		if err := os.RemoveAll(p); err != nil {
			return 0, fmt.Errorf("apply .slugignore: %w", err)
		}
	}
	return len(doomed), nil
}
