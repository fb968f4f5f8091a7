package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// TestBoot_R10 deploys a web process that never binds $PORT with a 2-second per-app boot
// timeout: the dyno is killed with R10, shows as crashed, and the router answers H10.
func TestBoot_R10(t *testing.T) {
	t.Parallel()
	env := beratest.New(t)
	env.Bera(t, "", nil, "apps:create", "sleepy")
	if out, errOut, code := env.Bera(t, "", nil, "ps:boot-timeout", "2", "-a", "sleepy"); code != 0 || !strings.Contains(out, "2 seconds") {
		t.Fatalf("ps:boot-timeout: %d %s %s", code, out, errOut)
	}
	if _, errOut, code := env.Bera(t, "", nil, "ps:boot-timeout", "999", "-a", "sleepy"); code == 0 || !strings.Contains(errOut, "between 1 and 180") {
		t.Errorf("boot timeout 999 accepted: %s", errOut)
	}
	dir := env.SampleApp(t, "procfile-hello", "sleepy")
	os.WriteFile(filepath.Join(dir, "Procfile"), []byte("web: sleep 100000\n"), 0o644)
	env.Commit(t, dir, "never binds")
	if out, err := env.Push(t, dir, "main"); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	beratest.Eventually(t, time.Minute, "R10 and a crashed web dyno", func() bool {
		logs, _, _ := env.Bera(t, "", nil, "logs", "-a", "sleepy", "-s", "heroku")
		ps, _, _ := env.Bera(t, "", nil, "ps", "-a", "sleepy")
		return strings.Contains(logs, "heroku[web.1]: Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 2 seconds of launch") &&
			strings.Contains(ps, "crashed")
	})
	beratest.Eventually(t, time.Minute, "H10 from the router", func() bool {
		code, body := env.Get(t, "sleepy", "/")
		return code == 503 && strings.Contains(body, "Application error")
	})
	if logs, _, _ := env.Bera(t, "", nil, "logs", "-a", "sleepy", "-d", "router"); !strings.Contains(logs, "code=H10") {
		t.Errorf("router line lacks code=H10:\n%s", logs)
	}
}
