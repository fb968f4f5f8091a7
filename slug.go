package bera

import "time"

// Slug is a compiled app: a tar.gz of /app stored content-addressed, or, for a Cloud
// Native Buildpacks build, an OCI image in the image store (Image set; Checksum is then
// the image's manifest digest as "SHA256:<hex>").
type Slug struct {
	ID                string
	AppID             string
	Checksum          string // "SHA256:<hex>"
	Size              int64
	Commit            string
	CommitDescription string
	ProcessTypes      map[string]string
	BuildpackDesc     string
	Stack             string
	// Image is the OCI image's manifest digest ("sha256:<hex>") of a CNB build; "" for a
	// classic slug.
	Image string
	// Buildpacks are the buildpacks that ran, "id@version" for CNB ones.
	Buildpacks []string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}
