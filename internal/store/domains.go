package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kingvon-ke/bera"
)

const domainColumns = `d.id, d.app_id, a.name, d.hostname, d.kind, d.status, d.acm_status, d.acm_status_reason,
	COALESCE(m.enabled, FALSE), COALESCE(d.sni_endpoint_id, ''), d.created_at, d.updated_at`

const domainFrom = ` FROM domains d JOIN apps a ON a.id = d.app_id LEFT JOIN app_acm m ON m.app_id = d.app_id`

func errDomainTaken(host string) error {
	return &bera.Error{Code: bera.EInvalid, Resource: "domain", Message: "The domain " + host + " is already in use by an app."}
}

// CreateDomain adds a custom domain (ID, timestamps, Kind custom and Status succeeded are
// filled; ACMStatus is pending when the app has ACM on). The hostname must already be
// normalized (certs.NormalizeHostname). ENotFound "app"; EInvalid (Resource "domain") when
// any app has the hostname already.
func (s *Store) CreateDomain(ctx context.Context, d *bera.Domain) error {
	now := s.now()
	d.ID, d.Kind, d.Status, d.CreatedAt, d.UpdatedAt = newID(), bera.DomainKindCustom, bera.DomainStatusSucceeded, now, now
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockApp(ctx, tx, d.AppID); err != nil {
			return err
		}
		acm, err := s.acm(ctx, tx, d.AppID)
		if err != nil {
			return err
		}
		d.ACM, d.ACMStatus = acm, ""
		if acm {
			d.ACMStatus = bera.ACMPending
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO domains (id, app_id, hostname, kind, status, acm_status,
			acm_status_reason, sni_endpoint_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?)`),
			d.ID, d.AppID, d.Hostname, d.Kind, d.Status, d.ACMStatus, nullString(d.EndpointID), fmtTime(now), fmtTime(now))
		if isUniqueViolation(err) {
			return errDomainTaken(d.Hostname)
		}
		return wrap("insert domain", err)
	})
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ListDomains returns an app's custom domains by hostname, or every app's when appID is "".
func (s *Store) ListDomains(ctx context.Context, appID string) ([]*bera.Domain, error) {
	query, args := "SELECT "+domainColumns+domainFrom+" ORDER BY d.hostname", []any{}
	if appID != "" {
		query = "SELECT " + domainColumns + domainFrom + " WHERE d.app_id = ? ORDER BY d.hostname"
		args = append(args, appID)
	}
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list domains: %w", err)
	}
	ds, err := collect(rows, scanDomain)
	return ds, wrap("list domains", err)
}

// Domain returns an app's custom domain by ID or hostname. ENotFound "domain".
func (s *Store) Domain(ctx context.Context, appID, idOrHostname string) (*bera.Domain, error) {
	row := s.r.QueryRowContext(ctx, s.q("SELECT "+domainColumns+domainFrom+
		" WHERE d.app_id = ? AND (d.id = ? OR d.hostname = ?)"), appID, idOrHostname, idOrHostname)
	d, err := scanDomain(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bera404("domain")
	}
	return d, wrap("get domain", err)
}

func scanDomain(sc scanner) (*bera.Domain, error) {
	var d bera.Domain
	var created, updated string
	err := sc.Scan(&d.ID, &d.AppID, &d.AppName, &d.Hostname, &d.Kind, &d.Status, &d.ACMStatus,
		&d.ACMStatusReason, &d.ACM, &d.EndpointID, &created, &updated)
	if err != nil {
		return nil, err
	}
	return &d, parseTimes(&d.CreatedAt, created, &d.UpdatedAt, updated)
}

// DeleteDomain removes an app's custom domain by ID or hostname. ENotFound "domain".
func (s *Store) DeleteDomain(ctx context.Context, appID, idOrHostname string) error {
	res, err := s.w.ExecContext(ctx, s.q("DELETE FROM domains WHERE app_id = ? AND (id = ? OR hostname = ?)"),
		appID, idOrHostname, idOrHostname)
	if err != nil {
		return fmt.Errorf("delete domain: %w", err)
	}
	return rowsAffected(res, "domain")
}

// SetDomainACMStatus records the outcome of automatic certificate management for a
// hostname. It does nothing for an unknown hostname, or when ACM is off for its app.
func (s *Store) SetDomainACMStatus(ctx context.Context, hostname, status, reason string) error {
	_, err := s.w.ExecContext(ctx, s.q(`UPDATE domains SET acm_status = ?, acm_status_reason = ?, updated_at = ?
		WHERE hostname = ? AND acm_status <> ''`), status, reason, fmtTime(s.now()), hostname)
	return wrap("set domain acm status", err)
}

// ACM reports whether automatic certificates are enabled for an app.
func (s *Store) ACM(ctx context.Context, appID string) (bool, error) {
	return s.acm(ctx, s.r, appID)
}

func (s *Store) acm(ctx context.Context, db querier, appID string) (bool, error) {
	var on bool
	err := db.QueryRowContext(ctx, s.q("SELECT enabled FROM app_acm WHERE app_id = ?"), appID).Scan(&on)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return on, wrap("get acm", err)
}

// SetACM turns automatic certificates on or off for an app. Turning it on marks each of the
// app's domains pending (unless a certificate was issued already); off clears their ACM
// status. ENotFound "app".
func (s *Store) SetACM(ctx context.Context, appID string, enabled bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockApp(ctx, tx, appID); err != nil {
			return err
		}
		now := fmtTime(s.now())
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO app_acm (app_id, enabled, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (app_id) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`), appID, enabled, now)
		if err != nil {
			return fmt.Errorf("set acm: %w", err)
		}
		if enabled {
			_, err = tx.ExecContext(ctx, s.q(`UPDATE domains SET acm_status = ?, acm_status_reason = '', updated_at = ?
				WHERE app_id = ? AND acm_status <> ?`), bera.ACMPending, now, appID, bera.ACMIssued)
		} else {
			_, err = tx.ExecContext(ctx, s.q(`UPDATE domains SET acm_status = '', acm_status_reason = '', updated_at = ?
				WHERE app_id = ?`), now, appID)
		}
		return wrap("set domains acm status", err)
	})
}
