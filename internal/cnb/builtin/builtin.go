// Package builtin holds Bera's built-in Cloud Native Buildpacks (bera/go, bera/nodejs,
// bera/python, bera/static, bera/procfile), written with libcnb v2 for Buildpack API 0.10.
// Like the classic built-ins (package buildpacks) they work offline with the machine's
// toolchains: /usr/local/go, /usr/bin/node and npm, /usr/bin/python3. Module and package
// downloads are kept in cache=true layers.
//
// The buildpacks are programs inside the bera binary: Materialize writes, for each, a
// buildpack.toml and bin/detect, bin/build wrappers that exec the bera binary in buildpack
// mode, and the bera binary's main calls Main first, which runs the buildpack the wrapper
// names.
//
// What a build sandbox must show them, besides the app, the layers and the platform dir:
// /bin/sh and the bera binary at the path given to Materialize (every buildpack); a
// writable TMPDIR (/tmp); /usr/local/go (go and static, at build time only); /usr/bin/node,
// /usr/bin/npm and /usr/lib/node_modules/npm (nodejs, at build and launch: web is npm
// start); /usr/bin/python3 with its /usr/lib/python3* (python, at build and launch: the
// venv links to it; pip from /usr/lib/python3/dist-packages only when there are
// requirements). The network reaches the Go module proxy (go) and the npm registry
// (nodejs). Paths written into layers (the venv, env.launch files) are the build's, so
// the build should see the app at /workspace and the layers at /layers, as dynos do.
package builtin

import (
	"fmt"
	"io"
	"os"

	"github.com/buildpacks/libcnb/v2"
	cnblog "github.com/buildpacks/libcnb/v2/log"

	"github.com/kingvon-ke/bera/internal/cnb"
)

// Version is the version of every built-in buildpack.
const Version = "0.1.0"

// API is the Buildpack API the built-in buildpacks implement.
const API = "0.10"

// modeArg is the first argument the bin/ wrappers give the bera binary: Main handles an
// invocation only when it is there.
const modeArg = "__bera-cnb-buildpack"

// buildpack is one built-in buildpack.
type buildpack struct {
	id     string
	name   string
	detect libcnb.DetectFunc
	build  libcnb.BuildFunc
}

// builtins lists the built-in buildpacks in detection order.
var builtins = []buildpack{
	{id: "bera/go", name: "Bera Go", detect: detectGo, build: buildGo},
	{id: "bera/nodejs", name: "Bera Node.js", detect: detectNode, build: buildNode},
	{id: "bera/python", name: "Bera Python", detect: detectPython, build: buildPython},
	{id: "bera/static", name: "Bera static HTML", detect: detectStatic, build: buildStatic},
	{id: "bera/procfile", name: "Bera Procfile", detect: detectProcfile, build: buildProcfile},
}

// IDs lists the ids of the built-in buildpacks in detection order.
func IDs() []string {
	out := make([]string, len(builtins))
	for i, bp := range builtins {
		out[i] = bp.id
	}
	return out
}

func lookup(id string) *buildpack {
	for i := range builtins {
		if builtins[i].id == id {
			return &builtins[i]
		}
	}
	return nil
}

// Order is the builder order of the built-in buildpacks (BuilderOrder).
var Order = BuilderOrder()

// BuilderOrder is the order a builder of the built-in buildpacks detects with: one
// language (go, nodejs, python, static, tried in that order), each followed by an optional
// procfile, and procfile alone last.
func BuilderOrder() cnb.Order {
	var o cnb.Order
	procfile := cnb.GroupEntry{ID: "bera/procfile", Version: Version, Optional: true}
	for _, id := range []string{"bera/go", "bera/nodejs", "bera/python", "bera/static"} {
		o = append(o, cnb.Group{Group: []cnb.GroupEntry{{ID: id, Version: Version}, procfile}})
	}
	return append(o, cnb.Group{Group: []cnb.GroupEntry{{ID: "bera/procfile", Version: Version}}})
}

// Main runs a built-in buildpack when the bera binary is invoked as one by a wrapper that
// Materialize wrote: args are then [bera, modeArg, id, detect|build, ...]. It reports
// handled=false for any other invocation, which main goes on to handle itself; otherwise
// code is the exit code of bin/detect or bin/build (0 pass, 100 fail detection, 1 error).
func Main(args []string) (handled bool, code int) {
	if len(args) < 4 || args[1] != modeArg {
		return false, 0
	}
	return true, run(args[2], args[3], os.Stdout, os.Stderr)
}

// run runs phase of the buildpack id with libcnb and returns the exit code.
func run(id, phase string, stdout, stderr io.Writer) int {
	bp := lookup(id)
	if bp == nil {
		fmt.Fprintf(stderr, "bera: no built-in buildpack %q\n", id)
		return 1
	}
	// libcnb.Build returns without calling the handler when it succeeds: 0 is the default.
	exit := &exitHandler{w: stderr}
	cfg := libcnb.NewConfig(
		libcnb.WithArguments([]string{"bin/" + phase}),
		libcnb.WithExitHandler(exit),
		libcnb.WithLogger(cnblog.New(stdout)),
	)
	switch phase {
	case "detect":
		libcnb.Detect(bp.detect, cfg)
	case "build":
		libcnb.Build(bp.build, cfg)
	default:
		fmt.Fprintf(stderr, "bera: buildpack %s: unknown phase %q\n", id, phase)
		return 1
	}
	return exit.code
}

// exitHandler records libcnb's exit code instead of exiting, so Main can return it.
type exitHandler struct {
	w    io.Writer
	code int
}

// Error prints err and records exit code 1.
func (h *exitHandler) Error(err error) {
	fmt.Fprintf(h.w, " !     %v\n", err)
	h.code = 1
}

// Fail records the "detection failed" exit code.
func (h *exitHandler) Fail() { h.code = 100 }

// Pass records success.
func (h *exitHandler) Pass() { h.code = 0 }
