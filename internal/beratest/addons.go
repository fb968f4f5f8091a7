package beratest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// killAddons kills the add-on instances (PostgreSQL, Redis) a test server left running under
// dataDir/addons: they outlive the server by design, so a test's cleanup must end them. An
// instance is known by its working directory, which is its own directory there.
func killAddons(dataDir string) int {
	root := filepath.Join(dataDir, "addons") + string(filepath.Separator)
	cwds, _ := filepath.Glob("/proc/[0-9]*/cwd")
	n := 0
	for _, link := range cwds {
		dir, err := os.Readlink(link)
		if err != nil || !strings.HasPrefix(strings.TrimSuffix(dir, " (deleted)"), root) {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(link))); err == nil && syscall.Kill(pid, syscall.SIGKILL) == nil {
			n++
		}
	}
	return n
}
