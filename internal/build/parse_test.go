package build_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/build"
)

func TestParseProcfile(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]string
		wantErr  string
	}{
		{"Simple", "web: bin/server --port $PORT\n", map[string]string{"web": "bin/server --port $PORT"}, ""},
		{"CommentsAndBlank", "# hi\n\nweb: a\n  \nworker:b c\n", map[string]string{"web": "a", "worker": "b c"}, ""},
		{"CRLFAndBOM", "\ufeffweb: a\r\nrelease: ./migrate\r\n", map[string]string{"web": "a", "release": "./migrate"}, ""},
		{"ColonInCommand", "web: env A=b:c run", map[string]string{"web": "env A=b:c run"}, ""},
		{"TypeChars", "my_worker-2: x", map[string]string{"my_worker-2": "x"}, ""},
		{"Empty", "", map[string]string{}, ""},
		{"Duplicate", "web: a\nweb: b\n", nil, "line 2: process type \"web\" is defined twice"},
		{"BadType", "web app: a\n", nil, "line 1: expected"},
		{"NoColon", "web\n", nil, "line 1: expected"},
		{"NoCommand", "web:   \n", nil, "has no command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := build.ParseProcfile(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if bera.ErrorCode(err) != bera.EInvalid || !strings.Contains(bera.ErrorMessage(err), tt.wantErr) {
					t.Fatalf("err = %v, want invalid_params containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !maps.Equal(got, tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func FuzzParseProcfile(f *testing.F) {
	f.Add("web: a\nworker: b\n# c\n")
	f.Add("web: a\nweb: b\n")
	f.Add("\ufeffweb:\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := build.ParseProcfile(strings.NewReader(in))
		if err != nil {
			if bera.ErrorCode(err) != bera.EInvalid {
				t.Fatalf("error %v has code %q, want invalid_params", err, bera.ErrorCode(err))
			}
			return
		}
		for typ, cmd := range got {
			if typ == "" || strings.ContainsAny(typ, ": \t\n") || strings.TrimSpace(cmd) == "" || strings.ContainsAny(cmd, "\n") {
				t.Fatalf("bad entry %q: %q", typ, cmd)
			}
		}
	})
}

func TestParseAppJSON(t *testing.T) {
	in := `{
	  "name": "demo", "description": "A demo",
	  "env": {
	    "SECRET_TOKEN": {"description": "signing", "generator": "secret"},
	    "WEB_CONCURRENCY": "5",
	    "API_KEY": {"required": true},
	    "OPTIONAL": {"required": false}
	  },
	  "formation": {"web": {"quantity": 2, "size": "standard-1x"}, "worker": {"quantity": 0}},
	  "addons": ["heroku-postgresql", {"plan": "heroku-redis:mini", "as": "CACHE"}],
	  "buildpacks": [{"url": "heroku/go"}],
	  "stack": "heroku-24",
	  "scripts": {"postdeploy": "bin/seed"},
	  "environments": {"test": {"scripts": {"test": "go test ./..."}}}
	}`
	a, err := build.ParseAppJSON(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "demo" || a.Stack != "heroku-24" || a.Scripts["postdeploy"] != "bin/seed" {
		t.Errorf("top-level fields = %+v", a)
	}
	if a.Env["WEB_CONCURRENCY"].Value != "5" || a.Env["SECRET_TOKEN"].Generator != "secret" {
		t.Errorf("env = %+v", a.Env)
	}
	required := []string{}
	for _, k := range slices.Sorted(maps.Keys(a.Env)) {
		if a.Env[k].IsRequired() {
			required = append(required, k)
		}
	}
	if !slices.Equal(required, []string{"API_KEY"}) {
		t.Errorf("required = %v, want [API_KEY]", required)
	}
	if f := a.Formation["web"]; f.Quantity != 2 || f.Size != "standard-1x" {
		t.Errorf("formation = %+v", a.Formation)
	}
	if len(a.Addons) != 2 || a.Addons[0].Plan != "heroku-postgresql" || a.Addons[1].As != "CACHE" {
		t.Errorf("addons = %+v", a.Addons)
	}
	if len(a.Buildpacks) != 1 || a.Buildpacks[0].URL != "heroku/go" {
		t.Errorf("buildpacks = %+v", a.Buildpacks)
	}
}

func TestParseAppJSONInvalid(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"NotJSON", `{`, "not valid"},
		{"WrongType", `{"formation": []}`, "not valid"},
		{"BadGenerator", `{"env": {"A": {"generator": "uuid"}}}`, "generator must be"},
		{"BadEnvName", `{"env": {"A=B": "x"}}`, "Config var names"},
		{"BadProcessType", `{"formation": {"web app": {"quantity": 1}}}`, "not a valid process type"},
		{"NegativeQuantity", `{"formation": {"web": {"quantity": -1}}}`, "must not be negative"},
		{"AddonNoPlan", `{"addons": [{"as": "X"}]}`, "plan is required"},
		{"BuildpackNoURL", `{"buildpacks": [{}]}`, "url is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := build.ParseAppJSON(strings.NewReader(tt.in))
			if bera.ErrorCode(err) != bera.EInvalid || !strings.Contains(bera.ErrorMessage(err), tt.want) {
				t.Fatalf("err = %v, want invalid_params containing %q", err, tt.want)
			}
		})
	}
}

