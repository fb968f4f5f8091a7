package build

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kingvon-ke/bera/internal/srctree"
)

// releaseInfo is what a buildpack's bin/release reports.
type releaseInfo struct {
	ProcessTypes map[string]string
	Addons       []string
}

// parseRelease reads the small YAML subset that bin/release prints:
//
//	---
//	addons:
//	  - heroku-postgresql
//	default_process_types:
//	  web: ./bin/server --port $PORT
//
// Top-level keys other than these two are ignored, and so are their nested lines. Inline
// empty values ("{}", "[]", "~", nothing) are accepted. Values may be single- or
// double-quoted. Output over 1 MB is refused, not cut off.
func parseRelease(r io.Reader) (releaseInfo, error) {
	info := releaseInfo{ProcessTypes: map[string]string{}}
	b, err := io.ReadAll(io.LimitReader(r, maxProcfile+1))
	if err != nil {
		return info, err
	}
	if len(b) > maxProcfile {
		return info, fmt.Errorf("bin/release printed more than %s", srctree.Size(maxProcfile))
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), maxProcfile+1)
	section := ""
	for n := 1; sc.Scan(); n++ {
		raw := strings.TrimRight(sc.Text(), " \t\r")
		line := strings.TrimSpace(raw)
		if line == "" || line == "---" || line == "..." || strings.HasPrefix(line, "#") {
			continue
		}
		if raw[0] != ' ' && raw[0] != '\t' && raw[0] != '-' {
			s, err := releaseSection(line, &info)
			if err != nil {
				return info, fmt.Errorf("bin/release line %d: %w", n, err)
			}
			section = s
			continue
		}
		if err := releaseItem(section, line, &info); err != nil {
			return info, fmt.Errorf("bin/release line %d: %w", n, err)
		}
	}
	return info, sc.Err()
}

// releaseSection handles a top-level "key:" line and returns the section it opens.
func releaseSection(line string, info *releaseInfo) (string, error) {
	key, val, ok := strings.Cut(line, ":")
	if !ok {
		return "", fmt.Errorf("expected \"key:\"")
	}
	val = strings.TrimSpace(val)
	switch val {
	case "", "{}", "[]", "~", "null":
		return strings.TrimSpace(key), nil
	}
	if strings.TrimSpace(key) == "addons" && strings.HasPrefix(val, "[") && strings.HasSuffix(val, "]") {
		for _, a := range strings.Split(val[1:len(val)-1], ",") {
			if a = unquote(strings.TrimSpace(a)); a != "" {
				info.Addons = append(info.Addons, a)
			}
		}
	}
	return "", nil
}

// releaseItem handles an indented line inside section.
func releaseItem(section, line string, info *releaseInfo) error {
	switch section {
	case "default_process_types":
		typ, cmd, ok := strings.Cut(line, ":")
		if !ok {
			return fmt.Errorf("expected \"type: command\"")
		}
		info.ProcessTypes[unquote(strings.TrimSpace(typ))] = unquote(strings.TrimSpace(cmd))
	case "addons":
		if a, ok := strings.CutPrefix(line, "-"); ok {
			info.Addons = append(info.Addons, unquote(strings.TrimSpace(a)))
		}
	}
	return nil
}

// unquote removes YAML single or double quotes around s.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
	}
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	return s
}
