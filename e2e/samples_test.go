package e2e_test

import (
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// TestSamples_EveryBuildpack pushes the sample app of every built-in buildpack and gets its
// page through the router, as a user deploying each kind of app would.
func TestSamples_EveryBuildpack(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"git", "go", "node", "npm", "python3"} {
		beratest.Require(t, cmd, "scripts/test installs the toolchains")
	}
	env := beratest.New(t)
	samples := map[string]string{
		"go-hello": "hello from go", "node-hello": "hello from node", "python-hello": "hello from python",
		"static-hello": "hello from static", "procfile-hello": "hello from procfile",
	}
	for sample, body := range samples {
		t.Run(sample, func(t *testing.T) {
			t.Parallel()
			app := strings.TrimSuffix(sample, "-hello") + "-sample"
			if _, errOut, code := env.Bera(t, "", nil, "apps:create", app); code != 0 {
				t.Fatalf("apps:create %s: %s", app, errOut)
			}
			out, err := env.Push(t, env.SampleApp(t, sample, app), "main")
			if err != nil || !strings.Contains(out, "Released v2") {
				t.Fatalf("push %s: %v\n%s", sample, err, out)
			}
			env.WaitBody(t, app, "/", body)
		})
	}
}
