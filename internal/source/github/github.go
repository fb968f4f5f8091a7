// Package github reads GitHub webhook deliveries: it checks the X-Hub-Signature-256 header
// and parses the few events that deploy an app (ping, push, status, check_suite, check_run).
// Both are fed outside input and are fuzzed.
package github

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// SignatureHeader is the header GitHub signs deliveries with; EventHeader names the event.
const (
	SignatureHeader = "X-Hub-Signature-256"
	EventHeader     = "X-GitHub-Event"
)

// Sign returns the X-Hub-Signature-256 value of body under secret: "sha256=<hex>".
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature reports whether header is the HMAC-SHA256 signature of body under secret,
// comparing in constant time. An empty secret never verifies.
func VerifySignature(secret, body []byte, header string) bool {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(secret) == 0 {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Event is what a delivery says about a repository, reduced to what deploys need.
type Event struct {
	// Kind is the X-GitHub-Event value: ping, push, status, check_suite, check_run, or any
	// other event, which carries no further fields.
	Kind string
	// Repo is the repository's full name, "owner/name".
	Repo string
	// CloneURL is the repository's https clone URL.
	CloneURL string
	// Branches are the branches the event is about: the pushed branch, a check's head branch,
	// or the branches whose head is a status's commit.
	Branches []string
	// Commit is the pushed head (push), or the commit a status or check is about.
	Commit string
	// Deleted is set for a push that deleted the branch.
	Deleted bool
	// Success is set for a status of state success, and a completed check whose conclusion
	// is success.
	Success bool
}

// OnBranch reports whether the event concerns branch.
func (e *Event) OnBranch(branch string) bool {
	for _, b := range e.Branches {
		if b == branch {
			return true
		}
	}
	return false
}

// payload holds the fields of every supported event; each event fills some of them.
type payload struct {
	Repository struct {
		FullName string `json:"full_name"`
		CloneURL string `json:"clone_url"`
	} `json:"repository"`
	Ref      string `json:"ref"`
	After    string `json:"after"`
	Deleted  bool   `json:"deleted"`
	SHA      string `json:"sha"`
	State    string `json:"state"`
	Branches []struct {
		Name string `json:"name"`
	} `json:"branches"`
	CheckSuite *check `json:"check_suite"`
	CheckRun   *check `json:"check_run"`
}

type check struct {
	HeadSHA    string `json:"head_sha"`
	HeadBranch string `json:"head_branch"`
	Status     string `json:"status"`
	Conclusion string `json:"conclusion"`
	// A check run names its branch through its suite.
	CheckSuite *check `json:"check_suite"`
}

// ParseEvent decodes the body of a delivery of the given kind (the X-GitHub-Event header).
// Events other than the supported ones come back with only Kind and Repo set.
func ParseEvent(kind string, body []byte) (*Event, error) {
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("decode %s event: %w", kind, err)
	}
	ev := &Event{Kind: kind, Repo: p.Repository.FullName, CloneURL: p.Repository.CloneURL}
	switch kind {
	case "push":
		branch, ok := strings.CutPrefix(p.Ref, "refs/heads/")
		if ok {
			ev.Branches = []string{branch}
		}
		ev.Commit, ev.Deleted = p.After, p.Deleted || strings.Trim(p.After, "0") == ""
	case "status":
		ev.Commit, ev.Success = p.SHA, p.State == "success"
		for _, b := range p.Branches {
			ev.Branches = append(ev.Branches, b.Name)
		}
	case "check_suite", "check_run":
		c := p.CheckSuite
		if kind == "check_run" {
			c = p.CheckRun
		}
		if c == nil {
			return nil, fmt.Errorf("decode %s event: no %s object", kind, kind)
		}
		fromCheck(ev, c)
	}
	return ev, nil
}

func fromCheck(ev *Event, c *check) {
	ev.Commit = c.HeadSHA
	ev.Success = c.Status == "completed" && c.Conclusion == "success"
	branch := c.HeadBranch
	if branch == "" && c.CheckSuite != nil {
		branch = c.CheckSuite.HeadBranch
	}
	if branch != "" {
		ev.Branches = []string{branch}
	}
}
