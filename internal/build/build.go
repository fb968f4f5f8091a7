// Package build turns an app's source directory into a slug with classic buildpacks
// (bin/detect, bin/compile, bin/release), as Heroku's slug compiler does. It also parses the
// files a build reads: Procfile and app.json.
//
// Build runs each buildpack program through a Runner: plain child processes by default, a
// sandbox when one is plugged in. Bera's built-in buildpacks ship embedded in the binary
// (package buildpacks) and are written to the build's work directory when used.
package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/cnb"
	"github.com/kingvon-ke/bera/internal/srctree"
)

// User-facing build failures. Build wraps one of these (so bera.ErrorMessage gives the
// sentence) and has already written details to Options.Output. The sentences say what went
// wrong, not that the build failed: whoever shows them frames them ("Build failed: …",
// "Push rejected: …").
var (
	ErrNotDetected    = bera.Errorf(bera.EInvalid, "No default language could be detected for this app.")
	ErrNotCompatible  = bera.Errorf(bera.EInvalid, "App not compatible with buildpack.")
	ErrBuildpackFetch = bera.Errorf(bera.EInvalid, "A buildpack could not be fetched.")
	ErrCompileFailed  = bera.Errorf(bera.EInvalid, "The app failed to compile.")
	ErrReleaseFailed  = bera.Errorf(bera.EInvalid, "The buildpack's bin/release failed.")
	ErrProcfile       = bera.Errorf(bera.EInvalid, "The Procfile is not valid.")
	ErrNoProcessTypes = bera.Errorf(bera.EInvalid, "No process types: add a Procfile such as \"web: ./bin/server\".")
	ErrTimeout        = bera.Errorf(bera.EInvalid, "The build timed out.")
	ErrSlugTooLarge   = bera.Errorf(bera.ETooLarge, "The compiled slug is too large.")
	// ErrNoWebProcess is not returned by Build: a slug without a web type is valid (a
	// worker-only app). Callers that need one check Result.HasWeb and return this.
	ErrNoWebProcess = bera.Errorf(bera.EInvalid, "No web process type: add \"web: <command>\" to the Procfile.")
)

// Defaults for zero Options fields.
const (
	DefaultStack       = bera.DefaultStack
	DefaultTimeout     = 15 * time.Minute
	DefaultMaxSlugSize = 500 << 20
)

// stepPath is the PATH every buildpack program starts with.
const stepPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Options says what to build and how.
type Options struct {
	// SourceDir holds the app's source. It is compiled in place and becomes the slug's
	// /app, so pass a throwaway checkout. Required.
	SourceDir string
	// CacheDir is the app's build cache, kept between builds (created if missing). Empty
	// means a fresh cache that is thrown away.
	CacheDir string
	// Buildpacks run in order: built-in names ("heroku/go", "go", …), git URLs
	// ("https://host/repo.git#ref", "file:///dir"), or absolute local directories. Empty
	// means detect among the built-ins.
	Buildpacks []string
	// Env holds the app's config vars, given to buildpacks as files in ENV_DIR (not exported).
	Env map[string]string
	// BuildEnv holds platform variables exported to every step (GOCACHE, a proxy, …). They
	// are not config vars and are not written to ENV_DIR.
	BuildEnv map[string]string
	// Stack names the stack (STACK); default DefaultStack.
	Stack string
	// SourceVersion is the commit being built (SOURCE_VERSION).
	SourceVersion string
	// Output receives the build output live, with "-----> " headings. Nil discards it.
	Output io.Writer
	// Timeout caps the whole build; default DefaultTimeout.
	Timeout time.Duration
	// SlugPath, when set, is where the slug tarball (slug.Pack format) is written.
	SlugPath string
	// MaxSlugSize caps the compressed slug; default DefaultMaxSlugSize.
	MaxSlugSize int64
	// WorkDir is where the build's temporary directory (buildpacks, ENV_DIR, HOME) is made;
	// default os.TempDir().
	WorkDir string
	// Runner runs the buildpack programs; default ProcessRunner.
	Runner Runner
	// ToolCache, when set, is the machine's shared Go build cache: the built-in Go
	// buildpack's steps see CACHE_DIR/go-build (its GOCACHE) as ToolCache's layer,
	// read-only, below the app's own layer in LayerDir (see Mount.Lower). Nil: the app's
	// cache alone, as before.
	ToolCache *ToolCache
	// LayerDir keeps the app's own layers over ToolCache between builds; it is never shown
	// to a sandboxed step as a directory. Default: CacheDir + ".layers" (a fresh directory
	// when CacheDir is empty).
	LayerDir string

	// ImageLayout is the OCI image layout a Cloud Native Buildpacks build exports its image
	// to (the server's image store); "" refuses CNB builds. CNB builds keep their cache
	// layers in CacheDir/cnb.
	ImageLayout string
	// PreviousImage is the digest of the app's last CNB image in ImageLayout ("" for none):
	// its launch layers' metadata is restored and unchanged layers are reused.
	PreviousImage string
	// ImageRef tags the exported image in the layout (org.opencontainers.image.ref.name).
	ImageRef string
	// WithLayout, when set, runs the export with other writers of ImageLayout kept out,
	// giving it the layout to append to (cnb.RunConfig.WithLayout).
	WithLayout func(export func(layoutDir string) error) error
	// CNBBuiltins writes Bera's built-in CNB buildpacks into dir, laid out as a cnb.Store,
	// their programs running the bera binary at self, and returns the builder order that
	// picks among them. Nil refuses CNB builds.
	CNBBuiltins func(dir, self string) (cnb.Order, error)
	// CNBBinDir returns a directory holding the bera binary as "bera" (a copy the server
	// makes on the first CNB build): CNB build steps see it read-only, below a throwaway
	// layer, at the self given to CNBBuiltins. Nil shows none (buildpacks that need no bera
	// binary).
	CNBBinDir func() (string, error)
}

