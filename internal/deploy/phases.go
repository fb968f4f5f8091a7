package deploy

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/build"
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
// a formation type). Types that are new get their quantity and size from app.json.
func (d *Deployer) setFormation(ctx context.Context, app *bera.App, res *build.Result, aj *build.AppJSON) error {
	types := maps.Clone(res.ProcessTypes)
	delete(types, "release")
	before, err := d.cfg.Store.ListFormation(ctx, app.ID)
	if err != nil {
		return err
	}
	if err := d.cfg.Store.SetProcessTypes(ctx, app.ID, types); err != nil {
		return err
	}
	if aj == nil || len(aj.Formation) == 0 {
		return nil
	}
	existed := map[string]bool{}
	for _, f := range before {
		existed[f.Type] = true
	}
	var updates []bera.FormationUpdate
	for typ, f := range aj.Formation {
		if _, ok := types[typ]; !ok || existed[typ] {
			continue
		}
		q := f.Quantity
		u := bera.FormationUpdate{Type: typ, Quantity: &q}
		if f.Size != "" {
			if size, err := bera.LookupDynoSize(f.Size); err == nil {
				u.Size = size.Name
			}
		}
		updates = append(updates, u)
	}
	if len(updates) == 0 {
		return nil
	}
	_, err = d.cfg.Store.UpdateFormation(ctx, app.ID, updates)
	return err
}

// appJSON reads app.json from the source, if any. A malformed file is reported and ignored,
// as it does not stop a git push on Heroku either.
func appJSON(dir string, out io.Writer) *build.AppJSON {
	f, err := os.Open(filepath.Join(dir, "app.json"))
	if err != nil {
		return nil
	}
	defer f.Close()
	aj, err := build.ParseAppJSON(f)
	if err != nil {
		fmt.Fprintf(out, " !     Ignoring app.json: %s\n", bera.ErrorMessage(err))
		return nil
	}
	return aj
}

// indent prefixes release-phase output like build output.
type indent struct{ w io.Writer }

func (i indent) Write(p []byte) (int, error) {
	if _, err := fmt.Fprintf(i.w, "       %s", p); err != nil {
		return 0, err
	}
	return len(p), nil
}
