// Package slugfs is the local-directory slug store, Bera's default: each slug is a file
// DIR/ab/abcdef….tgz named by its SHA-256, written atomically.
package slugfs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/slug"
)

// Store is a slug.Store on a local directory. Temporary files live in DIR/tmp on the same
// filesystem, so a finished Put is one rename.
type Store struct {
	dir string
}

var _ slug.Store = (*Store)(nil)

// New returns a Store rooted at dir, creating it (and DIR/tmp) when missing. Temporary
// files left by a crash are removed.
func New(dir string) (*Store, error) {
	s := &Store{dir: dir}
	if err := os.RemoveAll(s.tmpDir()); err != nil {
		return nil, fmt.Errorf("open slug store: %w", err)
	}
	if err := os.MkdirAll(s.tmpDir(), 0o700); err != nil {
		return nil, fmt.Errorf("open slug store: %w", err)
	}
	return s, nil
}

// Put stores the bytes of r under their SHA-256.
func (s *Store) Put(ctx context.Context, r io.Reader) (slug.Info, error) {
	tmp, err := os.CreateTemp(s.tmpDir(), "put-*")
	if err != nil {
		return slug.Info{}, fmt.Errorf("put slug: %w", err)
	}
	defer os.Remove(tmp.Name())
	id, err := writeHashed(ctx, tmp, r)
	if err != nil {
		return slug.Info{}, fmt.Errorf("put slug: %w", err)
	}
	final := s.path(id)
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return slug.Info{}, fmt.Errorf("put slug: %w", err)
	}
	if _, err := os.Stat(final); err != nil {
		if err := os.Rename(tmp.Name(), final); err != nil {
			return slug.Info{}, fmt.Errorf("put slug: %w", err)
		}
	}
	return s.Stat(ctx, id)
}

// writeHashed copies r into f, syncs and closes f, and returns the hex SHA-256.
func writeHashed(ctx context.Context, f *os.File, r io.Reader) (string, error) {
	h := sha256.New()
	_, err := io.Copy(io.MultiWriter(f, h), ctxReader{ctx, r})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return hex.EncodeToString(h.Sum(nil)), err
}

// Open returns the slug's bytes.
func (s *Store) Open(ctx context.Context, id string) (io.ReadCloser, error) {
	if !slug.ValidID(id) {
		return nil, bera.NotFound("slug")
	}
	f, err := os.Open(s.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, bera.NotFound("slug")
	}
	if err != nil {
		return nil, fmt.Errorf("open slug: %w", err)
	}
	return f, nil
}

// Stat returns the slug's Info.
func (s *Store) Stat(ctx context.Context, id string) (slug.Info, error) {
	if !slug.ValidID(id) {
		return slug.Info{}, bera.NotFound("slug")
	}
	fi, err := os.Stat(s.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return slug.Info{}, bera.NotFound("slug")
	}
	if err != nil {
		return slug.Info{}, fmt.Errorf("stat slug: %w", err)
	}
	return info(id, fi), nil
}

// Delete removes the slug.
func (s *Store) Delete(ctx context.Context, id string) error {
	if !slug.ValidID(id) {
		return bera.NotFound("slug")
	}
	err := os.Remove(s.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return bera.NotFound("slug")
	}
	if err != nil {
		return fmt.Errorf("delete slug: %w", err)
	}
	return nil
}

// List returns every stored slug sorted by ID.
func (s *Store) List(ctx context.Context) ([]slug.Info, error) {
	files, err := filepath.Glob(filepath.Join(s.dir, "[0-9a-f][0-9a-f]", "*.tgz"))
	if err != nil {
		return nil, fmt.Errorf("list slugs: %w", err)
	}
	infos := []slug.Info{}
	for _, f := range files {
		id := strings.TrimSuffix(filepath.Base(f), ".tgz")
		if !slug.ValidID(id) || filepath.Base(filepath.Dir(f)) != id[:2] {
			continue
		}
		fi, err := os.Stat(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list slugs: %w", err)
		}
		infos = append(infos, info(id, fi))
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].ID < infos[j].ID })
	return infos, nil
}

// path returns the file that holds slug id.
func (s *Store) path(id string) string {
	return filepath.Join(s.dir, id[:2], id+".tgz")
}

// tmpDir holds files being written by Put.
func (s *Store) tmpDir() string { return filepath.Join(s.dir, "tmp") }

// info builds a slug.Info from a stored file.
func info(id string, fi fs.FileInfo) slug.Info {
	return slug.Info{ID: id, SHA256: id, Size: fi.Size(), ModTime: fi.ModTime().UTC()}
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

// Read reads from the underlying reader unless the context is done.
func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
