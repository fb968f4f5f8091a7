package build

import "strings"

// ParseRelease exposes parseRelease to the black-box tests.
func ParseRelease(s string) (map[string]string, []string, error) {
	info, err := parseRelease(strings.NewReader(s))
	return info.ProcessTypes, info.Addons, err
}

// SlugIgnoreMatch exposes the .slugignore parser to the black-box tests: it returns whether
// rel (a slash path, a directory when isDir) is ignored by the file in.
func SlugIgnoreMatch(in, rel string, isDir bool) bool {
	return parseSlugIgnoreLines([]byte(in)).match(rel, isDir)
}
