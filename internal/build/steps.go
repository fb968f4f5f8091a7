package build

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/buildpacks"
	"github.com/kingvon-ke/bera/internal/slug"
	"github.com/kingvon-ke/bera/internal/srctree"
)

// buildpack is one buildpack taking part in a build.
type buildpack struct {
	spec string // as the user named it
	dir  string // where its bin/ lives for this build
	name string // what bin/detect printed
}

// selectBuildpacks fetches and detects the buildpacks named in Options, or finds the first
// built-in that detects the app.
func (b *builder) selectBuildpacks(ctx context.Context) ([]*buildpack, error) {
	if len(b.opts.Buildpacks) == 0 {
		return b.detectBuiltin(ctx)
	}
	if len(b.opts.Buildpacks) > 1 {
		b.say("-----> Using buildpacks:")
		for i, s := range b.opts.Buildpacks {
			b.say("       %d. %s", i+1, s)
		}
	}
	var packs []*buildpack
	for i, spec := range b.opts.Buildpacks {
		p := &buildpack{spec: spec, dir: filepath.Join(b.work, "buildpacks", fmt.Sprint(i))}
		// planCNB may have cloned it already, to tell a CNB buildpack from a classic one.
		if _, err := os.Stat(p.dir); err != nil {
			if err := fetchBuildpack(ctx, spec, p.dir, b.out); err != nil {
				return nil, err
			}
		}
		ok, err := b.detect(ctx, p)
		if err != nil {
			return nil, err
		}
		if !ok {
			b.say(" !     App not compatible with buildpack: %s", spec)
			return nil, fmt.Errorf("detect %s: %w", spec, ErrNotCompatible)
		}
		b.say("-----> %s app detected", p.name)
		packs = append(packs, p)
	}
	return packs, nil
}

// detectBuiltin returns the first built-in buildpack whose bin/detect accepts the app.
func (b *builder) detectBuiltin(ctx context.Context) ([]*buildpack, error) {
	for _, name := range buildpacks.Names {
		if name == "procfile" {
			if lang, file := otherLanguage(b.opts.SourceDir); lang != "" {
				b.say(" !     No buildpack detected: this looks like a %s app (%s), and Bera has no built-in %s buildpack.", lang, file, lang)
				b.say("       HINT: Set a buildpack that builds %s apps with `bera buildpacks:set URL`, as on Heroku.", lang)
				return nil, fmt.Errorf("detect %s app: %w", lang, ErrNotDetected)
			}
		}
		p := &buildpack{spec: "heroku/" + name, dir: filepath.Join(b.work, "buildpacks", name)}
		if err := MaterializeBuiltin(name, p.dir); err != nil {
			return nil, err
		}
		ok, err := b.detect(ctx, p)
		if err != nil {
			return nil, err
		}
		if ok {
			b.say("-----> %s app detected", p.name)
			return []*buildpack{p}, nil
		}
	}
	b.say(" !     No default language could be detected for this app.")
	b.say("       HINT: This occurs when Bera cannot detect the buildpack to use for this application automatically.")
	b.say("       Add a go.mod, package.json, requirements.txt, index.html or Procfile, or set a buildpack.")
	return nil, fmt.Errorf("detect: %w", ErrNotDetected)
}

// detect runs p's bin/detect and records the name it prints.
func (b *builder) detect(ctx context.Context, p *buildpack) (bool, error) {
	prog := filepath.Join(p.dir, "bin", "detect")
	if ok, err := b.packHas(p, "bin/detect"); !ok {
		return false, err
	}
	stdout := capBuffer{max: maxProcfile}
	err := b.opts.Runner.Run(ctx, b.step("detect", prog, []string{b.opts.SourceDir}, p, &stdout, io.Discard))
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("detect %s: %w", p.spec, err)
	}
	p.name, _, _ = strings.Cut(strings.TrimSpace(stdout.String()), "\n")
	if p.name = strings.TrimSpace(p.name); p.name == "" {
		p.name = p.spec
	}
	return true, nil
}

// compileScript sources the export files named by its first arguments, then runs the rest.
const compileScript = `n=$1; shift; while [ "$n" -gt 0 ]; do . "$1"; shift; n=$((n-1)); done; exec "$@"`

