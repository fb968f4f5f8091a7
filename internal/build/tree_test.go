package build_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/build"
)

// hostSecret stands for /etc/shadow: a 0600 file outside every tree the build may read.
const hostSecret = "root:HOST-SECRET-HASH:19000:0:99999:7:::"

// secretFile writes hostSecret to a 0600 file outside the source tree and returns its path.
func secretFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(p, []byte("web: "+hostSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// quickPack writes a buildpack that detects anything and runs compile (a bash snippet; $1 is
// the app directory).
func quickPack(t *testing.T, compile string) string {
	t.Helper()
	dir := t.TempDir()
	writeBuildpack(t, dir, map[string]string{"detect": "echo Test\n", "compile": compile + "\n"})
	return dir
}

// assertRefused checks that a build failed with the one-line message want, said in the
// output too, and that the host secret is nowhere: not in the output, the error or a result.
func assertRefused(t *testing.T, res *build.Result, out string, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Build succeeded (types %v), want it refused:\n%s", res.ProcessTypes, out)
	}
	if bera.ErrorCode(err) != bera.EInvalid || bera.ErrorMessage(err) != want {
		t.Errorf("error %q (%s), want %q", bera.ErrorMessage(err), bera.ErrorCode(err), want)
	}
	if !strings.Contains(out, " !     "+want) {
		t.Errorf("output does not say %q:\n%s", want, out)
	}
	if strings.Contains(out, "HOST-SECRET") || strings.Contains(err.Error(), "HOST-SECRET") {
		t.Errorf("the host file leaked:\n%s\n%v", out, err)
	}
}

// TestBuildProcfileLinkOutOfSource: a pushed Procfile that is a link to a host file (absolute
// or climbing out) fails the build; the file is never read.
func TestBuildProcfileLinkOutOfSource(t *testing.T) {
	secret := secretFile(t)
	for name, target := range map[string]string{"Absolute": secret, "Relative": ""} {
		t.Run(name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "src")
			os.Mkdir(src, 0o755)
			if target == "" {
				target, _ = filepath.Rel(src, secret)
			}
			if err := os.Symlink(target, filepath.Join(src, "Procfile")); err != nil {
				t.Fatal(err)
			}
			res, out, err := buildApp(t, "", build.Options{SourceDir: src, Buildpacks: []string{quickPack(t, "true")}})
			assertRefused(t, res, out, err, "Procfile is a link that leaves the source tree.")
		})
	}
}

// TestBuildAnyLinkOutOfSource: any link leaving the source is refused before buildpacks run,
// naming it (a slug could not hold it, and the server never follows it).
func TestBuildAnyLinkOutOfSource(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "config"), 0o755)
	os.WriteFile(filepath.Join(src, "Procfile"), []byte("web: ./server\n"), 0o644)
	os.Symlink("../../../../../../../../etc", filepath.Join(src, "config", "etc"))
	res, out, err := buildApp(t, "", build.Options{SourceDir: src, Buildpacks: []string{quickPack(t, "echo COMPILED")}})
	assertRefused(t, res, out, err, "config/etc is a link that leaves the source tree.")
	if strings.Contains(out, "COMPILED") {
		t.Error("the buildpack ran on a refused source")
	}
}

// TestBuildLinksLeftByBuildpack: links a buildpack plants after the source check are refused
// when the server reads through them (Procfile) or packs the slug (anything else).
func TestBuildLinksLeftByBuildpack(t *testing.T) {
	secret := secretFile(t)
	for _, tt := range []struct{ name, compile, want string }{
		{"Procfile", `ln -s ` + secret + ` "$1/Procfile"`, "Procfile is a link that leaves the source tree."},
		{"ProcfileFIFO", `mkfifo "$1/Procfile"`, "Procfile is not a regular file."},
		{"ProfileD", `echo "web: ./s" > "$1/Procfile"; mkdir -p "$1/.profile.d"; ln -s ` + secret + ` "$1/.profile.d/x.sh"`,
			".profile.d/x.sh is a link that leaves the source tree."},
		{"ProcfileTooLarge", `head -c 1048577 /dev/zero | tr '\0' '#' > "$1/Procfile"`, "Procfile is larger than the limit of 1 MB."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			slugPath := filepath.Join(t.TempDir(), "slug.tgz")
			res, out, err := buildApp(t, "", build.Options{SourceDir: t.TempDir(), SlugPath: slugPath,
				Buildpacks: []string{quickPack(t, tt.compile)}})
			assertRefused(t, res, out, err, tt.want)
			if _, err := os.Stat(slugPath); err == nil {
				t.Error("a slug was written")
			}
		})
	}
}

