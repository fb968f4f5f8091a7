package cli_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/cli"
)

// run runs the CLI in-process with a clean HOME and no API settings. These cases all end
// before any request is sent; cli_e2e_test.go drives a real server.
func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", "")
	for _, k := range []string{"BERA_API_URL", "BERA_API_KEY", "HEROKU_API_KEY", "BERA_APP", "BERA_CA_CERT"} {
		t.Setenv(k, "")
	}
	t.Chdir(t.TempDir())
	var out, errb bytes.Buffer
	code = cli.Run(t.Context(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func TestRun_Help(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{nil, []string{"Usage: bera COMMAND", "apps:create", "config:set", "server", "admin users:create"}},
		{[]string{"help"}, []string{"Topics:", "releases"}},
		{[]string{"help", "config"}, []string{"config:get", "config:unset"}},
		{[]string{"auth", "--help"}, []string{"auth:whoami", "login"}},
		{[]string{"apps:create", "--help"}, []string{"Usage: bera apps:create [NAME]", "--repo URL", "Example:\n  $ bera apps:create my-app"}},
		{[]string{"config:set", "-h"}, []string{"-a, --app APP", "KEY=VALUE"}},
		{[]string{"help", "ps:scale"}, []string{"web=2 worker+1"}},
	}
	for _, tt := range tests {
		out, errOut, code := run(t, tt.args...)
		if code != 0 || errOut != "" {
			t.Errorf("bera %q: code=%d stderr=%q", tt.args, code, errOut)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("bera %q output lacks %q:\n%s", tt.args, w, out)
			}
		}
	}
}

func TestRun_LocalErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `"frobnicate" is not a bera command. Run "bera help" for the list.`},
		{[]string{"config"}, "No app specified. Use -a APP or run inside a directory with a bera git remote."},
		{[]string{"apps:destroy", "-a", "demo"}, "run again with --confirm demo"},
		{[]string{"apps:destroy", "demo", "--confirm", "other"}, "run again with --confirm demo"},
		{[]string{"config:set", "NOVALUE", "-a", "demo"}, `"NOVALUE" is invalid. Must be in the format KEY=VALUE`},
		{[]string{"ps:scale", "web=lots", "-a", "demo"}, `"web=lots" is not a scale argument`},
		{[]string{"config:get", "-a", "demo"}, "usage: bera config:get KEY -a APP"},
		{[]string{"apps", "--bogus"}, "unknown flag --bogus"},
		{[]string{"apps"}, `not logged in to 127.0.0.1:3000`},
		{[]string{"apps:create", "--buildpack", "https://example.com/bp.tgz"}, "--buildpack is not available yet"},
		{[]string{"login", "--api-url", "ftp://x"}, "invalid API URL"},
		{[]string{"releases", "-n", "zero", "-a", "x"}, "-n wants a positive number"},
	}
	for _, tt := range tests {
		out, errOut, code := run(t, tt.args...)
		if code != cli.ExitLocal {
			t.Errorf("bera %q: code=%d, want %d", tt.args, code, cli.ExitLocal)
		}
		if out != "" {
			t.Errorf("bera %q: stdout=%q, want nothing", tt.args, out)
		}
		if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "bera: ") || !strings.Contains(errOut, tt.want) {
			t.Errorf("bera %q: stderr=%q, want one line with %q", tt.args, errOut, tt.want)
		}
	}
}

// bera login --api-key checks that the server is a Bera API before saving anything.
func TestRun_LoginNotBera(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		status                  int
		want                    string
	}{
		{"HTMLPage", "text/html", "<html><body>It works!</body></html>", 200, "GET /account answered something other than JSON"},
		{"NotFound", "text/plain", "404 page not found", 404, "GET /account answered HTTP 404"},
		{"OtherJSON", "application/json", `{"status":"ok"}`, 200, "GET /account answered without an account"},
		{"Unauthorized", "text/plain", "Unauthorized", 401, "GET /account answered HTTP 401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			out, errOut, code := run(t, "login", "--api-url", srv.URL, "--api-key", "bera_key")
			if code == cli.ExitOK || out != "" {
				t.Errorf("exit %d, stdout %q; want a failure", code, out)
			}
			want := "bera: " + srv.URL + " is not a Bera API: " + tt.want
			if strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, want) {
				t.Errorf("stderr=%q, want one line with %q", errOut, want)
			}
			home, _ := os.UserHomeDir()
			if _, err := os.Stat(filepath.Join(home, ".netrc")); err == nil {
				t.Errorf("a .netrc was written for a server that is not Bera")
			}
		})
	}
}
