// Package deploy turns a source tree into a running release: it records a build, runs the
// buildpacks, stores the slug and has the release service (package release) create release
// vN with the slug's process types, after the Procfile's release phase if there is one. git pushes (package
// gitserver), Git URL deploys and tarball builds all enter here.
package deploy

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/build"
	"github.com/kingvon-ke/bera/internal/cnb"
	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/release"
	"github.com/kingvon-ke/bera/internal/slug"
)

// Store is what a deploy reads and writes. *store.Store satisfies it.
type Store interface {
	ConfigVars(ctx context.Context, appID string) (map[string]string, error)
	CreateBuild(ctx context.Context, b *bera.Build) error
	UpdateBuild(ctx context.Context, b *bera.Build) error
	CreateSlug(ctx context.Context, sl *bera.Slug) error
	// CurrentRelease finds the image a CNB build restores from. ENotFound when none.
	CurrentRelease(ctx context.Context, appID string) (*bera.Release, error)
	// WriteRelease and the others of release.Store back the deployer's own release.Service
	// when Config.Releases is nil.
	release.Store
}

// Converger is told when an app's release or formation changed, can wait until the app's
// web dynos run a release, and runs one-off dynos such as the release phase.
type Converger interface {
	Converge(appID string)
	WaitRelease(ctx context.Context, appID, releaseID string) error
	RunOnce(ctx context.Context, appID string, rel *bera.Release, name, command string, out io.Writer) (int, error)
}

// Config configures a Deployer.
type Config struct {
	Store Store
	Slugs slug.Store
	// DataDir holds per-app build caches (DATA/cache/APPID) and build logs (DATA/builds).
	DataDir string
	// Converger starts the new release's dynos; nil leaves dynos alone.
	Converger Converger
	// BuildEnv is exported to buildpacks (GOPROXY, GOFLAGS, …); not config vars.
	BuildEnv map[string]string
	// Log writes a line to the app's log stream as app[api]. Optional.
	Log func(appID, msg string)
	// Events receives the build output line by line (events.BuildOutput), for /ws.
	// Optional.
	Events events.Publisher
	// AllowLocalBuildpacks lets apps name buildpacks by a path or file:// URL on the server
	// (tests, single-user machines). Off, such buildpacks are refused: they would copy the
	// server's files into a build.
	AllowLocalBuildpacks bool
	// Timeout caps one build (default 15 minutes).
	Timeout time.Duration
	// Runner, when set, gives the runner of an app's buildpack steps (a sandbox running as
	// the app's uid); nil runs them as plain processes (build.ProcessRunner).
	Runner func(appID string) build.Runner
	// ToolCache, when set, is the machine's shared Go build cache, shown read-only below
	// each app's own cache layer (build.Options.ToolCache); the layer is kept in
	// DATA/cache/APPID.layers.
	ToolCache *build.ToolCache
	// Releases creates the deploys' releases (share it with the API's); nil: the
	// deployer's own, over Store, Converger, Log and the formation limits and lock below.
	Releases *release.Service
	// FormationLimits are the operator's caps on dynos and sizes; the formation a deploy
	// would give (new process types, app.json's formation) is checked before the release.
	// Used by the deployer's own release.Service only.
	FormationLimits bera.FormationLimits
	// FormationLock, when set, is held while the formation is re-checked and written; share
	// it with the API's so scaling and deploys take turns. Nil: the deployer's own. Used by
	// the deployer's own release.Service only.
	FormationLock sync.Locker
	// Images is where Cloud Native Buildpacks builds export their images; nil refuses
	// them (classic builds are unaffected).
	Images ImageStore
	// CNBBuiltins writes Bera's built-in CNB buildpacks into a directory and returns their
	// builder order (build.Options.CNBBuiltins); nil refuses CNB builds.
	CNBBuiltins func(dir, self string) (cnb.Order, error)
	// CNBBinDir gives the copy of the bera binary CNB build steps run (build.Options).
	CNBBinDir func() (string, error)
	// Registry, when set ("host:port/prefix"), is where each exported image is pushed as
	// REGISTRY/APP:vN after the release is made. Insecure allows plain HTTP (a loopback
	// registry).
	Registry         string
	RegistryInsecure bool
	// WebURL returns an app's URL for the closing message.
	WebURL func(app string) string
	Logger *slog.Logger
}

