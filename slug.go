package bera

import "time"

// Slug is a compiled app: a tar.gz of /app stored content-addressed.
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
	CreatedAt         time.Time
	UpdatedAt         time.Time
}
