package cli

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/wire"
)

// Tests of the pure helpers: flag parsing, KEY=VALUE and ps:scale arguments, git remotes.

func TestParseFlags(t *testing.T) {
	defs := []Flag{appFlag, jsonFlag, {Name: "num", Short: "n", Arg: "N"}, helpFlag}
	tests := []struct {
		name  string
		argv  []string
		pos   []string
		vals  map[string]string
		bools map[string]bool
		err   string
	}{
		{name: "FlagsAfterArgs", argv: []string{"A=1", "B=2", "-a", "app"}, pos: []string{"A=1", "B=2"}, vals: map[string]string{"app": "app"}},
		{name: "FlagsBetweenArgs", argv: []string{"A=1", "--app", "x", "B=2", "--json"}, pos: []string{"A=1", "B=2"}, vals: map[string]string{"app": "x"}, bools: map[string]bool{"json": true}},
		{name: "Equals", argv: []string{"--app=x=y", "-n=3"}, vals: map[string]string{"app": "x=y", "num": "3"}},
		{name: "ShortAttached", argv: []string{"-amyapp", "-n5"}, vals: map[string]string{"app": "myapp", "num": "5"}},
		{name: "DoubleDash", argv: []string{"-a", "x", "--", "-n", "--json"}, pos: []string{"-n", "--json"}, vals: map[string]string{"app": "x"}},
		{name: "LoneDash", argv: []string{"-"}, pos: []string{"-"}},
		{name: "Unknown", argv: []string{"--nope"}, err: "unknown flag --nope"},
		{name: "UnknownShort", argv: []string{"-z"}, err: "unknown flag -z"},
		{name: "MissingValue", argv: []string{"A", "-a"}, err: "flag --app needs a value"},
		{name: "BoolWithValue", argv: []string{"--json=yes"}, err: "flag --json takes no value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, pos, err := parseFlags(defs, tt.argv)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err=%v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(pos, tt.pos) && (len(pos) != 0 || len(tt.pos) != 0) {
				t.Errorf("pos=%q, want %q", pos, tt.pos)
			}
			for k, v := range tt.vals {
				if o.String(k) != v {
					t.Errorf("--%s=%q, want %q", k, o.String(k), v)
				}
			}
			for k := range tt.bools {
				if !o.Bool(k) {
					t.Errorf("--%s not set", k)
				}
			}
		})
	}
}

func TestParseConfigPairs(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		args    []string
		changes map[string]*string
		keys    []string
		err     bool
	}{
		{args: []string{"A=1"}, changes: map[string]*string{"A": s("1")}, keys: []string{"A"}},
		{args: []string{"URL=postgres://u:p@h/db?a=b", "E="}, changes: map[string]*string{"URL": s("postgres://u:p@h/db?a=b"), "E": s("")}, keys: []string{"URL", "E"}},
		{args: []string{"B=1", "A=2", "B=3"}, changes: map[string]*string{"A": s("2"), "B": s("3")}, keys: []string{"B", "A"}},
		{args: []string{"MULTI=line1\nline2"}, changes: map[string]*string{"MULTI": s("line1\nline2")}, keys: []string{"MULTI"}},
		{args: []string{"NOEQUALS"}, err: true},
		{args: []string{"=value"}, err: true},
		{args: []string{"A=1", "bad\nkey=2"}, err: true},
	}
	for _, tt := range tests {
		changes, keys, err := parseConfigPairs(tt.args)
		if (err != nil) != tt.err {
			t.Errorf("parseConfigPairs(%q) err=%v, want error %v", tt.args, err, tt.err)
			continue
		}
		if !reflect.DeepEqual(changes, tt.changes) || !reflect.DeepEqual(keys, tt.keys) {
			t.Errorf("parseConfigPairs(%q)=%v,%q, want %v,%q", tt.args, changes, keys, tt.changes, tt.keys)
		}
	}
}

