package builtin

import (
	"bytes"
	"sort"

	"github.com/buildpacks/libcnb/v2"

	"github.com/kingvon-ke/bera/internal/build"
)

// detectProcfile passes for an app with a Procfile.
func detectProcfile(ctx libcnb.DetectContext) (libcnb.DetectResult, error) {
	return libcnb.DetectResult{Pass: isFile(ctx.ApplicationPath, "Procfile")}, nil
}

// buildProcfile contributes the Procfile's process types, each run by bash -c as on
// Heroku. It comes last in a group, so its web replaces a language buildpack's and is the
// default process.
func buildProcfile(ctx libcnb.BuildContext) (libcnb.BuildResult, error) {
	res := libcnb.NewBuildResult()
	b, err := readAppFile(ctx.ApplicationPath, "Procfile", 1<<20+1)
	if err != nil {
		return res, err
	}
	procs, err := build.ParseProcfile(bytes.NewReader(b))
	if err != nil {
		return res, err
	}
	res.Processes = procfileProcesses(procs)
	for _, p := range res.Processes {
		say("Procfile: %s: %s", p.Type, p.Command[2])
	}
	return res, nil
}

// procfileProcesses turns Procfile entries into processes, sorted by type, web default.
func procfileProcesses(procs map[string]string) []libcnb.Process {
	types := make([]string, 0, len(procs))
	for t := range procs {
		types = append(types, t)
	}
	sort.Strings(types)
	out := make([]libcnb.Process, 0, len(types))
	for _, t := range types {
		out = append(out, libcnb.Process{Type: t, Command: []string{"bash", "-c", procs[t]}, Default: t == "web"})
	}
	return out
}
