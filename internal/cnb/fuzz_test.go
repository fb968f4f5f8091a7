package cnb

import (
	"strings"
	"testing"
)

// The TOML files below come from buildpacks and platforms: outside input.

func FuzzParseBuildpack(f *testing.F) {
	f.Add([]byte("api = \"0.10\"\n[buildpack]\nid = \"a/b\"\nversion = \"1\"\n[[order]]\n[[order.group]]\nid = \"c\"\n"))
	f.Add([]byte("api = \"0.9\"\n[buildpack]\nid = \"x\"\nversion = \"1\"\n[[stacks]]\nid = \"*\"\n[[targets]]\nos = \"linux\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		bp, err := ParseBuildpack(data)
		if err == nil && (bp.Info.ID == "" || !apiSupported(bp.API) || validID(bp.Info.ID) != nil) {
			t.Fatalf("accepted invalid buildpack %+v", bp)
		}
	})
}

func FuzzParseOrder(f *testing.F) {
	f.Add([]byte("[[order]]\n[[order.group]]\nid = \"a\"\nversion = \"1\"\noptional = true\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := ParseOrder(data)
		if err != nil {
			return
		}
		for _, g := range o {
			if len(g.Group) == 0 {
				t.Fatal("accepted empty group")
			}
		}
	})
}

func FuzzParseLaunchTOML(f *testing.F) {
	f.Add([]byte("[[processes]]\ntype = \"web\"\ncommand = [\"a\", \"b\"]\nargs = [\"c\"]\ndefault = true\nworking-dir = \"/w\"\n[[labels]]\nkey = \"k\"\nvalue = \"v\"\n"))
	f.Add([]byte("[[processes]]\ntype = \"web\"\ncommand = \"echo hi\"\ndirect = false\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseLaunchTOML(data)
		if err != nil {
			return
		}
		for _, p := range l.Processes {
			if !processTypeRE.MatchString(p.Type) || len(p.Command) == 0 {
				t.Fatalf("accepted invalid process %+v", p)
			}
		}
	})
}

func FuzzParseLayerMetadata(f *testing.F) {
	f.Add([]byte("[types]\nlaunch = true\nbuild = false\ncache = true\n[metadata]\nv = \"1\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ParseLayerMetadata(data)
	})
}

func FuzzParseDetectPlan(f *testing.F) {
	f.Add([]byte("[[provides]]\nname = \"a\"\n[[requires]]\nname = \"a\"\n[requires.metadata]\nx = 1\n[[or]]\n[[or.requires]]\nname = \"b\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseDetectPlan(data)
		if err != nil {
			return
		}
		// Resolving any accepted plan must not panic.
		_, _, _ = resolvePlan([]candidate{{bp: GroupEntry{ID: "x", Optional: true}, alts: p.alternatives()}})
	})
}

func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte("buildpack-default-process-type = \"web\"\n[[buildpacks]]\nid = \"a\"\nversion = \"1\"\n[[processes]]\ntype = \"web\"\ncommand = [\"x\"]\nbuildpack-id = \"a\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ParseMetadata(data)
	})
}

func FuzzParseExecDOutput(f *testing.F) {
	f.Add([]byte("A = \"1\"\nB = \"two\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		vars, err := ParseExecDOutput(data)
		if err != nil {
			return
		}
		if _, ok := vars[""]; ok {
			t.Fatal("accepted empty name")
		}
	})
}

func FuzzParseGroupAndPlan(f *testing.F) {
	f.Add([]byte("[[group]]\nid = \"a\"\nversion = \"1\"\napi = \"0.10\"\n"))
	f.Add([]byte("[[entries]]\n[[entries.providers]]\nid = \"a\"\n[[entries.requires]]\nname = \"n\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ParseGroup(data)
		if p, err := ParsePlan(data); err == nil {
			// Using any parsed plan must not panic.
			p.without("a", map[string]bool{"n": true})
			p.forBuildpack("a")
		}
	})
}

func FuzzProjectTOML(f *testing.F) {
	f.Add([]byte(projectV02))
	f.Add([]byte(projectV01))
	f.Add([]byte("[[io.buildpacks.group]]\nuri = \"urn:cnb:registry:a/b@1\"\n"))
	f.Add([]byte("[_]\nschema-version = \"0.2\"\n[io.buildpacks.build]\nexclude = [\"x\"]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseProjectTOML(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "project.toml: ") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if len(p.Include) > 0 && len(p.Exclude) > 0 {
			t.Fatal("accepted include and exclude together")
		}
		for _, e := range p.Group() {
			if e.ID == "" || validID(e.ID) != nil || !validVersion(e.Version) {
				t.Fatalf("group entry %+v is invalid", e)
			}
		}
		if len(p.Group())+len(p.URIs()) != len(p.Buildpacks) {
			t.Fatalf("group %v and uris %v do not cover %v", p.Group(), p.URIs(), p.Buildpacks)
		}
		for k := range p.BuildEnv() {
			if k == "" || strings.ContainsAny(k, "=/\x00") {
				t.Fatalf("accepted env name %q", k)
			}
		}
	})
}

// The lifecycle metadata label comes from an image: outside input that
// names directories to restore into.
func FuzzParseLifecycleMetadata(f *testing.F) {
	f.Add([]byte(`{"app":[{"sha":"sha256:1"}],"config":{"sha":"x"},"buildpacks":[{"key":"a/b","version":"1","layers":{"l":{"sha":"sha256:2","data":{"n":3,"f":1.5,"a":[1,{"b":2}]},"launch":true}},"store":{"metadata":{"k":"v"}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		md, err := ParseLifecycleMetadata(data)
		if err != nil {
			return
		}
		for _, bp := range md.Buildpacks {
			if bp.Key == "" || validID(bp.Key) != nil {
				t.Fatalf("accepted buildpack key %q", bp.Key)
			}
			for name := range bp.Layers {
				if !validLayerName(name) || strings.Contains(name, "/") {
					t.Fatalf("accepted layer name %q", name)
				}
			}
		}
	})
}