// TestBuildInTreeLinks: links that stay inside the source keep working.
func TestBuildInTreeLinks(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "deploy"), 0o755)
	os.WriteFile(filepath.Join(src, "deploy", "Procfile"), []byte("web: ./server\nworker: ./work\n"), 0o644)
	os.Symlink("deploy/Procfile", filepath.Join(src, "Procfile"))
	os.Symlink("../deploy", filepath.Join(src, "deploy", "self"))
	res, out, err := buildApp(t, "", build.Options{SourceDir: src, SlugPath: filepath.Join(t.TempDir(), "slug.tgz"),
		Buildpacks: []string{quickPack(t, "true")}})
	if err != nil {
		t.Fatalf("Build: %v\n%s", err, out)
	}
	if res.ProcessTypes["web"] != "./server" || res.ProcessTypes["worker"] != "./work" {
		t.Fatalf("process types %v, want the linked Procfile's", res.ProcessTypes)
	}
}

// TestBuildSlugignoreLinks: a .slugignore that is a link out of the tree is refused; one that
// names a link removes the link, never what it points to.
func TestBuildSlugignoreLinks(t *testing.T) {
	secret := secretFile(t)
	t.Run("LinkOut", func(t *testing.T) {
		src := t.TempDir()
		os.Symlink(secret, filepath.Join(src, ".slugignore"))
		res, out, err := buildApp(t, "", build.Options{SourceDir: src, Buildpacks: []string{quickPack(t, "true")}})
		assertRefused(t, res, out, err, ".slugignore is a link that leaves the source tree.")
	})
	t.Run("NamesLink", func(t *testing.T) {
		src := t.TempDir()
		os.MkdirAll(filepath.Join(src, "real"), 0o755)
		os.WriteFile(filepath.Join(src, "real", "keep.txt"), []byte("keep"), 0o644)
		os.Symlink("real", filepath.Join(src, "alias"))
		os.WriteFile(filepath.Join(src, ".slugignore"), []byte("alias\n"), 0o644)
		os.WriteFile(filepath.Join(src, "Procfile"), []byte("web: ./s\n"), 0o644)
		if _, out, err := buildApp(t, "", build.Options{SourceDir: src, Buildpacks: []string{quickPack(t, "true")}}); err != nil {
			t.Fatalf("Build: %v\n%s", err, out)
		}
		if _, err := os.Lstat(filepath.Join(src, "alias")); !os.IsNotExist(err) {
			t.Errorf("alias still there: %v", err)
		}
		if b, err := os.ReadFile(filepath.Join(src, "real", "keep.txt")); string(b) != "keep" {
			t.Errorf("the link's target was removed: %v", err)
		}
	})
}

// TestBuildReleaseOutputOverLimit: bin/release printing more than 1 MB fails the build
// instead of being cut off or held in memory whole.
func TestBuildReleaseOutputOverLimit(t *testing.T) {
	pack := t.TempDir()
	writeBuildpack(t, pack, map[string]string{"detect": "echo Test\n", "compile": "true\n",
		"release": "printf -- '---\\ndefault_process_types:\\n  web: ./s\\n'; head -c 3000000 /dev/zero | tr '\\0' '#'\n"})
	_, out, err := buildApp(t, "", build.Options{SourceDir: t.TempDir(), Buildpacks: []string{pack}})
	if err == nil || !strings.Contains(out, "more than 1 MB") {
		t.Fatalf("Build = %v, want bin/release refused:\n%s", err, out)
	}
}

// TestBuildOutputSaidOnce: each heading of a build appears exactly once.
func TestBuildOutputSaidOnce(t *testing.T) {
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "Procfile"), []byte("web: ./s\n"), 0o644)
	_, out, err := buildApp(t, "", build.Options{SourceDir: src, SlugPath: filepath.Join(t.TempDir(), "slug.tgz"),
		Buildpacks: []string{quickPack(t, "true")}})
	if err != nil {
		t.Fatalf("Build: %v\n%s", err, out)
	}
	for _, line := range []string{"-----> Building on the heroku-24 stack", "-----> Discovering process types", "-----> Compressing...", "       Done: "} {
		if n := strings.Count(out, line); n != 1 {
			t.Errorf("%q appears %d times, want once:\n%s", line, n, out)
		}
	}
}