func FuzzParseAppJSON(f *testing.F) {
	f.Add(`{"name":"x","env":{"A":"b","C":{"generator":"secret"}},"formation":{"web":{"quantity":1}}}`)
	f.Add(`{"addons":["a",{"plan":"b"}],"buildpacks":[{"url":"heroku/go"}]}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, in string) {
		a, err := build.ParseAppJSON(strings.NewReader(in))
		if err != nil {
			if bera.ErrorCode(err) != bera.EInvalid {
				t.Fatalf("error %v has code %q, want invalid_params", err, bera.ErrorCode(err))
			}
			return
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("parsed app.json fails Validate: %v", err)
		}
	})
}

func TestParseRelease(t *testing.T) {
	tests := []struct {
		name, in   string
		want       map[string]string
		wantAddons []string
	}{
		{"Heroku", "---\naddons:\n  - heroku-postgresql\ndefault_process_types:\n  web: bin/server --port $PORT\n  worker: bin/worker\n",
			map[string]string{"web": "bin/server --port $PORT", "worker": "bin/worker"}, []string{"heroku-postgresql"}},
		{"Quoted", "default_process_types:\n  web: \"npm start\"\n  'w2': 'it''s'\n", map[string]string{"web": "npm start", "w2": "it's"}, nil},
		{"EmptyInline", "---\naddons: []\ndefault_process_types: {}\n", map[string]string{}, nil},
		{"InlineAddons", "addons: [a, \"b\"]\n", map[string]string{}, []string{"a", "b"}},
		{"OtherKeysIgnored", "config_vars:\n  PATH: /app/bin\ndefault_process_types:\n  web: x\n", map[string]string{"web": "x"}, nil},
		{"Nothing", "", map[string]string{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, addons, err := build.ParseRelease(tt.in)
			if err != nil || !maps.Equal(got, tt.want) || !slices.Equal(addons, tt.wantAddons) {
				t.Fatalf("got %v %v %v; want %v %v", got, addons, err, tt.want, tt.wantAddons)
			}
		})
	}
}

func FuzzParseRelease(f *testing.F) {
	f.Add("---\naddons:\n  - a\ndefault_process_types:\n  web: x\n")
	f.Add("addons: [a, 'b']\ndefault_process_types: {}\n")
	f.Fuzz(func(t *testing.T, in string) {
		types, _, err := build.ParseRelease(in)
		if err == nil && types == nil {
			t.Fatal("nil process types without an error")
		}
	})
}

// TestParseProcfileOverLimit: a Procfile over 1 MB is refused naming the limit, never cut
// off (a cut could drop or change the last process type).
func TestParseProcfileOverLimit(t *testing.T) {
	in := "web: a\n" + strings.Repeat("# padding\n", 1<<20/10) + "worker: b\n"
	got, err := build.ParseProcfile(strings.NewReader(in))
	if bera.ErrorCode(err) != bera.EInvalid || bera.ErrorMessage(err) != "Procfile is larger than the limit of 1 MB." {
		t.Fatalf("ParseProcfile(%d bytes) = %v, %v; want the limit named", len(in), got, err)
	}
	exact := "web: a\n" + strings.Repeat("#", 1<<20-len("web: a\n"))
	if got, err := build.ParseProcfile(strings.NewReader(exact)); err != nil || got["web"] != "a" {
		t.Fatalf("ParseProcfile(exactly 1 MB) = %v, %v; want it accepted", got, err)
	}
}

func TestParseReleaseOverLimit(t *testing.T) {
	in := "---\ndefault_process_types:\n  web: a\n" + strings.Repeat("# x\n", 1<<20/4)
	if _, _, err := build.ParseRelease(in); err == nil || !strings.Contains(err.Error(), "more than 1 MB") {
		t.Fatalf("ParseRelease(%d bytes) = %v, want it refused", len(in), err)
	}
}

func TestSlugIgnore(t *testing.T) {
	in := "# comment\n*.log\n/tmp/\ndocs/*.md\n!keep.log\n\n///\n"
	for _, tt := range []struct {
		rel   string
		isDir bool
		want  bool
	}{
		{"a.log", false, true}, {"sub/b.log", false, true}, {"tmp", true, true}, {"tmp", false, false},
		{"docs/x.md", false, true}, {"other/docs/x.md", false, false}, {"keep.txt", false, false},
	} {
		if got := build.SlugIgnoreMatch(in, tt.rel, tt.isDir); got != tt.want {
			t.Errorf("match(%q, dir=%v) = %v, want %v", tt.rel, tt.isDir, got, tt.want)
		}
	}
}

func FuzzSlugIgnore(f *testing.F) {
	f.Add("*.log\n/tmp/\ndocs/*.md\n", "docs/a.md")
	f.Add("[\n\\\n", "x")
	f.Fuzz(func(t *testing.T, in, rel string) {
		build.SlugIgnoreMatch(in, rel, false) // must not panic
		build.SlugIgnoreMatch(in, rel, true)
	})
}
