package cnb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// plan writes a build plan from bin/detect.
func plan(toml string) string {
	return "cat > \"$CNB_BUILD_PLAN_PATH\" <<'EOT'\n" + toml + "\nEOT"
}

func detect(t *testing.T, store string, order Order) (*DetectResult, error) {
	t.Helper()
	app := t.TempDir()
	return Detect(context.Background(), DetectConfig{
		AppDir: app, PlatformDir: t.TempDir(), Buildpacks: Store{Dir: store}, Order: order,
		Env: []string{"PATH=" + os.Getenv("PATH")},
	})
}

func TestDetectOrderOptionalAndFailures(t *testing.T) {
	store := t.TempDir()
	writeBuildpack(t, store, "pass", "exit 0")
	writeBuildpack(t, store, "fail", "exit 100")
	writeBuildpack(t, store, "broken", "exit 1")

	t.Run("FirstPassingGroupWins", func(t *testing.T) {
		res, err := detect(t, store, Order{group("fail"), group("pass", "?fail"), group("pass")})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(res.Group), []string{"pass"}; !slices.Equal(got, want) {
			t.Fatalf("group = %v, want %v", got, want)
		}
		if res.Group[0].API != "0.10" {
			t.Errorf("group entry api = %q, want 0.10", res.Group[0].API)
		}
	})
	t.Run("ErrNoGroupNamesErroringBuildpack", func(t *testing.T) {
		_, err := detect(t, store, Order{group("fail"), group("broken")})
		if !errors.Is(err, ErrNoGroup) {
			t.Fatalf("err = %v, want ErrNoGroup", err)
		}
		if !strings.Contains(err.Error(), "buildpack broken@1.0: bin/detect exited with status 1") {
			t.Errorf("err = %v, want it to name broken@1.0 and exit 1", err)
		}
		if strings.Contains(err.Error(), "fail@1.0") {
			t.Errorf("err = %v: a buildpack that exits 100 did not error", err)
		}
	})
	t.Run("OptionalErrorIsSkipped", func(t *testing.T) {
		res, err := detect(t, store, Order{group("?broken", "pass")})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(res.Group); !slices.Equal(got, []string{"pass"}) {
			t.Fatalf("group = %v", got)
		}
	})
	t.Run("UnknownBuildpack", func(t *testing.T) {
		_, err := detect(t, store, Order{group("missing")})
		if err == nil || !strings.Contains(err.Error(), "missing") {
			t.Fatalf("err = %v, want it to name the missing buildpack", err)
		}
	})
}

