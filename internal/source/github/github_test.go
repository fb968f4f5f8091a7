package github_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/source/github"
)

func TestVerifySignature(t *testing.T) {
	secret, body := []byte("It's a Secret to Everybody"), []byte("Hello, World!")
	// The example from GitHub's documentation on validating webhook deliveries.
	const want = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got := github.Sign(secret, body); got != want {
		t.Fatalf("Sign=%s, want %s", got, want)
	}
	for _, tc := range []struct {
		name   string
		secret []byte
		header string
		ok     bool
	}{
		{"OK", secret, want, true},
		{"WrongSecret", []byte("other"), want, false},
		{"EmptySecret", nil, github.Sign(nil, body), false},
		{"SHA1", secret, "sha1=" + want[7:], false},
		{"Truncated", secret, want[:40], false},
		{"NotHex", secret, "sha256=zz", false},
		{"Empty", secret, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := github.VerifySignature(tc.secret, body, tc.header); got != tc.ok {
				t.Errorf("VerifySignature=%v, want %v", got, tc.ok)
			}
		})
	}
}

func TestParseEvent(t *testing.T) {
	const sha = "0123456789abcdef0123456789abcdef01234567"
	for _, tc := range []struct {
		kind, body string
		want       github.Event
	}{
		{"ping", `{"zen":"hi","repository":{"full_name":"o/r"}}`, github.Event{Kind: "ping", Repo: "o/r"}},
		{"push", `{"ref":"refs/heads/main","after":"` + sha + `","repository":{"full_name":"o/r","clone_url":"https://github.com/o/r.git"}}`,
			github.Event{Kind: "push", Repo: "o/r", CloneURL: "https://github.com/o/r.git", Branches: []string{"main"}, Commit: sha}},
		{"push", `{"ref":"refs/heads/main","after":"0000000000000000000000000000000000000000","deleted":true,"repository":{"full_name":"o/r"}}`,
			github.Event{Kind: "push", Repo: "o/r", Branches: []string{"main"}, Commit: "0000000000000000000000000000000000000000", Deleted: true}},
		{"push", `{"ref":"refs/tags/v1","after":"` + sha + `","repository":{"full_name":"o/r"}}`,
			github.Event{Kind: "push", Repo: "o/r", Commit: sha}},
		{"status", `{"sha":"` + sha + `","state":"success","branches":[{"name":"main"}],"repository":{"full_name":"o/r"}}`,
			github.Event{Kind: "status", Repo: "o/r", Branches: []string{"main"}, Commit: sha, Success: true}},
		{"status", `{"sha":"` + sha + `","state":"pending","repository":{"full_name":"o/r"}}`,
			github.Event{Kind: "status", Repo: "o/r", Commit: sha}},
		{"check_suite", `{"check_suite":{"head_sha":"` + sha + `","head_branch":"main","status":"completed","conclusion":"success"},"repository":{"full_name":"o/r"}}`,
			github.Event{Kind: "check_suite", Repo: "o/r", Branches: []string{"main"}, Commit: sha, Success: true}},
		{"check_run", `{"check_run":{"head_sha":"` + sha + `","status":"completed","conclusion":"failure","check_suite":{"head_branch":"main"}},"repository":{"full_name":"o/r"}}`,
			github.Event{Kind: "check_run", Repo: "o/r", Branches: []string{"main"}, Commit: sha}},
		{"issues", `{"repository":{"full_name":"o/r"}}`, github.Event{Kind: "issues", Repo: "o/r"}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			got, err := github.ParseEvent(tc.kind, []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != tc.want.Kind || got.Repo != tc.want.Repo || got.CloneURL != tc.want.CloneURL ||
				!slices.Equal(got.Branches, tc.want.Branches) || got.Commit != tc.want.Commit ||
				got.Deleted != tc.want.Deleted || got.Success != tc.want.Success {
				t.Errorf("ParseEvent=%+v, want %+v", *got, tc.want)
			}
		})
	}
	for _, bad := range []struct{ kind, body string }{{"push", "{"}, {"check_run", `{"repository":{}}`}, {"push", `[]`}} {
		if _, err := github.ParseEvent(bad.kind, []byte(bad.body)); err == nil {
			t.Errorf("ParseEvent(%s, %s): no error", bad.kind, bad.body)
		}
	}
}

func FuzzParseEvent(f *testing.F) {
	f.Add("push", []byte(`{"ref":"refs/heads/main","after":"abc","repository":{"full_name":"o/r"}}`), "sha256=00")
	f.Add("check_run", []byte(`{"check_run":{"check_suite":{}}}`), "")
	f.Add("status", []byte(`{"branches":[{"name":"x"}],"state":"success"}`), "sha256=")
	f.Fuzz(func(t *testing.T, kind string, body []byte, header string) {
		secret := []byte("k")
		if github.VerifySignature(secret, body, header) && !strings.EqualFold(header, github.Sign(secret, body)) {
			t.Fatalf("VerifySignature accepted %q", header)
		}
		if !github.VerifySignature(secret, body, github.Sign(secret, body)) {
			t.Fatal("VerifySignature rejected its own signature")
		}
		ev, err := github.ParseEvent(kind, body)
		if err == nil && ev.Kind != kind {
			t.Fatalf("Kind=%q, want %q", ev.Kind, kind)
		}
	})
}