// ImageStore holds the OCI images of CNB builds. *image.Store satisfies it.
type ImageStore interface {
	LayoutDir() string
	// WithLayout runs fn while no other export or pruning writes the layout.
	WithLayout(fn func(layoutDir string) error) error
	Has(digest string) bool
	Push(ctx context.Context, digest, ref string, insecure bool) error
}

// Deployer runs deploys.
type Deployer struct {
	cfg      Config
	log      *slog.Logger
	releases *release.Service
}

var _ bera.Deployer = (*Deployer)(nil)

// New returns a Deployer.
func New(cfg Config) *Deployer {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 15 * time.Minute
	}
	d := &Deployer{cfg: cfg, log: cfg.Logger.With("component", "deploy"), releases: cfg.Releases}
	if d.releases == nil {
		rc := release.Config{Store: cfg.Store, Log: cfg.Log, FormationLimits: cfg.FormationLimits, FormationLock: cfg.FormationLock}
		if cfg.Converger != nil {
			rc.Converger = cfg.Converger
		}
		d.releases = release.New(rc)
	}
	return d
}

// Deploy builds src for app and releases it. Build output goes to out as it happens. On any
// failure the build is marked failed and the running release is left alone.
func (d *Deployer) Deploy(ctx context.Context, app *bera.App, user *bera.User, src bera.Source, out io.Writer) error {
	if d.cfg.Events != nil {
		lines := &events.Lines{Events: d.cfg.Events, AppID: app.ID}
		defer lines.Flush()
		out = io.MultiWriter(out, lines)
	}
	b := &bera.Build{AppID: app.ID, Status: bera.BuildPending, SourceURL: src.Ref, SourceVersion: src.Commit,
		Buildpacks: app.Buildpacks, UserID: user.ID, Stack: app.BuildStack}
	if err := d.cfg.Store.CreateBuild(ctx, b); err != nil {
		return err
	}
	logFile, err := d.openBuildLog(b.ID)
	if err != nil {
		return err
	}
	defer logFile.Close()
	out = io.MultiWriter(out, logFile)
	rel, err := d.run(ctx, app, user, src, b, out)
	b.Status = bera.BuildSucceeded
	if err != nil {
		b.Status = bera.BuildFailed
	} else {
		b.ReleaseID = rel.ID
	}
	if uerr := d.cfg.Store.UpdateBuild(context.WithoutCancel(ctx), b); uerr != nil && err == nil {
		err = uerr
	}
	if err != nil {
		d.log.Info("deploy failed", "app", app.Name, "build", b.ID, "err", err)
		return err
	}
	return d.verify(ctx, app, rel, out)
}

