package cnb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// BuildConfig is the input of the build phase.
type BuildConfig struct {
	AppDir      string       // the application; cwd of bin/build
	LayersDir   string       // <layers>; each buildpack gets <layers>/<escaped id>
	PlatformDir string       // holds env/ with user-provided variables
	Buildpacks  Store        // where group entries are looked up
	Group       []GroupEntry // from detect
	Plan        Plan         // from detect
	Env         []string     // base environment
	Run         Runner       // nil means ExecRunner
	Output      io.Writer    // live bin/build output
	// DefaultProcess is the platform's choice (CNB_PROCESS_TYPE); it wins
	// over the buildpacks' default when such a process exists.
	DefaultProcess string
	// TmpDir holds the per-buildpack plan files; "" means os.TempDir().
	TmpDir string
}

// Metadata is <layers>/config/metadata.toml, the result of the build phase.
type Metadata struct {
	Buildpacks     []GroupEntry      `toml:"buildpacks"`
	Processes      []Process         `toml:"processes"`
	Labels         []Label           `toml:"labels,omitempty"`
	DefaultProcess string            `toml:"buildpack-default-process-type,omitempty"`
	Layers         []BuildpackLayers `toml:"-"`
	Unmet          map[string]string `toml:"-"` // unmet plan entry name -> buildpack id
	_              struct{}
}

// BuildpackLayers is what one buildpack left in its layers dir.
type BuildpackLayers struct {
	Buildpack GroupEntry
	Layers    []Layer
}

// Process is a process type of the built app.
type Process struct {
	Type        string   `toml:"type"`
	Command     []string `toml:"command"`
	Args        []string `toml:"args"`
	Direct      bool     `toml:"direct"`
	Default     bool     `toml:"default,omitempty"`
	WorkingDir  string   `toml:"working-dir,omitempty"`
	BuildpackID string   `toml:"buildpack-id"`
}

// Build runs bin/build of each buildpack of the group in order and writes
// <layers>/config/metadata.toml.
func Build(ctx context.Context, cfg BuildConfig) (*Metadata, error) {
	if cfg.Run == nil {
		cfg.Run = ExecRunner
	}
	if cfg.Output == nil {
		cfg.Output = io.Discard
	}
	b := &builder{cfg: cfg, env: NewEnv(cfg.Env), plan: cfg.Plan, procs: &processMap{}}
	md := &Metadata{}
	for _, e := range cfg.Group {
		bl, launch, err := b.buildpack(ctx, e)
		if err != nil {
			return nil, err
		}
		md.Buildpacks = append(md.Buildpacks, bl.Buildpack)
		md.Layers = append(md.Layers, bl)
		md.Labels = append(md.Labels, launch.Labels...)
		b.procs.add(bl.Buildpack, launch.Processes)
	}
	md.Processes, md.DefaultProcess = b.procs.result(cfg.DefaultProcess)
	if err := writeMetadata(cfg.LayersDir, md); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	return md, nil
}

func writeMetadata(layersDir string, md *Metadata) error {
	dir := filepath.Join(layersDir, "config")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return writeTOML(filepath.Join(dir, "metadata.toml"), md)
}

type builder struct {
	cfg         BuildConfig
	env         *Env // build env: base plus build layers of earlier buildpacks
	plan        Plan
	procs       *processMap
	buildLayers []Mount // build layers of earlier buildpacks, read-only
}

// buildpack runs one buildpack's bin/build and collects its output.
func (b *builder) buildpack(ctx context.Context, e GroupEntry) (BuildpackLayers, *LaunchTOML, error) {
	fail := func(err error) (BuildpackLayers, *LaunchTOML, error) {
		return BuildpackLayers{}, nil, fmt.Errorf("build: buildpack %s: %w", e, err)
	}
	bp, err := b.cfg.Buildpacks.Lookup(e.ID, e.Version)
	if err != nil {
		return fail(err)
	}
	e.API, e.Homepage = bp.API, bp.Info.Homepage
	bpLayers := filepath.Join(b.cfg.LayersDir, escapeID(e.ID))
	if err := os.MkdirAll(bpLayers, 0o755); err != nil {
		return fail(err)
	}
	if err := b.run(ctx, bp, e, bpLayers); err != nil {
		return fail(err)
	}
	layers, launch, err := b.collect(e, bpLayers)
	if err != nil {
		return fail(err)
	}
	return BuildpackLayers{Buildpack: e, Layers: layers}, launch, nil
}

