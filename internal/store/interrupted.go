package store

import (
	"context"
	"fmt"

	"github.com/kingvon-ke/bera"
)

// FailInterrupted marks builds and releases left pending by a server that stopped in the
// middle of them as failed, and returns how many of each. Call it once on start, before any
// new deploy.
func (s *Store) FailInterrupted(ctx context.Context) (builds, releases int64, err error) {
	now := fmtTime(s.now())
	res, err := s.w.ExecContext(ctx, s.q("UPDATE builds SET status = ?, updated_at = ? WHERE status = ?"), bera.BuildFailed, now, bera.BuildPending)
	if err != nil {
		return 0, 0, fmt.Errorf("fail interrupted builds: %w", err)
	}
	builds, _ = res.RowsAffected()
	res, err = s.w.ExecContext(ctx, s.q("UPDATE releases SET status = ?, updated_at = ? WHERE status = ?"), bera.ReleaseFailed, now, bera.ReleasePending)
	if err != nil {
		return builds, 0, fmt.Errorf("fail interrupted releases: %w", err)
	}
	releases, _ = res.RowsAffected()
	return builds, releases, nil
}
