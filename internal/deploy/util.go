package deploy

import (
	"errors"
	"sort"
	"strings"

	"github.com/kingvon-ke/bera"
)

// buildError keeps a build's user-facing errors and wraps the rest. The message does not say
// "Build failed": whoever shows it frames it ("Build failed: …", "Push rejected: …").
func buildError(err error) error {
	var be *bera.Error
	if errors.As(err, &be) {
		return err
	}
	return bera.Errorf(bera.EInvalid, "%s", firstLine(err.Error()))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func typeNames(types map[string]string) string {
	names := make([]string, 0, len(types))
	for t := range types {
		names = append(names, t)
	}
	sort.Strings(names)
	return "(" + strings.Join(names, ", ") + ")"
}

func short(sha string) string {
	if len(sha) > 8 {
		return sha[:8]
	}
	return sha
}
