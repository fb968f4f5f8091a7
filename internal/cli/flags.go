package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// Flag describes one option of a command.
type Flag struct {
	Name  string // long name without dashes, such as "app"
	Short string // optional one-letter name, such as "a"
	Arg   string // placeholder of the value in help ("APP"); "" for a boolean flag
	Usage string // one line for help
}

// options holds parsed flag values by long name.
type options struct {
	vals  map[string]string
	bools map[string]bool
}

// String returns the value of a flag with an argument, or "".
func (o *options) String(name string) string { return o.vals[name] }

// Bool reports whether a boolean flag was given.
func (o *options) Bool(name string) bool { return o.bools[name] }

// Has reports whether a flag with an argument was given.
func (o *options) Has(name string) bool {
	_, ok := o.vals[name]
	return ok
}

// Int returns the value of a numeric flag, def when absent.
func (o *options) Int(name string, def int) (int, error) {
	v, ok := o.vals[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("--%s wants a number, got %q", name, v)
	}
	return n, nil
}

// parseFlags splits argv into flags and positional arguments. Flags may come before, between
// or after positional arguments; "--" ends the flags. Forms: --name VALUE, --name=VALUE,
// -n VALUE, -nVALUE, --bool, -b.
func parseFlags(defs []Flag, argv []string) (*options, []string, error) {
	o := &options{vals: map[string]string{}, bools: map[string]bool{}}
	var pos []string
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		if a == "--" {
			return o, append(pos, argv[i+1:]...), nil
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		f, val, hasVal, err := matchFlag(defs, a)
		if err != nil {
			return nil, nil, err
		}
		if f.Arg == "" {
			if hasVal {
				return nil, nil, fmt.Errorf("flag --%s takes no value", f.Name)
			}
			o.bools[f.Name] = true
			continue
		}
		if !hasVal {
			if i+1 >= len(argv) {
				return nil, nil, fmt.Errorf("flag --%s needs a value", f.Name)
			}
			i++
			val = argv[i]
		}
		o.vals[f.Name] = val
	}
	return o, pos, nil
}

// matchFlag finds the definition of the flag written as a (with its leading dashes) and the
// value attached to it, if any.
func matchFlag(defs []Flag, a string) (f Flag, val string, hasVal bool, err error) {
	if strings.HasPrefix(a, "--") {
		name, v, ok := strings.Cut(a[2:], "=")
		for _, d := range defs {
			if d.Name == name {
				return d, v, ok, nil
			}
		}
		return Flag{}, "", false, fmt.Errorf("unknown flag --%s", name)
	}
	short, rest := a[1:2], a[2:]
	for _, d := range defs {
		if d.Short == short {
			if rest == "" {
				return d, "", false, nil
			}
			return d, strings.TrimPrefix(rest, "="), true, nil
		}
	}
	return Flag{}, "", false, fmt.Errorf("unknown flag -%s", short)
}
