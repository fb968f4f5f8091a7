// Package slug stores and moves slugs: gzip-compressed tarballs of a built app's /app tree,
// content-addressed by their SHA-256.
//
// The Store interface is the contract every backend (the local directory in package slugfs,
// later an S3-compatible bucket) satisfies; package slugtest holds the conformance suite.
// Pack writes a slug from a directory, and Extract unpacks one (or any hostile tarball)
// into a directory without letting it escape.
package slug

import (
	"context"
	"io"
	"time"
)

// Info describes one stored slug.
type Info struct {
	// ID is the slug's lowercase hex SHA-256: the same bytes always get the same ID.
	ID string
	// SHA256 is the hex SHA-256 of the stored bytes (equal to ID).
	SHA256 string
	// Size is the stored (compressed) size in bytes.
	Size int64
	// ModTime is when the slug was first stored.
	ModTime time.Time
}

// Checksum returns the slug's checksum in Heroku's API form, "SHA256:<hex>".
func (i Info) Checksum() string { return "SHA256:" + i.SHA256 }

// Store keeps slugs by content. Implementations are safe for concurrent use.
//
// Put is atomic: a reader never sees a partly written slug, and a failed Put leaves nothing
// behind. Putting the same bytes twice yields the same ID and stores them once.
// Open, Stat and Delete return an error with code bera.ENotFound (bera.NotFound("slug"))
// for an unknown or malformed ID. Delete of an unknown ID returns that error too.
type Store interface {
	// Put stores the bytes read from r until EOF and returns their Info.
	Put(ctx context.Context, r io.Reader) (Info, error)
	// Open returns the slug's bytes. The caller closes the reader.
	Open(ctx context.Context, id string) (io.ReadCloser, error)
	// Stat returns the slug's Info.
	Stat(ctx context.Context, id string) (Info, error)
	// Delete removes the slug.
	Delete(ctx context.Context, id string) error
	// List returns every stored slug, sorted by ID.
	List(ctx context.Context) ([]Info, error)
}

// ValidID reports whether id has the form of a slug ID: 64 lowercase hex digits.
// Backends use it to refuse IDs that could name anything but a slug.
func ValidID(id string) bool {
	if len(id) != 64 {
		return false
	}
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
