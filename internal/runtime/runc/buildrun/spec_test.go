package buildrun_test

import (
	"slices"
	"testing"

	"github.com/kingvon-ke/bera/internal/build"
	"github.com/kingvon-ke/bera/internal/runtime/runc/buildrun"
)

func TestSpec(t *testing.T) {
	s := buildrun.Spec(buildrun.Sandbox{
		Step: build.Step{Path: "/bp/bin/compile", Args: []string{"/src"}, Dir: "/src", Env: []string{"HOME=/w/home"},
			Mounts: []build.Mount{{Path: "/w/home", Writable: true}, {Path: "/w"}, {Path: "/src", Writable: true}}},
		UID: 40000, ContainerID: "bera-build-1", RootFS: "/r", EtcDir: "/e", CACerts: "/c", NetNS: "/ns",
		Memory: 1 << 30, PIDs: 100,
	})
	p := s.Process
	if p.User.UID != 40000 || p.User.GID != 40000 || !p.NoNewPrivileges || len(p.Capabilities.Bounding) != 0 ||
		!slices.Equal(p.Args, []string{"/bp/bin/compile", "/src"}) || p.Cwd != "/src" {
		t.Errorf("process = %+v", p)
	}
	if !s.Root.Readonly || *s.Linux.Resources.Memory.Limit != 1<<30 || *s.Linux.Resources.Pids.Limit != 100 ||
		s.Linux.CgroupsPath != "/bera/bera-build-1" {
		t.Errorf("root %+v, linux %+v", s.Root, s.Linux.Resources)
	}
	mounts := map[string][]string{}
	var order []string
	for _, m := range s.Mounts {
		mounts[m.Destination] = m.Options
		order = append(order, m.Destination)
	}
	tests := []struct {
		path, mode string
	}{
		{"/usr", "ro"}, {"/etc", "ro"}, {"/w", "ro"}, {"/w/home", "rw"}, {"/src", "rw"},
	}
	for _, tt := range tests {
		if !slices.Contains(mounts[tt.path], tt.mode) {
			t.Errorf("mount %s options %v, want %s", tt.path, mounts[tt.path], tt.mode)
		}
	}
	if slices.Index(order, "/tmp") > slices.Index(order, "/w") || slices.Index(order, "/w") > slices.Index(order, "/w/home") {
		t.Errorf("mount order %v: parents must come first", order)
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == "network" && ns.Path != "/ns" {
			t.Errorf("network namespace %q, want /ns", ns.Path)
		}
	}
}

// TestSpec_LayeredMount: a layered mount is an overlay of the lower layer below the upper,
// with the step's work directory, never a bind of either layer.
func TestSpec_LayeredMount(t *testing.T) {
	s := buildrun.Spec(buildrun.Sandbox{
		Step: build.Step{Path: "/bin/true", Mounts: []build.Mount{{Path: "/c", Writable: true},
			{Path: "/c/go-build", Writable: true, Lower: "/m/go/k", Upper: "/c.layers/go-build"}}},
		UID: 40000, ContainerID: "b", OverlayWork: map[string]string{"/c/go-build": "/c.layers/.go-build.work-1"},
	})
	var got []string
	for _, m := range s.Mounts {
		if m.Destination == "/c/go-build" {
			got = append([]string{m.Type, m.Source}, m.Options...)
		}
		if m.Source == "/m/go/k" || m.Source == "/c.layers/go-build" {
			t.Errorf("a layer is bound directly: %+v", m)
		}
	}
	want := []string{"overlay", "overlay", "lowerdir=/m/go/k", "upperdir=/c.layers/go-build", "workdir=/c.layers/.go-build.work-1", "nosuid", "nodev"}
	if !slices.Equal(got, want) {
		t.Errorf("layered mount = %v, want %v", got, want)
	}
}