func TestDetectEnvAndCwd(t *testing.T) {
	store := t.TempDir()
	writeBuildpack(t, store, "env", `pwd > "$CNB_BUILD_PLAN_PATH.pwd"
[ -n "$CNB_PLATFORM_DIR" ] && [ -f "$CNB_BUILDPACK_DIR/buildpack.toml" ] || exit 1
[ "$USER_VAR" = "from-platform" ] || exit 2
[ -f marker ] || exit 3
echo '[[provides]]
name = "x"
[[requires]]
name = "x"
[requires.metadata]
cwd = "'"$(pwd)"'"' > "$CNB_BUILD_PLAN_PATH"`)
	app, platform := t.TempDir(), t.TempDir()
	mustWrite(t, filepath.Join(app, "marker"), "", 0o644)
	mustWrite(t, filepath.Join(platform, "env", "USER_VAR"), "from-platform", 0o644)
	res, err := Detect(context.Background(), DetectConfig{
		AppDir: app, PlatformDir: platform, Buildpacks: Store{Dir: store},
		Order: Order{group("env")}, Env: []string{"PATH=" + os.Getenv("PATH")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Plan.Entries[0].Requires[0].Metadata["cwd"]; got != app {
		t.Errorf("bin/detect cwd = %v, want app dir %s", got, app)
	}
}

func TestDetectClearEnv(t *testing.T) {
	store := t.TempDir()
	writeBuildpackFull(t, store, "clean", "clear-env = true\n", `[ -z "$USER_VAR" ] || exit 1`, "")
	platform := t.TempDir()
	mustWrite(t, filepath.Join(platform, "env", "USER_VAR"), "x", 0o644)
	_, err := Detect(context.Background(), DetectConfig{
		AppDir: t.TempDir(), PlatformDir: platform, Buildpacks: Store{Dir: store}, Order: Order{group("clean")},
	})
	if err != nil {
		t.Fatalf("clear-env buildpack saw user env: %v", err)
	}
}

func TestDetectPlanResolution(t *testing.T) {
	store := t.TempDir()
	// node provides node; or-alternative provides nothing.
	writeBuildpack(t, store, "node", plan(`[[provides]]
name = "node"
[[or]]`))
	// npm requires node and provides+requires node_modules.
	writeBuildpack(t, store, "npm", plan(`[[requires]]
name = "node"
[requires.metadata]
version = "20"
[[provides]]
name = "node_modules"
[[requires]]
name = "node_modules"`))
	// yarn requires node; alternative: provides node itself and requires it.
	writeBuildpack(t, store, "yarn", plan(`[[requires]]
name = "node"
[[or]]
[[or.provides]]
name = "node"
[[or.requires]]
name = "node"`))
	writeBuildpack(t, store, "lonely", plan(`[[provides]]
name = "nobody-wants-this"`))
	writeBuildpack(t, store, "needy", plan(`[[requires]]
name = "nobody-has-this"`))

	cases := []struct {
		name      string
		order     Order
		wantGroup []string
		wantPlan  string // entries as name:providers
		wantErr   bool
	}{
		{"ProvideRequiredLater", Order{group("node", "npm")}, []string{"node", "npm"}, "node:node node_modules:npm", false},
		{"RequireBeforeProvideFails", Order{group("npm", "node")}, nil, "", true},
		{"OrAlternativeOfProvider", Order{group("node")}, []string{"node"}, "", false},
		{"OrAlternativeOfRequirer", Order{group("yarn")}, []string{"yarn"}, "node:yarn", false},
		{"UnrequiredProvideFails", Order{group("lonely")}, nil, "", true},
		{"OptionalUnmetDropped", Order{group("?lonely", "node", "npm", "?needy")}, []string{"node", "npm"}, "node:node node_modules:npm", false},
		{"UnmetRequiredFallsToNextGroup", Order{group("needy", "node"), group("yarn")}, []string{"yarn"}, "node:yarn", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := detect(t, store, tc.order)
			if tc.wantErr {
				if !errors.Is(err, ErrNoGroup) {
					t.Fatalf("err = %v, want ErrNoGroup", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(res.Group); !slices.Equal(got, tc.wantGroup) {
				t.Errorf("group = %v, want %v", got, tc.wantGroup)
			}
			if got := planString(res.Plan); got != tc.wantPlan {
				t.Errorf("plan = %q, want %q", got, tc.wantPlan)
			}
		})
	}
}

func planString(p Plan) string {
	var parts []string
	for _, e := range p.Entries {
		parts = append(parts, e.name()+":"+strings.Join(ids(e.Providers), ","))
	}
	return strings.Join(parts, " ")
}

func TestDetectRequireMetadataAndFiles(t *testing.T) {
	store := t.TempDir()
	writeBuildpack(t, store, "node", plan("[[provides]]\nname = \"node\""))
	writeBuildpack(t, store, "npm", plan("[[requires]]\nname = \"node\"\n[requires.metadata]\nversion = \"20\""))
	res, err := detect(t, store, Order{group("node", "npm")})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := res.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	gb, _ := os.ReadFile(filepath.Join(dir, "group.toml"))
	pb, _ := os.ReadFile(filepath.Join(dir, "plan.toml"))
	g, err := ParseGroup(gb)
	if err != nil || !slices.Equal(g, res.Group) {
		t.Errorf("group.toml round trip = %v, %v; want %v", g, err, res.Group)
	}
	p, err := ParsePlan(pb)
	if err != nil || planString(p) != "node:node" || p.Entries[0].Requires[0].Metadata["version"] != "20" {
		t.Errorf("plan.toml round trip = %+v, %v", p, err)
	}
	for _, want := range []string{"[[group]]", `id = "node"`, `api = "0.10"`} {
		if !strings.Contains(string(gb), want) {
			t.Errorf("group.toml lacks %q:\n%s", want, gb)
		}
	}
	for _, want := range []string{"[[entries]]", "[[entries.providers]]", `version = "20"`} {
		if !strings.Contains(string(pb), want) {
			t.Errorf("plan.toml lacks %q:\n%s", want, pb)
		}
	}
}

func TestDetectMetaBuildpack(t *testing.T) {
	store := t.TempDir()
	writeBuildpack(t, store, "a", "exit 100")
	writeBuildpack(t, store, "b", "exit 0")
	writeBuildpack(t, store, "tail", "exit 0")
	meta := filepath.Join(store, "meta", "1.0")
	mustWrite(t, filepath.Join(meta, "buildpack.toml"), `api = "0.10"
[buildpack]
id = "meta"
version = "1.0"
[[order]]
[[order.group]]
id = "a"
version = "1.0"
[[order]]
[[order.group]]
id = "b"
version = "1.0"
`, 0o644)
	res, err := detect(t, store, Order{group("meta", "tail")})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(res.Group); !slices.Equal(got, []string{"b", "tail"}) {
		t.Fatalf("group = %v, want [b tail]", got)
	}
}

func TestResolvePlanBoundsTrials(t *testing.T) {
	// 20 buildpacks with 2 alternatives each, none satisfiable: 2^20 trials.
	var cands []candidate
	for i := 0; i < 20; i++ {
		alt := PlanSections{Requires: []Require{{Name: "never"}}}
		cands = append(cands, candidate{bp: GroupEntry{ID: string(rune('a' + i))}, alts: []PlanSections{alt, alt}})
	}
	if _, _, err := resolvePlan(cands); !errors.Is(err, errTooManyTrials) {
		t.Fatalf("err = %v, want errTooManyTrials", err)
	}
}

func TestDetectMetaBuildpackCycle(t *testing.T) {
	store := t.TempDir()
	mustWrite(t, filepath.Join(store, "loop", "1.0", "buildpack.toml"), `api = "0.10"
[buildpack]
id = "loop"
version = "1.0"
[[order]]
[[order.group]]
id = "loop"
version = "1.0"
`, 0o644)
	_, err := detect(t, store, Order{group("loop")})
	if err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Fatalf("err = %v, want the nesting limit", err)
	}
}

func TestDetectOldAPIGetsPathArguments(t *testing.T) {
	store := t.TempDir()
	dir := filepath.Join(store, "old", "1.0")
	mustWrite(t, filepath.Join(dir, "buildpack.toml"), "api = \"0.7\"\n[buildpack]\nid = \"old\"\nversion = \"1.0\"\n", 0o644)
	mustWrite(t, filepath.Join(dir, "bin", "detect"), "#!/bin/sh\n[ -d \"$1\" ] || exit 1\nprintf '[[provides]]\\nname = \"x\"\\n[[requires]]\\nname = \"x\"\\n' > \"$2\"\n", 0o755)
	res, err := detect(t, store, Order{group("old")})
	if err != nil {
		t.Fatal(err)
	}
	if planString(res.Plan) != "x:old" {
		t.Errorf("plan = %q, want the plan written to $2", planString(res.Plan))
	}
}
