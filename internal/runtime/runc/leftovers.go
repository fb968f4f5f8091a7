package runc

import (
	"os"
	"path/filepath"
	"strings"
)

// Leftovers lists what containers named with prefix left on the machine: network
// namespaces, ports on bridge, cgroups (v1 and v2), processes, and loop devices (with their
// mounts) of dyno disks. Tests call it after their
// last container is gone; anything listed means a Stop did not clean up.
func Leftovers(prefix, bridge string) []string {
	var left []string
	if names, err := os.ReadDir("/var/run/netns"); err == nil {
		for _, n := range names {
			if strings.HasPrefix(n.Name(), prefix) {
				left = append(left, "netns "+n.Name())
			}
		}
	}
	ports, _ := filepath.Glob("/sys/class/net/" + bridge + "/brif/*")
	for _, p := range ports {
		left = append(left, "veth "+filepath.Base(p))
	}
	cgroups, _ := filepath.Glob("/sys/fs/cgroup/*/bera/" + prefix + "*")
	left = append(left, cgroups...)
	v2, _ := filepath.Glob("/sys/fs/cgroup/bera/" + prefix + "*")
	left = append(left, v2...)
	left = append(left, loopLeftovers(prefix)...)
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range cmdlines {
		if b, err := os.ReadFile(f); err == nil && strings.Contains(string(b), "\x00"+prefix) {
			left = append(left, "process "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return left
}
