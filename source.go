package bera

import (
	"context"
	"io"
	"time"
)

// AppSource is where an app's code comes from when it is not pushed: a public Git URL and
// branch, the GitHub repository ("owner/name") whose webhooks deploy it, and the deploy
// settings. WebhookSecret is stored sealed.
type AppSource struct {
	AppID         string
	RepoURL       string
	Branch        string
	AutoDeploy    bool
	WaitForCI     bool
	GitHubRepo    string
	WebhookSecret string
	// LastCommit is the commit last deployed from this source; PendingCommit is a pushed
	// commit waiting for CI to succeed.
	LastCommit    string
	PendingCommit string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// AppSourceUpdate changes an app's source settings; nil fields are unchanged. An empty
// RepoURL or GitHubRepo disconnects it.
type AppSourceUpdate struct {
	RepoURL    *string
	Branch     *string
	AutoDeploy *bool
	WaitForCI  *bool
	// GitHubRepo is "owner/name"; connecting one creates the webhook secret.
	GitHubRepo *string
	// RotateSecret replaces the webhook secret.
	RotateSecret bool
}

// Source is one commit of an app's code checked out to a directory, ready to build: a git
// push, a cloned repository or an unpacked tarball.
type Source struct {
	Dir    string // the tree, without .git
	Commit string // full sha
	Ref    string // refs/heads/main
}

// Deployer builds and releases a Source for an app, writing progress for the user to out.
// Git pushes and Git URL, tarball and webhook builds all go through one (*deploy.Deployer).
type Deployer interface {
	Deploy(ctx context.Context, app *App, user *User, src Source, out io.Writer) error
}