// compile runs p's bin/compile with the exports of earlier buildpacks sourced.
func (b *builder) compile(ctx context.Context, p *buildpack) error {
	prog := filepath.Join(p.dir, "bin", "compile")
	if ok, err := b.packHas(p, "bin/compile"); err != nil {
		return err
	} else if !ok {
		b.say(" !     Buildpack %s has no bin/compile", p.spec)
		return fmt.Errorf("compile %s: %w", p.spec, ErrCompileFailed)
	}
	args := []string{"-c", compileScript, "bera-compile", fmt.Sprint(len(b.exports))}
	args = append(args, b.exports...)
	args = append(args, prog, b.opts.SourceDir, b.cache, b.envDir)
	if b.opts.ToolCache != nil && b.goLower == "" && isBuiltinGo(p.spec) {
		// Waits for a warm-up still compiling what this build would compile.
		if b.opts.ToolCache.Ready() == "" {
			b.say("-----> Waiting for this server's shared Go build cache to finish warming up")
		}
		b.goLower = b.opts.ToolCache.GoCache(ctx, true)
	}
	err := b.opts.Runner.Run(ctx, b.step("compile", "/bin/bash", args, p, b.out, b.out))
	if err != nil {
		b.say(" !     Push rejected, failed to compile %s app.", p.name)
		return fmt.Errorf("compile %s: %w: %w", p.spec, ErrCompileFailed, err)
	}
	ok, err := b.packHas(p, "export")
	if ok {
		b.exports = append(b.exports, filepath.Join(p.dir, "export"))
	}
	return err
}

// release runs p's bin/release, if it has one, and parses what it prints.
func (b *builder) release(ctx context.Context, p *buildpack) (releaseInfo, error) {
	prog := filepath.Join(p.dir, "bin", "release")
	if ok, err := b.packHas(p, "bin/release"); !ok {
		return releaseInfo{ProcessTypes: map[string]string{}}, err
	}
	stdout := capBuffer{max: maxProcfile}
	if err := b.opts.Runner.Run(ctx, b.step("release", prog, []string{b.opts.SourceDir}, p, &stdout, b.out)); err != nil {
		b.say(" !     bin/release of %s failed", p.spec)
		return releaseInfo{}, fmt.Errorf("release %s: %w: %w", p.spec, ErrReleaseFailed, err)
	}
	info, err := parseRelease(&stdout)
	if err != nil {
		b.say(" !     bin/release of %s printed invalid YAML: %v", p.spec, err)
		return releaseInfo{}, fmt.Errorf("release %s: %w: %w", p.spec, ErrReleaseFailed, err)
	}
	return info, nil
}

// processTypes merges the last buildpack's default process types with the Procfile.
func (b *builder) processTypes(ctx context.Context, last *buildpack) (*Result, error) {
	info, err := b.release(ctx, last)
	if err != nil {
		return nil, err
	}
	res := &Result{AppDir: b.opts.SourceDir, Stack: b.opts.Stack, BuildpackDescription: last.name,
		DefaultProcessTypes: info.ProcessTypes, Addons: info.Addons, ProcessTypes: maps.Clone(info.ProcessTypes)}
	b.say("-----> Discovering process types")
	procfile, err := b.readProcfile()
	if err != nil {
		return nil, err
	}
	if procfile != nil {
		b.say("       Procfile declares types     -> %s", typeList(procfile))
		maps.Copy(res.ProcessTypes, procfile)
	}
	b.say("       Default types for buildpack -> %s", typeList(info.ProcessTypes))
	if len(res.ProcessTypes) == 0 {
		b.say(" !     No process types: add a Procfile, for example \"web: ./bin/server\".")
		return nil, fmt.Errorf("process types: %w", ErrNoProcessTypes)
	}
	return res, nil
}

// readProcfile parses the compiled app's Procfile; nil when there is none. It is read inside
// the app's tree (package srctree): a Procfile that is a link leaving it fails the build.
func (b *builder) readProcfile() (map[string]string, error) {
	data, err := srctree.ReadFile(b.opts.SourceDir, "Procfile", maxProcfile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, b.treeError("read Procfile", err)
	}
	types, err := ParseProcfile(bytes.NewReader(data))
	if err != nil {
		b.say(" !     %s", bera.ErrorMessage(err))
		return nil, fmt.Errorf("%w: %w", ErrProcfile, err)
	}
	return types, nil
}

// typeList renders process type names for the build output.
func typeList(m map[string]string) string {
	if len(m) == 0 {
		return "(none)"
	}
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
}

// packSlug writes the slug tarball to Options.SlugPath, refusing one over MaxSlugSize.
func (b *builder) packSlug(ctx context.Context, res *Result) error {
	if b.opts.SlugPath == "" {
		return nil
	}
	b.say("-----> Compressing...")
	f, err := os.Create(b.opts.SlugPath)
	if err != nil {
		return fmt.Errorf("pack slug: %w", err)
	}
	h := sha256.New()
	cw := &capWriter{max: b.opts.MaxSlugSize}
	err = slug.Pack(ctx, io.MultiWriter(f, h, cw), res.AppDir)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(b.opts.SlugPath)
		if errors.Is(err, errSlugCap) {
			b.say(" !     Compiled slug size is too large (max %s).", megabytes(b.opts.MaxSlugSize))
			return fmt.Errorf("pack slug: %w", ErrSlugTooLarge)
		}
		return fmt.Errorf("pack slug: %w", err)
	}
	res.SlugPath, res.SlugSize, res.SlugSHA256 = b.opts.SlugPath, cw.n, hex.EncodeToString(h.Sum(nil))
	b.say("       Done: %s", megabytes(cw.n))
	return nil
}

