package beratest_test

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// recorder is a testing.TB whose Fatalf records the message and ends the goroutine, as the
// real one does, so a helper's failure can be checked.
type recorder struct {
	testing.TB
	fatal string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// failure runs f with a recorder and returns what it failed with ("" if it did not).
func failure(t *testing.T, f func(tb testing.TB)) string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() { defer close(done); f(r) }()
	<-done
	return r.fatal
}

func TestEventually(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		n := 0
		beratest.Eventually(t, time.Second, "the third poll", func() bool { n++; return n == 3 })
		if waited := time.Since(start); waited != 200*time.Millisecond {
			t.Errorf("held at the third poll after %s, want 200ms", waited)
		}

		start = time.Now()
		msg := failure(t, func(tb testing.TB) {
			beratest.Eventually(tb, time.Second, "the disk", func() error { return errors.New("disk full") })
		})
		if msg != "timed out after 1s waiting for the disk: disk full" {
			t.Errorf("failed with %q", msg)
		}
		if waited := time.Since(start); waited < time.Second || waited > 1100*time.Millisecond {
			t.Errorf("gave up after %s, want 1s", waited)
		}
		msg = failure(t, func(tb testing.TB) {
			beratest.Eventually(tb, time.Second, "a miracle", func() bool { return false })
		})
		if msg != "timed out after 1s waiting for a miracle" {
			t.Errorf("failed with %q", msg)
		}
	})
}

func TestBeraExit(t *testing.T) {
	env := &beratest.Env{Bin: beratest.Binary(t), Home: t.TempDir(), APIURL: "http://127.0.0.1:1"}
	if out, _ := env.MustBera(t, "help"); !strings.Contains(out, "Usage: bera COMMAND") {
		t.Errorf("bera help printed %q", out)
	}
	_, errOut := env.BeraExit(t, 1, "", nil, "no-such-command")
	if !strings.Contains(errOut, `"no-such-command" is not a bera command`) {
		t.Errorf("stderr %q", errOut)
	}
	msg := failure(t, func(tb testing.TB) { env.MustBera(tb, "no-such-command") })
	if !strings.Contains(msg, "bera no-such-command: exit 1, want 0") || !strings.Contains(msg, `"no-such-command" is not a bera command`) {
		t.Errorf("MustBera failed with %q, want the exit code and stderr", msg)
	}
}

func TestHerokuEnv(t *testing.T) {
	t.Setenv("HEROKU_APP", "someone-elses")
	env := &beratest.Env{APIURL: "http://127.0.0.1:5000", AdminKey: "admin-key"}
	vars := env.HerokuEnv("/home/h")
	for _, want := range []string{"HOME=/home/h", "HEROKU_HOST=http://127.0.0.1:5000", "HEROKU_API_KEY=admin-key", "HEROKU_DISABLE_AUTOUPDATE=1"} {
		if !slices.Contains(vars, want) {
			t.Errorf("HerokuEnv lacks %s", want)
		}
	}
	if slices.Contains(vars, "HEROKU_APP=someone-elses") {
		t.Error("HerokuEnv passes the test's own HEROKU_APP on")
	}
}
