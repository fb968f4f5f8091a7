package cnb

import (
	"errors"
	"fmt"
	"regexp"
)

// LaunchTOML is a parsed launch.toml.
type LaunchTOML struct {
	Labels    []Label         `toml:"labels"`
	Processes []LaunchProcess `toml:"processes"`
	Slices    []Slice         `toml:"slices"`
}

// Label is an image label a buildpack asks for.
type Label struct {
	Key   string `toml:"key"`
	Value string `toml:"value"`
}

// Slice is a set of app paths exported as their own layer.
type Slice struct {
	Paths []string `toml:"paths"`
}

// LaunchProcess is a [[processes]] entry of launch.toml.
type LaunchProcess struct {
	Type       string   `toml:"type"`
	Command    Command  `toml:"command"`
	Args       []string `toml:"args"`
	Direct     *bool    `toml:"direct"` // Buildpack API < 0.10
	Default    bool     `toml:"default"`
	WorkingDir string   `toml:"working-dir"`
}

// Command is a process command: an array in Buildpack API 0.10+, a single
// string before.
type Command []string

// UnmarshalTOML accepts a string or an array of strings.
func (c *Command) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case string:
		*c = Command{v}
	case []any:
		out := make(Command, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return errors.New("command: array of strings expected")
			}
			out = append(out, s)
		}
		*c = out
	default:
		return errors.New("command: string or array of strings expected")
	}
	return nil
}

// processTypeRE is the spec's process type alphabet.
var processTypeRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// ParseLaunchTOML parses and validates a launch.toml.
func ParseLaunchTOML(data []byte) (*LaunchTOML, error) {
	var l LaunchTOML
	if err := decodeTOML(data, &l); err != nil {
		return nil, fmt.Errorf("launch.toml: %w", err)
	}
	for _, p := range l.Processes {
		if !processTypeRE.MatchString(p.Type) || p.Type == "." || p.Type == ".." {
			return nil, fmt.Errorf("launch.toml: invalid process type %q", p.Type)
		}
		if len(p.Command) == 0 || p.Command[0] == "" {
			return nil, fmt.Errorf("launch.toml: process %q has no command", p.Type)
		}
	}
	return &l, nil
}

// BuildTOML is a parsed build.toml.
type BuildTOML struct {
	Unmet []struct {
		Name string `toml:"name"`
	} `toml:"unmet"`
}
