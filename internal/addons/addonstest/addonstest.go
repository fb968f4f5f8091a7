// Package addonstest is the conformance suite every add-on provider passes: Run provisions
// an instance, connects to it with the service's real client, writes and reads, rotates
// the credential, checks the info figures, backs up and restores when the provider can,
// kills the instance and finds the data again, reopens the provider on the same root
// (adoption), and destroys the instance.
package addonstest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/beratest"
)

// Client is the service's real client.
type Client interface {
	// Open connects to url and proves the credential (a ping or a query).
	Open(ctx context.Context, url string) (Conn, error)
}

// Conn is one open client connection.
type Conn interface {
	Set(ctx context.Context, key, value string) error
	Get(ctx context.Context, key string) (string, error)
	Close() error
}

// Options configure Run.
type Options struct {
	// Open opens the provider on root. Run calls it a second time on the same root, after
	// closing the first provider, to check that the instance is adopted.
	Open func(t *testing.T, root string) addons.Provider
	// Plan is the plan to provision ("" for the default) and Config its options.
	Plan   string
	Config map[string]string
	// Client talks to the instance.
	Client Client
	// TrustAuth says the server accepts any password (the shared plan's test server uses
	// trust authentication), so a refused old password cannot be checked.
	TrustAuth bool
	// Durable is how long after it is acknowledged a write may still be lost to a kill -9
	// of the instance's process (0: never). Redis with appendfsync everysec postpones the
	// AOF write for up to 2 s while a background fsync runs, replying first.
	Durable time.Duration
}

// Shutdowner is implemented by providers that can stop all their instances, keeping their
// data, as a machine's shutdown would.
type Shutdowner interface {
	Shutdown(ctx context.Context) error
}

// PIDer is implemented by providers that run instances as local processes.
type PIDer interface {
	PID(id string) (int, bool)
}

// Root returns a fresh directory for a provider whose instances run as unprivileged
// uids: the test's temporary directories are made searchable (0711) for them.
func Root(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	// t.TempDir is DIR/TestName123/001, both 0700.
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "addons")
}

// Missing skips the test naming what to install, or fails it when CI=true.
func Missing(t testing.TB, install string) {
	t.Helper()
	beratest.Missing(t, "missing dependency; install with: "+install)
}

// Run runs the conformance suite on the provider o.Open returns.
func Run(t *testing.T, o Options) {
	root := Root(t)
	p := o.Open(t, root)
	checkService(t, p.Service())
	checkProvisionErrors(t, p, o)

	id := "addon-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	id = regexp.MustCompile(`[^a-z0-9-]`).ReplaceAllString(id, "")
	if len(id) > 48 {
		id = id[:48]
	}
	before := time.Now().Add(-time.Second)
	inst, err := p.Provision(t.Context(), addons.Request{ID: id, Plan: o.Plan, Config: o.Config})
	if err != nil {
		p.Deprovision(context.WithoutCancel(t.Context()), id)
		p.Close()
		t.Fatalf("Provision: %v", err)
	}
	s := &suite{o: o, top: t, root: root, id: id, p: p}
	// Whichever provider serves the instance by then destroys it, even after a failure.
	t.Cleanup(func() {
		s.p.Deprovision(context.WithoutCancel(t.Context()), id)
		s.p.Close()
	})
	s.checkInstance(t, inst, before)
	conn := s.mustOpen(t, inst.URL)
	t.Run("WriteRead", func(t *testing.T) { s.writeRead(t, conn) })
	t.Run("Info", func(t *testing.T) { s.info(t, before) })
	t.Run("Backups", s.backups)
	t.Run("Crash", s.crash)
	conn.Close()
	conn = s.mustOpen(t, inst.URL)
	t.Run("Adopt", func(t *testing.T) { s.adopt(t, conn) })
	t.Run("Reboot", s.reboot)
	// A connection from after the reboot, which Rotate must close.
	conn = s.mustOpen(t, inst.URL)
	t.Run("Rotate", func(t *testing.T) { s.rotate(t, conn) })
	t.Run("Deprovision", s.deprovision)
}

type suite struct {
	o    Options
	top  *testing.T // the test Run was given
	root string
	id   string
	p    addons.Provider
}

// Words the Heroku CLI treats specially in plan names (heroku-addons-api.md A.0 item 4).
var specialWords = []string{"advanced", "performance", "private", "shield", "essential", "dev", "basic", "mini", "hobby"}

func checkService(t *testing.T, svc addons.Service) {
	t.Helper()
	defaults := 0
	for _, pl := range svc.Plans {
		part, ok := strings.CutPrefix(pl.Name, svc.Name+":")
		if !ok || part == "" {
			t.Errorf("plan %q is not named %s:PLAN", pl.Name, svc.Name)
		}
		for _, w := range specialWords {
			if strings.Contains(part, w) {
				t.Errorf("plan %q contains %q, which the Heroku CLI treats specially", pl.Name, w)
			}
		}
		if pl.HumanName == "" || pl.Connections <= 0 {
			t.Errorf("plan %q: HumanName=%q Connections=%d", pl.Name, pl.HumanName, pl.Connections)
		}
		if pl.Default {
			defaults++
		}
	}
	if defaults != 1 {
		t.Errorf("service %s has %d default plans, want 1", svc.Name, defaults)
	}
	if pl, err := svc.FindPlan(""); err != nil || !pl.Default {
		t.Errorf("FindPlan(\"\")=%v, %v, want the default plan", pl.Name, err)
	}
}

