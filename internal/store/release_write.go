package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"

	"github.com/kingvon-ke/bera"
)

// WriteRelease creates the app's next release from nr in one transaction with what it
// implies: the release's config becomes the app's config, and nr.Formation, when set, the
// app's formation (SetProcessTypes, then the updates). If any part fails nothing is written.
// Returns the release with ID, Version, SlugID, Config, AddonPlanNames and timestamps filled.
// EInvalid for a malformed process type or an unknown size; ENotFound "app", or "formation"
// for an update of a type the formation does not have.
func (s *Store) WriteRelease(ctx context.Context, nr bera.NewRelease) (*bera.Release, error) {
	if err := validateReleaseFormation(nr.Formation); err != nil {
		return nil, err
	}
	rel := &bera.Release{AppID: nr.AppID, Description: nr.Description,
		Status: cmp.Or(nr.Status, bera.ReleaseSucceeded), UserID: nr.UserID}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockApp(ctx, tx, nr.AppID); err != nil {
			return err
		}
		if err := s.fillRelease(ctx, tx, rel, nr); err != nil {
			return err
		}
		if err := s.writeRelease(ctx, tx, rel); err != nil {
			return err
		}
		return s.writeReleaseFormation(ctx, tx, nr.AppID, nr.Formation)
	})
	if err != nil {
		return nil, err
	}
	return rel, nil
}

// SucceedRelease marks a pending release of the app succeeded, which makes it current, and
// writes f (when not nil) to the app's formation in the same transaction. Errors as
// WriteRelease's, and ENotFound "release".
func (s *Store) SucceedRelease(ctx context.Context, appID, releaseID string, f *bera.ReleaseFormation) error {
	if err := validateReleaseFormation(f); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockApp(ctx, tx, appID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q("UPDATE releases SET status = ?, updated_at = ? WHERE id = ? AND app_id = ?"),
			bera.ReleaseSucceeded, fmtTime(s.now()), releaseID, appID)
		if err != nil {
			return fmt.Errorf("set release status: %w", err)
		}
		if err := rowsAffected(res, "release"); err != nil {
			return err
		}
		return s.writeReleaseFormation(ctx, tx, appID, f)
	})
}

func validateReleaseFormation(f *bera.ReleaseFormation) error {
	if f == nil {
		return nil
	}
	for t := range f.ProcessTypes {
		if err := bera.ValidateProcessType(t); err != nil {
			return err
		}
	}
	return nil
}

// fillRelease sets rel's slug, add-on plans and config from nr and, where nr leaves them
// out, from the app's current release and config.
func (s *Store) fillRelease(ctx context.Context, tx *sql.Tx, rel *bera.Release, nr bera.NewRelease) error {
	if nr.SlugID == nil || nr.AddonPlanNames == nil {
		cur, err := s.currentReleaseParts(ctx, tx, nr.AppID)
		if err != nil {
			return err
		}
		rel.SlugID, rel.AddonPlanNames = cur.slugID, cur.plans
	}
	if nr.SlugID != nil {
		rel.SlugID = *nr.SlugID
	}
	if nr.AddonPlanNames != nil {
		rel.AddonPlanNames = nr.AddonPlanNames
	}
	if nr.Config != nil {
		rel.Config = maps.Clone(nr.Config)
		return nil
	}
	cfg, err := s.configVars(ctx, tx, nr.AppID)
	if err != nil {
		return err
	}
	applyConfigChanges(cfg, nr.ConfigChanges)
	rel.Config = cfg
	return nil
}

// releaseParts are what a new release takes over from the current one.
type releaseParts struct {
	slugID string
	plans  []string
}

// currentReleaseParts returns the slug and add-on plans of the app's newest succeeded
// release; empty ones when it has none.
func (s *Store) currentReleaseParts(ctx context.Context, tx *sql.Tx, appID string) (releaseParts, error) {
	var p releaseParts
	var plans string
	err := tx.QueryRowContext(ctx, s.q(`SELECT slug_id, addon_plan_names FROM releases WHERE app_id = ? AND status = 'succeeded'
		ORDER BY version DESC LIMIT 1`), appID).Scan(&p.slugID, &plans)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("get current release: %w", err)
	}
	return p, fromJSONText(plans, &p.plans)
}

// writeReleaseFormation makes the formation match f's process types, then applies f's
// updates. Nil f leaves the formation alone.
func (s *Store) writeReleaseFormation(ctx context.Context, tx *sql.Tx, appID string, f *bera.ReleaseFormation) error {
	if f == nil {
		return nil
	}
	current, err := s.listFormation(ctx, tx, appID)
	if err != nil {
		return err
	}
	if err := s.syncProcessTypes(ctx, tx, appID, current, f.ProcessTypes); err != nil {
		return err
	}
	if len(f.Updates) == 0 {
		return nil
	}
	if current, err = s.listFormation(ctx, tx, appID); err != nil {
		return err
	}
	changed, err := applyFormationUpdates(current, f.Updates, s.now())
	if err != nil {
		return err
	}
	for _, row := range changed {
		if err := s.saveFormation(ctx, tx, row); err != nil {
			return err
		}
	}
	return nil
}
