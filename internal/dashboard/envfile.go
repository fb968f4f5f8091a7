package dashboard

import (
	"fmt"
	"slices"
	"strings"
)

// maxEnvVars bounds how many vars one .env text may set.
const maxEnvVars = 1000

// parseEnvFile reads .env text: KEY=value lines, with blank lines and # comments ignored, an
// optional "export " prefix, values unquoted (trimmed; " #" starts a comment), 'single
// quoted' (literal) or "double quoted" (\n, \r, \t, \", \\ escapes; may span lines). A key
// given twice keeps its last value. The error names the line.
func parseEnvFile(text string) (map[string]string, error) {
	vars := map[string]string{}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		n := i + 1
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		key, val, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || !validEnvKey(key) {
			return nil, fmt.Errorf("line %d: expected KEY=value with a key of letters, digits and _", n)
		}
		val = strings.TrimLeft(val, " \t")
		switch {
		case strings.HasPrefix(val, "'"):
			end := strings.IndexByte(val[1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("line %d: the value of %s has no closing '", n, key)
			}
			if rest := strings.TrimSpace(val[end+2:]); rest != "" && !strings.HasPrefix(rest, "#") {
				return nil, fmt.Errorf("line %d: text after the quoted value of %s", n, key)
			}
			val = val[1 : end+1]
		case strings.HasPrefix(val, `"`):
			v, used, err := unquoteEnv(val[1:], lines[i+1:])
			if err != nil {
				return nil, fmt.Errorf("line %d: the value of %s %s", n, key, err)
			}
			val, i = v, i+used
		default:
			if c := strings.Index(val, " #"); c >= 0 {
				val = val[:c]
			}
			val = strings.TrimSpace(val)
		}
		vars[key] = val
		if len(vars) > maxEnvVars {
			return nil, fmt.Errorf("line %d: more than %d config vars", n, maxEnvVars)
		}
	}
	return vars, nil
}

// unquoteEnv reads a double-quoted value that starts with s (after the opening quote) and
// may continue on the following lines; it returns the value and how many more lines it used.
func unquoteEnv(s string, more []string) (string, int, error) {
	var b strings.Builder
	used := 0
	for {
		for j := 0; j < len(s); j++ {
			switch c := s[j]; c {
			case '"':
				if rest := strings.TrimSpace(s[j+1:]); rest != "" && !strings.HasPrefix(rest, "#") {
					return "", 0, fmt.Errorf("has text after its closing quote")
				}
				return b.String(), used, nil
			case '\\':
				if j+1 == len(s) {
					b.WriteByte('\\')
					continue
				}
				j++
				switch e := s[j]; e {
				case 'n':
					b.WriteByte('\n')
				case 'r':
					b.WriteByte('\r')
				case 't':
					b.WriteByte('\t')
				case '"', '\\', '$':
					b.WriteByte(e)
				default:
					b.WriteByte('\\')
					b.WriteByte(e)
				}
			default:
				b.WriteByte(c)
			}
		}
		if used == len(more) {
			return "", 0, fmt.Errorf("has no closing \"")
		}
		b.WriteByte('\n')
		s = more[used]
		used++
	}
}

// validEnvKey reports whether k is a config var key a .env file can hold.
func validEnvKey(k string) bool {
	if k == "" || k[0] >= '0' && k[0] <= '9' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// formatEnvFile writes vars as .env text, sorted by key, that parseEnvFile reads back:
// values with anything but safe characters are double-quoted and escaped.
func formatEnvFile(vars map[string]string) string {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(quoteEnv(vars[k]))
		b.WriteByte('\n')
	}
	return b.String()
}

func quoteEnv(v string) string {
	safe := strings.IndexFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+,=", r))
	}) < 0
	if safe {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "$", `\$`)
	return `"` + r.Replace(v) + `"`
}
