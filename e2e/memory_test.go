package e2e_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// TestMemory_R14R15 runs process dynos past their size's memory: above the quota they get
// R14 in the logs, past twice the quota they are killed with R15 (on runc the cgroup limit
// OOM-kills at the quota instead; the runtime tests cover that).
func TestMemory_R14R15(t *testing.T) {
	t.Parallel()
	beratest.Require(t, "python3", "apt-get install python3")
	env := beratest.New(t)
	env.Bera(t, "", nil, "apps:create", "hungry")
	dir := env.SampleApp(t, "procfile-hello", "hungry")
	hog := func(mb int) string {
		return `python3 -c "import time; b = bytearray(` + strconv.Itoa(mb) + `*1024*1024); b[::4096] = b'x' * len(b[::4096]); time.sleep(100000)"`
	}
	os.WriteFile(filepath.Join(dir, "Procfile"), []byte("web: python3 server.py\nhog: "+hog(700)+"\nbighog: "+hog(1300)+"\n"), 0o644)
	env.Commit(t, dir, "memory hogs")
	if out, err := env.Push(t, dir, "main"); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	env.Bera(t, "", nil, "ps:scale", "hog=1", "bighog=1", "-a", "hungry")
	beratest.Eventually(t, time.Minute, "R14 for hog.1 and R15 for bighog.1", func() bool {
		logs, _, _ := env.Bera(t, "", nil, "logs", "-a", "hungry", "-n", "1500", "-s", "heroku")
		return strings.Contains(logs, "heroku[hog.1]: Error R14 (Memory quota exceeded)") &&
			strings.Contains(logs, "heroku[bighog.1]: Error R15 (Memory quota vastly exceeded)")
	})
	env.Bera(t, "", nil, "ps:scale", "hog=0", "bighog=0", "-a", "hungry")
}
