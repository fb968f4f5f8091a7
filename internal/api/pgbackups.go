package api

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/wire"
)

// pg:backups keeps each heroku-postgresql add-on's transfers in BackupDir/<addon id>/: a
// record <num>.json per backup or restore. A backup's pg_dump (custom format) is a blob in
// BackupBlobs, the slug store's backend, which the record names. Numbers count per app, as
// Heroku's b001, b002, r003. Downloads go through a signed URL that expires after
// downloadTTL.

const (
	// downloadTTL is how long a pg:backups:download URL works.
	downloadTTL = 10 * time.Minute
	// transferTimeout bounds one backup or restore.
	transferTimeout = time.Hour
	// backupScheme names a Bera backup in to_url and restores' backup_url.
	backupScheme = "bera-backup"
)

// backupStore is the transfers' records on disk and the dumps in blobs; mu serialises
// numbering and record writes.
type backupStore struct {
	dir   string
	blobs BackupBlobs
	key   []byte // signs download URLs; new at each start, so URLs die with the server
	mu    sync.Mutex
}

func newBackupStore(dir string, blobs BackupBlobs) *backupStore {
	if dir == "" || blobs == nil {
		return nil
	}
	key := make([]byte, 32)
	rand.Read(key)
	return &backupStore{dir: dir, blobs: blobs, key: key}
}

// transferRecord is a transfer with what the server needs to find its add-on, its app and,
// for a finished backup, its dump.
type transferRecord struct {
	wire.Transfer
	AddonID string `json:"addon_id"`
	AppID   string `json:"app_id"`
	// Blob is the dump's id in BackupBlobs.
	Blob string `json:"blob,omitempty"`
}

func (b *backupStore) path(addonID string, num int, ext string) string {
	return filepath.Join(b.dir, addonID, fmt.Sprintf("%03d%s", num, ext))
}

// list reads the transfers of the add-ons ids, oldest first.
func (b *backupStore) list(ids []string) ([]transferRecord, error) {
	var files []string
	for _, id := range ids {
		more, err := filepath.Glob(filepath.Join(b.dir, id, "[0-9]*.json"))
		if err != nil {
			return nil, err
		}
		files = append(files, more...)
	}
	return readTransfers(files)
}

// readTransfers reads the transfer records files, sorted by number.
func readTransfers(files []string) ([]transferRecord, error) {
	var out []transferRecord
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var rec transferRecord
		if err := json.Unmarshal(data, &rec); err != nil {
			return nil, fmt.Errorf("read transfer %s: %w", f, err)
		}
		out = append(out, rec)
	}
	slices.SortFunc(out, func(x, y transferRecord) int { return x.Num - y.Num })
	return out, nil
}

