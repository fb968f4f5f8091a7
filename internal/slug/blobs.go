package slug

import (
	"context"
	"io"
)

// Blobs is a Store seen as a store of opaque blobs, such as pg:backups' dumps: Put returns
// just the ID. Give it a Store of its own, not the slugs': Prune deletes whatever no
// release names.
type Blobs struct {
	Store
}

// Put stores the bytes of r until EOF, atomically, and returns their ID.
func (b Blobs) Put(ctx context.Context, r io.Reader) (string, error) {
	info, err := b.Store.Put(ctx, r)
	return info.ID, err
}
