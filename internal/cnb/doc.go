// Package cnb implements the platform side of Cloud Native Buildpacks: the
// analyze, detect, restore, build and export phases, the layer cache and
// the launcher, following Platform API 0.13 and Buildpack API 0.7–0.11
// (buildpacks/spec platform.md and buildpack.md).
//
// Bera does not use the reference lifecycle; this package is that
// lifecycle. Run is the one entry point of a build; Detect, Restore,
// Build, Export and SaveCache are its phases. LauncherMain is the
// launcher inside a dyno. Every buildpack executable runs through a
// Runner, the one seam where the build sandbox is plugged in; each Cmd
// lists the host directories it needs in Mounts.
//
// Restored <layer>.toml files carry their metadata but no types, as the
// Buildpack API requires: a buildpack keeps a layer by setting its types
// again, and one it does not keep leaves the cache.
package cnb
