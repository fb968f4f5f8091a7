package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// deployRunApp creates app and deploys the procfile-hello sample to it.
func deployRunApp(t *testing.T, env *beratest.Env, app string) {
	t.Helper()
	beratest.Require(t, "git", "apt-get install git")
	beratest.Require(t, "python3", "apt-get install python3")
	env.MustBera(t, "apps:create", app)
	if out, err := env.Push(t, env.SampleApp(t, "procfile-hello", app), "main"); err != nil {
		t.Fatalf("git push: %v\n%s\nserver:\n%s", err, out, env.Stderr.String())
	}
}

// beraStdin runs the bera CLI against env with stdin (not a terminal).
func beraStdin(t *testing.T, env *beratest.Env, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), env.Bin, args...)
	cmd.Dir = env.Home
	cmd.Env = env.BeraEnv()
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return stdout.String(), stderr.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("bera %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), 0
}

// waitLogs polls `bera logs` until it holds every line of want, or fails after a minute.
func waitLogs(t *testing.T, env *beratest.Env, app string, want ...string) string {
	t.Helper()
	var logs string
	beratest.Eventually(t, time.Minute, "bera logs to hold every line", func() error {
		logs, _, _ = env.Bera(t, "", nil, "logs", "-a", app, "-n", "1500")
		for _, w := range want {
			if !strings.Contains(logs, w) {
				return fmt.Errorf("bera logs lacks one of %q:\n%s", want, logs)
			}
		}
		return nil
	})
	return logs
}

var runNameRE = regexp.MustCompile(`run\.\d{4,5}`)

// TestRun covers `bera run`: output and exit status, stdin, env, --detached output in the
// logs, one-off dynos in ps, and stopping one.
func TestRun(t *testing.T) {
	t.Parallel()
	env := beratest.New(t)
	deployRunApp(t, env, "runapp")

	out, errOut, code := env.Bera(t, "", nil, "run", "-a", "runapp", "--", "echo", "hello")
	if code != 0 || out != "hello\n" {
		t.Fatalf("bera run echo hello: exit %d, stdout %q, stderr %q\nserver:\n%s", code, out, errOut, env.Stderr.String())
	}
	if _, _, code := env.Bera(t, "", nil, "run", "-a", "runapp", "--", "sh", "-c", "exit 3"); code != 3 {
		t.Errorf("bera run sh -c 'exit 3': exit %d, want 3", code)
	}
	out, _, code = beraStdin(t, env, "piped line\nsecond\n", "run", "-a", "runapp", "--", "sh", "-c", "cat; echo oops >&2")
	if code != 0 || out != "piped line\nsecond\n" {
		t.Errorf("bera run cat with piped stdin: exit %d, stdout %q", code, out)
	}
	out, _, _ = env.Bera(t, "", nil, "run", "-a", "runapp", "-e", "FOO=bar", "--", "sh -c 'echo $FOO $DYNO $HOME'")
	if !regexp.MustCompile(`^bar run\.\d{4,5} \S+\n$`).MatchString(out) {
		t.Errorf("bera run -e FOO=bar: stdout %q, want \"bar run.N HOME\"", out)
	}

	out, errOut, code = env.Bera(t, "", nil, "run", "--detached", "-a", "runapp", "--", "echo", "detached-output")
	name := runNameRE.FindString(out)
	if code != 0 || name == "" {
		t.Fatalf("bera run --detached: exit %d, %s%s", code, out, errOut)
	}
	waitLogs(t, env, "runapp", "heroku["+name+"]: Starting process with command `echo detached-output` by user admin@localhost",
		"heroku["+name+"]: State changed from starting to up", "app["+name+"]: detached-output",
		"heroku["+name+"]: Process exited with status 0", "heroku["+name+"]: State changed from up to complete")

	out, _, _ = env.Bera(t, "", nil, "run:detached", "-a", "runapp", "--", "sleep", "300")
	name = runNameRE.FindString(out)
	if ps, _, _ := env.Bera(t, "", nil, "ps", "-a", "runapp"); !strings.Contains(ps, name) {
		t.Errorf("bera ps lacks the one-off dyno %s:\n%s", name, ps)
	}
	env.MustBera(t, "ps:restart", name, "-a", "runapp")
	waitLogs(t, env, "runapp", "heroku["+name+"]: Stopping all processes with SIGTERM", "heroku["+name+"]: Process exited with status 143")
	if ps, _, _ := env.Bera(t, "", nil, "ps", "-a", "runapp"); strings.Contains(ps, name) {
		t.Errorf("bera ps still lists the stopped dyno %s:\n%s", name, ps)
	}
}

// TestRun_HerokuCLI runs one-off dynos with the official Heroku CLI over the rendezvous
// protocol, trusting Bera's CA through NODE_EXTRA_CA_CERTS.
func TestRun_HerokuCLI(t *testing.T) {
	t.Parallel()
	bin := beratest.HerokuCLI(t)
	env := beratest.New(t)
	deployRunApp(t, env, "herokurun")
	home := t.TempDir()
	heroku := func(stdin string, args ...string) (string, string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = home
		cmd.Env = append(env.HerokuEnv(home), "NODE_EXTRA_CA_CERTS="+filepath.Join(env.DataDir, "ca.pem"))
		cmd.Stdin = strings.NewReader(stdin)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("heroku %v: %v", args, err)
		}
		return stdout.String(), stderr.String(), code
	}

	out, errOut, code := heroku("", "run", "-a", "herokurun", "--", "echo", "hi")
	if code != 0 || !strings.Contains(out, "hi") {
		t.Fatalf("heroku run echo hi: exit %d\nstdout: %q\nstderr: %s\nserver:\n%s", code, out, errOut, env.Stderr.String())
	}
	out, errOut, code = heroku("typed-input\n", "run", "--no-tty", "-a", "herokurun", "--", "cat")
	if code != 0 || !strings.Contains(out, "typed-input") {
		t.Errorf("heroku run --no-tty cat: exit %d\nstdout: %q\nstderr: %s", code, out, errOut)
	}
	if out, errOut, code := heroku("", "run", "-x", "-a", "herokurun", "--", "sh", "-c", "exit 4"); code != 4 {
		t.Errorf("heroku run -x sh -c 'exit 4': exit %d, want 4\nstdout: %q\nstderr: %s", code, out, errOut)
	}
	out, errOut, code = heroku("", "run:detached", "-a", "herokurun", "--", "echo", "from-heroku-detached")
	name := runNameRE.FindString(out + errOut)
	if code != 0 || name == "" {
		t.Fatalf("heroku run:detached: exit %d\n%s%s", code, out, errOut)
	}
	waitLogs(t, env, "herokurun", "app["+name+"]: from-heroku-detached", "heroku["+name+"]: State changed from up to complete")
}