// save writes rec whole (a crash leaves the old record or the new one).
func (b *backupStore) save(rec transferRecord) error {
	if err := os.MkdirAll(filepath.Join(b.dir, rec.AddonID), 0o700); err != nil {
		return err
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	name := b.path(rec.AddonID, rec.Num, ".json")
	if err := os.WriteFile(name+".tmp", data, 0o600); err != nil {
		return err
	}
	return os.Rename(name+".tmp", name)
}

// sign is the signature of a download of backup num of addonID until expires.
func (b *backupStore) sign(addonID string, num int, expires int64) string {
	m := hmac.New(sha256.New, b.key)
	fmt.Fprintf(m, "%s/%d/%d", addonID, num, expires)
	return hex.EncodeToString(m.Sum(nil))
}

// verify checks a download's signature and expiry.
func (b *backupStore) verify(addonID string, num int, expires int64, sig string, now time.Time) bool {
	return now.Unix() <= expires && hmac.Equal([]byte(sig), []byte(b.sign(addonID, num, expires)))
}

func (s *Server) backupRoutes() []route {
	return []route{
		{method: "POST", path: "/client/v11/databases/{addon}/backups", summary: "Data API: capture a backup (pg_dump) of a heroku-postgresql database; runs in the background", h: s.handleBackupCapture},
		{method: "POST", path: "/client/v11/databases/{addon}/restores", summary: "Data API: restore a backup ({\"backup_url\"}) into a heroku-postgresql database; runs in the background", h: s.handleBackupRestore},
		{method: "GET", path: "/client/v11/apps/{app}/transfers", summary: "Data API: the app's backups and restores", h: s.handleTransferList},
		{method: "GET", path: "/client/v11/apps/{app}/transfers/{transfer}", summary: "Data API: a backup or restore (num or uuid); ?verbose=true adds its log", h: s.handleTransferInfo},
		{method: "POST", path: "/client/v11/apps/{app}/transfers/{transfer}/actions/public-url", summary: "Data API: a signed download URL of a backup, valid for 10 minutes", h: s.handleTransferURL},
		{method: "GET", path: "/client/v11/backup-downloads/{addon}/{num}", summary: "Download a backup (the signature in the URL is the credential)", public: true, h: s.handleBackupDownload},
	}
}

// backupAddon is dataAddon for backups: the add-on, its provider's Backups, its app.
func (s *Server) backupAddon(r *http.Request) (*bera.Addon, addons.Backups, *bera.App, error) {
	if s.backups == nil {
		return nil, nil, nil, bera.Errorf(bera.EUnavailable, "Backups are not enabled on this server.")
	}
	a, prov, err := s.dataAddon(r, postgresService)
	if err != nil {
		return nil, nil, nil, err
	}
	bk, ok := prov.(addons.Backups)
	if !ok {
		return nil, nil, nil, bera.Errorf(bera.EInvalid, "%s cannot be backed up.", a.Name)
	}
	app, err := s.store.App(r.Context(), a.AppID)
	if err != nil {
		return nil, nil, nil, err
	}
	return a, bk, app, nil
}

// newTransfer numbers and saves a pending transfer of a, the next of its app.
func (s *Server) newTransfer(ctx context.Context, a *bera.Addon, t wire.Transfer) (transferRecord, error) {
	ids, err := s.appPostgresIDs(ctx, a.AppID)
	if err != nil {
		return transferRecord{}, err
	}
	s.backups.mu.Lock()
	defer s.backups.mu.Unlock()
	list, err := s.backups.list(ids)
	if err != nil {
		return transferRecord{}, err
	}
	rec := transferRecord{Transfer: t, AddonID: a.ID, AppID: a.AppID}
	rec.Num = 1
	if len(list) > 0 {
		rec.Num = list[len(list)-1].Num + 1
	}
	now := ts(s.cfg.Now())
	rec.UUID = stableID("transfer", a.AppID+"/"+strconv.Itoa(rec.Num)+"/"+now)
	rec.CreatedAt, rec.UpdatedAt = now, now
	rec.Logs = []wire.TransferLog{}
	return rec, s.backups.save(rec)
}

// appPostgresIDs are the ids of the heroku-postgresql add-ons billed to appID.
func (s *Server) appPostgresIDs(ctx context.Context, appID string) ([]string, error) {
	list, err := s.store.ListAddons(ctx, appID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, a := range list {
		if a.Service == postgresService {
			ids = append(ids, a.ID)
		}
	}
	return ids, nil
}

// attachmentName is the name a has on its own app (DATABASE), for from_name and to_name.
func (s *Server) attachmentName(ctx context.Context, a *bera.Addon) string {
	atts, err := s.store.ListAttachments(ctx, a.AppID, a.ID)
	if err != nil || len(atts) == 0 {
		return a.Name
	}
	return atts[0].Name
}

// runTransfer runs do in the background, recording its start, end and outcome; do may
// fill in rec (a backup's blob).
func (s *Server) runTransfer(rec transferRecord, do func(ctx context.Context, rec *transferRecord) (int64, error)) {
	s.work.Add(1)
	go func() {
		defer s.work.Done()
		ctx, cancel := context.WithTimeout(s.bg, transferTimeout)
		defer cancel()
		started := ts(s.cfg.Now())
		rec.StartedAt = &started
		rec.Logs = append(rec.Logs, wire.TransferLog{CreatedAt: started, Message: "started"})
		s.saveTransfer(rec)
		n, err := do(ctx, &rec)
		finished := ts(s.cfg.Now())
		rec.FinishedAt, rec.UpdatedAt, rec.ProcessedBytes, rec.SourceBytes = &finished, finished, n, n
		rec.Succeeded = err == nil
		msg := "finished"
		if err != nil {
			s.log.Warn("pg:backups transfer failed", "addon", rec.AddonID, "num", rec.Num, "err", err)
			msg = "failed: " + err.Error()
		}
		rec.Logs = append(rec.Logs, wire.TransferLog{CreatedAt: finished, Message: msg})
		s.saveTransfer(rec)
	}()
}

func (s *Server) saveTransfer(rec transferRecord) {
	s.backups.mu.Lock()
	defer s.backups.mu.Unlock()
	if err := s.backups.save(rec); err != nil {
		s.log.Error("saving a pg:backups transfer", "addon", rec.AddonID, "num", rec.Num, "err", err)
	}
}

// handleBackupCapture starts a pg_dump of the database into its backup directory.
func (s *Server) handleBackupCapture(w http.ResponseWriter, r *http.Request) error {
	a, bk, _, err := s.backupAddon(r)
	if err != nil {
		return err
	}
	name := s.attachmentName(r.Context(), a)
	rec, err := s.newTransfer(r.Context(), a, wire.Transfer{FromName: name, FromType: "pg_dump", ToName: "BACKUP", ToType: "gof3r"})
	if err != nil {
		return err
	}
	rec = s.startBackup(rec, bk)
	return writeJSON(w, http.StatusCreated, rec.Transfer)
}

// startBackup gives rec its to_url and runs its pg_dump into a blob in the background.
func (s *Server) startBackup(rec transferRecord, bk addons.Backups) transferRecord {
	rec.ToURL = backupScheme + "://" + rec.AddonID + "/" + strconv.Itoa(rec.Num)
	s.saveTransfer(rec)
	s.runTransfer(rec, func(ctx context.Context, rec *transferRecord) (n int64, err error) {
		rec.Blob, n, err = dumpTo(ctx, bk, rec.AddonID, s.backups.blobs)
		return n, err
	})
	return rec
}

// handleBackupRestore restores a Bera backup (its to_url, or its download URL) into the
// database. The caller must be able to see the backup's add-on.
func (s *Server) handleBackupRestore(w http.ResponseWriter, r *http.Request) error {
	a, bk, _, err := s.backupAddon(r)
	if err != nil {
		return err
	}
	var body wire.TransferRestore
	if err := decode(r, &body, false); err != nil {
		return err
	}
	from, num, err := s.backupSource(r.Context(), body.BackupURL)
	if err != nil {
		return err
	}
	src, err := s.backups.backup(from, num)
	if err != nil {
		return bera.Errorf(bera.EInvalid, "That backup has no data (it failed or was removed).")
	}
	rec, err := s.newTransfer(r.Context(), a, wire.Transfer{FromName: "BACKUP", FromType: "gof3r", FromURL: body.BackupURL,
		ToName: s.attachmentName(r.Context(), a), ToType: "pg_restore"})
	if err != nil {
		return err
	}
	s.runTransfer(rec, func(ctx context.Context, _ *transferRecord) (int64, error) {
		return src.ProcessedBytes, restoreFrom(ctx, bk, a.ID, s.backups.blobs, src.Blob)
	})
	return writeJSON(w, http.StatusCreated, rec.Transfer)
}

// backupRef is a backup named by a restore's backup_url.
type backupRef struct {
	addon   string // add-on id
	num     int
	signed  bool // a download URL: expires and sig must be checked
	expires int64
	sig     string
}

// parseBackupURL reads bera-backup://<addon>/<num> (a transfer's to_url) or a download
// URL (…/client/v11/backup-downloads/<addon>/<num>?expires=&signature=).
func parseBackupURL(raw string) (backupRef, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return backupRef{}, false
	}
	if u.Scheme == backupScheme {
		num, err := strconv.Atoi(strings.TrimPrefix(u.Path, "/"))
		return backupRef{addon: u.Host, num: num}, err == nil && num > 0 && addons.ValidID(u.Host)
	}
	rest, ok := strings.CutPrefix(u.Path, "/client/v11/backup-downloads/")
	id, n, ok2 := strings.Cut(rest, "/")
	num, err := strconv.Atoi(n)
	expires, eerr := strconv.ParseInt(u.Query().Get("expires"), 10, 64)
	if !ok || !ok2 || err != nil || eerr != nil || !addons.ValidID(id) {
		return backupRef{}, false
	}
	return backupRef{addon: id, num: num, signed: true, expires: expires, sig: u.Query().Get("signature")}, true
}

// backupSource finds the backup a restore's backup_url names: a to_url of an add-on the
// caller can see, or a download URL with a valid signature.
func (s *Server) backupSource(ctx context.Context, raw string) (addonID string, num int, err error) {
	bad := bera.Errorf(bera.EInvalid, "backup_url must be a backup of this server (a transfer's to_url or a pg:backups:url).")
	ref, ok := parseBackupURL(raw)
	switch {
	case !ok:
		return "", 0, bad
	case ref.signed:
		if !s.backups.verify(ref.addon, ref.num, ref.expires, ref.sig, s.cfg.Now()) {
			return "", 0, bad
		}
		return ref.addon, ref.num, nil
	}
	a, err := s.addonFor(ctx, ref.addon)
	if err != nil {
		return "", 0, err
	}
	return a.ID, ref.num, nil
}

// appTransfers lists the transfers of the app {app} names (id or name).
func (s *Server) appTransfers(r *http.Request) ([]transferRecord, error) {
	if s.backups == nil {
		return nil, bera.Errorf(bera.EUnavailable, "Backups are not enabled on this server.")
	}
	app, _, err := s.appFor(r)
	if err != nil {
		return nil, err
	}
	ids, err := s.appPostgresIDs(r.Context(), app.ID)
	if err != nil {
		return nil, err
	}
	s.backups.mu.Lock()
	defer s.backups.mu.Unlock()
	return s.backups.list(ids)
}

func (s *Server) handleTransferList(w http.ResponseWriter, r *http.Request) error {
	list, err := s.appTransfers(r)
	if err != nil {
		return err
	}
	out := make([]wire.Transfer, 0, len(list))
	for _, rec := range list {
		rec.Logs = nil
		out = append(out, rec.Transfer)
	}
	return writeJSON(w, http.StatusOK, out)
}

// transfer finds the transfer {transfer} (num or uuid) of the app {app}.
func (s *Server) transfer(r *http.Request) (transferRecord, error) {
	list, err := s.appTransfers(r)
	if err != nil {
		return transferRecord{}, err
	}
	key := r.PathValue("transfer")
	for _, rec := range list {
		if strconv.Itoa(rec.Num) == key || rec.UUID == key {
			return rec, nil
		}
	}
	return transferRecord{}, bera.NotFound("transfer")
}

func (s *Server) handleTransferInfo(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.transfer(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("verbose") != "true" {
		rec.Logs = nil
	}
	return writeJSON(w, http.StatusOK, rec.Transfer)
}

// handleTransferURL signs a download URL of a finished backup on this listener, over
// https (the CLI downloads with Node's https.get).
func (s *Server) handleTransferURL(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.transfer(r)
	if err != nil {
		return err
	}
	if rec.ToType != "gof3r" || !rec.Succeeded {
		return bera.Errorf(bera.EInvalid, "Only a finished backup can be downloaded.")
	}
	exp := s.cfg.Now().Add(downloadTTL)
	q := url.Values{"expires": {strconv.FormatInt(exp.Unix(), 10)}, "signature": {s.backups.sign(rec.AddonID, rec.Num, exp.Unix())}}
	u := url.URL{Scheme: "https", Host: r.Host, Path: fmt.Sprintf("/client/v11/backup-downloads/%s/%d", rec.AddonID, rec.Num), RawQuery: q.Encode()}
	return writeJSON(w, http.StatusOK, wire.PublicURL{URL: u.String(), ExpiresAt: ts(exp)})
}

// handleBackupDownload serves a backup's dump to whoever has a valid signed URL.
func (s *Server) handleBackupDownload(w http.ResponseWriter, r *http.Request) error {
	if s.backups == nil {
		return bera.NotFound("backup")
	}
	id := r.PathValue("addon")
	num, err := strconv.Atoi(r.PathValue("num"))
	expires, eerr := strconv.ParseInt(r.URL.Query().Get("expires"), 10, 64)
	if err != nil || eerr != nil || !addons.ValidID(id) || !s.backups.verify(id, num, expires, r.URL.Query().Get("signature"), s.cfg.Now()) {
		return bera.Errorf(bera.EForbidden, "This download URL is invalid or has expired: ask for a new one (pg:backups:url).")
	}
	rec, err := s.backups.backup(id, num)
	if err != nil {
		return bera.NotFound("backup")
	}
	return s.serveDump(w, r, rec)
}
