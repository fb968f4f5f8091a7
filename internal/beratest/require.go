package beratest

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver for test databases
)

// Require skips the test when a command is missing, or fails it under CI=true, where every
// real dependency must be installed (README's test command installs them).
func Require(t testing.TB, command, install string) string {
	t.Helper()
	p, err := exec.LookPath(command)
	if err == nil {
		return p
	}
	Missing(t, fmt.Sprintf("%s is not installed (%s)", command, install))
	return ""
}

// Missing fails under CI=true and skips otherwise.
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// database returns a fresh PostgreSQL database URL when BERA_TEST_DB=postgres, else "".
func database(t testing.TB) string {
	if os.Getenv("BERA_TEST_DB") != "postgres" {
		return ""
	}
	base := os.Getenv("BERA_TEST_DATABASE_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := "bera_e2e_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		Missing(t, "PostgreSQL at "+base+" is not usable: "+err.Error())
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// HerokuVersion is the official Heroku CLI release the tests drive.
const HerokuVersion = "11.10.0"

// HerokuCLI returns the official Heroku CLI: $BERA_TEST_HEROKU, where scripts/test
// installs it, /opt/bera-heroku, or heroku on PATH. It fails under CI=true and skips
// otherwise when there is none.
func HerokuCLI(t testing.TB) string {
	t.Helper()
	home, _ := os.UserHomeDir()
	for _, p := range []string{
		os.Getenv("BERA_TEST_HEROKU"),
		filepath.Join(home, ".cache", "bera-test", "heroku-"+HerokuVersion, "node_modules", ".bin", "heroku"),
		"/opt/bera-heroku/node_modules/.bin/heroku",
	} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return Require(t, "heroku", "run scripts/test, or npm install -g heroku@"+HerokuVersion)
}
