package build

import (
	"os"
	"path/filepath"
)

// otherLanguages are the files that mark an app in a language no built-in buildpack
// builds, in Heroku's detection order. Such an app is not handed to the procfile
// buildpack: its dynos would crash for want of the language's runtime and dependencies.
var otherLanguages = []struct{ file, language string }{
	{"Gemfile", "Ruby"},
	{"project.clj", "Clojure"},
	{"pom.xml", "Java"},
	{"build.gradle", "Gradle"},
	{"build.gradle.kts", "Gradle"},
	{"build.sbt", "Scala"},
	{"composer.json", "PHP"},
	{"mix.exs", "Elixir"},
	{"Cargo.toml", "Rust"},
}

// otherLanguage returns the language and marker file of an app in a language without a
// built-in buildpack, or "" when it has none of their marker files.
func otherLanguage(dir string) (language, file string) {
	for _, l := range otherLanguages {
		if fi, err := os.Lstat(filepath.Join(dir, l.file)); err == nil && fi.Mode().IsRegular() {
			return l.language, l.file
		}
	}
	return "", ""
}
