package metrics_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/metrics"
)

func TestErrorCode(t *testing.T) {
	for msg, want := range map[string]string{
		"Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 60 seconds of launch":  "R10",
		"Error R15 (Memory quota vastly exceeded)":                                                     "R15",
		"Error R12 (Exit timeout) -> At least one process failed to exit within 30 seconds of SIGTERM": "R12",
		"Error R99 (Platform error) -> could not start the process":                                    "R99",
		"Process exited with status 137":                                                               "",
		"Stopping process with SIGKILL":                                                                "",
		"Error R1 (short)":                                                                             "",
		"Error R100 (long)":                                                                            "",
		"Error H12 (Request timeout)":                                                                  "",
		"State changed from starting to crashed":                                                       "",
		"Error R1x (x)":                                                                                "",
		"Error R10":                                                                                    "",
	} {
		if got := metrics.ErrorCode(msg); got != want {
			t.Errorf("ErrorCode(%q) = %q, want %q", msg, got, want)
		}
	}
}

var codeRE = regexp.MustCompile(`^R[0-9]{2}$`)

func FuzzErrorCode(f *testing.F) {
	for _, s := range []string{"Error R10 (Boot timeout) -> x", "Error R15 (Memory quota vastly exceeded)", "Error R", "Error R1", "", "Error R99 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		code := metrics.ErrorCode(msg)
		if code == "" {
			return
		}
		if !codeRE.MatchString(code) || !strings.HasPrefix(msg, "Error "+code+" ") {
			t.Fatalf("ErrorCode(%q) = %q", msg, code)
		}
	})
}

// TestCountErrors checks that the R codes of platform lines count in the rollups, once,
// and that every line still reaches the log.
func TestCountErrors(t *testing.T) {
	c := &clock{t: t0.Add(time.Second)}
	m := metrics.New(metrics.Config{Now: c.Now})
	var lines []string
	log := m.CountErrors(func(appID, source, dyno, msg string) { lines = append(lines, source+"["+dyno+"]: "+msg) })
	log("a1", "heroku", "web.1", "Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 60 seconds of launch")
	log("a1", "heroku", "web.1", "Stopping process with SIGKILL")
	log("a1", "heroku", "web.2", "Error R15 (Memory quota vastly exceeded)")
	log("a1", "app", "web.1", "Error R10 (Boot timeout) printed by the app itself")
	pts := m.Rollups("a1", t0, t0.Add(time.Hour))
	if len(pts) != 1 || len(pts[0].Errors) != 2 || pts[0].Errors["R10"] != 1 || pts[0].Errors["R15"] != 1 {
		t.Fatalf("rollups: %+v", pts)
	}
	if len(lines) != 4 {
		t.Fatalf("lines: %q", lines)
	}
}
