package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/addons"
)

// BackupBlobs keeps pg:backups' dumps by content. The server gives it a store of the slug
// store's backend (slug.Blobs), one of its own: the slug pruner deletes what no release
// names. Implementations are safe for concurrent use.
type BackupBlobs interface {
	// Put stores the bytes of r until EOF and returns their id. It is atomic: a failed Put
	// (r failing included) leaves nothing behind.
	Put(ctx context.Context, r io.Reader) (string, error)
	// Open returns the bytes of id; an error with code bera.ENotFound for an unknown id.
	// The caller closes the reader.
	Open(ctx context.Context, id string) (io.ReadCloser, error)
	// Delete removes id; an error with code bera.ENotFound for an unknown id.
	Delete(ctx context.Context, id string) error
}

// errStoppedReading fails a dump's writes once the blob store stopped reading it.
var errStoppedReading = errors.New("backup store stopped reading the dump")

// errNoDump is backup's error for a transfer that is no finished backup.
var errNoDump = errors.New("no finished backup")

// backup reads the record of addonID's transfer num, when it is a finished backup.
func (b *backupStore) backup(addonID string, num int) (transferRecord, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	recs, err := readTransfers([]string{b.path(addonID, num, ".json")})
	if err != nil {
		return transferRecord{}, err
	}
	if len(recs) == 0 || !recs[0].Succeeded || recs[0].Blob == "" {
		return transferRecord{}, errNoDump
	}
	return recs[0], nil
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// dumpTo streams a backup of the add-on id into a new blob and returns the blob's id and
// size; on failure nothing is stored.
func dumpTo(ctx context.Context, bk addons.Backups, id string, blobs BackupBlobs) (string, int64, error) {
	pr, pw := io.Pipe()
	cw := &countWriter{w: pw}
	dumped := make(chan error, 1)
	go func() {
		err := bk.Backup(ctx, id, cw)
		pw.CloseWithError(err) // a nil error ends Put's input with EOF
		dumped <- err
	}()
	blob, err := blobs.Put(ctx, pr)
	// Put may stop reading early; the dump then fails on its next write instead of waiting.
	pr.CloseWithError(errStoppedReading)
	if derr := <-dumped; derr != nil {
		return "", cw.n, derr
	}
	return blob, cw.n, err
}

// adoptDumps moves the dumps older servers kept as BackupDir/<addon>/<num>.dump into
// blobs and names them in their records; a crash midway leaves the file, moved at the next
// start. Half-written dumps (.dump.partial) are removed.
func (s *Server) adoptDumps(ctx context.Context) error {
	if s.backups == nil {
		return nil
	}
	b := s.backups
	b.mu.Lock()
	defer b.mu.Unlock()
	partial, err := filepath.Glob(filepath.Join(b.dir, "*", "[0-9]*.dump.partial"))
	if err != nil {
		return err
	}
	for _, f := range partial {
		os.Remove(f)
	}
	files, err := filepath.Glob(filepath.Join(b.dir, "*", "[0-9]*.dump"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := b.adoptDumpLocked(ctx, f); err != nil {
			return fmt.Errorf("move backup %s into the backup store: %w", f, err)
		}
	}
	return nil
}

// adoptDumpLocked moves the dump file into blobs and names it in its record. b.mu must be
// held.
func (b *backupStore) adoptDumpLocked(ctx context.Context, file string) error {
	recs, err := readTransfers([]string{strings.TrimSuffix(file, ".dump") + ".json"})
	if errors.Is(err, os.ErrNotExist) {
		return os.Remove(file) // a dump without a record: nothing can name it
	}
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	rec := recs[0]
	if rec.Blob, err = b.blobs.Put(ctx, f); err != nil {
		return err
	}
	if err := b.save(rec); err != nil {
		return err
	}
	return os.Remove(file)
}

// restoreFrom restores the dump blob into the add-on id.
func restoreFrom(ctx context.Context, bk addons.Backups, id string, blobs BackupBlobs, blob string) error {
	rc, err := blobs.Open(ctx, blob)
	if err != nil {
		return fmt.Errorf("open backup: %w", err)
	}
	defer rc.Close()
	return bk.Restore(ctx, id, rc)
}

// serveDump sends rec's dump as a download; a backend that can seek also serves ranges.
func (s *Server) serveDump(w http.ResponseWriter, r *http.Request, rec transferRecord) error {
	rc, err := s.backups.blobs.Open(r.Context(), rec.Blob)
	if bera.ErrorCode(err) == bera.ENotFound {
		return bera.NotFound("backup")
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="b%03d.dump"`, rec.Num))
	if rs, ok := rc.(io.ReadSeeker); ok {
		var mod time.Time
		if rec.FinishedAt != nil {
			mod, _ = time.Parse(time.RFC3339, *rec.FinishedAt)
		}
		http.ServeContent(w, r, "", mod, rs)
		return nil
	}
	w.Header().Set("Content-Length", strconv.FormatInt(rec.ProcessedBytes, 10))
	_, err = io.Copy(w, rc)
	return err
}

// removeBackups deletes a destroyed add-on's records and the dumps no other add-on's
// records name (blobs are content-addressed: equal dumps share one).
func (s *Server) removeBackups(ctx context.Context, addonID string) error {
	if s.backups == nil || !addons.ValidID(addonID) {
		return nil
	}
	b := s.backups
	b.mu.Lock()
	defer b.mu.Unlock()
	files, err := filepath.Glob(filepath.Join(b.dir, "*", "[0-9]*.json"))
	if err != nil {
		return err
	}
	recs, err := readTransfers(files)
	if err != nil {
		return err
	}
	mine, others := map[string]bool{}, map[string]bool{}
	for _, rec := range recs {
		switch {
		case rec.Blob == "":
		case rec.AddonID == addonID:
			mine[rec.Blob] = true
		default:
			others[rec.Blob] = true
		}
	}
	var errs []error
	for blob := range mine {
		if others[blob] {
			continue
		}
		if err := b.blobs.Delete(ctx, blob); err != nil && bera.ErrorCode(err) != bera.ENotFound {
			errs = append(errs, err)
		}
	}
	errs = append(errs, os.RemoveAll(filepath.Join(b.dir, addonID)))
	return errors.Join(errs...)
}
