package wire

// Build is a build of an app (POST /apps/{app}/builds, GET /apps/{app}/builds/{build}).
// Status is "pending", "succeeded" or "failed"; OutputStreamURL streams its output, and
// Release and Slug are set once it succeeded.
type Build struct {
	ID              string      `json:"id"`
	App             IDOnly      `json:"app"`
	Status          string      `json:"status"`
	SourceBlob      SourceBlob  `json:"source_blob"`
	Buildpacks      []Buildpack `json:"buildpacks"`
	OutputStreamURL *string     `json:"output_stream_url"`
	Release         *IDOnly     `json:"release"`
	Slug            *IDOnly     `json:"slug"`
	Stack           string      `json:"stack"`
	User            IDEmail     `json:"user"`
	CreatedAt       string      `json:"created_at"`
	UpdatedAt       string      `json:"updated_at"`
}

// SourceBlob is where a build's code came from: a tarball or Git URL and its version.
type SourceBlob struct {
	URL      string  `json:"url"`
	Version  *string `json:"version"`
	Checksum *string `json:"checksum"`
}

// Buildpack names a buildpack by URL (or registry name) and name.
type Buildpack struct {
	URL  string `json:"url"`
	Name string `json:"name"`
}

// BuildCreate is the body of POST /apps/{app}/builds: a tarball in SourceBlob (a URL ending
// in .git, or a git:// URL, is cloned instead), or a Git URL in Git (a Bera extension).
// Both nil builds the app's configured repository.
type BuildCreate struct {
	SourceBlob *BuildSource `json:"source_blob,omitempty"`
	Git        *GitSource   `json:"git,omitempty"`
}

// BuildSource is the source_blob of a BuildCreate: a URL, the version (commit or ref) to
// record or check out, and an optional "SHA256:<hex>" checksum of the tarball.
type BuildSource struct {
	URL      string `json:"url,omitempty"`
	Version  string `json:"version,omitempty"`
	Checksum string `json:"checksum,omitempty"`
}

// GitSource names a repository and the ref to clone; empty fields use the app's source
// settings.
type GitSource struct {
	URL string `json:"url,omitempty"`
	Ref string `json:"ref,omitempty"`
}

// BuildpackInstallation is one entry of an app's ordered buildpack list
// (GET and PUT /apps/{app}/buildpack-installations).
type BuildpackInstallation struct {
	Ordinal   int       `json:"ordinal"`
	Buildpack Buildpack `json:"buildpack"`
}

// BuildpackInstallationsUpdate is the body of PUT /apps/{app}/buildpack-installations: the
// whole new list, in order (empty means detect).
type BuildpackInstallationsUpdate struct {
	Updates []BuildpackUpdate `json:"updates"`
}

// BuildpackUpdate is one entry of a BuildpackInstallationsUpdate: a buildpack name or URL.
type BuildpackUpdate struct {
	Buildpack string `json:"buildpack"`
}