// Result is what a successful build produced.
type Result struct {
	// AppDir is the compiled app (Options.SourceDir).
	AppDir string
	// SlugPath, SlugSize and SlugSHA256 describe the slug tarball when Options.SlugPath was set.
	SlugPath   string
	SlugSize   int64
	SlugSHA256 string
	// ProcessTypes is the final type → command map: the last buildpack's defaults,
	// overridden by the Procfile. Never empty.
	ProcessTypes map[string]string
	// DefaultProcessTypes is what the last buildpack's bin/release proposed.
	DefaultProcessTypes map[string]string
	// BuildpackDescription is the last buildpack's detect output, such as "Go".
	BuildpackDescription string
	// Buildpacks are the buildpacks that ran, in order (a detected built-in as "heroku/NAME").
	Buildpacks []string
	// Addons are the add-ons the buildpacks' bin/release asked for (legacy).
	Addons []string
	// Stack is the stack the slug was built on.
	Stack string
	// Image is the digest ("sha256:…") of the OCI image a CNB build exported into
	// Options.ImageLayout; SlugPath is then empty. Buildpacks are then "id@version".
	Image string
}

// HasWeb reports whether the slug has a web process type.
func (r *Result) HasWeb() bool {
	_, ok := r.ProcessTypes["web"]
	return ok
}

// Build compiles opts.SourceDir with buildpacks, discovers its process types and, when
// opts.SlugPath is set, packs the slug. Output streams to opts.Output as it happens. A
// failure wraps one of the Err* values above; the build output already says why.
func Build(ctx context.Context, opts Options) (*Result, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	b, err := newBuilder(opts)
	if err != nil {
		return nil, err
	}
	defer b.cleanup()
	res, err := b.run(ctx)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		b.say(" !     Build timed out after %s", opts.Timeout)
		return nil, fmt.Errorf("build: %w: %w", ErrTimeout, err)
	}
	return res, err
}

// withDefaults checks opts and fills in defaults.
func (o Options) withDefaults() (Options, error) {
	if o.SourceDir == "" {
		return o, errors.New("build: no source directory")
	}
	if fi, err := os.Stat(o.SourceDir); err != nil || !fi.IsDir() {
		return o, fmt.Errorf("build: source directory %s: not a directory", o.SourceDir)
	}
	// Buildpacks cd around, so every directory they are given must be absolute.
	for _, p := range []*string{&o.SourceDir, &o.CacheDir, &o.SlugPath, &o.WorkDir, &o.LayerDir} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return o, fmt.Errorf("build: %w", err)
		}
		*p = abs
	}
	if o.LayerDir == "" && o.CacheDir != "" {
		o.LayerDir = o.CacheDir + ".layers"
	}
	if o.Stack == "" {
		o.Stack = DefaultStack
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxSlugSize <= 0 {
		o.MaxSlugSize = DefaultMaxSlugSize
	}
	if o.Output == nil {
		o.Output = io.Discard
	}
	if o.Runner == nil {
		o.Runner = ProcessRunner{}
	}
	return o, nil
}

