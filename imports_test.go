package bera_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/kingvon-ke/bera"

// layering is the allowed direction of imports: domain (the root package) ← adapters
// (store, deploy, build, gitserver, runtime…) ← api ← cmd. Package patterns are module
// relative: "." is the root package, "x/..." is x and the packages under it.
var layering = []struct {
	name string
	pkgs []string // the packages the rule is about
	// except are packages among pkgs the rule does not apply to.
	except []string
	// stdOnly: the packages depend on nothing but the standard library.
	stdOnly bool
	// only, when set, lists the module packages they may depend on (directly or not).
	only []string
	// deny lists module packages they must not depend on, directly or not.
	deny []string
	why  string
}{
	{
		name: "domain", pkgs: []string{"."}, stdOnly: true,
		why: "the domain package holds plain types every other package uses; it depends on nothing",
	},
	{
		name: "wire", pkgs: []string{"internal/wire"}, stdOnly: true,
		why: "the JSON shapes are shared by the client and the API and must not drag either's dependencies",
	},
	{
		name: "api", pkgs: []string{"internal/api"},
		deny: []string{
			"internal/store/...", "internal/source", "internal/deploy", "internal/build",
			"internal/gitserver/...", "internal/slug/...", "internal/runtime/...", "internal/dyno",
			"internal/oneoff", "internal/router/...", "internal/metrics", "internal/certs/acme",
			"internal/logs/drain", "internal/logs/redisbuf", "internal/server/...",
			"internal/cli/...", "internal/client",
			"internal/addons/postgres", "internal/addons/redis", "internal/addons/supervisor",
		},
		why: "the API reaches the store and the running side through the interfaces in api.Config; only the server wiring knows the implementations",
	},
	{
		name: "cli", pkgs: []string{"internal/cli/..."},
		only: []string{".", "internal/cli/...", "internal/client", "internal/wire"},
		why:  "the CLI talks to a server only over HTTP, through the client and the wire shapes",
	},
	{
		name: "client", pkgs: []string{"internal/client"},
		only: []string{".", "internal/wire"},
		why:  "the API client is HTTP plus the wire shapes",
	},
	{
		name: "dashboard", pkgs: []string{"internal/dashboard"},
		only: []string{".", "internal/client", "internal/wire"},
		why:  "the dashboard is an API client: it reaches apps only through the API, so it has exactly the API's authorization",
	},
	{
		name: "assembly", pkgs: []string{"internal/..."}, except: []string{"internal/server/..."},
		deny: []string{"internal/api", "internal/server/..."},
		why:  "only the server wiring (internal/server, cmd) assembles the API; adapters sit below it",
	},
}

// goPackage is what `go list -json` says about a package of the module.
type goPackage struct {
	ImportPath string
	Imports    []string // direct, without tests
	Deps       []string // transitive, without tests
}

// TestImportLayering pins the layering table above against the module's non-test imports.
// A failure names the edge and the import chain that makes it.
func TestImportLayering(t *testing.T) {
	pkgs := listPackages(t)
	byPath := map[string]*goPackage{}
	for _, p := range pkgs {
		byPath[rel(p.ImportPath)] = p
	}
	for _, r := range layering {
		matched := 0
		for _, p := range pkgs {
			from := rel(p.ImportPath)
			if !matchAny(r.pkgs, from) || matchAny(r.except, from) {
				continue
			}
			matched++
			for _, dep := range p.Deps {
				if bad := violates(r.stdOnly, r.only, r.deny, dep); bad != "" {
					t.Errorf("%s rule: %s must not depend on %s (%s): %s\n\timport chain: %s",
						r.name, show(from), showDep(dep), bad, r.why, strings.Join(chain(byPath, from, dep), " → "))
				}
			}
		}
		if matched == 0 {
			t.Errorf("%s rule: no package matches %v: update the layering table", r.name, r.pkgs)
		}
	}
}

// violates says why dep breaks a rule, or "" when it is allowed.
func violates(stdOnly bool, only, deny []string, dep string) string {
	inModule := dep == module || strings.HasPrefix(dep, module+"/")
	switch {
	case stdOnly && !isStd(dep):
		return "only the standard library is allowed"
	case !inModule:
		return ""
	case only != nil && !matchAny(only, rel(dep)):
		return "allowed: " + strings.Join(showAll(only), ", ")
	case matchAny(deny, rel(dep)):
		return "forbidden"
	}
	return ""
}

// chain is the shortest import path from one module package to dep, over direct imports.
func chain(byPath map[string]*goPackage, from, dep string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		p := byPath[cur]
		if p == nil {
			continue
		}
		for _, imp := range p.Imports {
			if _, seen := prev[rel(imp)]; seen {
				continue
			}
			prev[rel(imp)] = cur
			if imp == dep {
				var path []string
				for at := rel(imp); at != ""; at = prev[at] {
					path = append(path, show(at))
				}
				slices.Reverse(path)
				return path
			}
			queue = append(queue, rel(imp))
		}
	}
	return []string{show(from), "…", showDep(dep)}
}

func listPackages(t *testing.T) []*goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	var pkgs []*goPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		p := new(goPackage)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// rel is a module package's path relative to the module ("." for the root); other paths
// are returned as they are.
func rel(path string) string {
	if path == module {
		return "."
	}
	if r, ok := strings.CutPrefix(path, module+"/"); ok {
		return r
	}
	return path
}

// matchAny says whether a module-relative path matches one of the patterns.
func matchAny(patterns []string, path string) bool {
	for _, p := range patterns {
		if base, ok := strings.CutSuffix(p, "/..."); ok {
			if path == base || strings.HasPrefix(path, base+"/") {
				return true
			}
		} else if path == p {
			return true
		}
	}
	return false
}

// isStd says whether an import path is in the standard library: its first element has no dot.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func show(relPath string) string {
	if relPath == "." {
		return "bera (root)"
	}
	return relPath
}

func showDep(dep string) string { return show(rel(dep)) }

func showAll(relPaths []string) []string {
	out := make([]string, len(relPaths))
	for i, p := range relPaths {
		out[i] = show(p)
	}
	return out
}
