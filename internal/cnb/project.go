package cnb

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// Project is an app's project.toml (Project Descriptor), read as pack
// reads it: schema 0.2 ([_] and [io.buildpacks]) or the legacy 0.1
// ([project] and [build]).
type Project struct {
	SchemaVersion string // "0.1" or "0.2"
	ID            string
	Name          string
	Version       string
	Builder       string
	Include       []string // .gitignore patterns; only these go into the build
	Exclude       []string // .gitignore patterns left out of the build
	// Buildpacks in order: the pre group, the group, the post group.
	Buildpacks []ProjectBuildpack
	Env        []ProjectEnv // build-time env, in file order
}

// ProjectBuildpack is one buildpack of project.toml: an id (with an
// optional version) or a URI (a Git URL, an archive, a urn:cnb:... name).
type ProjectBuildpack struct {
	ID      string
	Version string
	URI     string
}

// ProjectEnv is one [[io.buildpacks.build.env]] (or [[build.env]]) entry.
type ProjectEnv struct {
	Name  string `toml:"name"`
	Value string `toml:"value"`
}

// Group is the buildpacks named by id, in order, as an order group. A
// URI of the form urn:cnb:builder:<id>[@<version>],
// urn:cnb:registry:<id>[@<version>] or urn:buildpack:<id> names a
// buildpack by id too; any other URI is left out: the caller fetches it
// (see URIs) and puts what it finds in its place.
func (p *Project) Group() []GroupEntry {
	var out []GroupEntry
	for _, b := range p.Buildpacks {
		if e, ok := b.Entry(); ok {
			out = append(out, e)
		}
	}
	return out
}

// Entry is the group entry of b, if b names a buildpack by id (or a urn: URI of one).
func (b ProjectBuildpack) Entry() (GroupEntry, bool) {
	if b.ID != "" {
		return GroupEntry{ID: b.ID, Version: b.Version}, true
	}
	for _, prefix := range []string{"urn:cnb:builder:", "urn:cnb:registry:", "urn:buildpack:"} {
		if rest, ok := strings.CutPrefix(b.URI, prefix); ok {
			id, version, _ := strings.Cut(rest, "@")
			if id != "" && validID(id) == nil && validVersion(version) {
				return GroupEntry{ID: id, Version: version}, true
			}
		}
	}
	return GroupEntry{}, false
}

// URIs lists the URIs of the buildpacks that Group leaves out, in order:
// the ones the caller must fetch.
func (p *Project) URIs() []string {
	var out []string
	for _, b := range p.Buildpacks {
		if _, ok := b.Entry(); !ok {
			out = append(out, b.URI)
		}
	}
	return out
}

// BuildEnv is the build-time env; a later entry of a name wins.
func (p *Project) BuildEnv() map[string]string {
	out := make(map[string]string, len(p.Env))
	for _, e := range p.Env {
		out[e.Name] = e.Value
	}
	return out
}

type rawProjectBuildpack struct {
	ID      string `toml:"id"`
	Version string `toml:"version"`
	URI     string `toml:"uri"`
	Script  any    `toml:"script"`
}

type rawBuild struct {
	Builder    string                `toml:"builder"`
	Include    []string              `toml:"include"`
	Exclude    []string              `toml:"exclude"`
	Buildpacks []rawProjectBuildpack `toml:"buildpacks"`
	Env        []ProjectEnv          `toml:"env"`
}

type rawGroup struct {
	Group []rawProjectBuildpack `toml:"group"`
}

type rawProject struct {
	Meta struct {
		SchemaVersion string `toml:"schema-version"`
		ID            string `toml:"id"`
		Name          string `toml:"name"`
		Version       string `toml:"version"`
	} `toml:"_"`
	Project struct { // 0.1
		ID      string `toml:"id"`
		Name    string `toml:"name"`
		Version string `toml:"version"`
	} `toml:"project"`
	Build rawBuild `toml:"build"` // 0.1
	IO    struct {
		Buildpacks struct {
			Builder string                `toml:"builder"`
			Include []string              `toml:"include"`
			Exclude []string              `toml:"exclude"`
			Group   []rawProjectBuildpack `toml:"group"`
			Pre     rawGroup              `toml:"pre"`
			Post    rawGroup              `toml:"post"`
			Build   rawBuild              `toml:"build"`
		} `toml:"buildpacks"`
	} `toml:"io"`
}

