package build

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/kingvon-ke/bera/internal/runtime"
)

// raiseGroup puts every thread of process group pgid at the server's scheduling policy and
// niceness. It looks twice: a process forked while the first look ran may have inherited
// the low priority from a parent not yet raised.
func raiseGroup(pgid int) {
	prio, err := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	if err != nil {
		return
	}
	attr := unix.SchedAttr{Policy: unix.SCHED_NORMAL, Nice: int32(20 - prio)} // the raw syscall's 40..1
	for range 2 {
		pids, _ := runtime.GroupMembers("/proc", pgid)
		for _, pid := range pids {
			tasks, _ := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
			for _, t := range tasks {
				if tid, err := strconv.Atoi(t.Name()); err == nil {
					unix.SchedSetAttr(tid, &attr, 0) //nolint:errcheck // it may have exited
				}
			}
		}
	}
}
