package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

// q rewrites a query written with ? placeholders for the store's dialect.
func (s *Store) q(query string) string {
	if s.dialect != dialectPostgres {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// inTx runs fn in a write transaction, committing when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// lockApp makes sure the app exists and, on PostgreSQL, locks its row until the end of tx so
// that writers numbering releases or rewriting config take turns. SQLite writers are already
// serialised. ENotFound "app".
func (s *Store) lockApp(ctx context.Context, tx *sql.Tx, appID string) error {
	query := "SELECT id FROM apps WHERE id = ?"
	if s.dialect == dialectPostgres {
		query += " FOR UPDATE"
	}
	var id string
	err := tx.QueryRowContext(ctx, s.q(query), appID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return bera404("app")
	}
	if err != nil {
		return fmt.Errorf("lock app %s: %w", appID, err)
	}
	return nil
}

// isUniqueViolation reports whether err is a unique or primary-key constraint failure.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// rowsAffected returns the number of affected rows, or a not-found error for resource when
// there were none.
func rowsAffected(res sql.Result, resource string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("rows affected: %w", err)
	}
	if n == 0 {
		return bera404(resource)
	}
	return nil
}

func newID() string { return uuid.NewString() }

// timeLayout is fixed-width so stored times sort as text and round-trip to the nanosecond.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// fmtTimePtr formats an optional time; nil becomes NULL.
func fmtTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fmtTime(*t)
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

func parseTimePtr(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTime(s.String)
	return &t, err
}

// parseTimes parses pairs of (destination, stored text).
func parseTimes(pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		t, err := parseTime(pairs[i+1].(string))
		if err != nil {
			return err
		}
		*pairs[i].(*time.Time) = t
	}
	return nil
}

// jsonText encodes v as JSON text for a TEXT column.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Only slices and maps of strings are stored; they always encode.
		panic(fmt.Sprintf("encode %T: %v", v, err))
	}
	return string(b)
}

// fromJSONText decodes a TEXT column written by jsonText.
func fromJSONText(s string, v any) error {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("decode stored json: %w", err)
	}
	return nil
}

// collect scans every row with scan and closes rows. The result is never nil.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// wrap returns nil for a nil err and "what: err" otherwise.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
