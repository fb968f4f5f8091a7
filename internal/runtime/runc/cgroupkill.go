package runc

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/kingvon-ke/bera/internal/runtime"
)

// KillCgroup sends SIGKILL to every process in the dyno cgroup of container cid
// (/bera/<cid>, the spec's CgroupsPath), in each cgroup v1 hierarchy and in v2, and reports
// how many it signalled. It is the last resort for a container runc was killed while
// creating: runc's own state may not exist yet, so `runc delete --force` cannot find it, but
// its processes are already in the cgroup.
func KillCgroup(cid string) int {
	return killCgroup(runtime.CgroupRoot, "bera/"+cid)
}

func killCgroup(root, name string) int {
	dirs, _ := filepath.Glob(filepath.Join(root, "*", name))
	dirs = append(dirs, filepath.Join(root, name)) // v2, or a v1 root mounted flat
	seen := map[int]bool{}
	for _, dir := range dirs {
		f, err := os.Open(filepath.Join(dir, "cgroup.procs"))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			pid, err := strconv.Atoi(sc.Text())
			if err != nil || pid <= 1 || seen[pid] {
				continue
			}
			seen[pid] = true
			syscall.Kill(pid, syscall.SIGKILL) //nolint:errcheck // it may have exited
		}
		f.Close()
	}
	return len(seen)
}
