package build

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/cnb"
	"github.com/kingvon-ke/bera/internal/srctree"
)

// An app builds with Cloud Native Buildpacks instead of classic ones when it has a
// project.toml, when one of its buildpacks is a CNB buildpack (a Git URL whose tree has a
// buildpack.toml), or when it names a builder (BuilderNames). Everything else builds as
// before.

// BuilderNames name the built-in builder: Bera's CNB buildpacks in the order that picks
// among them (Options.CNBBuiltins).
var BuilderNames = []string{"bera/builder", "heroku/builder", "heroku/builder:24", "cnb"}

// maxProjectTOML caps project.toml.
const maxProjectTOML = 1 << 20

// ErrNoImageStore is the failure of a CNB build on a server without an image store.
var ErrNoImageStore = bera.Errorf(bera.EUnavailable, "This server cannot build Cloud Native Buildpacks apps: it has no image store")

// isBuilderName reports whether spec names the built-in builder.
func isBuilderName(spec string) bool {
	return slices.Contains(BuilderNames, strings.ToLower(strings.TrimSpace(spec)))
}

// cnbPlan is what a CNB build runs: the order to detect with and the store holding every
// buildpack it names.
type cnbPlan struct {
	order cnb.Order
	store string
	env   map[string]string // project.toml's build env
}

// planCNB decides whether the app builds with CNB and, if so, gathers the buildpacks. It
// returns nil for a classic build. Git URL buildpacks it had to fetch to tell are left in
// work/buildpacks/N, where the classic path finds them.
func (b *builder) planCNB(ctx context.Context) (*cnbPlan, error) {
	proj, err := b.projectTOML()
	if err != nil {
		return nil, err
	}
	specs := b.opts.Buildpacks
	cnbSpecs := map[int]*cnb.Buildpack{}
	builder := false
	for i, spec := range specs {
		switch {
		case isBuilderName(spec):
			builder = true
		case isGitURL(spec):
			dir := filepath.Join(b.work, "buildpacks", fmt.Sprint(i))
			if err := cloneBuildpack(ctx, spec, dir, b.out); err != nil {
				return nil, err
			}
			bp, err := readBuildpackTOML(dir)
			if err != nil {
				b.say(" !     %s: %v", spec, err)
				return nil, fmt.Errorf("buildpack %s: %w", spec, ErrBuildpackFetch)
			}
			if bp != nil {
				cnbSpecs[i] = bp
			}
		}
	}
	if proj == nil && !builder && len(cnbSpecs) == 0 {
		return nil, nil
	}
	if b.opts.ImageLayout == "" || b.opts.CNBBuiltins == nil {
		b.say(" !     %s.", ErrNoImageStore)
		return nil, ErrNoImageStore
	}
	p := &cnbPlan{store: filepath.Join(b.work, "cnb", "buildpacks")}
	builderOrder, err := b.opts.CNBBuiltins(p.store, filepath.Join(b.work, "cnb", "bin", "bera"))
	if err != nil {
		return nil, fmt.Errorf("built-in CNB buildpacks: %w", err)
	}
	if proj != nil {
		p.env = proj.BuildEnv()
	}
	var group []cnb.GroupEntry
	switch {
	case len(specs) > 0 && !(builder && len(specs) == 1):
		// The app's own buildpacks win over project.toml's, as `pack build --buildpack` does.
		for i, spec := range specs {
			e, err := b.cnbEntry(spec, cnbSpecs[i], filepath.Join(b.work, "buildpacks", fmt.Sprint(i)), p.store)
			if err != nil {
				return nil, err
			}
			group = append(group, e)
		}
	case proj != nil && len(proj.Buildpacks) > 0:
		if group, err = b.projectGroup(ctx, proj, p.store); err != nil {
			return nil, err
		}
	}
	if len(group) == 0 {
		p.order = builderOrder
		return p, nil
	}
	if _, err := os.Stat(cnb.Store{Dir: p.store}.Path(procfileID, "")); err == nil && !hasEntry(group, procfileID) {
		// As Heroku's builders do: a Procfile's process types are never lost.
		group = append(group, cnb.GroupEntry{ID: procfileID, Optional: true})
	}
	p.order = cnb.Order{{Group: group}}
	return p, nil
}

