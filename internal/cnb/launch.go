package cnb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// LaunchConfig says what to launch from a built app.
type LaunchConfig struct {
	LayersDir string   // <layers> with config/metadata.toml
	AppDir    string   // default working directory
	Process   string   // process type; "" means the default process
	Args      []string // user arguments; replace the process's args
	// Command, when set, is run instead of a process type (`bera run`),
	// in the launch env without process-specific env.
	Command []string
	Env     []string  // base env: PORT, DYNO, config vars
	Output  io.Writer // stdout and stderr of exec.d programs
}

// LaunchSpec is the final process: what a dyno executes.
type LaunchSpec struct {
	Argv []string
	Env  []string
	Dir  string
}

// Launch computes the env and argv of a process the way the CNB launcher
// does: launch layers' bin/, lib/, env/, env.launch/ and
// env.launch/<process>/ in buildpack and layer order, then each exec.d
// program's TOML output on fd 3.
func Launch(ctx context.Context, cfg LaunchConfig) (*LaunchSpec, error) {
	md, err := readMetadata(cfg.LayersDir)
	if err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}
	proc, err := chooseProcess(md, cfg)
	if err != nil {
		return nil, fmt.Errorf("launch: %w", err)
	}
	if cfg.Output == nil {
		cfg.Output = io.Discard
	}
	env, err := launchEnv(ctx, cfg, md, proc.Type)
	if err != nil {
		return nil, fmt.Errorf("launch: process %q: %w", proc.Type, err)
	}
	return &LaunchSpec{Argv: argv(proc, env), Env: env.List(), Dir: workDir(cfg.AppDir, proc.WorkingDir)}, nil
}

func readMetadata(layersDir string) (*Metadata, error) {
	data, err := os.ReadFile(filepath.Join(layersDir, "config", "metadata.toml"))
	if err != nil {
		return nil, err
	}
	return ParseMetadata(data)
}

// ParseMetadata parses a <layers>/config/metadata.toml.
func ParseMetadata(data []byte) (*Metadata, error) {
	var md Metadata
	if err := decodeTOML(data, &md); err != nil {
		return nil, fmt.Errorf("metadata.toml: %w", err)
	}
	for _, p := range md.Processes {
		if !processTypeRE.MatchString(p.Type) || len(p.Command) == 0 {
			return nil, fmt.Errorf("metadata.toml: invalid process %q", p.Type)
		}
	}
	for _, bp := range md.Buildpacks {
		if err := validID(bp.ID); err != nil {
			return nil, fmt.Errorf("metadata.toml: %w", err)
		}
	}
	return &md, nil
}

// chooseProcess finds the process to run; a Command becomes a direct
// process without a type.
func chooseProcess(md *Metadata, cfg LaunchConfig) (Process, error) {
	if len(cfg.Command) > 0 {
		return Process{Command: cfg.Command[:1], Args: cfg.Command[1:], Direct: true}, nil
	}
	want := cfg.Process
	if want == "" {
		want = md.DefaultProcess
	}
	if want == "" {
		return Process{}, errors.New("no process type given and no default process")
	}
	for _, p := range md.Processes {
		if p.Type == want {
			if cfg.Args != nil {
				p.Args = cfg.Args
			}
			return p, nil
		}
	}
	return Process{}, fmt.Errorf("process type %q not found", want)
}

// launchEnv applies every launch layer, then runs exec.d programs.
func launchEnv(ctx context.Context, cfg LaunchConfig, md *Metadata, process string) (*Env, error) {
	env := NewEnv(cfg.Env)
	var layers []Layer
	for _, bp := range md.Buildpacks {
		ls, err := launchLayers(filepath.Join(cfg.LayersDir, escapeID(bp.ID)))
		if err != nil {
			return nil, fmt.Errorf("buildpack %s: %w", bp.ID, err)
		}
		for _, l := range ls {
			if !l.Types.Launch || l.Reuse {
				continue
			}
			if err := applyLaunchLayer(env, l, process); err != nil {
				return nil, fmt.Errorf("buildpack %s: %w", bp.ID, err)
			}
			layers = append(layers, l)
		}
	}
	for _, l := range layers {
		if err := runExecDs(ctx, env, l, process, cfg); err != nil {
			return nil, err
		}
	}
	return env, nil
}