// errSlugCap stops packing once the slug passes its cap.
var errSlugCap = errors.New("slug over size cap")

// capWriter counts bytes and fails past max.
type capWriter struct {
	n, max int64
}

// Write counts p, failing once the total passes max.
func (c *capWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	if c.n > c.max {
		return 0, errSlugCap
	}
	return len(p), nil
}

// megabytes renders a size as Heroku does in build output ("12.3M").
func megabytes(n int64) string {
	return fmt.Sprintf("%.1fM", float64(n)/(1<<20))
}

// step builds the Step for one buildpack program.
func (b *builder) step(name, prog string, args []string, p *buildpack, stdout, stderr io.Writer) Step {
	return Step{
		Name: name, Path: prog, Args: args, Dir: b.opts.SourceDir, Env: b.env(),
		Stdout: stdout, Stderr: stderr,
		Mounts: append([]Mount{
			{Path: b.opts.SourceDir, Writable: true}, {Path: b.cache, Writable: true},
			{Path: b.envDir}, {Path: p.dir, Writable: true}, {Path: b.home, Writable: true},
		}, b.layeredMounts(p)...),
	}
}

// layeredMounts are the directories layered over the ToolCache for p's steps: the Go build
// cache, for the built-in buildpacks compiling Go (isBuiltinGo).
func (b *builder) layeredMounts(p *buildpack) []Mount {
	if b.opts.ToolCache == nil || !isBuiltinGo(p.spec) {
		return nil
	}
	lower := b.goLower
	if lower == "" {
		lower = b.opts.ToolCache.GoCache(context.Background(), false)
	}
	return []Mount{{Path: filepath.Join(b.cache, "go-build"), Writable: true, Lower: lower, Upper: filepath.Join(b.layers, "go-build")}}
}

// isBuiltinGo reports whether spec names a built-in buildpack compiling Go with GOCACHE at
// CACHE_DIR/go-build and the flags the machine cache is warmed with: go, and static (its
// small file server).
func isBuiltinGo(spec string) bool {
	name, ok := BuiltinName(spec)
	return ok && (name == "go" || name == "static")
}

// env is the environment of every step: a fixed base, STACK, SOURCE_VERSION and BuildEnv.
func (b *builder) env() []string {
	env := []string{"PATH=" + stepPath, "HOME=" + b.home, "LANG=C.UTF-8",
		"STACK=" + b.opts.Stack, "SOURCE_VERSION=" + b.opts.SourceVersion}
	for _, k := range slices.Sorted(maps.Keys(b.opts.BuildEnv)) {
		env = append(env, k+"="+b.opts.BuildEnv[k])
	}
	return env
}

// treeError says why a file in the app's tree could not be read and returns the build's
// error, whose message is that sentence ("Procfile is a link that leaves the source tree.").
// Other errors are internal and wrapped with op.
func (b *builder) treeError(op string, err error) error {
	var te *srctree.Error
	if !errors.As(err, &te) {
		return fmt.Errorf("%s: %w", op, err)
	}
	b.say(" !     %s", te.Error())
	return fmt.Errorf("%w: %w", bera.Errorf(bera.EInvalid, "%s", te.Error()), err)
}

// packHas reports whether buildpack p has the file name (a slash path under its directory),
// looking inside the buildpack only: a link that leaves it is an error, never followed.
func (b *builder) packHas(p *buildpack, name string) (bool, error) {
	r, err := os.OpenRoot(p.dir)
	if err != nil {
		return false, fmt.Errorf("buildpack %s: %w", p.spec, err)
	}
	defer r.Close()
	_, err = r.Stat(name)
	switch {
	case err == nil:
		return true, nil
	case srctree.Leaves(r.FS().(fs.ReadLinkFS), name):
		b.say(" !     Buildpack %s: %s is a link that leaves the buildpack.", p.spec, name)
		return false, bera.Errorf(bera.EInvalid, "Buildpack %s: %s is a link that leaves the buildpack.", p.spec, name)
	}
	return false, nil
}

// capBuffer keeps the first max+1 bytes written to it and drops the rest, so a buildpack
// program's output cannot fill the server's memory; a parser of it sees it was over max.
type capBuffer struct {
	bytes.Buffer
	max int
}

// Write keeps what fits of p and reports all of it written.
func (c *capBuffer) Write(p []byte) (int, error) {
	if room := c.max + 1 - c.Len(); room > 0 {
		c.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
