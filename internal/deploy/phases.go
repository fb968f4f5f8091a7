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
	"github.com/kingvon-ke/bera/internal/release"
	"github.com/kingvon-ke/bera/internal/srctree"
)

// releaseChange is the release a build makes: its slug (set once stored) and process
// types, app.json's formation for new types, and the Procfile's release phase. The config is
// the app's when the release is written. If the limits refuse app.json's formation when the
// release is written (the app or account was scaled since the deploy's first check), the
// quantities are left out with a warning rather than going over a limit.
func (d *Deployer) releaseChange(app *bera.App, user *bera.User, src bera.Source, res *build.Result, aj *build.AppJSON, out io.Writer) release.Change {
	ch := release.Change{Description: "Deploy " + short(src.Commit), User: user, ProcessTypes: res.ProcessTypes,
		NewTypeFormation: appJSONFormation(aj),
		OnFormationRefused: func(err error) {
			fmt.Fprintf(out, " !     Not applying app.json's formation: %s\n", bera.ErrorMessage(err))
		}}
	if command, ok := res.ProcessTypes["release"]; ok && d.cfg.Converger != nil {
		ch.ReleasePhase = func(ctx context.Context, rel *bera.Release) error {
			return d.releasePhase(ctx, app, rel, command, out)
		}
	}
	return ch
}

// releasePhase runs the Procfile's release command once, before any dyno switches to rel.
// An error (the release service then marks rel failed) leaves the previous release serving.
func (d *Deployer) releasePhase(ctx context.Context, app *bera.App, rel *bera.Release, command string, out io.Writer) error {
	fmt.Fprintf(out, "-----> Running release command...\n")
	code, err := d.cfg.Converger.RunOnce(ctx, app.ID, rel, fmt.Sprintf("release.%d", rel.Version), command, indent{out})
	if err != nil {
		return err
	}
	if code != 0 {
		return bera.Errorf(bera.EInvalid, "Release command failed (exit status %d): v%d was not deployed; v%d's predecessor keeps running.", code, rel.Version, rel.Version)
	}
	return nil
}

// appJSONFormation returns app.json's quantities and sizes, by type; the release service
// applies those of types that are new.
func appJSONFormation(aj *build.AppJSON) []bera.FormationUpdate {
	if aj == nil {
		return nil
	}
	var updates []bera.FormationUpdate
	for _, typ := range slices.Sorted(maps.Keys(aj.Formation)) {
		f := aj.Formation[typ]
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
