// Package buildpacks ships Bera's built-in classic buildpacks (bin/detect, bin/compile,
// bin/release shell scripts) inside the bera binary. Each works offline with the host's
// toolchains: go (/usr/local/go), nodejs (/usr/bin/node, npm), python (/usr/bin/python3),
// static (a small Go file server compiled at build time) and procfile (no compile).
package buildpacks

import "embed"

// FS holds one directory per built-in buildpack, named as in Names.
//
//go:embed all:go all:nodejs all:python all:static all:procfile
var FS embed.FS

// Names lists the built-in buildpacks in detection order: with no buildpack set, the first
// whose bin/detect succeeds builds the app.
var Names = []string{"go", "nodejs", "python", "static", "procfile"}
