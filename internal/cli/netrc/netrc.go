// Package netrc reads and edits ~/.netrc files (the format of curl, git and the Heroku CLI)
// while keeping the text of every entry it does not change, comments included.
package netrc

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// File is a parsed netrc file.
type File struct {
	head    string  // text before the first entry (comments, blank lines)
	entries []entry // machine entries, then at most one default entry, in file order
}

// entry is one "machine NAME …" or "default …" entry and its original text.
type entry struct {
	machine   string // "" for the default entry
	isDefault bool
	login     string
	password  string
	raw       string // the entry's text up to the next entry; regenerated when changed
}

// Parse reads netrc text. Tokens are separated by white space; "#" starts a comment to the
// end of the line; a macdef body runs to the next blank line. Parse never fails on odd
// content: unknown keywords are kept as they are.
func Parse(data []byte) *File {
	toks := tokenize(string(data))
	f := &File{head: string(data)}
	var starts []int
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !t.keyword {
			continue
		}
		switch t.text {
		case "machine", "default":
			if len(starts) == 0 {
				f.head = string(data[:t.pos])
			}
			starts = append(starts, t.pos)
			f.entries = append(f.entries, entry{isDefault: t.text == "default"})
		case "login", "password":
			if len(f.entries) > 0 && i+1 < len(toks) && !toks[i+1].keyword {
				e := &f.entries[len(f.entries)-1]
				if t.text == "login" {
					e.login = toks[i+1].text
				} else {
					e.password = toks[i+1].text
				}
			}
		}
		if t.text == "machine" && len(f.entries) > 0 && i+1 < len(toks) && !toks[i+1].keyword {
			f.entries[len(f.entries)-1].machine = toks[i+1].text
		}
	}
	for i := range f.entries {
		end := len(data)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		f.entries[i].raw = string(data[starts[i]:end])
	}
	return f
}

// token is one word of a netrc file and its byte offset.
type token struct {
	text    string
	pos     int
	keyword bool // in keyword position: not a value, not inside a macdef
}

// tokenize splits s into tokens, dropping comments and macdef bodies.
func tokenize(s string) []token {
	var toks []token
	expectValue := false
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#' && !expectValue:
			for i < len(s) && s[i] != '\n' {
				i++
			}
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n", rune(s[j])) {
				j++
			}
			t := token{text: s[i:j], pos: i, keyword: !expectValue}
			toks = append(toks, t)
			i = j
			if t.keyword && t.text == "macdef" {
				i = skipMacro(s, i)
				expectValue = false
				continue
			}
			expectValue = t.keyword && isKeyWithValue(t.text)
		}
	}
	return toks
}

func isKeyWithValue(k string) bool {
	return k == "machine" || k == "login" || k == "password" || k == "account"
}

// skipMacro returns the offset after a macdef's name and body (which ends at a blank line).
func skipMacro(s string, i int) int {
	if end := strings.Index(s[i:], "\n\n"); end >= 0 {
		return i + end + 2
	}
	return len(s)
}

// Lookup returns the login and password of machine, or ok=false when there is no entry.
// The default entry is not consulted.
func (f *File) Lookup(machine string) (login, password string, ok bool) {
	for _, e := range f.entries {
		if !e.isDefault && e.machine == machine {
			return e.login, e.password, true
		}
	}
	return "", "", false
}

// Set makes machine's entry hold login and password: it rewrites an existing entry in place
// or adds one (before the default entry, which must stay last).
func (f *File) Set(machine, login, password string) {
	raw := fmt.Sprintf("machine %s\n  login %s\n  password %s\n", machine, login, password)
	for i, e := range f.entries {
		if !e.isDefault && e.machine == machine {
			f.entries[i] = entry{machine: machine, login: login, password: password, raw: raw}
			return
		}
	}
	e := entry{machine: machine, login: login, password: password, raw: raw}
	at := len(f.entries)
	if at > 0 && f.entries[at-1].isDefault {
		at--
	}
	f.entries = append(f.entries[:at], append([]entry{e}, f.entries[at:]...)...)
}

// Remove deletes machine's entries and reports whether there were any.
func (f *File) Remove(machine string) bool {
	n := len(f.entries)
	out := f.entries[:0]
	for _, e := range f.entries {
		if e.isDefault || e.machine != machine {
			out = append(out, e)
		}
	}
	f.entries = out
	return len(out) != n
}

// Bytes returns the file's text.
func (f *File) Bytes() []byte {
	var b bytes.Buffer
	b.WriteString(f.head)
	for _, e := range f.entries {
		// Only text that ends mid-token (a last line without a newline) needs a separator.
		if n := b.Len(); n > 0 && !strings.ContainsRune(" \t\r\n", rune(b.Bytes()[n-1])) {
			b.WriteByte('\n')
		}
		b.WriteString(e.raw)
	}
	return b.Bytes()
}

// Load reads the netrc at path; a missing file is an empty File.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return &File{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read netrc: %w", err)
	}
	return Parse(data), nil
}

// Save writes f to path with mode 0600, atomically (a temporary file renamed over it).
func (f *File) Save(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".netrc-*")
	if err != nil {
		return fmt.Errorf("write netrc: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write netrc: %w", err)
	}
	if _, err := tmp.Write(f.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("write netrc: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write netrc: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write netrc: %w", err)
	}
	return nil
}
