package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/kingvon-ke/bera"
)

// errAddonNotFound is the not-found error for add-ons. Heroku's CLI looks for resource
// "add_on" in a 404 of /actions/addons/resolve to retry without the app.
func errAddonNotFound() error {
	return &bera.Error{Code: bera.ENotFound, Resource: "add_on", Message: "Couldn't find that add-on."}
}

func errAttachmentNotFound() error {
	return &bera.Error{Code: bera.ENotFound, Resource: "addon_attachment", Message: "Couldn't find that add-on attachment."}
}

const addonColumns = `a.id, a.name, a.app_id, p.name, a.service, a.plan, a.state, a.message, a.url_sealed,
	a.created_at, a.updated_at FROM addons a JOIN apps p ON p.id = a.app_id`

// CreateAddon stores a new add-on (ID, state provisioning unless set, and timestamps
// filled) with its first attachment att (ID, AddonID and timestamps filled; AppID defaults
// to the add-on's app), in one transaction. EInvalid when the name or the attachment's
// name is taken; ENotFound "app".
func (s *Store) CreateAddon(ctx context.Context, a *bera.Addon, att *bera.AddonAttachment) error {
	sealed, err := s.sealURL(a.URL)
	if err != nil {
		return err
	}
	now := s.now()
	a.ID, a.CreatedAt, a.UpdatedAt = newID(), now, now
	if a.State == "" {
		a.State = bera.AddonProvisioning
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockApp(ctx, tx, a.AppID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO addons (id, name, app_id, service, plan, state, message,
			url_sealed, url_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			a.ID, a.Name, a.AppID, a.Service, a.Plan, a.State, a.Message, sealed, hashURL(a.URL), fmtTime(now), fmtTime(now))
		if isUniqueViolation(err) {
			return &bera.Error{Code: bera.EInvalid, Resource: "add_on", Message: fmt.Sprintf("Name %s is already taken by another add-on.", a.Name)}
		}
		if err != nil {
			return fmt.Errorf("insert add-on: %w", err)
		}
		att.AddonID = a.ID
		if att.AppID == "" {
			att.AppID = a.AppID
		}
		return s.insertAttachment(ctx, tx, att)
	})
}

// sealURL seals an add-on URL as base64 text; "" stays "".
func (s *Store) sealURL(u string) (string, error) {
	if u == "" {
		return "", nil
	}
	sealed, err := s.cipher.Seal([]byte(u))
	if err != nil {
		return "", fmt.Errorf("seal add-on url: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sealed), nil
}

// openURL opens what sealURL returned.
func (s *Store) openURL(text string) (string, error) {
	if text == "" {
		return "", nil
	}
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return "", fmt.Errorf("decode add-on url: %w", err)
	}
	plain, err := s.cipher.Open(raw)
	if err != nil {
		return "", fmt.Errorf("open add-on url: %w", err)
	}
	return string(plain), nil
}

// hashURL is the hex SHA-256 of an add-on URL, "" for none.
func hashURL(u string) string {
	if u == "" {
		return ""
	}
	return urlHash(u)
}

// Addon returns the add-on (not destroyed) with that id or name. ENotFound "add_on".
func (s *Store) Addon(ctx context.Context, idOrName string) (*bera.Addon, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+addonColumns+
		" WHERE a.destroyed_at = '' AND (a.id = ? OR a.name = ?)"), idOrName, idOrName)
	if err != nil {
		return nil, fmt.Errorf("get add-on: %w", err)
	}
	list, err := s.scanAddons(rows)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errAddonNotFound()
	}
	return list[0], nil
}

// ListAddons returns the add-ons (not destroyed) billed to appID, oldest first; an empty
// appID lists every add-on.
func (s *Store) ListAddons(ctx context.Context, appID string) ([]*bera.Addon, error) {
	q := "SELECT " + addonColumns + " WHERE a.destroyed_at = ''"
	args := []any{}
	if appID != "" {
		q += " AND a.app_id = ?"
		args = append(args, appID)
	}
	rows, err := s.r.QueryContext(ctx, s.q(q+" ORDER BY a.created_at, a.id"), args...)
	if err != nil {
		return nil, fmt.Errorf("list add-ons: %w", err)
	}
	return s.scanAddons(rows)
}

