package e2e_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// TestDrains_Rsyslog adds a syslog drain pointing at a real rsyslogd and checks that the
// app's lines arrive there as RFC 5424 frames, and that a private address is refused by a
// server that does not allow it.
func TestDrains_Rsyslog(t *testing.T) {
	t.Parallel()
	addr, out := beratest.Rsyslog(t)
	env := beratest.NewWith(t, beratest.Options{Args: []string{"--allow-private-drains"}})
	env.Bera(t, "", nil, "apps:create", "drained")
	if stdout, errOut, code := env.Bera(t, "", nil, "drains:add", "syslog://"+addr, "-a", "drained"); code != 0 || !strings.Contains(stdout, "(d.") {
		t.Fatalf("drains:add: %d %s %s", code, stdout, errOut)
	}
	env.MustBera(t, "config:set", "SECRET_TOKEN=hunter2", "-a", "drained")
	beratest.Eventually(t, time.Minute, "the drain to deliver the config change", func() bool {
		b, _ := os.ReadFile(out)
		return strings.Contains(string(b), "Set SECRET_TOKEN config vars by user admin@localhost")
	})
	b, _ := os.ReadFile(out)
	if strings.Contains(string(b), "hunter2") {
		t.Fatal("a config var value reached the drain")
	}
	if !strings.Contains(string(b), " app api - - ") && !strings.Contains(string(b), "app api") {
		t.Errorf("frame lacks app/procid fields:\n%s", b)
	}
	list, _, _ := env.Bera(t, "", nil, "drains", "-a", "drained")
	if !strings.Contains(list, "syslog://"+addr) {
		t.Errorf("drains lists:\n%s", list)
	}
	env.MustBera(t, "drains:remove", "syslog://"+addr, "-a", "drained")

	strict := beratest.New(t)
	strict.Bera(t, "", nil, "apps:create", "strict")
	_, port, _ := strings.Cut(addr, ":")
	// The address, and spellings of it and names for it that a check of the name alone
	// let through; the drain itself checks the address it dials (internal/logs/drain).
	for _, host := range []string{"127.0.0.1", "localhost.", "127.1", "2130706433", "0x7f.1", "[::ffff:127.0.0.1]", "[::1]", "app.localhost"} {
		if _, errOut, code := strict.Bera(t, "", nil, "drains:add", "syslog://"+host+":"+port, "-a", "strict"); code == 0 || !strings.Contains(errOut, "public host") {
			t.Errorf("a loopback drain (%s) on a strict server: exit %d %s", host, code, errOut)
		}
	}
}
