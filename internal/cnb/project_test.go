package cnb

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

const projectV02 = `[_]
schema-version = "0.2"
id = "io.example.app"
name = "App"
version = "1.0"

[io.buildpacks]
builder = "example/builder"
exclude = ["spec/", "*.log"]

[[io.buildpacks.pre.group]]
id = "example/pre"
version = "0.1"

[[io.buildpacks.group]]
id = "example/go"
version = "1.2.3"

[[io.buildpacks.group]]
uri = "https://github.com/example/procfile-buildpack.git"

[[io.buildpacks.group]]
uri = "urn:cnb:builder:example/node@2.0"

[[io.buildpacks.post.group]]
id = "example/post"

[[io.buildpacks.build.env]]
name = "GOFLAGS"
value = "-mod=vendor"

[[io.buildpacks.build.env]]
name = "GOFLAGS"
value = "-trimpath"

[[io.buildpacks.build.env]]
name = "EMPTY"
value = ""
`

const projectV01 = `[project]
id = "io.example.old"
version = "0.9"

[build]
include = ["cmd/", "go.mod"]

[[build.buildpacks]]
id = "example/go"
version = "1.0"

[[build.buildpacks]]
uri = "https://example.test/bp.tgz"

[[build.env]]
name = "A"
value = "1"
`

func TestParseProjectTOML(t *testing.T) {
	t.Run("V02", func(t *testing.T) {
		p, err := ParseProjectTOML([]byte(projectV02))
		if err != nil {
			t.Fatal(err)
		}
		if p.SchemaVersion != "0.2" || p.ID != "io.example.app" || p.Builder != "example/builder" || !slices.Equal(p.Exclude, []string{"spec/", "*.log"}) {
			t.Errorf("project = %+v", p)
		}
		want := []GroupEntry{{ID: "example/pre", Version: "0.1"}, {ID: "example/go", Version: "1.2.3"}, {ID: "example/node", Version: "2.0"}, {ID: "example/post"}}
		if got := p.Group(); !slices.Equal(got, want) {
			t.Errorf("group = %+v, want %+v", got, want)
		}
		if got := p.URIs(); !slices.Equal(got, []string{"https://github.com/example/procfile-buildpack.git"}) {
			t.Errorf("uris = %v", got)
		}
		if got := p.BuildEnv(); !maps.Equal(got, map[string]string{"GOFLAGS": "-trimpath", "EMPTY": ""}) {
			t.Errorf("build env = %v, want the later GOFLAGS", got)
		}
	})
	t.Run("V02BuildTable", func(t *testing.T) {
		p, err := ParseProjectTOML([]byte("[_]\nschema-version = \"0.2\"\n[io.buildpacks.build]\ninclude = [\"src/\"]\nbuilder = \"b\"\n[[io.buildpacks.build.buildpacks]]\nid = \"x/y\"\n"))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.Include, []string{"src/"}) || p.Builder != "b" || len(p.Group()) != 1 {
			t.Errorf("project = %+v", p)
		}
	})
	t.Run("V01", func(t *testing.T) {
		p, err := ParseProjectTOML([]byte(projectV01))
		if err != nil {
			t.Fatal(err)
		}
		if p.SchemaVersion != "0.1" || p.ID != "io.example.old" || !slices.Equal(p.Include, []string{"cmd/", "go.mod"}) {
			t.Errorf("project = %+v", p)
		}
		if got := p.Group(); !slices.Equal(got, []GroupEntry{{ID: "example/go", Version: "1.0"}}) {
			t.Errorf("group = %+v", got)
		}
		if got := p.URIs(); !slices.Equal(got, []string{"https://example.test/bp.tgz"}) {
			t.Errorf("uris = %v", got)
		}
		if p.BuildEnv()["A"] != "1" {
			t.Errorf("env = %v", p.BuildEnv())
		}
	})
	t.Run("V02WithoutSchemaVersion", func(t *testing.T) {
		p, err := ParseProjectTOML([]byte("[[io.buildpacks.group]]\nid = \"a\"\n"))
		if err != nil || p.SchemaVersion != "0.2" || len(p.Group()) != 1 {
			t.Errorf("project = %+v, %v", p, err)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		p, err := ParseProjectTOML(nil)
		if err != nil || len(p.Group()) != 0 || len(p.BuildEnv()) != 0 {
			t.Errorf("project = %+v, %v", p, err)
		}
	})
	for _, tc := range []struct{ name, in, want string }{
		{"BadTOML", "[_\n", "project.toml: toml:"},
		{"Schema", "[_]\nschema-version = \"9.9\"\n", `schema-version "9.9" not supported`},
		{"NoIDOrURI", "[_]\nschema-version = \"0.2\"\n[[io.buildpacks.group]]\nversion = \"1\"\n", "buildpack 1: id or uri is required"},
		{"ReservedID", "[_]\nschema-version = \"0.2\"\n[[io.buildpacks.group]]\nid = \"config\"\n", `buildpack id "config" is reserved`},
		{"BadVersion", "[[build.buildpacks]]\nid = \"a\"\nversion = \"../x\"\n", `invalid version "../x"`},
		{"IncludeAndExclude", "[_]\nschema-version = \"0.2\"\n[io.buildpacks]\ninclude = [\"a\"]\nexclude = [\"b\"]\n", "include and exclude are mutually exclusive"},
		{"EnvName", "[_]\nschema-version = \"0.2\"\n[[io.buildpacks.build.env]]\nname = \"A=B\"\nvalue = \"x\"\n", `invalid variable name "A=B"`},
		{"EnvType", "[_]\nschema-version = \"0.2\"\n[[io.buildpacks.build.env]]\nname = \"A\"\nvalue = 3\n", "project.toml: toml:"},
		{"Script", "[_]\nschema-version = \"0.2\"\n[[io.buildpacks.group]]\nid = \"me/inline\"\n[io.buildpacks.group.script]\napi = \"0.10\"\ninline = \"echo hi\"\n", "inline buildpacks ([script]) are not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseProjectTOML([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "project.toml: ") {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
