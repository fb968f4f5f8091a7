package client

import (
	"context"
	"io"
	"net/http"
)

// Build is a build of an app (POST /apps/{app}/builds, GET …/builds/{id}).
type Build struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	SourceBlob struct {
		URL     string  `json:"url"`
		Version *string `json:"version"`
	} `json:"source_blob"`
	OutputStreamURL *string `json:"output_stream_url"`
	Release         *struct {
		ID string `json:"id"`
	} `json:"release"`
	CreatedAt string `json:"created_at"`
}

// BuildSource is one way of giving a build its code.
type BuildSource struct {
	URL      string `json:"url,omitempty"`
	Version  string `json:"version,omitempty"`
	Checksum string `json:"checksum,omitempty"`
}

// GitSource names a repository and ref to clone.
type GitSource struct {
	URL string `json:"url,omitempty"`
	Ref string `json:"ref,omitempty"`
}

// BuildCreate is the body of POST /apps/{app}/builds: a tarball in SourceBlob, or a Git URL
// in Git; both nil builds the app's configured repository.
type BuildCreate struct {
	SourceBlob *BuildSource `json:"source_blob,omitempty"`
	Git        *GitSource   `json:"git,omitempty"`
}

// CreateBuild starts a build; it returns at once with the pending build.
func (c *Client) CreateBuild(ctx context.Context, app string, in BuildCreate) (*Build, error) {
	var b Build
	return &b, c.Do(ctx, http.MethodPost, appPath(app, "builds"), in, &b)
}

// Build returns one build of an app.
func (c *Client) Build(ctx context.Context, app, id string) (*Build, error) {
	var b Build
	return &b, c.Do(ctx, http.MethodGet, appPath(app, "builds", id), nil, &b)
}

// OpenBuildOutput streams a build's output_stream_url until the build ends.
func (c *Client) OpenBuildOutput(ctx context.Context, outputStreamURL string) (io.ReadCloser, error) {
	return c.OpenLogs(ctx, outputStreamURL)
}

// AppSource is an app's source settings (GET /apps/{app}/source).
type AppSource struct {
	RepoURL       string  `json:"repo_url"`
	Branch        string  `json:"branch"`
	AutoDeploy    bool    `json:"auto_deploy"`
	WaitForCI     bool    `json:"wait_for_ci"`
	GitHubRepo    *string `json:"github_repo"`
	WebhookURL    *string `json:"webhook_url"`
	WebhookSecret *string `json:"webhook_secret"`
	LastCommit    *string `json:"last_commit"`
	PendingCommit *string `json:"pending_commit"`
}

// AppSourceUpdate is the body of PATCH /apps/{app}/source; nil fields are unchanged.
type AppSourceUpdate struct {
	RepoURL      *string `json:"repo_url,omitempty"`
	Branch       *string `json:"branch,omitempty"`
	AutoDeploy   *bool   `json:"auto_deploy,omitempty"`
	WaitForCI    *bool   `json:"wait_for_ci,omitempty"`
	GitHubRepo   *string `json:"github_repo,omitempty"`
	RotateSecret bool    `json:"rotate_secret,omitempty"`
}

// AppSource returns an app's source settings.
func (c *Client) AppSource(ctx context.Context, app string) (*AppSource, error) {
	var s AppSource
	return &s, c.Do(ctx, http.MethodGet, appPath(app, "source"), nil, &s)
}

// UpdateAppSource changes an app's source settings.
func (c *Client) UpdateAppSource(ctx context.Context, app string, in AppSourceUpdate) (*AppSource, error) {
	var s AppSource
	return &s, c.Do(ctx, http.MethodPatch, appPath(app, "source"), in, &s)
}
