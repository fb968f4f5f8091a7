package cnb

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
)

// supportedAPIs are the Buildpack API versions this platform runs.
var supportedAPIs = []string{"0.7", "0.8", "0.9", "0.10", "0.11"}

// Buildpack is a parsed buildpack.toml.
type Buildpack struct {
	API     string        `toml:"api"`
	Info    BuildpackInfo `toml:"buildpack"`
	Stacks  []Stack       `toml:"stacks"`
	Targets []Target      `toml:"targets"`
	Order   Order         `toml:"order"`

	// Dir is the directory holding buildpack.toml and bin/ (not from TOML).
	Dir string `toml:"-"`
}

// BuildpackInfo is the [buildpack] table.
type BuildpackInfo struct {
	ID       string `toml:"id"`
	Version  string `toml:"version"`
	Name     string `toml:"name"`
	Homepage string `toml:"homepage"`
	ClearEnv bool   `toml:"clear-env"`
}

// Stack is a deprecated [[stacks]] entry.
type Stack struct {
	ID     string   `toml:"id"`
	Mixins []string `toml:"mixins"`
}

// Target is a [[targets]] entry.
type Target struct {
	OS      string   `toml:"os"`
	Arch    string   `toml:"arch"`
	Variant string   `toml:"variant"`
	Distros []Distro `toml:"distros"`
}

// Distro is a [[targets.distros]] entry.
type Distro struct {
	Name    string `toml:"name"`
	Version string `toml:"version"`
}

// Order is a list of groups tried in turn; the first passing group wins.
type Order []Group

// Group is one [[order]] entry: buildpacks that run together.
type Group struct {
	Group []GroupEntry `toml:"group"`
}

// GroupEntry names a buildpack in a group, order or group.toml.
type GroupEntry struct {
	ID       string `toml:"id"`
	Version  string `toml:"version"`
	API      string `toml:"api,omitempty"`
	Homepage string `toml:"homepage,omitempty"`
	Optional bool   `toml:"optional,omitempty"`
}

// String is "id@version".
func (g GroupEntry) String() string { return g.ID + "@" + g.Version }

// IsMeta reports whether the buildpack is a composite (meta) buildpack.
func (b *Buildpack) IsMeta() bool { return len(b.Order) > 0 }

// ParseBuildpack parses and validates a buildpack.toml.
func ParseBuildpack(data []byte) (*Buildpack, error) {
	var bp Buildpack
	if err := decodeTOML(data, &bp); err != nil {
		return nil, fmt.Errorf("buildpack.toml: %w", err)
	}
	if err := bp.validate(); err != nil {
		return nil, fmt.Errorf("buildpack.toml: %w", err)
	}
	return &bp, nil
}

func (b *Buildpack) validate() error {
	if !apiSupported(b.API) {
		return fmt.Errorf("buildpack API %q not supported (supported: %s)", b.API, strings.Join(supportedAPIs, ", "))
	}
	if b.Info.ID == "" || b.Info.Version == "" {
		return errors.New("buildpack id and version are required")
	}
	if err := validID(b.Info.ID); err != nil {
		return err
	}
	return validateOrder(b.Order)
}

// validID rejects ids that are reserved or cannot name a directory.
func validID(id string) error {
	switch {
	case id == "config" || id == "app" || id == "sbom":
		return fmt.Errorf("buildpack id %q is reserved", id)
	case strings.ContainsAny(id, "\\\x00") || strings.Contains(id, "..") || strings.HasPrefix(id, "/"):
		return fmt.Errorf("buildpack id %q is invalid", id)
	}
	return nil
}

// ParseOrder parses an order.toml.
func ParseOrder(data []byte) (Order, error) {
	var file struct {
		Order Order `toml:"order"`
	}
	if err := decodeTOML(data, &file); err != nil {
		return nil, fmt.Errorf("order.toml: %w", err)
	}
	if err := validateOrder(file.Order); err != nil {
		return nil, fmt.Errorf("order.toml: %w", err)
	}
	return file.Order, nil
}

func validateOrder(o Order) error {
	for i, g := range o {
		if len(g.Group) == 0 {
			return fmt.Errorf("order group %d is empty", i+1)
		}
		for _, e := range g.Group {
			if e.ID == "" {
				return fmt.Errorf("order group %d: buildpack without id", i+1)
			}
			if err := validID(e.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

func apiSupported(v string) bool {
	for _, s := range supportedAPIs {
		if s == v {
			return true
		}
	}
	return false
}

// apiAtLeast reports whether Buildpack API v is at least minor 0.<min>.
func apiAtLeast(v string, min int) bool {
	var major, minor int
	if _, err := fmt.Sscanf(v, "%d.%d", &major, &minor); err != nil {
		return false
	}
	return major > 0 || minor >= min
}

// decodeTOML decodes TOML into v. Unknown keys are allowed: the spec lets
// buildpacks and platforms carry more than this package reads.
func decodeTOML(data []byte, v any) error {
	_, err := toml.NewDecoder(bytes.NewReader(data)).Decode(v)
	return err
}

// Store finds buildpacks in a platform buildpacks directory laid out as
// <dir>/<escaped id>/<version>/buildpack.toml (escaped: "/" becomes "_").
type Store struct {
	Dir string
}

// Lookup reads the buildpack id@version. An empty version is accepted when
// exactly one version is present.
func (s Store) Lookup(id, version string) (*Buildpack, error) {
	idDir := s.Path(id, "")
	if version == "" {
		ents, err := os.ReadDir(idDir)
		if err != nil || len(ents) != 1 {
			return nil, fmt.Errorf("buildpack %s: need a version (found %d)", id, len(ents))
		}
		version = ents[0].Name()
	}
	dir := filepath.Join(idDir, version)
	data, err := os.ReadFile(filepath.Join(dir, "buildpack.toml"))
	if err != nil {
		return nil, fmt.Errorf("buildpack %s@%s: %w", id, version, err)
	}
	bp, err := ParseBuildpack(data)
	if err != nil {
		return nil, fmt.Errorf("buildpack %s@%s: %w", id, version, err)
	}
	if bp.Info.ID != id || bp.Info.Version != version {
		return nil, fmt.Errorf("buildpack %s@%s: descriptor says %s@%s", id, version, bp.Info.ID, bp.Info.Version)
	}
	bp.Dir = dir
	return bp, nil
}

// Path is where the store keeps id@version (the id's directory when version is "").
func (s Store) Path(id, version string) string {
	return filepath.Join(s.Dir, escapeID(id), version)
}

// escapeID turns a buildpack id into a directory name.
func escapeID(id string) string { return strings.ReplaceAll(id, "/", "_") }

// writeTOML encodes v into path.
func writeTOML(path string, v any) error {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(v); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// readTOML decodes the file at path into v; a missing file leaves v as is
// and reports ok=false.
func readTOML(path string, v any) (ok bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := decodeTOML(data, v); err != nil {
		return false, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return true, nil
}
