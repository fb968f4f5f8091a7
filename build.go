package bera

import (
	"strings"
	"time"
)

// Build statuses.
const (
	BuildPending   = "pending"
	BuildSucceeded = "succeeded"
	BuildFailed    = "failed"
)

// Build turns a source version into a slug.
type Build struct {
	ID              string
	AppID           string
	Status          string
	SourceURL       string // source_blob.url, a git URL or a tarball URL
	SourceVersion   string // commit sha or ref
	Buildpacks      []string
	SlugID          string
	ReleaseID       string
	UserID          string
	UserEmail       string
	Stack           string
	OutputStreamURL string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Source kinds of a BuildRequest.
const (
	SourceGit     = "git"
	SourceTarball = "tarball"
)

// BuildRequest says what to build.
type BuildRequest struct {
	// Kind is SourceGit or SourceTarball.
	Kind string
	// URL is the repository or tarball URL. For SourceGit, "" means the app's source settings.
	URL string
	// Ref is the branch, tag or commit to clone (SourceGit; "" means the settings' branch, then
	// the default branch), or a version label for a tarball.
	Ref string
	// Checksum ("SHA256:<hex>") a tarball must match; optional.
	Checksum string
	// Commit, when set for SourceGit, is the commit wanted: if the branch has moved on, that
	// commit is fetched instead of the branch head.
	Commit string
}

// ValidateBuildpack refuses a buildpack given as a path or file:// URL on the server: a build
// would copy those files (the data dir, keys…) into the app. Built-in names and http(s) or
// git URLs are fine.
func ValidateBuildpack(bp string) error {
	lower := strings.ToLower(strings.TrimSpace(bp))
	if lower == "" || strings.HasPrefix(lower, "/") || strings.HasPrefix(lower, ".") || strings.HasPrefix(lower, "~") ||
		strings.HasPrefix(lower, "file:") || strings.Contains(lower, "::") {
		return &Error{Code: EInvalid, Resource: "buildpack",
			Message: "Buildpack " + bp + " is not allowed: use a built-in name (go, nodejs, python, static, procfile, heroku/…) or an https:// or git URL."}
	}
	return nil
}