func (s *Store) scanAddons(rows *sql.Rows) ([]*bera.Addon, error) {
	defer rows.Close()
	var out []*bera.Addon
	for rows.Next() {
		var a bera.Addon
		var sealed, created, updated string
		if err := rows.Scan(&a.ID, &a.Name, &a.AppID, &a.AppName, &a.Service, &a.Plan, &a.State, &a.Message,
			&sealed, &created, &updated); err != nil {
			return nil, fmt.Errorf("scan add-on: %w", err)
		}
		var err error
		if a.URL, err = s.openURL(sealed); err != nil {
			return nil, err
		}
		if err := parseTimes(&a.CreatedAt, created, &a.UpdatedAt, updated); err != nil {
			return nil, err
		}
		out = append(out, &a)
	}
	return out, rows.Err()
}

// SetAddonState records the outcome of provisioning: state, the failure message and the
// URL (sealed). ENotFound "add_on".
func (s *Store) SetAddonState(ctx context.Context, id, state, message, url string) error {
	sealed, err := s.sealURL(url)
	if err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE addons SET state = ?, message = ?, url_sealed = ?, url_hash = ?, updated_at = ?
		WHERE id = ? AND destroyed_at = ''`), state, message, sealed, hashURL(url), fmtTime(s.now()), id)
	if err != nil {
		return fmt.Errorf("update add-on: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errAddonNotFound()
	}
	return nil
}

// DestroyAddon marks the add-on destroyed (deprovisioned, its name free, its URL gone but
// its hash kept) and removes its attachments, in one transaction. ENotFound "add_on".
func (s *Store) DestroyAddon(ctx context.Context, id string) error {
	now := fmtTime(s.now())
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE addons SET state = ?, url_sealed = '', destroyed_at = ?, updated_at = ?
			WHERE id = ? AND destroyed_at = ''`), bera.AddonDeprovisioned, now, now, id)
		if err != nil {
			return fmt.Errorf("destroy add-on: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errAddonNotFound()
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM addon_attachments WHERE addon_id = ?"), id); err != nil {
			return fmt.Errorf("delete attachments: %w", err)
		}
		return nil
	})
}

// RotateAddonURL gives the add-on a new URL (its credentials rotated) and retires the old
// one, in one transaction: RotatedAddonName knows it from then on. ENotFound "add_on".
func (s *Store) RotateAddonURL(ctx context.Context, id, url string) error {
	sealed, err := s.sealURL(url)
	if err != nil {
		return err
	}
	now := fmtTime(s.now())
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var old string
		err := tx.QueryRowContext(ctx, s.q("SELECT url_hash FROM addons WHERE id = ? AND destroyed_at = ''"), id).Scan(&old)
		if errors.Is(err, sql.ErrNoRows) {
			return errAddonNotFound()
		}
		if err != nil {
			return fmt.Errorf("get add-on url: %w", err)
		}
		if old != "" && old != hashURL(url) {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO addon_retired_urls (addon_id, url_hash, retired_at) VALUES (?, ?, ?)
				ON CONFLICT DO NOTHING`), id, old, now); err != nil {
				return fmt.Errorf("retire add-on url: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE addons SET url_sealed = ?, url_hash = ?, updated_at = ? WHERE id = ?"),
			sealed, hashURL(url), now, id); err != nil {
			return fmt.Errorf("update add-on url: %w", err)
		}
		return nil
	})
}

// DestroyedAddonName returns the name of a destroyed add-on whose URL, current or retired
// by a rotation, is one of urls, or "" when none is.
func (s *Store) DestroyedAddonName(ctx context.Context, urls []string) (string, error) {
	if len(urls) == 0 {
		return "", nil
	}
	marks, args := urlHashArgs(urls)
	return s.addonNameWhere(ctx, "a.destroyed_at <> '' AND (a.url_hash IN ("+marks+
		") OR a.id IN (SELECT addon_id FROM addon_retired_urls WHERE url_hash IN ("+marks+"))) ORDER BY a.destroyed_at", append(args, args...))
}

// RotatedAddonName returns the name of an add-on (not destroyed) one of whose retired URLs
// is one of urls, or "" when none is.
func (s *Store) RotatedAddonName(ctx context.Context, urls []string) (string, error) {
	if len(urls) == 0 {
		return "", nil
	}
	marks, args := urlHashArgs(urls)
	return s.addonNameWhere(ctx, "a.destroyed_at = '' AND a.id IN (SELECT addon_id FROM addon_retired_urls WHERE url_hash IN ("+marks+")) ORDER BY a.created_at", args)
}

// urlHashArgs are the placeholders and hashes of urls, for "url_hash IN (...)".
func urlHashArgs(urls []string) (string, []any) {
	args := make([]any, len(urls))
	for i, u := range urls {
		args[i] = urlHash(u)
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(urls)), ", "), args
}

// addonNameWhere returns the name of the first add-on a that where (with its ORDER BY)
// selects, or "".
func (s *Store) addonNameWhere(ctx context.Context, where string, args []any) (string, error) {
	var name string
	err := s.r.QueryRowContext(ctx, s.q("SELECT a.name FROM addons a WHERE "+where+" LIMIT 1"), args...).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("find add-on by url: %w", err)
	}
	return name, nil
}

const attachmentColumns = `t.id, t.addon_id, t.app_id, p.name, t.name, t.namespace, t.created_at, t.updated_at
	FROM addon_attachments t JOIN apps p ON p.id = t.app_id`

// CreateAttachment attaches an add-on (not destroyed) to an app (ID and timestamps
// filled). EInvalid when the app has an attachment of that name; ENotFound "add_on" or
// "app".
func (s *Store) CreateAttachment(ctx context.Context, att *bera.AddonAttachment) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockApp(ctx, tx, att.AppID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM addons WHERE id = ? AND destroyed_at = ''"), att.AddonID).Scan(&n); err != nil {
			return fmt.Errorf("check add-on: %w", err)
		}
		if n == 0 {
			return errAddonNotFound()
		}
		return s.insertAttachment(ctx, tx, att)
	})
}

func (s *Store) insertAttachment(ctx context.Context, tx *sql.Tx, att *bera.AddonAttachment) error {
	now := s.now()
	att.ID, att.CreatedAt, att.UpdatedAt = newID(), now, now
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO addon_attachments (id, addon_id, app_id, name, namespace, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`), att.ID, att.AddonID, att.AppID, att.Name, att.Namespace, fmtTime(now), fmtTime(now))
	if isUniqueViolation(err) {
		return &bera.Error{Code: bera.EInvalid, Resource: "addon_attachment",
			Message: fmt.Sprintf("Name %s is already used by another add-on attachment of this app.", att.Name)}
	}
	if err != nil {
		return fmt.Errorf("insert add-on attachment: %w", err)
	}
	return nil
}

