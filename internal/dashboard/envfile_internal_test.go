package dashboard

import (
	"maps"
	"strings"
	"testing"
)

func TestParseEnvFile(t *testing.T) {
	got, err := parseEnvFile("# comment\n\nexport A=1\nB = two words  # note\nC='it''s'\nD=\"line\\none\"\nE=\"multi\nline\"\nF=\nA=last\r\n")
	if err == nil {
		t.Fatalf("C='it''s' parsed: %q", got)
	}
	got, err = parseEnvFile("# comment\n\nexport A=1\nB = two words  # note\nC='a \"b\" #c'\nD=\"line\\none \\\"q\\\"\"\nE=\"multi\nline\"\nF=\nA=last\r\n")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A": "last", "B": "two words", "C": `a "b" #c`, "D": "line\none \"q\"", "E": "multi\nline", "F": ""}
	if !maps.Equal(got, want) {
		t.Fatalf("parseEnvFile = %q, want %q", got, want)
	}
	for text, msg := range map[string]string{
		"A=1\nnot a pair": "line 2: expected KEY=value",
		"1A=x":            "line 1: expected KEY=value",
		"A=\"open":        `line 1: the value of A has no closing "`,
		"A='open":         "line 1: the value of A has no closing '",
		`A="x" y`:         "line 1: the value of A has text after its closing quote",
	} {
		if _, err := parseEnvFile(text); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("parseEnvFile(%q) = %v, want %q", text, err, msg)
		}
	}
}

// FuzzEnvFile checks that any text parses or fails without panicking, and that what parses
// formats to text that parses back to the same vars.
func FuzzEnvFile(f *testing.F) {
	for _, s := range []string{"A=1\nB=\"x\\ny\"\n", "export K='v'", "A=\"multi\nline\"", "# c\n\nX=y # z", "A=\"\\", "A=$HOME"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		vars, err := parseEnvFile(text)
		if err != nil {
			return
		}
		again, err := parseEnvFile(formatEnvFile(vars))
		if err != nil {
			t.Fatalf("formatted vars do not parse: %v\n%s", err, formatEnvFile(vars))
		}
		if !maps.Equal(vars, again) {
			t.Fatalf("round trip: %q became %q", vars, again)
		}
	})
}
