package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kingvon-ke/bera"
)

// SetAlert saves the app's alert of a.Kind, replacing its threshold and window if it has
// one (its state stays: the alert loop settles it at its next check). It fills the
// timestamps and the state from the store. EInvalid from Validate; ENotFound "app".
func (s *Store) SetAlert(ctx context.Context, a *bera.Alert) error {
	if err := a.Validate(); err != nil {
		return err
	}
	now := s.now()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockApp(ctx, tx, a.AppID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO app_alerts (app_id, kind, threshold, minutes, triggered, created_at, updated_at)
			VALUES (?, ?, ?, ?, FALSE, ?, ?)
			ON CONFLICT (app_id, kind) DO UPDATE SET threshold = excluded.threshold, minutes = excluded.minutes, updated_at = excluded.updated_at`),
			a.AppID, string(a.Kind), a.Threshold, a.Minutes, fmtTime(now), fmtTime(now)); err != nil {
			return fmt.Errorf("save alert: %w", err)
		}
		row := tx.QueryRowContext(ctx, s.q(alertSelect+" WHERE app_id = ? AND kind = ?"), a.AppID, string(a.Kind))
		got, err := scanAlert(row)
		if err != nil {
			return err
		}
		*a = *got
		return nil
	})
}

const alertSelect = "SELECT app_id, kind, threshold, minutes, triggered, since, created_at, updated_at FROM app_alerts"

// Alerts returns the app's alerts by kind; an empty appID lists every app's.
func (s *Store) Alerts(ctx context.Context, appID string) ([]*bera.Alert, error) {
	q, args := alertSelect, []any{}
	if appID != "" {
		q += " WHERE app_id = ?"
		args = append(args, appID)
	}
	rows, err := s.r.QueryContext(ctx, s.q(q+" ORDER BY app_id, kind"), args...)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	defer rows.Close()
	var out []*bera.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func scanAlert(row interface{ Scan(...any) error }) (*bera.Alert, error) {
	var a bera.Alert
	var kind, created, updated string
	var since sql.NullString
	if err := row.Scan(&a.AppID, &kind, &a.Threshold, &a.Minutes, &a.Triggered, &since, &created, &updated); err != nil {
		return nil, fmt.Errorf("scan alert: %w", err)
	}
	a.Kind = bera.AlertKind(kind)
	t, err := parseTimePtr(since)
	if err != nil {
		return nil, err
	}
	if t != nil {
		a.Since = *t
	}
	return &a, parseTimes(&a.CreatedAt, created, &a.UpdatedAt, updated)
}

// SetAlertState records that the app's alert of kind triggered (or resolved) at since.
// ENotFound "alert" when it was cleared meanwhile.
func (s *Store) SetAlertState(ctx context.Context, appID string, kind bera.AlertKind, triggered bool, since time.Time) error {
	res, err := s.w.ExecContext(ctx, s.q("UPDATE app_alerts SET triggered = ?, since = ? WHERE app_id = ? AND kind = ?"),
		triggered, fmtTime(since), appID, string(kind))
	if err != nil {
		return fmt.Errorf("set alert state: %w", err)
	}
	return rowsAffected(res, "alert")
}

// DeleteAlert clears the app's alert of kind. ENotFound "alert".
func (s *Store) DeleteAlert(ctx context.Context, appID string, kind bera.AlertKind) error {
	res, err := s.w.ExecContext(ctx, s.q("DELETE FROM app_alerts WHERE app_id = ? AND kind = ?"), appID, string(kind))
	if err != nil {
		return fmt.Errorf("delete alert: %w", err)
	}
	return rowsAffected(res, "alert")
}
