// Package buildrun runs buildpack steps (build.Step) in a runc sandbox like a dyno's: the
// host /usr read-only, its own small /etc, each Step.Mount bound at its own path, an
// unprivileged uid, no capabilities, no_new_privileges, seccomp, cgroup memory and pids
// limits, and a network namespace on the dynos' bridge with NAT out. Nothing is left behind
// after a step: container, namespace and cgroup go with it.
package buildrun

import (
	"fmt"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/kingvon-ke/bera/internal/build"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
)

// Sandbox is everything Spec needs to know about one step's container.
type Sandbox struct {
	Step build.Step
	// UID runs the step (as uid and gid); never 0.
	UID int
	// ContainerID names the container and its cgroup.
	ContainerID string
	// RootFS is the step's own skeleton root, EtcDir its /etc, CACerts the host's CA dir.
	RootFS, EtcDir, CACerts string
	// NetNS is the network namespace's path.
	NetNS string
	// Memory is the memory limit in bytes (RAM and swap, and the size of /tmp), PIDs the
	// task limit.
	Memory int64
	PIDs   int64
	// Seccomp is the syscall filter; nil means none (tests only).
	Seccomp *specs.LinuxSeccomp
	// HostWithoutIPv6: see runc.Bundle.HostWithoutIPv6.
	HostWithoutIPv6 bool
	// OverlayWork gives each layered Step mount (build.Mount.Lower set), by its Path, the
	// overlay work directory of this step (beside its Upper, on the same file system).
	OverlayWork map[string]string
}

// Spec returns the OCI runtime spec of a build step. It is pure.
func Spec(s Sandbox) *specs.Spec {
	uid := uint32(s.UID)
	none := []string{}
	return &specs.Spec{
		Version:  specs.Version,
		Hostname: "build",
		Root:     &specs.Root{Path: s.RootFS, Readonly: true},
		Process: &specs.Process{
			User:            specs.User{UID: uid, GID: uid},
			Args:            append([]string{s.Step.Path}, s.Step.Args...),
			Env:             s.Step.Env,
			Cwd:             s.Step.Dir,
			Capabilities:    &specs.LinuxCapabilities{Bounding: none, Effective: none, Inheritable: none, Permitted: none, Ambient: none},
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 10000, Soft: 10000}, {Type: "RLIMIT_CORE"}},
			NoNewPrivileges: true,
		},
		Mounts: mounts(s),
		Linux: &specs.Linux{
			CgroupsPath: "/bera/" + s.ContainerID,
			Resources: &specs.LinuxResources{
				Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
				Memory:  &specs.LinuxMemory{Limit: &s.Memory, Swap: &s.Memory},
				Pids:    &specs.LinuxPids{Limit: &s.PIDs},
			},
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.IPCNamespace}, {Type: specs.UTSNamespace},
				{Type: specs.MountNamespace}, {Type: specs.NetworkNamespace, Path: s.NetNS},
			},
			MaskedPaths: []string{"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
				"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"},
			ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
			Seccomp:       s.Seccomp,
			Sysctl:        runc.NoIPv6(s.HostWithoutIPv6),
		},
	}
}

// mounts are the fixed system mounts, then the step's own, parents before children (a
// step's directories may sit under /tmp, which is a tmpfs here).
func mounts(s Sandbox) []specs.Mount {
	m := []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		{Destination: "/usr", Type: "bind", Source: "/usr", Options: []string{"rbind", "ro", "nosuid", "nodev"}},
		{Destination: "/etc", Type: "bind", Source: s.EtcDir, Options: []string{"bind", "ro", "nosuid", "nodev", "noexec"}},
		{Destination: "/etc/ssl/certs", Type: "bind", Source: s.CACerts, Options: []string{"rbind", "ro", "nosuid", "nodev", "noexec"}},
		// tmpfs pages are charged to the step's memory cgroup.
		{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=1777", fmt.Sprintf("size=%dk", s.Memory>>10)}},
	}
	steps := slices.Clone(s.Step.Mounts)
	slices.SortStableFunc(steps, func(a, b build.Mount) int { return len(mountDest(a)) - len(mountDest(b)) })
	for _, sm := range steps {
		dest := sm.Path
		if sm.Target != "" {
			dest = sm.Target
		}
		if sm.Lower != "" {
			// Mounted by runc as root: the lower layer is read-only to everyone through
			// it, and the step never sees it (or Upper) as a directory of its own.
			m = append(m, specs.Mount{Destination: dest, Type: "overlay", Source: "overlay",
				Options: []string{"lowerdir=" + sm.Lower, "upperdir=" + sm.Upper, "workdir=" + s.OverlayWork[sm.Path], "nosuid", "nodev"}})
			continue
		}
		mode := "ro"
		if sm.Writable {
			mode = "rw"
		}
		m = append(m, specs.Mount{Destination: dest, Type: "bind", Source: sm.Path, Options: []string{"rbind", mode, "nosuid", "nodev"}})
	}
	return m
}

// EtcFiles returns the step's /etc: the build user (home at home), hosts, and the host's
// reachable name servers.
func EtcFiles(uid int, home, hostResolv string) map[string]string {
	return map[string]string{
		"passwd":        fmt.Sprintf("root:x:0:0:root:/root:/usr/sbin/nologin\nbuild:x:%d:%d:build:%s:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", uid, uid, home),
		"group":         fmt.Sprintf("root:x:0:\nbuild:x:%d:\nnogroup:x:65534:\n", uid),
		"hostname":      "build\n",
		"hosts":         "127.0.0.1\tlocalhost build\n::1\tlocalhost ip6-localhost\n",
		"resolv.conf":   runc.EtcFiles(runtime.DynoSpec{ID: "build", UID: uid}, "127.0.0.1", hostResolv)["resolv.conf"],
		"nsswitch.conf": "passwd: files\ngroup: files\nhosts: files dns\n",
	}
}

// mountDest is where the step sees m.
func mountDest(m build.Mount) string {
	if m.Target != "" {
		return m.Target
	}
	return m.Path
}
