package cli

import (
	"maps"
	"testing"
)

func TestJoinCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"echo hi | wc -l"}, "echo hi | wc -l"},
		{[]string{"echo", "hello"}, "echo hello"},
		{[]string{"sh", "-c", "exit 3"}, "sh -c 'exit 3'"},
		{[]string{"echo", "it's", "$HOME"}, `echo 'it'\''s' '$HOME'`},
		{[]string{"printf", ""}, "printf ''"},
	} {
		if got := joinCommand(tc.args); got != tc.want {
			t.Errorf("joinCommand(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestParseRunEnv(t *testing.T) {
	got, err := parseRunEnv("A=1; B=x=y")
	if want := map[string]string{"A": "1", "B": "x=y"}; err != nil || !maps.Equal(got, want) {
		t.Errorf("parseRunEnv = %v, %v, want %v", got, err, want)
	}
	for _, bad := range []string{"A", "=1", "A=1;;"} {
		if _, err := parseRunEnv(bad); err == nil {
			t.Errorf("parseRunEnv(%q) succeeded, want an error", bad)
		}
	}
}