// ParseProjectTOML parses and validates a project.toml. Without a
// schema-version it is 0.1, unless it has only an [io.buildpacks] table,
// which is 0.2 with the version left out.
func ParseProjectTOML(data []byte) (*Project, error) {
	var raw rawProject
	meta, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&raw)
	if err != nil {
		return nil, fmt.Errorf("project.toml: %w", err)
	}
	schema := raw.Meta.SchemaVersion
	if schema == "" {
		schema = "0.1"
		if meta.IsDefined("io", "buildpacks") && !meta.IsDefined("build") {
			schema = "0.2"
		}
	}
	var p *Project
	switch schema {
	case "0.1":
		p = raw.v01()
	case "0.2":
		p = raw.v02()
	default:
		return nil, fmt.Errorf("project.toml: schema-version %q not supported (supported: 0.1, 0.2)", schema)
	}
	p.SchemaVersion = schema
	if err := raw.checkScripts(); err != nil {
		return nil, fmt.Errorf("project.toml: %w", err)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("project.toml: %w", err)
	}
	return p, nil
}

func (raw *rawProject) v01() *Project {
	b := raw.Build
	return &Project{
		ID: raw.Project.ID, Name: raw.Project.Name, Version: raw.Project.Version,
		Builder: b.Builder, Include: b.Include, Exclude: b.Exclude,
		Buildpacks: projectBuildpacks(b.Buildpacks), Env: projectEnv(b.Env),
	}
}

// v02 reads [io.buildpacks], taking builder, include, exclude and the
// group from [io.buildpacks] (as pack writes them) or
// [io.buildpacks.build] (as the spec's text has them).
func (raw *rawProject) v02() *Project {
	io := raw.IO.Buildpacks
	p := &Project{
		ID: raw.Meta.ID, Name: raw.Meta.Name, Version: raw.Meta.Version,
		Builder: io.Builder,
		Include: append(append([]string{}, io.Include...), io.Build.Include...),
		Exclude: append(append([]string{}, io.Exclude...), io.Build.Exclude...),
		Env:     projectEnv(io.Build.Env),
	}
	if p.Builder == "" {
		p.Builder = io.Build.Builder
	}
	for _, g := range [][]rawProjectBuildpack{io.Pre.Group, io.Group, io.Build.Buildpacks, io.Post.Group} {
		p.Buildpacks = append(p.Buildpacks, projectBuildpacks(g)...)
	}
	return p
}

// checkScripts rejects inline buildpacks: Bera runs buildpacks from its
// store or from a URI only.
func (raw *rawProject) checkScripts() error {
	io := raw.IO.Buildpacks
	for _, g := range [][]rawProjectBuildpack{io.Pre.Group, io.Group, io.Build.Buildpacks, io.Post.Group, raw.Build.Buildpacks} {
		for _, b := range g {
			if b.Script != nil {
				return fmt.Errorf("buildpack %q: inline buildpacks ([script]) are not supported", b.ID)
			}
		}
	}
	return nil
}

func projectBuildpacks(raw []rawProjectBuildpack) []ProjectBuildpack {
	var out []ProjectBuildpack
	for _, b := range raw {
		out = append(out, ProjectBuildpack{ID: b.ID, Version: b.Version, URI: b.URI})
	}
	return out
}

func projectEnv(raw []ProjectEnv) []ProjectEnv {
	return append([]ProjectEnv(nil), raw...)
}

// validVersion rejects versions that cannot name a store directory.
func validVersion(v string) bool {
	return !strings.ContainsAny(v, "/\\\x00") && v != "." && v != ".."
}

func (p *Project) validate() error {
	if len(p.Include) > 0 && len(p.Exclude) > 0 {
		return errors.New("include and exclude are mutually exclusive")
	}
	for i, b := range p.Buildpacks {
		switch {
		case b.ID == "" && b.URI == "":
			return fmt.Errorf("buildpack %d: id or uri is required", i+1)
		case b.ID != "" && validID(b.ID) != nil:
			return fmt.Errorf("buildpack %d: %w", i+1, validID(b.ID))
		case !validVersion(b.Version):
			return fmt.Errorf("buildpack %d: invalid version %q", i+1, b.Version)
		}
	}
	for _, e := range p.Env {
		if e.Name == "" || strings.ContainsAny(e.Name, "=/\x00") || e.Name == "." || e.Name == ".." {
			return fmt.Errorf("build env: invalid variable name %q", e.Name)
		}
		if strings.ContainsRune(e.Value, 0) {
			return fmt.Errorf("build env: %s: value contains a NUL byte", e.Name)
		}
	}
	return nil
}
