package cnb

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// RunConfig is the input of Run: one whole build of an app.
type RunConfig struct {
	// WithLayout, when set, runs the export with the layout it is to append to (LayoutDir
	// or a stand-in for it): it must keep other writers of LayoutDir (other exports,
	// pruning) out while it runs, as the export rewrites the layout's index in place.
	WithLayout    func(export func(layoutDir string) error) error
	AppDir        string // source, built in place (becomes /workspace in the image)
	WorkDir       string // scratch for layers/, platform/, tmp/, group.toml, plan.toml; created, caller removes
	CacheDir      string // per-app persistent cache; "" = none
	LayoutDir     string // OCI image layout (the image store); export appends here
	PreviousImage string // manifest digest "sha256:..." of the app's previous image in LayoutDir, "" = none
	RefName       string // ref name of the new image in the layout index
	Order         Order
	Buildpacks    Store
	PlatformEnv   map[string]string // config vars -> <platform>/env/NAME files
	Env           []string          // base env of buildpack programs (PATH, HOME, CNB_* you set)
	Run           Runner            // nil means ExecRunner
	// Output receives live output under phase headings: "===> ANALYZING",
	// "===> DETECTING", "===> RESTORING", "===> BUILDING", "===> EXPORTING".
	Output         io.Writer
	UID, GID       int // owner of exported files
	DefaultProcess string
	// ImageEnv is the env of the image config (the run image's); nil
	// means a standard PATH.
	ImageEnv []string
}

// RunResult is what Run built.
type RunResult struct {
	Digest   string // manifest digest, "sha256:..."
	Metadata *Metadata
	Group    []GroupEntry
}

// defaultImageEnv is the image env when RunConfig.ImageEnv is nil.
var defaultImageEnv = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}

