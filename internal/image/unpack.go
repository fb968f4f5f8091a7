package image

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Unpack unpacks each layer of the image that is not unpacked yet for uid, and returns the
// layer directories, bottom first, for runtime.DynoSpec.ImageLayers. A layer is unpacked
// once per uid, by diff ID, into DIR/unpacked/<uid>/<diff-id-hex>, its files owned by
// uid:uid (so a dyno running as uid may change its overlay copies of them); an image
// sharing layers with another reuses them. Each layer is unpacked into a temp directory
// and renamed into place once complete, after its content was checked against its diff
// ID. Hostile entries are refused (see unpackLayer); the error wraps ErrHostileEntry.
func (s *Store) Unpack(ctx context.Context, digest string, uid int) ([]string, error) {
	if uid < 0 {
		return nil, fmt.Errorf("unpack image %s: invalid uid %d", digest, uid)
	}
	own := owner{uid: uid, chown: os.Geteuid() == 0}
	if !own.chown && uid != os.Geteuid() {
		return nil, fmt.Errorf("unpack image %s for uid %d: only root can give files to another user", digest, uid)
	}
	s.gcMu.RLock()
	defer s.gcMu.RUnlock()
	img, err := s.image(digest)
	if err != nil {
		return nil, err
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("unpack image %s: %w", digest, err)
	}
	// The diff IDs come from the config, which the manifest digest covers: the layer's
	// own DiffID would hash whatever its blob holds now (and read it all to do so).
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("unpack image %s: %w", digest, err)
	}
	if len(cf.RootFS.DiffIDs) != len(layers) {
		return nil, fmt.Errorf("unpack image %s: %d layers but %d diff IDs", digest, len(layers), len(cf.RootFS.DiffIDs))
	}
	dirs := make([]string, 0, len(layers))
	for i, l := range layers {
		dir, err := s.unpackOnce(ctx, l, cf.RootFS.DiffIDs[i], own)
		if err != nil {
			return nil, fmt.Errorf("unpack image %s layer %d: %w", digest, i, err)
		}
		dirs = append(dirs, dir)
	}
	return dirs, nil
}

// unpackOnce returns the layer's directory, unpacking it unless it exists. Concurrent
// calls for the same directory wait for the first.
func (s *Store) unpackOnce(ctx context.Context, l v1.Layer, diffID v1.Hash, own owner) (string, error) {
	if _, err := parseDigest(diffID.String()); err != nil {
		return "", fmt.Errorf("unsupported diff ID %s", diffID)
	}
	parent := filepath.Join(s.unpackedDir(), strconv.Itoa(own.uid))
	dir := filepath.Join(parent, diffID.Hex)
	for {
		if _, err := os.Lstat(dir); err == nil {
			return dir, nil
		}
		s.mu.Lock()
		wait, busy := s.unpacking[dir]
		if !busy {
			done := make(chan struct{})
			s.unpacking[dir] = done
			s.mu.Unlock()
			err := unpackInto(ctx, l, diffID, parent, dir, own)
			s.mu.Lock()
			delete(s.unpacking, dir)
			close(done)
			s.mu.Unlock()
			if err != nil {
				return "", err
			}
			return dir, nil
		}
		s.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

// unpackInto unpacks l into a temp directory of parent and renames it to dir.
func unpackInto(ctx context.Context, l v1.Layer, diffID v1.Hash, parent, dir string, own owner) error {
	if err := os.MkdirAll(parent, 0o711); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+diffID.Hex[:12]+"-")
	if err != nil {
		return err
	}
	err = fill(ctx, l, diffID, tmp, own)
	if err == nil {
		err = os.Rename(tmp, dir)
		if _, serr := os.Lstat(dir); err != nil && serr == nil {
			err = nil // another process unpacked it first
		}
	}
	if err != nil {
		os.RemoveAll(tmp)
	}
	return err
}

// fill unpacks l into dir and checks that the tar stream has the layer's diff ID.
func fill(ctx context.Context, l v1.Layer, diffID v1.Hash, dir string, own owner) error {
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	if own.chown {
		if err := os.Lchown(dir, own.uid, own.uid); err != nil {
			return err
		}
	}
	rc, err := l.Uncompressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	h := sha256.New()
	r := io.TeeReader(ctxReader{ctx, rc}, h)
	if err := unpackLayer(r, dir, own); err != nil {
		return err
	}
	// The tar may end before the stream does (padding): hash the rest too.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != diffID.Hex {
		return errors.New("layer content does not match its diff ID " + diffID.String())
	}
	return nil
}

// ctxReader stops reading once ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
