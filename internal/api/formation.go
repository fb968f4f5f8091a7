package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/wire"
)

// maxQuantityInput bounds the numbers parseQuantity accepts, so sums cannot overflow; the
// real caps are the operator's bera.FormationLimits.
const maxQuantityInput = 1_000_000

func (s *Server) handleFormationList(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	forms, err := s.store.ListFormation(r.Context(), app.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, formationsJSON(forms, app))
}

func formationsJSON(forms []*bera.Formation, app *bera.App) []wire.Formation {
	out := make([]wire.Formation, 0, len(forms))
	for _, f := range forms {
		out = append(out, toFormation(f, app))
	}
	return out
}

func (s *Server) handleFormationInfo(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	forms, err := s.store.ListFormation(r.Context(), app.ID)
	if err != nil {
		return err
	}
	for _, f := range forms {
		if f.Type == r.PathValue("type") {
			return writeJSON(w, http.StatusOK, toFormation(f, app))
		}
	}
	return &bera.Error{Code: bera.ENotFound, Resource: "formation", Message: "Couldn't find that process type (" + r.PathValue("type") + ")."}
}

// formationUpdate checks one update as clients send it, quantity as a number or a string
// that may be relative ("2", "+1", "-1", as `heroku ps:scale` sends it), and turns it into
// the domain's.
func formationUpdate(u wire.FormationUpdate) (bera.FormationUpdate, error) {
	if err := bera.ValidateProcessType(u.Type); err != nil {
		return bera.FormationUpdate{}, err
	}
	out := bera.FormationUpdate{Type: u.Type}
	if u.Size != nil {
		size, err := bera.LookupDynoSize(*u.Size)
		if err != nil {
			return out, err
		}
		out.Size = size.Name
	}
	if u.Quantity == nil {
		return out, nil
	}
	q, rel, err := parseQuantity(*u.Quantity)
	if err != nil {
		return out, err
	}
	out.Quantity, out.Relative = &q, rel
	return out, nil
}

// parseQuantity parses an absolute ("2") or relative ("+1", "-1") quantity.
func parseQuantity(q wire.Quantity) (int, bool, error) {
	bad := bera.Errorf(bera.EInvalid, "Quantity must be a whole number such as 2, or a relative change such as \"+1\" or \"-1\".")
	s := strings.TrimSpace(string(q))
	relative := strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-")
	n, err := strconv.Atoi(s)
	if err != nil || n > maxQuantityInput || n < -maxQuantityInput || (!relative && n < 0) {
		return 0, false, bad
	}
	return n, relative, nil
}

func (s *Server) handleFormationBatch(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	var req wire.FormationBatchUpdate
	if err := decode(r, &req, false); err != nil {
		return err
	}
	if len(req.Updates) == 0 {
		return bera.Errorf(bera.EInvalid, "No updates given: send {\"updates\": [{\"type\": \"web\", \"quantity\": 1}]}.")
	}
	return s.updateFormation(w, r, app, req.Updates, "")
}

func (s *Server) handleFormationUpdate(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	var req wire.FormationUpdate
	if err := decode(r, &req, false); err != nil {
		return err
	}
	req.Type = r.PathValue("type")
	return s.updateFormation(w, r, app, []wire.FormationUpdate{req}, req.Type)
}

// updateFormation applies updates and answers with the whole formation, or with the one type
// when single is set. The operator's limits are checked on the formation the updates would
// give; formation changes through the API take turns so two requests cannot both pass the
// check and together go over a limit.
func (s *Server) updateFormation(w http.ResponseWriter, r *http.Request, app *bera.App, updates []wire.FormationUpdate, single string) error {
	domain := make([]bera.FormationUpdate, 0, len(updates))
	for _, u := range updates {
		d, err := formationUpdate(u)
		if err != nil {
			return err
		}
		domain = append(domain, d)
	}
	s.formationMu.Lock()
	defer s.formationMu.Unlock()
	if err := s.checkFormationUpdates(r.Context(), app, domain); err != nil {
		return err
	}
	forms, err := s.store.UpdateFormation(r.Context(), app.ID, domain)
	if err != nil {
		return err
	}
	s.logf(r, app.ID, "Scaled to "+scaleDescription(forms))
	s.publishFormation(forms)
	s.cfg.Dynos.Converge(app.ID)
	for _, f := range forms {
		if single != "" && f.Type == single {
			return writeJSON(w, http.StatusOK, toFormation(f, app))
		}
	}
	return writeJSON(w, http.StatusOK, formationsJSON(forms, app))
}

// checkFormationUpdates refuses updates that would break the operator's formation limits,
// before anything is written.
func (s *Server) checkFormationUpdates(ctx context.Context, app *bera.App, updates []bera.FormationUpdate) error {
	current, err := s.store.ListFormation(ctx, app.ID)
	if err != nil {
		return err
	}
	after, err := bera.ApplyFormationUpdates(current, updates)
	if err != nil {
		return err
	}
	return s.checkFormationChange(ctx, app, current, after)
}

// checkFormationChange checks the formation after against the operator's limits.
func (s *Server) checkFormationChange(ctx context.Context, app *bera.App, before, after []*bera.Formation) error {
	var err error
	change := bera.FormationChange{Before: before, After: after}
	if s.cfg.FormationLimits.MaxPerAccount > 0 {
		if change.OwnerOtherDynos, err = s.store.OwnerDynos(ctx, app.OwnerID, app.ID); err != nil {
			return err
		}
	}
	return s.cfg.FormationLimits.CheckFormation(change)
}

// scaleDescription is Heroku's "web@2:Standard-1X worker@0:Standard-1X".
func scaleDescription(forms []*bera.Formation) string {
	parts := make([]string, 0, len(forms))
	for _, f := range forms {
		parts = append(parts, fmt.Sprintf("%s@%d:%s", f.Type, f.Quantity, f.Size))
	}
	return strings.Join(parts, " ")
}
