package release

import (
	"context"

	"github.com/kingvon-ke/bera"
)

// formation returns what ch does to app's formation, checked against the limits; nil when
// ch leaves the formation alone. The caller holds the formation lock.
func (s *Service) formation(ctx context.Context, app *bera.App, ch Change) (*bera.ReleaseFormation, error) {
	if ch.ProcessTypes == nil {
		return nil, nil
	}
	before, err := s.cfg.Store.ListFormation(ctx, app.ID)
	if err != nil {
		return nil, err
	}
	types := formationTypes(ch.ProcessTypes)
	updates := newTypeUpdates(before, types, ch.NewTypeFormation)
	if err := s.checkFormation(ctx, app, before, types, updates); err != nil {
		if ch.OnFormationRefused == nil || bera.ErrorCode(err) != bera.EInvalid {
			return nil, err
		}
		ch.OnFormationRefused(err)
		updates = nil
	}
	return &bera.ReleaseFormation{ProcessTypes: types, Updates: updates}, nil
}

// newTypeUpdates keeps the updates of types that types has and before has not.
func newTypeUpdates(before []*bera.Formation, types map[string]string, updates []bera.FormationUpdate) []bera.FormationUpdate {
	existed := make(map[string]bool, len(before))
	for _, f := range before {
		existed[f.Type] = true
	}
	var out []bera.FormationUpdate
	for _, u := range updates {
		if _, ok := types[u.Type]; ok && !existed[u.Type] {
			out = append(out, u)
		}
	}
	return out
}

// checkFormation checks the formation the app would have with types and then updates
// against the operator's limits.
func (s *Service) checkFormation(ctx context.Context, app *bera.App, before []*bera.Formation, types map[string]string, updates []bera.FormationUpdate) error {
	after, err := bera.ApplyFormationUpdates(bera.WithProcessTypes(before, types), updates)
	if err != nil {
		return err
	}
	change := bera.FormationChange{Before: before, After: after}
	if s.cfg.FormationLimits.MaxPerAccount > 0 {
		if change.OwnerOtherDynos, err = s.cfg.Store.OwnerDynos(ctx, app.OwnerID, app.ID); err != nil {
			return err
		}
	}
	return s.cfg.FormationLimits.CheckFormation(change)
}
