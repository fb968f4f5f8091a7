package builtin

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/buildpacks/libcnb/v2"
)

// detectNode passes for an app with a package.json.
func detectNode(ctx libcnb.DetectContext) (libcnb.DetectResult, error) {
	if !isFile(ctx.ApplicationPath, "package.json") {
		return libcnb.DetectResult{}, nil
	}
	return passWith("node"), nil
}

// packageJSON is what the Node.js buildpack reads from package.json.
type packageJSON struct {
	Scripts map[string]string
	Engine  string // engines.node
}

// parsePackageJSON reads scripts and engines.node; values of other types are ignored, as
// npm ignores them.
func parsePackageJSON(data []byte) (packageJSON, error) {
	var raw struct {
		Scripts map[string]any `json:"scripts"`
		Engines map[string]any `json:"engines"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return packageJSON{}, fmt.Errorf("package.json: %w", err)
	}
	p := packageJSON{Scripts: map[string]string{}}
	for k, v := range raw.Scripts {
		if s, ok := v.(string); ok {
			p.Scripts[k] = s
		}
	}
	p.Engine, _ = raw.Engines["node"].(string)
	return p, nil
}

// buildNode installs the dependencies with the host's npm (npm ci with a lockfile, npm
// install without) into the app's node_modules, npm's download cache in the cache layer
// "npm-cache", runs the build script, and prunes devDependencies. The launch layer
// "nodejs" only carries the dyno's env: node_modules/.bin on PATH, NODE_ENV.
func buildNode(ctx libcnb.BuildContext) (libcnb.BuildResult, error) {
	res := libcnb.NewBuildResult()
	app := ctx.ApplicationPath
	node, err := tool("node", "/usr/bin/node")
	if err != nil {
		return res, err
	}
	npm, err := tool("npm", "/usr/bin/npm")
	if err != nil {
		return res, err
	}
	data, err := readAppFile(app, "package.json", 4<<20)
	if err != nil {
		return res, err
	}
	pkg, err := parsePackageJSON(data)
	if err != nil {
		return res, err
	}
	nodeVersion, err := command{path: node, args: []string{"--version"}}.output()
	nodeVersion = strings.TrimPrefix(nodeVersion, "v")
	if err != nil {
		return res, err
	}
	if pkg.Engine != "" {
		say("Node.js %s requested (package.json engines.node); using %s, the version on this server", pkg.Engine, nodeVersion)
	} else {
		say("Using Node.js %s, the version on this server", nodeVersion)
	}
	cacheL, restored, err := keptLayer(ctx.Layers, "npm-cache", libcnb.LayerTypes{Cache: true})
	if err != nil {
		return res, err
	}
	if restored {
		say("Restoring npm cache")
	}
	envL, err := freshLayer(ctx.Layers, "nodejs", libcnb.LayerTypes{Launch: true})
	if err != nil {
		return res, err
	}
	npmCmd := func(args ...string) command {
		return command{dir: app, path: npm, args: args, env: []string{
			"PATH=" + filepath.Dir(node) + string(os.PathListSeparator) + os.Getenv("PATH"),
			"npm_config_cache=" + cacheL.Path, "npm_config_update_notifier=false",
			"npm_config_fund=false", "npm_config_audit=false", "npm_config_loglevel=warn",
			"NODE_ENV=" + envOr("NODE_ENV", "production"),
		}}
	}
	if err := npmInstall(app, npmCmd); err != nil {
		return res, err
	}
	for _, s := range []string{"heroku-postbuild", "build"} {
		if _, ok := pkg.Scripts[s]; ok {
			say("Running npm run %s", s)
			if err := npmCmd("run", s).run(); err != nil {
				return res, err
			}
			break
		}
	}
	if isDir(filepath.Join(app, "node_modules")) && envOr("NPM_CONFIG_PRODUCTION", "true") != "false" {
		say("Pruning devDependencies")
		if err := npmCmd("prune", "--omit=dev").run(); err != nil {
			return res, err
		}
	}
	envL.LaunchEnvironment.Prepend("PATH", ":", filepath.Join(app, "node_modules", ".bin"))
	envL.LaunchEnvironment.Default("NODE_ENV", "production")
	res.Layers = []libcnb.Layer{cacheL, envL}
	res.Processes = nodeProcesses(app, pkg)
	return res, nil
}

// npmInstall runs npm ci when there is a lockfile, npm install otherwise, with
// devDependencies (the build script may need them).
func npmInstall(app string, npm func(...string) command) error {
	if isFile(app, "package-lock.json") || isFile(app, "npm-shrinkwrap.json") {
		say("Installing dependencies with npm ci")
		return npm("ci", "--include=dev", "--prefer-offline").run()
	}
	say("Installing dependencies with npm install")
	return npm("install", "--include=dev", "--prefer-offline").run()
}

// nodeProcesses is web: npm start when there is a start script, else node server.js as
// npm start itself would run it.
func nodeProcesses(app string, pkg packageJSON) []libcnb.Process {
	if _, ok := pkg.Scripts["start"]; ok {
		return []libcnb.Process{{Type: "web", Command: []string{"npm", "start"}, Default: true}}
	}
	if isFile(app, "server.js") {
		return []libcnb.Process{{Type: "web", Command: []string{"node", "server.js"}, Default: true}}
	}
	warn("No web process: package.json has no start script and there is no server.js; add one or a Procfile")
	return nil
}

// envOr is the variable k of the build's environment, or def when unset or empty.
func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
