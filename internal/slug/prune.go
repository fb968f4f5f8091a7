package slug

import (
	"context"
	"fmt"

	"github.com/kingvon-ke/bera"
)

// Prune deletes every slug in s whose ID is not in keep and returns the IDs it deleted.
// A slug that vanished meanwhile (deleted by a concurrent Prune) is not an error.
// Callers build keep from every release of every app, so a rollback target is never pruned.
func Prune(ctx context.Context, s Store, keep map[string]bool) ([]string, error) {
	all, err := s.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list slugs: %w", err)
	}
	var deleted []string
	for _, info := range all {
		if keep[info.ID] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return deleted, err
		}
		err := s.Delete(ctx, info.ID)
		if bera.ErrorCode(err) == bera.ENotFound {
			continue
		}
		if err != nil {
			return deleted, fmt.Errorf("delete slug %s: %w", info.ID, err)
		}
		deleted = append(deleted, info.ID)
	}
	return deleted, nil
}
