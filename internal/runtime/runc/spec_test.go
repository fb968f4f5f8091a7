package runc_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func bundle(size bera.DynoSize) runc.Bundle {
	return runc.Bundle{
		Dyno: runtime.DynoSpec{ID: "d1", App: "demo", AppID: "app-1", Name: "web.1", Type: "web",
			Command: "bin/web --port $PORT", Env: map[string]string{"DATABASE_URL": "postgres://x"},
			SlugDir: "/data/slugs/s1", Size: size, UID: 100123, Port: 5000},
		ContainerID: "bera-d1", RootFS: "/data/runc/rootfs", EtcDir: "/data/runc/dynos/d1/etc",
		UpperDir: "/data/runc/dynos/d1/upper", WorkDir: "/data/runc/dynos/d1/work",
		CACerts: "/etc/ssl/certs", NetNS: "/var/run/netns/bera-d1", Port: 5000,
	}
}

func TestBuildSpec_Golden(t *testing.T) {
	for _, size := range bera.DynoSizes {
		t.Run(size.Name, func(t *testing.T) {
			got, err := json.MarshalIndent(runc.BuildSpec(bundle(size)), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "spec-"+size.Name+".golden")
			if *update {
				os.MkdirAll("testdata", 0o755)
				if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if string(want) != string(got)+"\n" {
				t.Errorf("spec differs from %s; run go test -update and review the diff", path)
			}
		})
	}
}

func TestBuildSpec(t *testing.T) {
	size, _ := bera.LookupDynoSize("standard-2X")
	s := runc.BuildSpec(bundle(size))
	p := s.Process
	caps := p.Capabilities
	checks := []struct {
		name string
		ok   bool
	}{
		{"root read-only", s.Root.Readonly},
		{"no new privileges", p.NoNewPrivileges},
		{"unprivileged user", p.User.UID == 100123 && p.User.GID == 100123},
		{"no capabilities", len(caps.Bounding)+len(caps.Effective)+len(caps.Permitted)+len(caps.Inheritable)+len(caps.Ambient) == 0},
		{"memory limit, no swap", *s.Linux.Resources.Memory.Limit == 1024<<20 && *s.Linux.Resources.Memory.Swap == 1024<<20},
		{"cpu shares", *s.Linux.Resources.CPU.Shares == 1024},
		{"pids limit", *s.Linux.Resources.Pids.Limit == 512},
		{"cgroup path", s.Linux.CgroupsPath == "/bera/bera-d1"},
		{"own netns", slices.ContainsFunc(s.Linux.Namespaces, func(n specs.LinuxNamespace) bool { return n.Type == "network" && n.Path == "/var/run/netns/bera-d1" })},
		{"pid namespace", slices.ContainsFunc(s.Linux.Namespaces, func(n specs.LinuxNamespace) bool { return n.Type == "pid" })},
		{"rlimits under host hard limits", p.Rlimits[0].Type == "RLIMIT_NOFILE" && p.Rlimits[0].Hard <= 20000},
		{"env has PORT, DYNO, HOME", slices.Contains(p.Env, "PORT=5000") && slices.Contains(p.Env, "DYNO=web.1") && slices.Contains(p.Env, "HOME=/app")},
		{"cwd /app", p.Cwd == "/app"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("spec: %s does not hold", c.name)
		}
	}
	for _, m := range s.Mounts {
		ro := slices.Contains(m.Options, "ro")
		switch m.Destination {
		case "/usr", "/etc", "/etc/ssl/certs", "/sys":
			if !ro {
				t.Errorf("mount %s is writable", m.Destination)
			}
		case "/app":
			if m.Type != "overlay" || !strings.Contains(strings.Join(m.Options, ","), "lowerdir=/data/slugs/s1,upperdir=") {
				t.Errorf("/app mount = %+v, want an overlay on the slug", m)
			}
		}
	}
}

func TestEtcFiles(t *testing.T) {
	files := runc.EtcFiles(runtime.DynoSpec{ID: "d1", UID: 100123}, "10.88.0.2", "nameserver 127.0.0.53\nnameserver 10.0.0.1\nsearch x\n")
	tests := []struct{ name, want string }{
		{"resolv.conf", "nameserver 10.0.0.1\noptions timeout:2 attempts:2\n"},
		{"hostname", "d1\n"},
		{"group", "root:x:0:\ndyno:x:100123:\nnogroup:x:65534:\n"},
	}
	for _, tt := range tests {
		if got := files[tt.name]; got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, got, tt.want)
		}
	}
	if !strings.Contains(files["passwd"], "dyno:x:100123:100123:dyno:/app:/bin/sh\n") || !strings.Contains(files["hosts"], "10.88.0.2\td1\n") {
		t.Errorf("passwd or hosts lack the dyno: %q %q", files["passwd"], files["hosts"])
	}
}