// run executes bin/build with the buildpack plan and the CNB env.
func (b *builder) run(ctx context.Context, bp *Buildpack, e GroupEntry, bpLayers string) error {
	tmp, err := os.MkdirTemp(b.cfg.TmpDir, "cnb-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	planPath := filepath.Join(tmp, "plan.toml")
	if err := writeTOML(planPath, b.plan.forBuildpack(e.ID)); err != nil {
		return err
	}
	env, err := buildpackEnv(b.env.List(), b.cfg.PlatformDir, bp)
	if err != nil {
		return err
	}
	env = setEnv(env, "CNB_LAYERS_DIR", bpLayers)
	env = setEnv(env, "CNB_BP_PLAN_PATH", planPath)
	var args []string
	if !apiAtLeast(bp.API, 8) {
		args = []string{bpLayers, b.cfg.PlatformDir, planPath}
	}
	ms := append([]Mount{
		{Path: b.cfg.AppDir, Writable: true}, {Path: bpLayers, Writable: true},
		{Path: b.cfg.PlatformDir}, {Path: bp.Dir}, {Path: tmp},
	}, b.buildLayers...)
	code, err := b.cfg.Run(ctx, Cmd{
		Path: filepath.Join(bp.Dir, "bin", "build"), Args: args, Dir: b.cfg.AppDir, Env: env,
		Stdout: b.cfg.Output, Stderr: b.cfg.Output, Mounts: mounts(ms...),
	})
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return fmt.Errorf("bin/build: %w", err)
	case code != 0:
		return fmt.Errorf("bin/build exited with status %d", code)
	}
	return nil
}

// collect reads the layers, launch.toml and build.toml a buildpack wrote,
// adds its build layers to the env of later buildpacks and drops the plan
// entries it met.
func (b *builder) collect(e GroupEntry, bpLayers string) ([]Layer, *LaunchTOML, error) {
	all, err := readLayers(bpLayers)
	if err != nil {
		return nil, nil, err
	}
	var layers []Layer
	for _, l := range all {
		t := l.Types
		switch {
		case l.Reuse && !t.Launch:
			// Restored metadata the buildpack did not claim: nothing to keep.
			continue
		case !l.Reuse && !t.Launch && !t.Build && !t.Cache:
			// Ignored layer: hide it from later buildpacks (Buildpack API).
			if err := ignoreLayer(l.Dir); err != nil {
				return nil, nil, err
			}
			continue
		}
		if t.Build && !l.Reuse {
			if err := applyBuildLayer(b.env, l); err != nil {
				return nil, nil, err
			}
			b.buildLayers = append(b.buildLayers, Mount{Path: l.Dir})
		}
		layers = append(layers, l)
	}
	launch, err := readLaunchTOML(filepath.Join(bpLayers, "launch.toml"))
	if err != nil {
		return nil, nil, err
	}
	var bt BuildTOML
	if _, err := readTOML(filepath.Join(bpLayers, "build.toml"), &bt); err != nil {
		return nil, nil, err
	}
	unmet := map[string]bool{}
	for _, u := range bt.Unmet {
		unmet[u.Name] = true
	}
	b.plan = b.plan.without(e.ID, unmet)
	return layers, launch, nil
}

// ignoreLayer renames <layer> to <layer>.ignore.
func ignoreLayer(dir string) error {
	if err := os.RemoveAll(dir + ".ignore"); err != nil {
		return err
	}
	return os.Rename(dir, dir+".ignore")
}

func readLaunchTOML(path string) (*LaunchTOML, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &LaunchTOML{}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseLaunchTOML(data)
}

// processMap merges process types across buildpacks: a later buildpack's
// process replaces an earlier one of the same type.
type processMap struct {
	order       []string
	procs       map[string]Process
	defaultType string
}

func (m *processMap) add(bp GroupEntry, procs []LaunchProcess) {
	if m.procs == nil {
		m.procs = map[string]Process{}
	}
	for _, lp := range procs {
		if _, ok := m.procs[lp.Type]; !ok {
			m.order = append(m.order, lp.Type)
		}
		m.procs[lp.Type] = toProcess(bp, lp)
		switch {
		case lp.Default:
			m.defaultType = lp.Type
		case lp.Type == m.defaultType:
			// Replaced by a process not marked default: no longer default.
			m.defaultType = ""
		}
	}
}

// toProcess converts a launch.toml process to the metadata form. Before
// Buildpack API 0.9 a non-direct command is a shell script; from 0.9 on
// every process is direct.
func toProcess(bp GroupEntry, lp LaunchProcess) Process {
	p := Process{
		Type: lp.Type, Command: lp.Command, Args: lp.Args, Direct: true,
		WorkingDir: lp.WorkingDir, BuildpackID: bp.ID,
	}
	if !apiAtLeast(bp.API, 9) && (lp.Direct == nil || !*lp.Direct) {
		p.Direct = false
	}
	return p
}

// result lists the processes in first-defined order and the default type.
func (m *processMap) result(platformDefault string) ([]Process, string) {
	def := m.defaultType
	if _, ok := m.procs[platformDefault]; ok {
		def = platformDefault
	}
	out := make([]Process, 0, len(m.order))
	for _, t := range m.order {
		p := m.procs[t]
		p.Default = t == def
		out = append(out, p)
	}
	return out, def
}
