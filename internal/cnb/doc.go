// Package cnb implements the platform side of Cloud Native Buildpacks: the
// detect, build and export phases and the launcher semantics, following
// Platform API 0.13 and Buildpack API 0.7–0.11 (buildpacks/spec platform.md
// and buildpack.md).
//
// Bera does not use the reference lifecycle; this package is that lifecycle.
// Every buildpack executable runs through a Runner, the one seam where the
// build sandbox is plugged in.
package cnb
