package build

import "strings"

// ParseRelease exposes parseRelease to the black-box tests.
func ParseRelease(s string) (map[string]string, []string, error) {
	info, err := parseRelease(strings.NewReader(s))
	return info.ProcessTypes, info.Addons, err
}
