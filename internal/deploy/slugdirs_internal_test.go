package deploy

import (
	"os/exec"
	"strings"
	"testing"
)

// A CNB image's process types run as themselves through the launcher; any other command
// (a one-off's) runs in the image's launch env, quoted so /bin/sh gives it back unchanged.
func TestLauncherCommand(t *testing.T) {
	procs := map[string]string{"web": "hello-server", "worker": "bin/work --fast"}
	if got := LauncherCommand(procs, "web", "hello-server"); got != "CNB_PROCESS_TYPE=web /cnb/lifecycle/launcher" {
		t.Errorf("web process: %q", got)
	}
	// ps:type may have changed the command: then it is not the image's process any more.
	if got := LauncherCommand(procs, "web", "other"); !strings.HasPrefix(got, "/cnb/lifecycle/launcher -- /bin/sh -c ") {
		t.Errorf("changed web command: %q", got)
	}
	for _, cmd := range []string{"echo hi", `echo 'it''s' "$HOME" ; rm -rf /x`, "a'b", "$(id)"} {
		got := LauncherCommand(procs, "run", cmd)
		// The command string as /bin/sh would hand it to the launcher: the word after -c.
		out, err := exec.Command("/bin/sh", "-c", "set -- "+strings.TrimPrefix(got, "/cnb/lifecycle/launcher -- /bin/sh -c ")+`; printf %s "$1"`).Output()
		if err != nil || string(out) != cmd {
			t.Errorf("one-off %q: command %q gives back %q (%v)", cmd, got, out, err)
		}
	}
}