// procfileID is the built-in CNB buildpack reading the Procfile.
const procfileID = "bera/procfile"

func hasEntry(es []cnb.GroupEntry, id string) bool {
	return slices.ContainsFunc(es, func(e cnb.GroupEntry) bool { return e.ID == id })
}

// projectTOML reads the app's project.toml, if any; a bad one fails the build.
func (b *builder) projectTOML() (*cnb.Project, error) {
	data, err := srctree.ReadFile(b.opts.SourceDir, "project.toml", maxProjectTOML)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, b.treeError("build", err)
	}
	proj, err := cnb.ParseProjectTOML(data)
	if err != nil {
		b.say(" !     %v", err)
		return nil, fmt.Errorf("%w: %w", bera.Errorf(bera.EInvalid, "%v", err), ErrNotDetected)
	}
	return proj, nil
}

// readBuildpackTOML returns the CNB descriptor at the root of a fetched buildpack, or nil
// when it is a classic one (no buildpack.toml). The file is read inside dir only.
func readBuildpackTOML(dir string) (*cnb.Buildpack, error) {
	data, err := srctree.ReadFile(dir, "buildpack.toml", maxProjectTOML)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return cnb.ParseBuildpack(data)
}

// cnbEntry turns one of the app's buildpacks into a group entry, putting a fetched CNB
// buildpack into the store. Built-in names ("go", "heroku/go", "bera/go") are Bera's CNB
// buildpack of that language.
func (b *builder) cnbEntry(spec string, bp *cnb.Buildpack, fetched, store string) (cnb.GroupEntry, error) {
	if bp != nil {
		if err := storeBuildpack(store, bp, fetched); err != nil {
			return cnb.GroupEntry{}, err
		}
		return cnb.GroupEntry{ID: bp.Info.ID, Version: bp.Info.Version}, nil
	}
	if name, ok := BuiltinName(spec); ok {
		return cnb.GroupEntry{ID: "bera/" + name}, nil
	}
	if isGitURL(spec) {
		b.say(" !     %s is a classic buildpack (no buildpack.toml); it cannot run with Cloud Native Buildpacks.", spec)
		b.say("       HINT: Use only CNB buildpacks here, or remove project.toml to build with classic buildpacks.")
		return cnb.GroupEntry{}, fmt.Errorf("buildpack %s: %w", spec, ErrNotCompatible)
	}
	return cnb.GroupEntry{}, bera.Errorf(bera.EInvalid, "Unknown buildpack %q for a Cloud Native Buildpacks build: use a built-in name (go, nodejs, python, static, procfile), bera/builder, or the Git URL of a CNB buildpack.", spec)
}

// projectGroup resolves project.toml's buildpacks: ids name built-in (or already fetched)
// ones, Git URLs are fetched.
func (b *builder) projectGroup(ctx context.Context, proj *cnb.Project, store string) ([]cnb.GroupEntry, error) {
	var group []cnb.GroupEntry
	for i, pb := range proj.Buildpacks {
		if e, ok := pb.Entry(); ok {
			if name, ok := BuiltinName(e.ID); ok {
				e = cnb.GroupEntry{ID: "bera/" + name}
			}
			group = append(group, e)
			continue
		}
		// The file is the tenant's: only a remote Git URL is fetched, never a path, a
		// file:// URL or an ssh remote, which would clone the server's own files or use
		// its keys.
		if lower := strings.ToLower(pb.URI); !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") {
			b.say(" !     project.toml: buildpack uri %q cannot be fetched: use an https:// Git URL or a built-in id.", pb.URI)
			return nil, bera.Errorf(bera.EInvalid, "project.toml: buildpack uri %q cannot be fetched: use an https:// Git URL or a built-in id.", pb.URI)
		}
		dir := filepath.Join(b.work, "cnb", "fetched", fmt.Sprint(i))
		if err := cloneBuildpack(ctx, pb.URI, dir, b.out); err != nil {
			return nil, err
		}
		bp, err := readBuildpackTOML(dir)
		if err != nil || bp == nil {
			b.say(" !     project.toml: %s is not a CNB buildpack (no valid buildpack.toml at its root).", pb.URI)
			return nil, fmt.Errorf("buildpack %s: %w", pb.URI, ErrNotCompatible)
		}
		if err := storeBuildpack(store, bp, dir); err != nil {
			return nil, err
		}
		group = append(group, cnb.GroupEntry{ID: bp.Info.ID, Version: bp.Info.Version})
	}
	return group, nil
}

