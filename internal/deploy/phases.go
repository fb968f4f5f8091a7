package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/build"
	"github.com/kingvon-ke/bera/internal/srctree"
)

// releasePhase runs the Procfile's release command once, before any dyno switches to rel.
// On success rel becomes succeeded (and so current); on failure it is marked failed and the
// previous release keeps serving.
func (d *Deployer) releasePhase(ctx context.Context, app *bera.App, rel *bera.Release, command string, out io.Writer) error {
	fmt.Fprintf(out, "-----> Running release command...\n")
	code, err := d.cfg.Converger.RunOnce(ctx, app.ID, rel, fmt.Sprintf("release.%d", rel.Version), command, indent{out})
	status := bera.ReleaseSucceeded
	if err != nil || code != 0 {
		status = bera.ReleaseFailed
	}
	if serr := d.cfg.Store.SetReleaseStatus(context.WithoutCancel(ctx), rel.ID, status); serr != nil {
		return serr
	}
	if err != nil {
		return err
	}
	if code != 0 {
		return bera.Errorf(bera.EInvalid, "Release command failed (exit status %d): v%d was not deployed; v%d's predecessor keeps running.", code, rel.Version, rel.Version)
	}
	return nil
}

// setFormation makes the slug's process types the app's formation (the release phase is not
// a formation type). Types that are new get their quantity and size from app.json. The
// limits were checked before the release; they are checked again here, under the formation
// lock, in case the app or account was scaled meanwhile: app.json's quantities are then left
// out (with a warning) rather than going over a limit.
func (d *Deployer) setFormation(ctx context.Context, app *bera.App, res *build.Result, aj *build.AppJSON, out io.Writer) error {
	d.cfg.FormationLock.Lock()
	defer d.cfg.FormationLock.Unlock()
	types := processTypes(res)
	before, err := d.cfg.Store.ListFormation(ctx, app.ID)
	if err != nil {
		return err
	}
	updates := appJSONFormation(before, types, aj)
	if err := d.checkFormation(ctx, app, before, types, updates); err != nil {
		if bera.ErrorCode(err) != bera.EInvalid {
			return err
		}
		fmt.Fprintf(out, " !     Not applying app.json's formation: %s\n", bera.ErrorMessage(err))
		updates = nil
	}
	if err := d.cfg.Store.SetProcessTypes(ctx, app.ID, types); err != nil {
		return err
	}
	if len(updates) == 0 {
		return nil
	}
	_, err = d.cfg.Store.UpdateFormation(ctx, app.ID, updates)
	return err
}

// processTypes are the slug's formation types: its process types but the release phase.
func processTypes(res *build.Result) map[string]string {
	types := maps.Clone(res.ProcessTypes)
	delete(types, "release")
	return types
}

// appJSONFormation returns app.json's quantities and sizes for the types that are new.
func appJSONFormation(before []*bera.Formation, types map[string]string, aj *build.AppJSON) []bera.FormationUpdate {
	if aj == nil {
		return nil
	}
	existed := map[string]bool{}
	for _, f := range before {
		existed[f.Type] = true
	}
	var updates []bera.FormationUpdate
	for _, typ := range slices.Sorted(maps.Keys(aj.Formation)) {
		f := aj.Formation[typ]
		if _, ok := types[typ]; !ok || existed[typ] {
			continue
		}
		q := f.Quantity
		u := bera.FormationUpdate{Type: typ, Quantity: &q}
		// A size this server does not know (Heroku's retired "free", "hobby") is ignored, as
		// before; one it knows but does not offer is refused by the limits.
		if size, err := bera.LookupDynoSize(f.Size); f.Size != "" && err == nil {
			u.Size = size.Name
		}
		updates = append(updates, u)
	}
	return updates
}

// precheckFormation refuses a deploy whose formation would break the operator's limits. It
// runs before the release is created, so a refused deploy changes nothing.
func (d *Deployer) precheckFormation(ctx context.Context, app *bera.App, res *build.Result, aj *build.AppJSON) error {
	d.cfg.FormationLock.Lock()
	defer d.cfg.FormationLock.Unlock()
	types := processTypes(res)
	before, err := d.cfg.Store.ListFormation(ctx, app.ID)
	if err != nil {
		return err
	}
	return d.checkFormation(ctx, app, before, types, appJSONFormation(before, types, aj))
}

// checkFormation checks the formation the app would have after SetProcessTypes with types
// and then updates (app.json's quantities and sizes) against the operator's limits.
func (d *Deployer) checkFormation(ctx context.Context, app *bera.App, before []*bera.Formation, types map[string]string, updates []bera.FormationUpdate) error {
	after, err := bera.ApplyFormationUpdates(bera.WithProcessTypes(before, types), updates)
	if err != nil {
		return err
	}
	change := bera.FormationChange{Before: before, After: after}
	if d.cfg.FormationLimits.MaxPerAccount > 0 {
		if change.OwnerOtherDynos, err = d.cfg.Store.OwnerDynos(ctx, app.OwnerID, app.ID); err != nil {
			return err
		}
	}
	return d.cfg.FormationLimits.CheckFormation(change)
}

// maxAppJSON caps the app.json read from a source, as build.ParseAppJSON does.
const maxAppJSON = 1 << 20

// appJSON reads app.json from the source, if any, inside the source tree (package srctree).
// A malformed file is reported and ignored, as it does not stop a git push on Heroku either;
// an app.json the server must not read (a link leaving the tree, not a regular file) fails
// the deploy with a one-line message.
func appJSON(dir string, out io.Writer) (*build.AppJSON, error) {
	b, err := srctree.ReadFile(dir, "app.json", maxAppJSON)
	var te *srctree.Error
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case errors.As(err, &te) && errors.Is(err, srctree.ErrTooLarge):
		fmt.Fprintf(out, " !     Ignoring %s\n", te.Error())
		return nil, nil
	case errors.As(err, &te):
		fmt.Fprintf(out, " !     %s\n", te.Error())
		return nil, fmt.Errorf("%w: %w", bera.Errorf(bera.EInvalid, "%s", te.Error()), err)
	case err != nil:
		return nil, fmt.Errorf("read app.json: %w", err)
	}
	aj, err := build.ParseAppJSON(bytes.NewReader(b))
	if err != nil {
		fmt.Fprintf(out, " !     Ignoring app.json: %s\n", bera.ErrorMessage(err))
		return nil, nil
	}
	return aj, nil
}

// indent prefixes release-phase output like build output.
type indent struct{ w io.Writer }

func (i indent) Write(p []byte) (int, error) {
	if _, err := fmt.Fprintf(i.w, "       %s", p); err != nil {
		return 0, err
	}
	return len(p), nil
}
