package cnb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Detect exit codes from the Buildpack API.
const (
	detectPass = 0
	detectFail = 100
)

// DetectConfig is the input of the detect phase.
type DetectConfig struct {
	AppDir      string   // the application source; cwd of bin/detect
	PlatformDir string   // holds env/ with user-provided variables
	Buildpacks  Store    // where group entries are looked up
	Order       Order    // groups to try
	Env         []string // base environment of every buildpack
	Run         Runner   // nil means ExecRunner
	Output      io.Writer
	TmpDir      string // holds the plan files; "" means os.TempDir()
}

// DetectResult is the outcome of the detect phase: group.toml and plan.toml.
type DetectResult struct {
	Group []GroupEntry `toml:"group"`
	Plan  Plan         `toml:"-"`
}

// ErrNoGroup is returned when no group of the order passed detection.
var ErrNoGroup = errors.New("detect: no buildpack group passed detection")

// Detect runs the detect phase: each group in order until one passes with
// a resolvable build plan.
func Detect(ctx context.Context, cfg DetectConfig) (*DetectResult, error) {
	tmp, err := os.MkdirTemp(cfg.TmpDir, "cnb-detect-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	d := &detector{cfg: cfg, tmp: tmp, runs: map[string]*detectRun{}}
	if d.cfg.Run == nil {
		d.cfg.Run = ExecRunner
	}
	if d.cfg.Output == nil {
		d.cfg.Output = io.Discard
	}
	group, plan, err := d.order(ctx, cfg.Order, nil, nil, false)
	if err != nil {
		return nil, d.explain(err)
	}
	return &DetectResult{Group: group, Plan: plan}, nil
}

// WriteFiles writes group.toml and plan.toml into dir.
func (r *DetectResult) WriteFiles(dir string) error {
	if err := writeTOML(filepath.Join(dir, "group.toml"), r); err != nil {
		return err
	}
	return writeTOML(filepath.Join(dir, "plan.toml"), r.Plan)
}

type detector struct {
	cfg   DetectConfig
	tmp   string
	runs  map[string]*detectRun // by id@version: a buildpack detects once
	depth int                   // meta-buildpack nesting
}

// maxMetaDepth bounds meta-buildpack nesting, so an order that includes
// itself fails instead of recursing for ever.
const maxMetaDepth = 16

type detectRun struct {
	bp   *Buildpack
	code int
	plan *DetectPlan
	err  error // could not run, or wrote an invalid plan
}

var errGroupFailed = errors.New("group failed detection")

// order tries each group of o with next appended (the rest of an outer
// group when o belongs to a meta-buildpack); done are the buildpacks of
// the outer group already taken.
func (d *detector) order(ctx context.Context, o Order, done, next []GroupEntry, optional bool) ([]GroupEntry, Plan, error) {
	if d.depth++; d.depth > maxMetaDepth {
		return nil, Plan{}, fmt.Errorf("detect: meta-buildpacks nested more than %d deep (a cycle?)", maxMetaDepth)
	}
	defer func() { d.depth-- }()
	for _, g := range o {
		group := append(append([]GroupEntry{}, g.Group...), next...)
		found, plan, err := d.group(ctx, group, done)
		if err == nil || !errors.Is(err, errGroupFailed) {
			return found, plan, err
		}
	}
	if optional {
		return d.group(ctx, next, done)
	}
	return nil, Plan{}, errGroupFailed
}

// group detects each buildpack of group (expanding meta-buildpacks) and
// resolves the plan of the ones that passed.
func (d *detector) group(ctx context.Context, group, done []GroupEntry) ([]GroupEntry, Plan, error) {
	done = append([]GroupEntry{}, done...)
	for i, e := range group {
		if hasID(done, e.ID) {
			continue
		}
		bp, err := d.cfg.Buildpacks.Lookup(e.ID, e.Version)
		if err != nil {
			return nil, Plan{}, fmt.Errorf("detect: %w", err)
		}
		if bp.IsMeta() {
			return d.order(ctx, bp.Order, done, group[i+1:], e.Optional)
		}
		e.Version, e.API, e.Homepage = bp.Info.Version, bp.API, bp.Info.Homepage
		done = append(done, e)
		if err := d.run(ctx, bp, e); err != nil {
			return nil, Plan{}, err
		}
	}
	return d.resolve(done)
}

func hasID(es []GroupEntry, id string) bool {
	for _, e := range es {
		if e.ID == id {
			return true
		}
	}
	return false
}

// resolve turns the detect runs of done into a group and plan.
func (d *detector) resolve(done []GroupEntry) ([]GroupEntry, Plan, error) {
	var cands []candidate
	for _, e := range done {
		r := d.runs[e.String()]
		if r.code == detectPass && r.err == nil {
			cands = append(cands, candidate{bp: e, alts: r.plan.alternatives()})
			continue
		}
		if !e.Optional {
			return nil, Plan{}, errGroupFailed
		}
	}
	group, plan, err := resolvePlan(cands)
	if err != nil {
		return nil, Plan{}, fmt.Errorf("%w: %w", errGroupFailed, err)
	}
	return group, plan, nil
}

// run executes bin/detect of bp once per detect phase.
func (d *detector) run(ctx context.Context, bp *Buildpack, e GroupEntry) error {
	key := e.String()
	if _, ok := d.runs[key]; ok {
		return nil
	}
	dir := filepath.Join(d.tmp, fmt.Sprintf("%d", len(d.runs)))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	planPath := filepath.Join(dir, "plan.toml")
	env, err := buildpackEnv(d.cfg.Env, d.cfg.PlatformDir, bp)
	if err != nil {
		return fmt.Errorf("detect: buildpack %s: %w", key, err)
	}
	env = setEnv(env, "CNB_BUILD_PLAN_PATH", planPath)
	var args []string
	if !apiAtLeast(bp.API, 8) { // before 0.8 the paths are arguments
		args = []string{d.cfg.PlatformDir, planPath}
	}
	code, err := d.cfg.Run(ctx, Cmd{
		Path: filepath.Join(bp.Dir, "bin", "detect"), Args: args, Dir: d.cfg.AppDir, Env: env,
		Stdout: d.cfg.Output, Stderr: d.cfg.Output,
		Mounts: mounts(Mount{Path: d.cfg.AppDir}, Mount{Path: d.cfg.PlatformDir}, Mount{Path: bp.Dir}, Mount{Path: dir, Writable: true}),
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	r := &detectRun{bp: bp, code: code, err: err}
	if err == nil && code == detectPass {
		r.plan, r.err = readDetectPlan(planPath)
	}
	d.runs[key] = r
	return nil
}

// explain turns a failed order into an error naming the buildpacks that
// errored (exit code other than 0 and 100).
func (d *detector) explain(err error) error {
	if !errors.Is(err, errGroupFailed) {
		return err
	}
	var msgs []string
	for key, r := range d.runs {
		switch {
		case r.err != nil:
			msgs = append(msgs, fmt.Sprintf("buildpack %s: bin/detect: %v", key, r.err))
		case r.code != detectPass && r.code != detectFail:
			msgs = append(msgs, fmt.Sprintf("buildpack %s: bin/detect exited with status %d", key, r.code))
		}
	}
	if len(msgs) == 0 {
		return ErrNoGroup
	}
	sort.Strings(msgs)
	return fmt.Errorf("%w; errors: %s", ErrNoGroup, strings.Join(msgs, "; "))
}

// buildpackEnv is the environment of a buildpack executable: the base env,
// the user-provided env from <platform>/env unless clear-env, and the CNB
// directory variables.
func buildpackEnv(base []string, platformDir string, bp *Buildpack) ([]string, error) {
	env := append([]string{}, base...)
	if !bp.Info.ClearEnv {
		user, err := platformEnv(platformDir)
		if err != nil {
			return nil, err
		}
		for _, kv := range user {
			k, v, _ := strings.Cut(kv, "=")
			env = setEnv(env, k, v)
		}
	}
	env = setEnv(env, "CNB_PLATFORM_DIR", platformDir)
	env = setEnv(env, "CNB_BUILDPACK_DIR", bp.Dir)
	env = setEnv(env, "CNB_TARGET_OS", "linux")
	env = setEnv(env, "CNB_TARGET_ARCH", runtime.GOARCH)
	return env, nil
}

// platformEnv reads <platform>/env/<NAME> files as NAME=content.
func platformEnv(platformDir string) ([]string, error) {
	if platformDir == "" {
		return nil, nil
	}
	dir := filepath.Join(platformDir, "env")
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, e.Name()+"="+string(b))
	}
	return out, nil
}

// setEnv sets k=v in env, replacing an existing entry.
func setEnv(env []string, k, v string) []string {
	for i, kv := range env {
		if strings.HasPrefix(kv, k+"=") {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}

// ParseGroup parses a group.toml written by the detect phase.
func ParseGroup(data []byte) ([]GroupEntry, error) {
	var r DetectResult
	if err := decodeTOML(data, &r); err != nil {
		return nil, fmt.Errorf("group.toml: %w", err)
	}
	for _, e := range r.Group {
		if err := validID(e.ID); err != nil || e.ID == "" {
			return nil, fmt.Errorf("group.toml: invalid buildpack %q", e.ID)
		}
	}
	return r.Group, nil
}