// ListAttachments returns the attachments of appID to addonID, oldest first; an empty
// appID or addonID matches all.
func (s *Store) ListAttachments(ctx context.Context, appID, addonID string) ([]*bera.AddonAttachment, error) {
	q := "SELECT " + attachmentColumns + " WHERE 1 = 1"
	var args []any
	if appID != "" {
		q += " AND t.app_id = ?"
		args = append(args, appID)
	}
	if addonID != "" {
		q += " AND t.addon_id = ?"
		args = append(args, addonID)
	}
	return s.queryAttachments(ctx, q+" ORDER BY t.created_at, t.id", args...)
}

// Attachment returns the attachment with that id. ENotFound "addon_attachment".
func (s *Store) Attachment(ctx context.Context, id string) (*bera.AddonAttachment, error) {
	list, err := s.queryAttachments(ctx, "SELECT "+attachmentColumns+" WHERE t.id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errAttachmentNotFound()
	}
	return list[0], nil
}

func (s *Store) queryAttachments(ctx context.Context, q string, args ...any) ([]*bera.AddonAttachment, error) {
	rows, err := s.r.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("list add-on attachments: %w", err)
	}
	defer rows.Close()
	var out []*bera.AddonAttachment
	for rows.Next() {
		var t bera.AddonAttachment
		var created, updated string
		if err := rows.Scan(&t.ID, &t.AddonID, &t.AppID, &t.AppName, &t.Name, &t.Namespace, &created, &updated); err != nil {
			return nil, fmt.Errorf("scan add-on attachment: %w", err)
		}
		if err := parseTimes(&t.CreatedAt, created, &t.UpdatedAt, updated); err != nil {
			return nil, err
		}
		out = append(out, &t)
	}
	return out, rows.Err()
}

// DeleteAttachment removes an attachment. ENotFound "addon_attachment".
func (s *Store) DeleteAttachment(ctx context.Context, id string) error {
	res, err := s.w.ExecContext(ctx, s.q("DELETE FROM addon_attachments WHERE id = ?"), id)
	if err != nil {
		return fmt.Errorf("delete add-on attachment: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errAttachmentNotFound()
	}
	return nil
}
