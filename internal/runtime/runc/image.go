package runc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/runtime"
)

// ImageMounts is what a dyno running a CNB image mounts instead of /app.
type ImageMounts struct {
	// Layers are the host directories whose union is /layers, read-only, and Workspace
	// those of /workspace (under the dyno's overlay); both bottom first.
	Layers, Workspace []string
	// Launcher is the host path of the binary bound read-only at /cnb/lifecycle/launcher.
	Launcher string
}

// maxMountData is the most mount(2) takes as the options of a mount: one page, with its
// terminating NUL. runc passes the overlay's lowerdir, upperdir and workdir there.
const maxMountData = 4096 - 1

// imageMounts finds, in the image's layer directories, the layers/ and workspace/
// subdirectories, and checks that the mounts made of them can be mounted. upper and
// work are the dyno's overlay directories.
func imageMounts(spec runtime.DynoSpec, launcher, upper, work string) (*ImageMounts, error) {
	m := &ImageMounts{Launcher: launcher}
	for _, dir := range spec.ImageLayers {
		fi, err := os.Stat(dir)
		if err != nil || !fi.IsDir() {
			return nil, bera.Errorf(bera.EInvalid, "Dyno %s: image layer directory %s does not exist (unpack the image first).", spec.Name, dir)
		}
		for sub, list := range map[string]*[]string{"layers": &m.Layers, "workspace": &m.Workspace} {
			p := filepath.Join(dir, sub)
			fi, err := os.Lstat(p)
			switch {
			case errors.Is(err, fs.ErrNotExist):
			case err != nil:
				return nil, err
			case !fi.IsDir():
				return nil, bera.Errorf(bera.EInvalid, "Dyno %s: %s in the image is not a directory.", spec.Name, p)
			default:
				*list = append(*list, p)
			}
		}
	}
	if len(m.Workspace) == 0 {
		return nil, bera.Errorf(bera.EInvalid, "Dyno %s: the image has no /workspace.", spec.Name)
	}
	if len(launcher) == 0 || strings.ContainsAny(launcher, ",:") {
		return nil, bera.Errorf(bera.EInvalid, "Dyno %s: the launcher path %q is not usable.", spec.Name, launcher)
	}
	if fi, err := os.Stat(launcher); err != nil || !fi.Mode().IsRegular() {
		return nil, bera.Errorf(bera.EInvalid, "Dyno %s: the CNB launcher %s is not a file (runc Config.Launcher).", spec.Name, launcher)
	}
	for _, data := range []string{overlayData(m.Layers, "", ""), overlayData(m.Workspace, upper, work)} {
		if len(data) > maxMountData {
			return nil, bera.Errorf(bera.EInvalid, "Dyno %s: the image has too many layers for one overlay mount (%d bytes of mount options, at most %d).", spec.Name, len(data), maxMountData)
		}
	}
	return m, nil
}

// lowerdir is the overlay option for dirs given bottom first: overlayfs wants the top first.
func lowerdir(dirs []string) string {
	top := slices.Clone(dirs)
	slices.Reverse(top)
	return "lowerdir=" + strings.Join(top, ":")
}

// overlayData is the data runc passes to mount(2) for an overlay of dirs.
func overlayData(dirs []string, upper, work string) string {
	data := lowerdir(dirs)
	if upper != "" {
		data += ",upperdir=" + upper + ",workdir=" + work
	}
	return data
}

// imageMountList returns the mounts of an image dyno: /layers read-only (an overlay of
// two or more directories; a bind mount of one, since overlayfs needs two lower
// directories without an upper one; an empty tmpfs for none), /workspace an overlay with
// the dyno's writable upper directory, and the launcher.
func imageMountList(b Bundle) []specs.Mount {
	im := b.Image
	var layers specs.Mount
	switch len(im.Layers) {
	case 0:
		layers = specs.Mount{Destination: runtime.ImageLayersDir, Type: "tmpfs", Source: "tmpfs", Options: []string{"ro", "nosuid", "nodev", "mode=755", "size=4k"}}
	case 1:
		layers = specs.Mount{Destination: runtime.ImageLayersDir, Type: "bind", Source: im.Layers[0], Options: []string{"rbind", "ro", "nosuid", "nodev"}}
	default:
		layers = specs.Mount{Destination: runtime.ImageLayersDir, Type: "overlay", Source: "overlay", Options: []string{lowerdir(im.Layers), "ro", "nosuid", "nodev"}}
	}
	return []specs.Mount{
		layers,
		{Destination: runtime.ImageAppDir, Type: "overlay", Source: "overlay", Options: []string{
			lowerdir(im.Workspace), "upperdir=" + b.UpperDir, "workdir=" + b.WorkDir, "nosuid", "nodev"}},
		{Destination: runtime.LauncherPath, Type: "bind", Source: im.Launcher, Options: []string{"bind", "ro", "nosuid", "nodev"}},
	}
}

// home is the dyno's HOME and working directory: /app for a slug, /workspace for an image.
func home(dyno runtime.DynoSpec) string {
	if len(dyno.ImageLayers) > 0 {
		return runtime.ImageAppDir
	}
	return "/app"
}

// makeImageRootFS adds the mount points of image dynos to the rootfs skeleton.
func makeImageRootFS(dir string) error {
	for _, sub := range []string{"layers", "workspace", "cnb/lifecycle"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return fmt.Errorf("make rootfs: %w", err)
		}
	}
	f, err := os.OpenFile(filepath.Join(dir, "cnb/lifecycle/launcher"), os.O_CREATE|os.O_RDONLY, 0o755)
	if err != nil {
		return fmt.Errorf("make rootfs: %w", err)
	}
	return f.Close()
}
