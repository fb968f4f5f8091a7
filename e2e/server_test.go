package e2e_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// TestServer_FirstStart checks what a new user sees on first start: an admin key file with
// mode 0600 that works, and a listener that speaks both HTTP and TLS (trusted via ca.pem).
func TestServer_FirstStart(t *testing.T) {
	t.Parallel()
	env := beratest.New(t)
	st, err := os.Stat(filepath.Join(env.DataDir, "admin.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("admin.key: %v mode %v, want 0600", err, st.Mode().Perm())
	}
	if !strings.Contains(env.Stderr.String(), env.AdminKey) {
		t.Error("the admin key was not printed at first start")
	}
	account := func(c *http.Client, base string) string {
		req, _ := http.NewRequest("GET", base+"/account", nil)
		req.Header.Set("Authorization", "Bearer "+env.AdminKey)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("GET %s/account: %v", base, err)
		}
		defer resp.Body.Close()
		var a struct{ Email string }
		json.NewDecoder(resp.Body).Decode(&a)
		return a.Email
	}
	if got := account(http.DefaultClient, env.APIURL); got != "admin@localhost" {
		t.Fatalf("plain HTTP /account email = %q", got)
	}
	caPEM, err := os.ReadFile(filepath.Join(env.DataDir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	tlsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	httpsURL := strings.Replace(env.APIURL, "http://", "https://", 1)
	if got := account(tlsClient, httpsURL); got != "admin@localhost" {
		t.Fatalf("HTTPS /account email = %q", got)
	}
	// A second start on the same data dir keeps the admin and does not print a new key.
	env.Stop(t)
	again := beratest.NewWith(t, beratest.Options{DataDir: env.DataDir, DatabaseURL: env.DatabaseURL})
	if again.AdminKey != env.AdminKey || strings.Contains(again.Stderr.String(), "Created admin") {
		t.Fatal("restart created a new admin key")
	}
}

// TestServer_AdminUsersCreate adds a user with the admin command and logs in as them.
func TestServer_AdminUsersCreate(t *testing.T) {
	t.Parallel()
	env := beratest.New(t)
	key := env.CreateUser(t, "dev@example.com", "a long password")
	req, _ := http.NewRequest("GET", env.APIURL+"/account", nil)
	req.SetBasicAuth("", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "dev@example.com") {
		t.Fatalf("new user's key: %d %s", resp.StatusCode, body)
	}
	// Password login through the API.
	req, _ = http.NewRequest("POST", env.APIURL+"/oauth/authorizations", strings.NewReader(`{"description":"test"}`))
	req.SetBasicAuth("dev@example.com", "a long password")
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("password login: %v %v", err, resp.Status)
	}
	resp.Body.Close()
	// The same email twice is a one-line error and a non-zero exit.
	cmd := exec.Command(env.Bin, "admin", "users:create", "dev@example.com", "--data", env.DataDir, "--database-url", env.DatabaseURL)
	out, err := cmd.CombinedOutput()
	if err == nil || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
		t.Fatalf("duplicate user: err=%v out=%q", err, out)
	}
}