// runExecDs runs <layer>/exec.d/* then <layer>/exec.d/<process>/*.
func runExecDs(ctx context.Context, env *Env, l Layer, process string, cfg LaunchConfig) error {
	dirs := []string{filepath.Join(l.Dir, "exec.d")}
	if process != "" {
		dirs = append(dirs, filepath.Join(l.Dir, "exec.d", process))
	}
	for _, dir := range dirs {
		progs, err := executables(dir)
		if err != nil {
			return err
		}
		for _, p := range progs {
			if err := runExecD(ctx, env, p, cfg); err != nil {
				return fmt.Errorf("layer %s: exec.d %s: %w", l.Name, filepath.Base(p), err)
			}
		}
	}
	return nil
}

// executables lists the regular files of dir, sorted.
func executables(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.Type().IsRegular() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// runExecD runs one exec.d program with the current env and applies the
// TOML table of strings it writes to fd 3.
func runExecD(ctx context.Context, env *Env, path string, cfg LaunchConfig) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	cmd := exec.CommandContext(ctx, path)
	cmd.Env, cmd.Dir = env.List(), cfg.AppDir
	cmd.Stdout, cmd.Stderr = cfg.Output, cfg.Output
	cmd.ExtraFiles = []*os.File{w}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return err
	}
	out, readErr := io.ReadAll(io.LimitReader(r, 1<<20))
	if err := cmd.Wait(); err != nil {
		return err
	}
	if readErr != nil {
		return readErr
	}
	vars, err := ParseExecDOutput(out)
	if err != nil {
		return err
	}
	for k, v := range vars {
		env.Set(k, v)
	}
	return nil
}

// ParseExecDOutput parses what an exec.d program writes to fd 3: a TOML
// table of string values.
func ParseExecDOutput(data []byte) (map[string]string, error) {
	vars := map[string]string{}
	if err := decodeTOML(data, &vars); err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	for k := range vars {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return nil, fmt.Errorf("output: invalid variable name %q", k)
		}
	}
	return vars, nil
}

// argv is the command line: direct processes exec command then args with
// command[0] looked up on the launch PATH; others run in bash.
func argv(p Process, env *Env) []string {
	if !p.Direct {
		return []string{"bash", "-c", strings.Join(append(append([]string{}, p.Command...), p.Args...), " ")}
	}
	path, _ := env.Get("PATH")
	out := append([]string{lookPathIn(p.Command[0], path)}, p.Command[1:]...)
	return append(out, p.Args...)
}

// lookPathIn resolves name on the given PATH; names with a slash, and
// names not found, are returned as is.
func lookPathIn(name, path string) string {
	if strings.Contains(name, "/") {
		return name
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return name
}

// workDir is the process's working directory, relative to the app dir.
func workDir(appDir, wd string) string {
	switch {
	case wd == "":
		return appDir
	case filepath.IsAbs(wd):
		return wd
	default:
		return filepath.Join(appDir, wd)
	}
}

// launchLayers are a buildpack's launch layers in bpDir, by name. In an exported image a
// layer is a directory without its <layer>.toml (only launch layers are exported, as the
// reference lifecycle does); in a layers dir straight from the build phase the TOML says.
func launchLayers(bpDir string) ([]Layer, error) {
	ls, err := readLayers(bpDir)
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(bpDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	for _, ent := range ents {
		if !ent.IsDir() {
			continue
		}
		if _, err := os.Lstat(filepath.Join(bpDir, ent.Name()+".toml")); err == nil {
			continue
		}
		l := Layer{Name: ent.Name(), Dir: filepath.Join(bpDir, ent.Name())}
		l.Types.Launch = true
		ls = append(ls, l)
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].Name < ls[j].Name })
	return ls, nil
}
