package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"

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