// builder holds the state of one Build.
type builder struct {
	opts    Options
	out     *syncWriter
	work    string // temporary directory, removed by cleanup
	envDir  string
	home    string
	cache   string
	layers  string
	exports []string // export files of buildpacks that already compiled
	goLower string   // ToolCache's layer once a step asked for it
}

// newBuilder makes the build's temporary directories.
func newBuilder(opts Options) (*builder, error) {
	work, err := os.MkdirTemp(opts.WorkDir, "bera-build-*")
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	b := &builder{opts: opts, out: &syncWriter{w: opts.Output}, work: work,
		envDir: filepath.Join(work, "env"), home: filepath.Join(work, "home"), cache: opts.CacheDir}
	if b.cache == "" {
		b.cache = filepath.Join(work, "cache")
	}
	b.layers = opts.LayerDir
	if b.layers == "" {
		b.layers = filepath.Join(work, "layers")
	}
	for _, d := range []string{b.envDir, b.home, b.cache, filepath.Join(work, "buildpacks")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			b.cleanup()
			return nil, fmt.Errorf("build: %w", err)
		}
	}
	return b, nil
}

// cleanup removes the temporary directory.
func (b *builder) cleanup() { os.RemoveAll(b.work) }

// say writes one formatted line to the build output.
func (b *builder) say(format string, args ...any) {
	fmt.Fprintf(b.out, format+"\n", args...)
}

// run performs the build steps in order.
func (b *builder) run(ctx context.Context) (*Result, error) {
	b.say("-----> Building on the %s stack", b.opts.Stack)
	if err := b.checkLinks(); err != nil {
		return nil, err
	}
	n, err := applySlugIgnore(b.opts.SourceDir)
	if err != nil {
		return nil, b.treeError("build", err)
	}
	if n > 0 {
		b.say("       Removed %d path(s) listed in .slugignore", n)
	}
	plan, err := b.planCNB(ctx)
	if err != nil {
		return nil, err
	}
	if plan != nil {
		res, err := b.runCNB(ctx, plan)
		if err != nil {
			return nil, err
		}
		return res, b.checkLinks()
	}
	if err := writeEnvDir(b.envDir, b.opts.Env); err != nil {
		return nil, err
	}
	packs, err := b.selectBuildpacks(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range packs {
		if err := b.compile(ctx, p); err != nil {
			return nil, err
		}
	}
	res, err := b.processTypes(ctx, packs[len(packs)-1])
	if err != nil {
		return nil, err
	}
	for _, p := range packs {
		res.Buildpacks = append(res.Buildpacks, p.spec)
	}
	if err := b.checkLinks(); err != nil {
		return nil, err
	}
	if err := b.packSlug(ctx, res); err != nil {
		return nil, err
	}
	return res, nil
}

// checkLinks refuses a source tree holding a link that leaves it (see package srctree): the
// server never follows one, and slug.Extract would refuse the slug. It runs on the source
// before the buildpacks and on the compiled app before packing.
func (b *builder) checkLinks() error {
	name, err := srctree.FindLeavingLink(b.opts.SourceDir)
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	if name == "" {
		return nil
	}
	return b.treeError("build", &srctree.Error{Name: name, Err: srctree.ErrLeavesTree})
}

// writeEnvDir writes one file per config var into dir.
func writeEnvDir(dir string, env map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if err := bera.ValidateConfigKey(k); err != nil {
			return err
		}
		if strings.Contains(k, "/") || k == "." || k == ".." {
			return bera.Errorf(bera.EInvalid, "Config var %q cannot be given to buildpacks: names must not contain '/'.", k)
		}
		if err := os.WriteFile(filepath.Join(dir, k), []byte(env[k]), 0o600); err != nil {
			return fmt.Errorf("build: write ENV_DIR: %w", err)
		}
	}
	return nil
}

// syncWriter serialises writes from the builder and the steps it runs.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write writes p to the underlying writer under the lock.
func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