func checkProvisionErrors(t *testing.T, p addons.Provider, o Options) {
	t.Helper()
	for _, tt := range []struct {
		req  addons.Request
		want error
	}{
		{addons.Request{ID: "../escape", Plan: o.Plan}, addons.ErrInvalidID},
		{addons.Request{ID: "fine", Plan: "no-such-plan"}, addons.ErrUnknownPlan},
	} {
		if _, err := p.Provision(t.Context(), tt.req); !errors.Is(err, tt.want) {
			t.Errorf("Provision(%+v) err=%v, want %v", tt.req, err, tt.want)
		}
	}
	if _, err := p.Credentials(t.Context(), "no-such-addon"); !errors.Is(err, addons.ErrNotFound) {
		t.Errorf("Credentials of an unknown id err=%v, want ErrNotFound", err)
	}
}

func (s *suite) checkInstance(t *testing.T, inst addons.Instance, before time.Time) {
	t.Helper()
	svc := s.p.Service()
	plan, _ := svc.FindPlan(s.o.Plan)
	if inst.ID != s.id || inst.Service != svc.Name || inst.Plan != plan.Name || inst.Addr == "" || inst.URL == "" {
		t.Errorf("Provision returned %+v (URL hidden: %t)", redact(inst), inst.URL == "")
	}
	if inst.Created.Before(before) || inst.Created.After(time.Now()) {
		t.Errorf("Created=%v, want between %v and now", inst.Created, before)
	}
	if _, err := os.Stat(filepath.Join(s.root, s.id)); err != nil {
		t.Errorf("no directory for the instance: %v", err)
	}
	if _, err := s.p.Provision(t.Context(), addons.Request{ID: s.id, Plan: s.o.Plan, Config: s.o.Config}); !errors.Is(err, addons.ErrExists) {
		t.Errorf("second Provision err=%v, want ErrExists", err)
	}
	creds, err := s.p.Credentials(t.Context(), s.id)
	if err != nil || len(creds) == 0 || creds[0].Name != "default" || creds[0].URL != inst.URL {
		t.Errorf("Credentials=%d credentials (first %q), %v; want default first with the instance URL", len(creds), first(creds), err)
	}
}

func first(creds []addons.Credential) string {
	if len(creds) == 0 {
		return ""
	}
	return creds[0].Name
}

func redact(inst addons.Instance) addons.Instance {
	inst.URL = "(redacted)"
	return inst
}

func (s *suite) mustOpen(t *testing.T, url string) Conn {
	t.Helper()
	c, err := s.o.Client.Open(t.Context(), url)
	if err != nil {
		t.Fatalf("connect to the instance: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (s *suite) writeRead(t *testing.T, c Conn) {
	if err := c.Set(t.Context(), "greeting", "hello"); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(t.Context(), "greeting"); err != nil || got != "hello" {
		t.Fatalf("Get=%q, %v, want hello", got, err)
	}
}

func (s *suite) info(t *testing.T, before time.Time) {
	info, err := s.p.Info(t.Context(), s.id)
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := s.p.Service().FindPlan(s.o.Plan)
	if !regexp.MustCompile(`^\d+\.\d+`).MatchString(info.Version) {
		t.Errorf("Version=%q, want a version number", info.Version)
	}
	if info.Connections < 1 || info.ConnectionLimit != plan.Connections {
		t.Errorf("Connections=%d/%d, want at least 1 (the suite's) of %d", info.Connections, info.ConnectionLimit, plan.Connections)
	}
	if info.DataSize <= 0 {
		t.Errorf("DataSize=%d, want > 0", info.DataSize)
	}
	if info.Created.Before(before) || info.Created.After(time.Now()) {
		t.Errorf("Created=%v, want after %v", info.Created, before)
	}
	if len(info.Rows) == 0 {
		t.Error("no info rows")
	}
	for _, r := range info.Rows {
		if r.Name == "" || len(r.Values) == 0 {
			t.Errorf("info row %+v is empty", r)
		}
	}
}

func (s *suite) crash(t *testing.T) {
	pider, ok := s.p.(PIDer)
	if !ok {
		t.Skip("the provider runs no local process")
	}
	pid, ok := pider.PID(s.id)
	if !ok {
		t.Skip("the instance runs no process of its own (a shared plan)")
	}
	c := s.mustOpen(t, s.url(t))
	if err := c.Set(t.Context(), "committed", "before the crash"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	time.Sleep(s.o.Durable)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var got string
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var c Conn
		if c, err = s.o.Client.Open(t.Context(), s.url(t)); err == nil {
			got, err = c.Get(t.Context(), "committed")
			c.Close()
			break
		}
	}
	if err != nil || got != "before the crash" {
		t.Fatalf("after kill -9: Get=%q, %v, want the committed value", got, err)
	}
	if now, _ := pider.PID(s.id); now == pid {
		t.Errorf("pid still %d after kill -9", pid)
	}
}

func (s *suite) url(t *testing.T) string {
	t.Helper()
	inst, err := s.p.Instance(t.Context(), s.id)
	if err != nil {
		t.Fatal(err)
	}
	return inst.URL
}
