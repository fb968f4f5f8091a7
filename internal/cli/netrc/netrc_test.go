package netrc_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/cli/netrc"
)

const sample = `# my credentials
machine github.com
  login octo
  password gh-token

machine api.example.com login me password p1 account acct
macdef init
cd /pub
machine fake login inside-macro

default login anonymous password guest
`

func TestParse_Lookup(t *testing.T) {
	f := netrc.Parse([]byte(sample))
	tests := []struct {
		machine, login, password string
		ok                       bool
	}{
		{"github.com", "octo", "gh-token", true},
		{"api.example.com", "me", "p1", true},
		{"fake", "", "", false}, // inside a macdef body
		{"missing", "", "", false},
	}
	for _, tt := range tests {
		login, pw, ok := f.Lookup(tt.machine)
		if login != tt.login || pw != tt.password || ok != tt.ok {
			t.Errorf("Lookup(%q)=%q,%q,%v, want %q,%q,%v", tt.machine, login, pw, ok, tt.login, tt.password, tt.ok)
		}
	}
}

func TestParse_RoundTrip(t *testing.T) {
	for _, in := range []string{sample, "", "# only a comment", "machine a login b password c", "machine a login b machine c password d"} {
		if got := string(netrc.Parse([]byte(in)).Bytes()); got != in {
			t.Errorf("Bytes(Parse(%q))=%q", in, got)
		}
	}
}

func TestFile_Set(t *testing.T) {
	t.Run("ReplaceKeepsOthers", func(t *testing.T) {
		f := netrc.Parse([]byte(sample))
		f.Set("github.com", "new", "tok")
		got := string(f.Bytes())
		if !strings.Contains(got, "machine github.com\n  login new\n  password tok\n") {
			t.Errorf("entry not rewritten:\n%s", got)
		}
		for _, keep := range []string{"# my credentials\n", "machine api.example.com login me password p1 account acct\nmacdef init\ncd /pub\n", "default login anonymous password guest\n"} {
			if !strings.Contains(got, keep) {
				t.Errorf("lost %q:\n%s", keep, got)
			}
		}
	})
	t.Run("AddBeforeDefault", func(t *testing.T) {
		f := netrc.Parse([]byte(sample))
		f.Set("127.0.0.1:3000", "a@b.c", "key")
		got := string(f.Bytes())
		if i, j := strings.Index(got, "machine 127.0.0.1:3000"), strings.Index(got, "default"); i < 0 || i > j {
			t.Errorf("new entry not before default:\n%s", got)
		}
		if _, pw, _ := netrc.Parse([]byte(got)).Lookup("127.0.0.1:3000"); pw != "key" {
			t.Errorf("password after reparse=%q, want key", pw)
		}
	})
	t.Run("AppendToFileWithoutNewline", func(t *testing.T) {
		f := netrc.Parse([]byte("machine a login b password c"))
		f.Set("d", "e", "f")
		want := "machine a login b password c\nmachine d\n  login e\n  password f\n"
		if got := string(f.Bytes()); got != want {
			t.Errorf("Bytes=%q, want %q", got, want)
		}
	})
}

func TestFile_Remove(t *testing.T) {
	f := netrc.Parse([]byte(sample))
	if !f.Remove("github.com") {
		t.Fatal("Remove(github.com)=false, want true")
	}
	if f.Remove("github.com") {
		t.Error("second Remove(github.com)=true, want false")
	}
	got := string(f.Bytes())
	if strings.Contains(got, "github.com") || !strings.Contains(got, "machine api.example.com") {
		t.Errorf("after Remove:\n%s", got)
	}
}

func TestFile_Save(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".netrc")
	if err := os.WriteFile(path, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := netrc.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Set("h", "l", "p")
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode=%v, want 0600", st.Mode().Perm())
	}
	g, err := netrc.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, pw, ok := g.Lookup("github.com"); !ok || pw != "gh-token" {
		t.Errorf("github.com lost after Save")
	}
	empty, err := netrc.Load(filepath.Join(t.TempDir(), "missing"))
	if err != nil || len(empty.Bytes()) != 0 {
		t.Errorf("Load(missing)=%q,%v, want empty", empty.Bytes(), err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(sample)
	f.Add("machine a login b password c")
	f.Add("macdef x\nmachine y\n\nmachine z password #q")
	f.Fuzz(func(t *testing.T, in string) {
		nf := netrc.Parse([]byte(in))
		if got := string(nf.Bytes()); got != in {
			t.Fatalf("round trip changed the text: %q -> %q", in, got)
		}
		nf.Set("bera.test:3000", "me@bera.test", "secret-key")
		_, pw, ok := netrc.Parse(nf.Bytes()).Lookup("bera.test:3000")
		if (!ok || pw != "secret-key") && wellFormed(in) {
			t.Fatalf("Set then Lookup=%q,%v in %q", pw, ok, nf.Bytes())
		}
	})
}

// wellFormed reports whether every keyword of in has its value. In other files a dangling
// keyword or a macdef body legitimately swallows what follows, for curl as for us.
func wellFormed(in string) bool {
	if strings.ContainsAny(in, "#") || strings.Contains(in, "macdef") {
		return false
	}
	words := strings.Fields(in)
	for i := 0; i < len(words); i++ {
		switch words[i] {
		case "machine", "login", "password", "account":
			if i+1 >= len(words) || isKeyword(words[i+1]) {
				return false
			}
			i++
		}
	}
	return true
}

func isKeyword(w string) bool {
	switch w {
	case "machine", "default", "login", "password", "account", "macdef":
		return true
	}
	return false
}