func TestBuildSpec_Image(t *testing.T) {
	b := bundle(bera.DynoSize{})
	b.Dyno.SlugDir, b.Dyno.ImageLayers = "", []string{"/i/l1", "/i/l2", "/i/l3"}
	byDest := func(s *specs.Spec) map[string]specs.Mount {
		m := map[string]specs.Mount{}
		for _, mnt := range s.Mounts {
			m[mnt.Destination] = mnt
		}
		return m
	}
	b.Image = &runc.ImageMounts{Layers: []string{"/i/l1/layers", "/i/l2/layers"}, Workspace: []string{"/i/l2/workspace", "/i/l3/workspace"}, Launcher: "/usr/bin/bera"}
	s := runc.BuildSpec(b)
	m := byDest(s)
	if _, ok := m["/app"]; ok {
		t.Error("an image dyno has /app")
	}
	if got := strings.Join(m["/layers"].Options, ","); m["/layers"].Type != "overlay" || got != "lowerdir=/i/l2/layers:/i/l1/layers,ro,nosuid,nodev" {
		t.Errorf("/layers = %s %s, want a read-only overlay, top layer first", m["/layers"].Type, got)
	}
	if got := strings.Join(m["/workspace"].Options, ","); got != "lowerdir=/i/l3/workspace:/i/l2/workspace,upperdir=/data/runc/dynos/d1/upper,workdir=/data/runc/dynos/d1/work,nosuid,nodev" {
		t.Errorf("/workspace options = %s", got)
	}
	if l := m["/cnb/lifecycle/launcher"]; l.Source != "/usr/bin/bera" || !slices.Contains(l.Options, "ro") {
		t.Errorf("launcher mount = %+v", l)
	}
	env := strings.Join(s.Process.Env, " ")
	if s.Process.Cwd != "/workspace" || !strings.Contains(env, "HOME=/workspace") || !strings.Contains(env, "CNB_LAYERS_DIR=/layers") || !strings.Contains(env, "CNB_APP_DIR=/workspace") {
		t.Errorf("cwd %s, env %s", s.Process.Cwd, env)
	}
	if m["/tmp"].Type != "tmpfs" {
		t.Error("no /tmp")
	}

	b.Image.Layers = b.Image.Layers[:1]
	if l := byDest(runc.BuildSpec(b))["/layers"]; l.Type != "bind" || l.Source != "/i/l1/layers" || !slices.Contains(l.Options, "ro") {
		t.Errorf("one layers dir: /layers = %+v, want a read-only bind mount", l)
	}
	b.Image.Layers = nil
	if l := byDest(runc.BuildSpec(b))["/layers"]; l.Type != "tmpfs" || !slices.Contains(l.Options, "ro") {
		t.Errorf("no layers dir: /layers = %+v, want an empty read-only tmpfs", l)
	}
	if passwd := runc.EtcFiles(b.Dyno, "10.0.0.2", "")["passwd"]; !strings.Contains(passwd, ":dyno:/workspace:") {
		t.Errorf("passwd = %q", passwd)
	}
}