// Run builds the app: analyze (the previous image's metadata), detect,
// restore (cache and previous metadata), build, export (into LayoutDir,
// reusing the previous image's layers where buildpacks ask), then saves
// the cache. Errors name the phase and, where one is to blame, the
// buildpack: "build: buildpack example/go@1.0.0: bin/build exited with
// status 1".
func Run(ctx context.Context, cfg RunConfig) (*RunResult, error) {
	if cfg.Output == nil {
		cfg.Output = io.Discard
	}
	if cfg.Run == nil {
		cfg.Run = ExecRunner
	}
	for name, v := range map[string]string{"AppDir": cfg.AppDir, "WorkDir": cfg.WorkDir, "LayoutDir": cfg.LayoutDir} {
		if v == "" {
			return nil, fmt.Errorf("prepare: %s is required", name)
		}
	}
	r := &run{cfg: cfg, layers: filepath.Join(cfg.WorkDir, "layers"), platform: filepath.Join(cfg.WorkDir, "platform"), tmp: filepath.Join(cfg.WorkDir, "tmp")}
	if err := r.prepare(); err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	r.analyze()
	res, err := r.detect(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.restore(ctx, res.Group); err != nil {
		return nil, err
	}
	md, err := r.build(ctx, res)
	if err != nil {
		return nil, err
	}
	digest, err := r.export(ctx, md)
	if err != nil {
		return nil, err
	}
	r.saveCache(digest, md)
	return &RunResult{Digest: digest, Metadata: md, Group: res.Group}, nil
}

type run struct {
	cfg                   RunConfig
	layers, platform, tmp string
	prev                  *LifecycleMetadata // nil: no usable previous image
}

// prepare creates the work dirs and writes the platform env files.
func (r *run) prepare() error {
	for _, d := range []string{r.layers, filepath.Join(r.platform, "env"), r.tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	for k, v := range r.cfg.PlatformEnv {
		if k == "" || k == "." || k == ".." || strings.ContainsAny(k, "/=\x00") {
			return fmt.Errorf("platform env: invalid variable name %q", k)
		}
		if err := os.WriteFile(filepath.Join(r.platform, "env", k), []byte(v), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) heading(phase string) { fmt.Fprintf(r.cfg.Output, "===> %s\n", phase) }

// analyze reads the previous image's metadata. An image that cannot be
// read costs a slower build, not a failed one.
func (r *run) analyze() {
	if r.cfg.PreviousImage == "" {
		return
	}
	r.heading("ANALYZING")
	md, err := ReadLifecycleMetadata(r.cfg.LayoutDir, r.cfg.PreviousImage)
	if err != nil {
		fmt.Fprintf(r.cfg.Output, "Ignoring the previous image: %v\n", err)
		return
	}
	fmt.Fprintf(r.cfg.Output, "Previous image %s\n", r.cfg.PreviousImage)
	r.prev = md
}

func (r *run) detect(ctx context.Context) (*DetectResult, error) {
	r.heading("DETECTING")
	res, err := Detect(ctx, DetectConfig{
		AppDir: r.cfg.AppDir, PlatformDir: r.platform, Buildpacks: r.cfg.Buildpacks, Order: r.cfg.Order,
		Env: r.cfg.Env, Run: r.cfg.Run, Output: r.cfg.Output, TmpDir: r.tmp,
	})
	if err != nil {
		return nil, err
	}
	for _, e := range res.Group {
		fmt.Fprintf(r.cfg.Output, "%s %s\n", e.ID, e.Version)
	}
	if err := res.WriteFiles(r.cfg.WorkDir); err != nil {
		return nil, fmt.Errorf("detect: %w", err)
	}
	return res, nil
}

func (r *run) restore(ctx context.Context, group []GroupEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.heading("RESTORING")
	return Restore(RestoreConfig{LayersDir: r.layers, CacheDir: r.cfg.CacheDir, Group: group, Previous: r.prev, Output: r.cfg.Output})
}

func (r *run) build(ctx context.Context, res *DetectResult) (*Metadata, error) {
	r.heading("BUILDING")
	return Build(ctx, BuildConfig{
		AppDir: r.cfg.AppDir, LayersDir: r.layers, PlatformDir: r.platform, Buildpacks: r.cfg.Buildpacks,
		Group: res.Group, Plan: res.Plan, Env: r.cfg.Env, Run: r.cfg.Run, Output: r.cfg.Output,
		DefaultProcess: r.cfg.DefaultProcess, TmpDir: r.tmp,
	})
}

func (r *run) export(ctx context.Context, md *Metadata) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	r.heading("EXPORTING")
	env := r.cfg.ImageEnv
	if env == nil {
		env = defaultImageEnv
	}
	prev := ""
	if r.prev != nil {
		prev = r.cfg.PreviousImage
	}
	var h v1.Hash
	export := func(layoutDir string) (err error) {
		h, err = Export(ExportConfig{
			LayersDir: r.layers, AppDir: r.cfg.AppDir, Metadata: md, LayoutDir: layoutDir, Env: env,
			UID: r.cfg.UID, GID: r.cfg.GID, RefName: r.cfg.RefName, PreviousImage: prev,
		})
		return err
	}
	var err error
	if r.cfg.WithLayout != nil {
		err = r.cfg.WithLayout(export)
	} else {
		err = export(r.cfg.LayoutDir)
	}
	if err != nil {
		return "", err
	}
	fmt.Fprintf(r.cfg.Output, "Image %s\n", h)
	return h.String(), nil
}

// saveCache stores the cache layers. The image exists by now: a cache
// that cannot be saved is reported, not a failed build.
func (r *run) saveCache(digest string, md *Metadata) {
	if r.cfg.CacheDir == "" {
		return
	}
	err := func() error {
		img, err := ReadLifecycleMetadata(r.cfg.LayoutDir, digest)
		if err != nil {
			return err
		}
		return SaveCache(r.cfg.CacheDir, r.layers, md, img)
	}()
	if err != nil {
		fmt.Fprintf(r.cfg.Output, "Warning: cache not saved: %v\n", err)
		return
	}
	fmt.Fprintln(r.cfg.Output, "Saved the cache")
}