func (d *Deployer) openBuildLog(buildID string) (*os.File, error) {
	dir := filepath.Join(d.cfg.DataDir, "builds")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(filepath.Join(dir, buildID+".log"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
}

// buildRunner returns the runner of the app's build steps; nil means the default.
func (d *Deployer) buildRunner(appID string) build.Runner {
	if d.cfg.Runner == nil {
		return nil
	}
	return d.cfg.Runner(appID)
}

// run builds, stores the slug and creates the release.
func (d *Deployer) run(ctx context.Context, app *bera.App, user *bera.User, src bera.Source, b *bera.Build, out io.Writer) (*bera.Release, error) {
	config, err := d.cfg.Store.ConfigVars(ctx, app.ID)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "bera-build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	aj, err := appJSON(src.Dir, out)
	if err != nil {
		return nil, err
	}
	buildpacks := app.Buildpacks
	if len(buildpacks) == 0 && aj != nil {
		for _, bp := range aj.Buildpacks {
			buildpacks = append(buildpacks, bp.URL)
		}
	}
	if !d.cfg.AllowLocalBuildpacks {
		for _, bp := range buildpacks {
			if err := bera.ValidateBuildpack(bp); err != nil {
				return nil, err
			}
		}
	}
	opts := build.Options{
		SourceDir: src.Dir, CacheDir: filepath.Join(d.cfg.DataDir, "cache", app.ID), Buildpacks: buildpacks,
		Env: config, BuildEnv: d.cfg.BuildEnv, Stack: app.BuildStack, SourceVersion: src.Commit, Output: out,
		Timeout: d.cfg.Timeout, SlugPath: filepath.Join(work, "slug.tgz"), WorkDir: work,
		Runner: d.buildRunner(app.ID), ToolCache: d.cfg.ToolCache,
	}
	if d.cfg.Images != nil && d.cfg.CNBBuiltins != nil {
		opts.ImageLayout, opts.CNBBuiltins, opts.CNBBinDir = d.cfg.Images.LayoutDir(), d.cfg.CNBBuiltins, d.cfg.CNBBinDir
		opts.ImageRef = app.Name + "-" + b.ID
		opts.WithLayout = d.cfg.Images.WithLayout
		if cur, err := d.cfg.Store.CurrentRelease(ctx, app.ID); err == nil && cur.Image != "" && d.cfg.Images.Has(cur.Image) {
			opts.PreviousImage = cur.Image
		}
	}
	res, err := build.Build(ctx, opts)
	if err != nil {
		return nil, buildError(err)
	}
	if _, ok := res.ProcessTypes["web"]; !ok {
		return nil, bera.Errorf(bera.EInvalid, "No web process type: add a Procfile with a `web:` line (process types found: %s).", typeNames(res.ProcessTypes))
	}
	ch := d.releaseChange(app, user, src, res, aj, out)
	// A deploy the limits refuse changes nothing: not even a slug is stored.
	if err := d.releases.Check(ctx, app, ch); err != nil {
		return nil, err
	}
	sl, err := d.storeSlug(ctx, app, src, res)
	if err != nil {
		return nil, err
	}
	b.SlugID = sl.ID
	ch.SlugID = &sl.ID
	rel, err := d.releases.Create(ctx, app, ch)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "-----> Launching...\n       Released v%d\n", rel.Version)
	d.push(ctx, app, rel, res.Image, out)
	return rel, nil
}

// push copies a CNB build's image to Config.Registry. The release does not depend on it:
// dynos run from the local image store, so a failed push is said and left.
func (d *Deployer) push(ctx context.Context, app *bera.App, rel *bera.Release, digest string, out io.Writer) {
	if d.cfg.Registry == "" || digest == "" {
		return
	}
	ref := fmt.Sprintf("%s/%s:v%d", strings.TrimSuffix(d.cfg.Registry, "/"), app.Name, rel.Version)
	if err := d.cfg.Images.Push(ctx, digest, ref, d.cfg.RegistryInsecure); err != nil {
		fmt.Fprintf(out, " !     Pushing the image to %s failed: %v\n", ref, err)
		d.log.Warn("image push failed", "app", app.Name, "ref", ref, "err", err)
		return
	}
	fmt.Fprintf(out, "-----> Pushed image to %s\n", ref)
}

// storeSlug puts the slug tarball in the slug store and records it; a CNB build's image is
// in the image store already, and is recorded.
func (d *Deployer) storeSlug(ctx context.Context, app *bera.App, src bera.Source, res *build.Result) (*bera.Slug, error) {
	if res.Image != "" {
		sl := &bera.Slug{AppID: app.ID, Checksum: "SHA256:" + strings.TrimPrefix(res.Image, "sha256:"), Image: res.Image,
			Buildpacks: res.Buildpacks, Commit: src.Commit, ProcessTypes: res.ProcessTypes, BuildpackDesc: res.BuildpackDescription, Stack: res.Stack}
		return sl, d.cfg.Store.CreateSlug(ctx, sl)
	}
	f, err := os.Open(res.SlugPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := d.cfg.Slugs.Put(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("store slug: %w", err)
	}
	sl := &bera.Slug{AppID: app.ID, Checksum: "SHA256:" + info.SHA256, Size: info.Size, Commit: src.Commit,
		ProcessTypes: res.ProcessTypes, BuildpackDesc: res.BuildpackDescription, Stack: res.Stack}
	if err := d.cfg.Store.CreateSlug(ctx, sl); err != nil {
		return nil, err
	}
	return sl, nil
}

// verify waits for the new release's web dynos, as Heroku's "Verifying deploy" does.
func (d *Deployer) verify(ctx context.Context, app *bera.App, rel *bera.Release, out io.Writer) error {
	url := ""
	if d.cfg.WebURL != nil {
		url = d.cfg.WebURL(app.Name)
	}
	if d.cfg.Converger == nil {
		fmt.Fprintf(out, "       %s deployed to Bera\n", url)
		return nil
	}
	fmt.Fprintf(out, "       %s deployed to Bera\n\nVerifying deploy... ", url)
	if err := d.cfg.Converger.WaitRelease(ctx, app.ID, rel.ID); err != nil {
		fmt.Fprintf(out, "failed: %s\n", bera.ErrorMessage(err))
		return nil // the release exists; its dynos keep retrying
	}
	fmt.Fprintln(out, "done.")
	return nil
}
