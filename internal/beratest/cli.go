package beratest

import (
	"strings"
	"testing"
)

// BeraEnv is the environment Bera runs the CLI with, for tests that start it themselves (to
// stream its output or feed its input): HOME=e.Home, BERA_API_URL and the admin key.
func (e *Env) BeraEnv() []string {
	return append(cleanEnv(), "HOME="+e.Home, "BERA_API_URL="+e.APIURL, "BERA_API_KEY="+e.AdminKey, "NO_COLOR=1")
}

// BeraExit runs the CLI like Bera and fails the test, showing its stdout and stderr, unless
// it exits with want. It returns stdout and stderr.
func (e *Env) BeraExit(t testing.TB, want int, dir string, env []string, args ...string) (string, string) {
	t.Helper()
	stdout, stderr, code := e.Bera(t, dir, env, args...)
	if code != want {
		t.Fatalf("bera %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, stdout, stderr)
	}
	return stdout, stderr
}

// MustBera runs the CLI in the Home and fails the test, showing both outputs, unless it
// succeeds. It returns stdout and stderr.
func (e *Env) MustBera(t testing.TB, args ...string) (string, string) {
	t.Helper()
	return e.BeraExit(t, 0, "", nil, args...)
}

// HerokuEnv is the environment for the official Heroku CLI (HerokuCLI) run against the
// server with the admin key and home as its HOME: no update checks, telemetry nor colours.
func (e *Env) HerokuEnv(home string) []string {
	return append(cleanEnv(),
		"HOME="+home, "HEROKU_HOST="+e.APIURL, "HEROKU_API_KEY="+e.AdminKey,
		"HEROKU_PARTICLEBOARD_URL="+e.APIURL, "HEROKU_DISABLE_AUTOUPDATE=1",
		"DISABLE_TELEMETRY=true", "HEROKU_SKIP_NEW_VERSION_CHECK=true", "NO_COLOR=1", "FORCE_COLOR=0")
}