// storeBuildpack moves a fetched buildpack into the store's layout.
func storeBuildpack(store string, bp *cnb.Buildpack, dir string) error {
	dst := cnb.Store{Dir: store}.Path(bp.Info.ID, bp.Info.Version)
	if _, err := os.Stat(dst); err == nil {
		return bera.Errorf(bera.EInvalid, "Buildpack %s@%s is given twice.", bp.Info.ID, bp.Info.Version)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.Rename(dir, dst)
}

// runCNB builds the app with the lifecycle and exports its image.
func (b *builder) runCNB(ctx context.Context, p *cnbPlan) (*Result, error) {
	b.say("-----> Building with Cloud Native Buildpacks (Platform API 0.13)")
	env := maps.Clone(p.env)
	if env == nil {
		env = map[string]string{}
	}
	maps.Copy(env, b.opts.Env) // config vars win over project.toml's defaults
	cacheDir := ""
	if b.opts.CacheDir != "" {
		cacheDir = filepath.Join(b.opts.CacheDir, "cnb")
	}
	binDir := ""
	if b.opts.CNBBinDir != nil {
		var err error
		if binDir, err = b.opts.CNBBinDir(); err != nil {
			return nil, err
		}
	}
	res, err := cnb.Run(ctx, cnb.RunConfig{
		AppDir: b.opts.SourceDir, WorkDir: filepath.Join(b.work, "cnb", "work"), CacheDir: cacheDir,
		LayoutDir: b.opts.ImageLayout, WithLayout: b.opts.WithLayout, PreviousImage: b.opts.PreviousImage, RefName: b.opts.ImageRef,
		Order: p.order, Buildpacks: cnb.Store{Dir: p.store}, PlatformEnv: env,
		Env: b.cnbEnv(), Run: b.cnbRunner(binDir), Output: b.out, UID: cnbUID, GID: cnbUID,
	})
	if err != nil {
		b.say(" !     %v", err)
		return nil, cnbError(err)
	}
	r := &Result{AppDir: b.opts.SourceDir, ProcessTypes: map[string]string{}, Stack: b.opts.Stack, Image: res.Digest}
	for _, e := range res.Group {
		r.Buildpacks = append(r.Buildpacks, e.ID+"@"+e.Version)
	}
	for _, proc := range res.Metadata.Processes {
		r.ProcessTypes[proc.Type] = strings.Join(append(append([]string{}, proc.Command...), proc.Args...), " ")
	}
	r.DefaultProcessTypes = maps.Clone(r.ProcessTypes)
	if len(res.Group) > 0 {
		r.BuildpackDescription = res.Group[0].ID
	}
	b.say("-----> Discovering process types")
	b.say("       Image declares types        -> (%s)", typeList(r.ProcessTypes))
	b.say("-----> Exported image %s", res.Digest)
	return r, nil
}

// cnbUID owns the files of exported images: the CNB user of Heroku's and Paketo's stacks.
// Dynos run them as their app's own uid (the image store unpacks for it).
const cnbUID = 1000

// cnbError classifies a lifecycle failure: no group detected, or a buildpack failed.
func cnbError(err error) error {
	if strings.HasPrefix(err.Error(), "detect:") {
		return fmt.Errorf("%w: %w", ErrNotDetected, err)
	}
	return fmt.Errorf("%w: %w", ErrCompileFailed, err)
}

// cnbRunner runs the lifecycle's buildpack programs through the build's Runner, with the
// mounts the lifecycle lists plus the build's HOME.
func (b *builder) cnbRunner(binDir string) cnb.Runner {
	// The bera binary and the machine's Go build cache, each read-only below a layer of
	// the build's own: the built-in buildpacks run the one and seed their cache from the
	// other (builtin.SeedEnv), so a first Go build does not compile the standard library.
	var layered []Mount
	if binDir != "" {
		layered = append(layered, Mount{Path: filepath.Join(b.work, "cnb", "bin"), Lower: binDir,
			Upper: filepath.Join(b.work, "cnb", "bin.layer")})
	}
	if seed := b.goSeed(); seed != "" {
		layered = append(layered, Mount{Path: filepath.Join(b.work, "cnb", "goseed"), Lower: seed,
			Upper: filepath.Join(b.work, "cnb", "goseed.layer")})
	}
	remap := b.cnbRemap()
	return func(ctx context.Context, c cnb.Cmd) (int, error) {
		mounts := append([]Mount{{Path: b.home, Writable: true}}, layered...)
		for _, m := range c.Mounts {
			mounts = append(mounts, Mount{Path: m.Path, Writable: m.Writable, Target: remap.target(m.Path)})
		}
		env := make([]string, len(c.Env))
		for i, kv := range c.Env {
			k, v, _ := strings.Cut(kv, "=")
			env[i] = k + "=" + remap.list(v)
		}
		args := make([]string, len(c.Args))
		for i, a := range c.Args {
			args[i] = remap.path(a)
		}
		err := b.opts.Runner.Run(ctx, Step{Name: "cnb", Path: c.Path, Args: args, Dir: remap.path(c.Dir), Env: env,
			Stdout: c.Stdout, Stderr: c.Stderr, Mounts: mounts})
		var exit *exec.ExitError
		if errors.As(err, &exit) && ctx.Err() == nil {
			return exit.ExitCode(), nil
		}
		if err != nil {
			return -1, err
		}
		return 0, nil
	}
}

// goSeed is the machine's finished Go build cache, or "" when there is none yet.
func (b *builder) goSeed() string {
	if b.opts.ToolCache == nil {
		return ""
	}
	return b.opts.ToolCache.GoCache(context.Background(), false)
}

// cnbEnv is the base env of the lifecycle's programs: the classic steps' env, and where the
// Go cache seed is when there is one.
func (b *builder) cnbEnv() []string {
	env := b.env()
	if b.goSeed() != "" {
		env = append(env, "BERA_GO_CACHE_SEED="+filepath.Join(b.work, "cnb", "goseed"))
	}
	return env
}

// cnbRemap is how CNB build steps see the app and the layers: at /workspace and /layers,
// where the dynos running the image see them, so the absolute paths buildpacks write into
// env files, scripts or a virtualenv hold at launch too. Only a Remapper (the runc sandbox)
// can show them there; with another runner they stay at their host paths.
func (b *builder) cnbRemap() remap {
	if r, ok := b.opts.Runner.(Remapper); !ok || !r.RemapsMounts() {
		return remap{}
	}
	return remap{{b.opts.SourceDir, "/workspace"}, {filepath.Join(b.work, "cnb", "work", "layers"), "/layers"}}
}

// remap maps host directories (and what is under them) to the paths a step sees.
type remap [][2]string

// path maps one path; others are left as they are.
func (r remap) path(p string) string {
	for _, m := range r {
		if p == m[0] {
			return m[1]
		}
		if rest, ok := strings.CutPrefix(p, m[0]+"/"); ok {
			return m[1] + "/" + rest
		}
	}
	return p
}

// target is the Mount.Target of host directory p: "" when it is not remapped.
func (r remap) target(p string) string {
	if t := r.path(p); t != p {
		return t
	}
	return ""
}

// list maps each element of a colon-separated list (PATH, CNB_LAYERS_DIR, …).
func (r remap) list(v string) string {
	if len(r) == 0 || !strings.Contains(v, "/") {
		return v
	}
	parts := strings.Split(v, ":")
	for i, p := range parts {
		parts[i] = r.path(p)
	}
	return strings.Join(parts, ":")
}
