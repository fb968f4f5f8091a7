package builtin

import (
	"path"
	"slices"
	"strings"
	"testing"
)

func TestParseGoMod(t *testing.T) {
	m := parseGoMod([]byte("// +heroku install ./cmd/web ./cmd/worker\nmodule \"example.com/app/v3\" // the app\n\ngo 1.22.1\ntoolchain go1.23.4\nrequire x v1\n"))
	if m.Module != "example.com/app/v3" || m.Go != "1.22.1" || m.Toolchain != "go1.23.4" || !slices.Equal(m.Install, []string{"./cmd/web", "./cmd/worker"}) {
		t.Errorf("parseGoMod = %+v", m)
	}
	for module, want := range map[string]string{
		"example.com/app/v3": "app", "example.com/app": "app", "hello": "hello", "v2": "v2", "": "",
	} {
		if got := binaryName(module); got != want {
			t.Errorf("binaryName(%q) = %q, want %q", module, got, want)
		}
	}
}

func TestParseStaticJSON(t *testing.T) {
	for in, want := range map[string]string{
		`{}`: "", `{"root": "dist/"}`: "dist", `{"root": "./a/../b"}`: "b", `{"root": "."}`: ".",
		`{"root": "/etc"}`: "error", `{"root": "../up"}`: "error", `{"root": 3}`: "error", `[`: "error",
	} {
		s, err := parseStaticJSON([]byte(in))
		got := s.Root
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("parseStaticJSON(%s) = %q (%v), want %q", in, got, err, want)
		}
	}
}

func TestParsePackageJSON(t *testing.T) {
	p, err := parsePackageJSON([]byte(`{"scripts": {"start": "node x", "n": 1}, "engines": {"node": "20.x"}}`))
	if err != nil || p.Scripts["start"] != "node x" || len(p.Scripts) != 1 || p.Engine != "20.x" {
		t.Errorf("parsePackageJSON = %+v, %v", p, err)
	}
	if _, err := parsePackageJSON([]byte(`{"scripts": []}`)); err == nil {
		t.Error("scripts as an array was accepted")
	}
}

func FuzzParseGoMod(f *testing.F) {
	f.Add([]byte("module example.com/a/v2\n\ngo 1.22\ntoolchain go1.23.4\n// +heroku install ./cmd/...\n"))
	f.Add([]byte("module \"quoted\" // c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := parseGoMod(data)
		if strings.ContainsAny(m.Go+m.Toolchain, " \t\n") {
			t.Errorf("go/toolchain with spaces: %+v", m)
		}
		binaryName(m.Module)
	})
}

func FuzzParsePackageJSON(f *testing.F) {
	f.Add([]byte(`{"scripts": {"start": "node index.js", "build": "tsc"}, "engines": {"node": "20.x"}}`))
	f.Add([]byte(`{"engines": {"node": 20}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		parsePackageJSON(data)
	})
}

func FuzzParseStaticJSON(f *testing.F) {
	f.Add([]byte(`{"root": "public_html/"}`))
	f.Add([]byte(`{"root": "../x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parseStaticJSON(data)
		if err != nil || s.Root == "" {
			return
		}
		if path.IsAbs(s.Root) || s.Root == ".." || strings.HasPrefix(s.Root, "../") {
			t.Errorf("root %q leaves the app", s.Root)
		}
	})
}
