package runtime

import (
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"syscall"

	"github.com/kingvon-ke/bera"
)

// ErrNotFound is wrapped by every error about a dyno id the runtime does not know.
var ErrNotFound = &bera.Error{Code: bera.ENotFound, Resource: "dyno", Message: "Couldn't find that dyno."}

// NotFound returns an error for the unknown dyno id that wraps ErrNotFound.
func NotFound(id string) error {
	return fmt.Errorf("dyno %s: %w", id, ErrNotFound)
}

// Conflict returns the error for starting a dyno whose id is taken.
func Conflict(id string) error {
	return bera.Errorf(bera.EConflict, "Dyno %s already exists.", id)
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Validate checks the fields every backend needs.
func (s DynoSpec) Validate() error {
	switch {
	case !idRE.MatchString(s.ID):
		return bera.Errorf(bera.EInvalid, "Dyno id must be 1 to 64 letters, digits, '-' or '_'.")
	case s.Command == "":
		return bera.Errorf(bera.EInvalid, "Dyno %s has no command.", s.Name)
	case s.SlugDir == "" && len(s.ImageLayers) == 0:
		return bera.Errorf(bera.EInvalid, "Dyno %s has no slug.", s.Name)
	case s.UID < 0 || s.Port < 0 || s.Port > 65535:
		return bera.Errorf(bera.EInvalid, "Dyno %s has an invalid uid or port.", s.Name)
	}
	for _, dir := range s.ImageLayers {
		// They end up in overlay mount options, where ',' and ':' are separators.
		if !strings.HasPrefix(dir, "/") || strings.ContainsAny(dir, ",:\x00") || path.Clean(dir) != dir {
			return bera.Errorf(bera.EInvalid, "Dyno %s: image layer directory %q must be a clean absolute path without ',' or ':'.", s.Name, dir)
		}
	}
	return nil
}

// Paths of a CNB image inside the dyno (see DynoSpec.ImageLayers).
const (
	ImageLayersDir = "/layers"
	ImageAppDir    = "/workspace"
	LauncherPath   = "/cnb/lifecycle/launcher"
)

// First uid handed out by AppUID, and how many there are.
const (
	uidBase  = 100000
	uidCount = 60000
)

// AppUID returns the unprivileged uid of an app's dynos: a stable hash of its id into
// 100000..159999, away from host users. Two apps may share a uid; that gives neither access
// to the other's files under runc, where each dyno sees only its own mounts.
func AppUID(appID string) int {
	h := fnv.New32a()
	h.Write([]byte(appID))
	return uidBase + int(h.Sum32()%uidCount)
}

// UIDOrDefault returns s.UID, or AppUID(s.AppID) when it is 0.
func (s DynoSpec) UIDOrDefault() int {
	if s.UID != 0 {
		return s.UID
	}
	return AppUID(s.AppID)
}

// DefaultPath is a dyno's PATH when the app sets none, after $HOME/bin: the stack's
// directories, as on Heroku. Buildpacks add their own through .profile.d scripts.
const DefaultPath = "/usr/local/bin:/usr/bin:/bin"

// Environ returns the dyno's environment as KEY=value pairs, sorted: spec.Env plus PORT,
// DYNO and HOME (which win), and PATH when the app sets none: home's bin directory, where
// buildpacks install the app's programs (so a Procfile line "web: myapp" finds bin/myapp),
// then DefaultPath. For an image (ImageLayers) it also sets CNB_LAYERS_DIR and
// CNB_APP_DIR, which win too.
func Environ(s DynoSpec, home string, port int) []string {
	env := maps.Clone(s.Env)
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["PATH"]; !ok {
		env["PATH"] = home + "/bin:" + DefaultPath
	}
	env["PORT"] = fmt.Sprint(port)
	env["DYNO"] = s.Name
	env["HOME"] = home
	if len(s.ImageLayers) > 0 {
		env["CNB_LAYERS_DIR"] = ImageLayersDir
		env["CNB_APP_DIR"] = ImageAppDir
	}
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// profileScript starts every dyno's shell the way Heroku starts a dyno: it sources the
// .profile.d/*.sh scripts that buildpacks leave in the slug (in name order, as the glob
// sorts them), then $HOME/.profile when the app has one, before the command runs.
const profileScript = `for bera_profile in "$HOME"/.profile.d/*.sh; do
  if [ -f "$bera_profile" ]; then . "$bera_profile"; fi
done
unset bera_profile
if [ -f "$HOME/.profile" ]; then . "$HOME/.profile"; fi
`

// ShellArgs returns the argv that runs command the way a Procfile line runs on Heroku: by
// bash -c (buildpacks' profile scripts may use bash), after the profile scripts (see
// profileScript), with a trailing "exit $?" so the shell stays the parent of the command. Under a pid namespace the shell is pid 1, which the
// kernel shields from SIGTERM; the command, its child, still gets the signal, dies, and the
// shell exits with its status.
func ShellArgs(command string) []string {
	return []string{"/bin/bash", "-c", profileScript + command + "\nexit $?"}
}

// ExitCode converts a wait status to a shell-style exit code: 128+n for signal n.
func ExitCode(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// ErrClosed is returned by a runtime after Close.
var ErrClosed = errors.New("runtime closed")

// ShellQuote quotes s as one word for /bin/sh, whatever it holds.
func ShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