func TestParseScaleArgs(t *testing.T) {
	tests := []struct {
		args []string
		want []wire.FormationUpdate
		err  bool
	}{
		{args: []string{"web=2", "worker+1", "web=1:standard-2X"}, want: []wire.FormationUpdate{
			{Type: "web", Quantity: new(wire.Quantity("2"))}, {Type: "worker", Quantity: new(wire.Quantity("+1"))},
			{Type: "web", Quantity: new(wire.Quantity("1")), Size: new("standard-2X")}}},
		{args: []string{"my-worker-1", "clock_2=0:eco"}, want: []wire.FormationUpdate{
			{Type: "my-worker", Quantity: new(wire.Quantity("-1"))}, {Type: "clock_2", Quantity: new(wire.Quantity("0")), Size: new("eco")}}},
		{args: []string{}, want: []wire.FormationUpdate{}},
		{args: []string{"web"}, err: true},
		{args: []string{"web=x"}, err: true},
		{args: []string{"web=+1"}, err: true},
		{args: []string{"web=1:"}, err: true},
		{args: []string{"=1"}, err: true},
	}
	for _, tt := range tests {
		got, err := parseScaleArgs(tt.args)
		if (err != nil) != tt.err {
			t.Errorf("parseScaleArgs(%q) err=%v, want error %v", tt.args, err, tt.err)
			continue
		}
		if !tt.err && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseScaleArgs(%q)=%+v, want %+v", tt.args, got, tt.want)
		}
	}
}

func TestAppFromGitURL(t *testing.T) {
	api, _ := url.Parse("http://127.0.0.1:3000")
	tests := []struct {
		remote, want string
		ok           bool
	}{
		{"http://127.0.0.1:3000/my-app.git", "my-app", true},
		{"https://127.0.0.1:3000/my-app.git", "my-app", true}, // made by the Heroku CLI
		{"http://user@127.0.0.1:3000/my-app.git/", "my-app", true},
		{" http://127.0.0.1:3000/my-app.git\n", "my-app", true},
		{"http://127.0.0.1:3001/my-app.git", "", false},
		{"http://localhost:3000/my-app.git", "", false},
		{"http://127.0.0.1:3000/my-app", "", false},
		{"http://127.0.0.1:3000/org/my-app.git", "", false},
		{"http://127.0.0.1:3000/.git", "", false},
		{"git@github.com:me/my-app.git", "", false},
		{"%zz", "", false},
	}
	for _, tt := range tests {
		got, ok := appFromGitURL(tt.remote, api)
		if got != tt.want || ok != tt.ok {
			t.Errorf("appFromGitURL(%q)=%q,%v, want %q,%v", tt.remote, got, ok, tt.want, tt.ok)
		}
	}
	defaultPort, _ := url.Parse("https://bera.example.com")
	if got, ok := appFromGitURL("https://bera.example.com:443/x-app.git", defaultPort); !ok || got != "x-app" {
		t.Errorf("explicit default port: %q,%v", got, ok)
	}
}

func TestParseRemotes(t *testing.T) {
	out := "remote.origin.url https://github.com/me/x.git\nremote.bera.url http://127.0.0.1:3000/x.git\nremote.a.b.url u\n"
	want := map[string]string{"origin": "https://github.com/me/x.git", "bera": "http://127.0.0.1:3000/x.git", "a.b": "u"}
	if got := parseRemotes(out); !reflect.DeepEqual(got, want) {
		t.Errorf("parseRemotes=%v, want %v", got, want)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{"abc": "abc", "": "''", "a b": "'a b'", "it's": `'it'\''s'`, "postgres://u@h:5432/db": "postgres://u@h:5432/db", "$HOME": "'$HOME'"} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q)=%s, want %s", in, got, want)
		}
	}
}

func TestPrintTable(t *testing.T) {
	var b strings.Builder
	printTable(&b, [][]string{{"v10", "Set A config vars", "me@x"}, {"v9", "Deploy", "someone@example.com"}})
	want := "v10  Set A config vars  me@x\nv9   Deploy             someone@example.com\n"
	if b.String() != want {
		t.Errorf("printTable=\n%s\nwant\n%s", b.String(), want)
	}
}

func FuzzAppFromGitURL(f *testing.F) {
	api, _ := url.Parse("http://127.0.0.1:3000")
	f.Add("http://127.0.0.1:3000/my-app.git")
	f.Add("https://u:p@127.0.0.1:3000/a.git/")
	f.Fuzz(func(t *testing.T, remote string) {
		name, ok := appFromGitURL(remote, api)
		if ok && (name == "" || strings.Contains(name, "/")) {
			t.Fatalf("appFromGitURL(%q)=%q", remote, name)
		}
	})
}

func FuzzParseArgs(f *testing.F) {
	f.Add("A=1 -a app --json web+1")
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		parseFlags([]Flag{appFlag, jsonFlag}, args)
		if changes, keys, err := parseConfigPairs(args); err == nil && len(changes) != len(keys) {
			t.Fatalf("parseConfigPairs(%q): %d changes, %d keys", args, len(changes), len(keys))
		}
		if ups, err := parseScaleArgs(args); err == nil && len(ups) != len(args) {
			t.Fatalf("parseScaleArgs(%q): %d updates", args, len(ups))
		}
	})
}
