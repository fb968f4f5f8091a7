package runc

import (
	"fmt"
	"os"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/kingvon-ke/bera/internal/runtime"
)

// Bundle is everything BuildSpec needs to know about one dyno's container.
type Bundle struct {
	Dyno runtime.DynoSpec
	// ContainerID is the runc id (prefix + dyno id); it names the cgroup too.
	ContainerID string
	// RootFS is the shared, read-only skeleton root directory.
	RootFS string
	// EtcDir is the dyno's own /etc, UpperDir and WorkDir the overlay dirs over the slug.
	EtcDir, UpperDir, WorkDir string
	// CACerts is the host directory of CA certificates, bound at /etc/ssl/certs.
	CACerts string
	// NetNS is the path of the dyno's network namespace.
	NetNS string
	// Port is $PORT.
	Port int
	// TTY gives the dyno a terminal (attached one-off dynos).
	TTY bool
	// Seccomp is the syscall filter; nil means none (tests only).
	Seccomp *specs.LinuxSeccomp
	// Image, for a dyno with ImageLayers, is what it mounts instead of /app.
	Image *ImageMounts
	// HostWithoutIPv6 says the host kernel has no IPv6 (ipv6.disable=1): there is nothing
	// to turn off, and the sysctls that would do it do not exist.
	HostWithoutIPv6 bool
}

// Hard rlimits of the dynos: below the host's hard limits, which root cannot raise here.
const maxOpenFiles = 10000

// BuildSpec returns the OCI runtime spec of a dyno. It is pure: the same Bundle always
// gives the same spec.
func BuildSpec(b Bundle) *specs.Spec {
	uid := uint32(b.Dyno.UIDOrDefault())
	return &specs.Spec{
		Version:  specs.Version,
		Hostname: b.Dyno.ID,
		Root:     &specs.Root{Path: b.RootFS, Readonly: true},
		Process: &specs.Process{
			Terminal:        b.TTY,
			User:            specs.User{UID: uid, GID: uid},
			Args:            runtime.ShellArgs(b.Dyno.Command),
			Env:             runtime.Environ(b.Dyno, home(b.Dyno), b.Port),
			Cwd:             home(b.Dyno),
			Capabilities:    &specs.LinuxCapabilities{Bounding: []string{}, Effective: []string{}, Inheritable: []string{}, Permitted: []string{}, Ambient: []string{}},
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: maxOpenFiles, Soft: maxOpenFiles}, {Type: "RLIMIT_CORE"}},
			NoNewPrivileges: true,
		},
		Mounts: mounts(b),
		Linux:  linux(b),
	}
}

func mounts(b Bundle) []specs.Mount {
	size := b.Dyno.SizeOrDefault()
	app := []specs.Mount{{Destination: "/app", Type: "overlay", Source: "overlay", Options: []string{
		"lowerdir=" + b.Dyno.SlugDir, "upperdir=" + b.UpperDir, "workdir=" + b.WorkDir, "nosuid", "nodev"}}}
	if b.Image != nil {
		app = imageMountList(b)
	}
	return append([]specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
		{Destination: "/usr", Type: "bind", Source: "/usr", Options: []string{"rbind", "ro", "nosuid", "nodev"}},
		{Destination: "/etc", Type: "bind", Source: b.EtcDir, Options: []string{"bind", "ro", "nosuid", "nodev", "noexec"}},
		{Destination: "/etc/ssl/certs", Type: "bind", Source: b.CACerts, Options: []string{"rbind", "ro", "nosuid", "nodev", "noexec"}},
	}, append(app,
		// tmpfs pages are charged to the dyno's memory cgroup, so the size limit is its memory.
		specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=1777", fmt.Sprintf("size=%dm", size.MemoryMB)}},
	)...)
}

func linux(b Bundle) *specs.Linux {
	size := b.Dyno.SizeOrDefault()
	mem := int64(size.MemoryMB) << 20
	shares := uint64(size.CPUShare)
	pids := int64(size.PIDs)
	return &specs.Linux{
		CgroupsPath: "/bera/" + b.ContainerID,
		Resources: &specs.LinuxResources{
			Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
			Memory:  &specs.LinuxMemory{Limit: &mem, Swap: &mem},
			CPU:     &specs.LinuxCPU{Shares: &shares},
			Pids:    &specs.LinuxPids{Limit: &pids},
		},
		Namespaces: []specs.LinuxNamespace{
			{Type: specs.PIDNamespace}, {Type: specs.IPCNamespace}, {Type: specs.UTSNamespace},
			{Type: specs.MountNamespace}, {Type: specs.NetworkNamespace, Path: b.NetNS},
		},
		MaskedPaths: []string{"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
			"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"},
		ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
		Seccomp:       b.Seccomp,
		Sysctl:        NoIPv6(b.HostWithoutIPv6),
	}
}

// NoIPv6 returns the sysctls that turn IPv6 off on eth0 of a container's own network
// namespace (and on any interface made later), so it has no fe80:: address to reach the
// host's [::] listeners through the bridge with. runc writes them before the container's
// process starts. The loopback keeps ::1: it leads nowhere but the container itself, and
// apps that listen on or resolve "localhost" to ::1 keep working. The bridge's nftables
// rules block IPv6 from the bridge as well. On a host without IPv6 it returns nil.
func NoIPv6(hostWithoutIPv6 bool) map[string]string {
	if hostWithoutIPv6 {
		return nil
	}
	return map[string]string{
		"net.ipv6.conf.eth0.disable_ipv6":    "1",
		"net.ipv6.conf.default.disable_ipv6": "1",
	}
}

// HostWithoutIPv6 reports whether this kernel runs without IPv6 (booted with
// ipv6.disable=1), for Bundle.HostWithoutIPv6.
func HostWithoutIPv6() bool {
	_, err := os.Stat("/proc/sys/net/ipv6")
	return err != nil
}

// EtcFiles returns the files of a dyno's own /etc: the dyno user, its hostname and address,
// and the name servers from the host's resolv.conf that are reachable from a network
// namespace (not loopback ones).
func EtcFiles(dyno runtime.DynoSpec, ip string, hostResolv string) map[string]string {
	uid := dyno.UIDOrDefault()
	return map[string]string{
		"passwd":        fmt.Sprintf("root:x:0:0:root:/root:/usr/sbin/nologin\ndyno:x:%d:%d:dyno:%s:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", uid, uid, home(dyno)),
		"group":         fmt.Sprintf("root:x:0:\ndyno:x:%d:\nnogroup:x:65534:\n", uid),
		"hostname":      dyno.ID + "\n",
		"hosts":         fmt.Sprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n%s\t%s\n", ip, dyno.ID),
		"resolv.conf":   nameservers(hostResolv),
		"nsswitch.conf": "passwd: files\ngroup: files\nhosts: files dns\n",
	}
}

func nameservers(resolv string) string {
	var b strings.Builder
	for _, line := range strings.Split(resolv, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "nameserver" && !strings.HasPrefix(f[1], "127.") && f[1] != "::1" {
			fmt.Fprintf(&b, "nameserver %s\n", f[1])
		}
	}
	b.WriteString("options timeout:2 attempts:2\n")
	return b.String()
}
