package dashboard

import (
	"net/url"
	"testing"

	"github.com/kingvon-ke/bera"
)

func TestParseAlertForm(t *testing.T) {
	for q, want := range map[string]bera.Alert{
		"kind=p95&threshold=500":                     {Kind: bera.AlertP95, Threshold: 500, Minutes: 5},
		"kind=p95&threshold=250&minutes=10":          {Kind: bera.AlertP95, Threshold: 250, Minutes: 10},
		"kind=error_rate&threshold=2.5&minutes=60":   {Kind: bera.AlertErrorRate, Threshold: 2.5, Minutes: 60},
		"kind=error_rate&threshold=+100+&minutes=+1": {Kind: bera.AlertErrorRate, Threshold: 100, Minutes: 1},
	} {
		got, err := parseAlertForm(mustQuery(t, q))
		if err != nil || *got != want {
			t.Errorf("%s: %+v %v, want %+v", q, got, err, want)
		}
	}
	for _, q := range []string{"", "threshold=500", "kind=p99&threshold=500", "kind=p95", "kind=p95&threshold=0",
		"kind=p95&threshold=-3", "kind=p95&threshold=x", "kind=p95&threshold=Inf", "kind=p95&threshold=NaN",
		"kind=p95&threshold=5&minutes=0", "kind=p95&threshold=5&minutes=61", "kind=p95&threshold=5&minutes=x",
		"kind=error_rate&threshold=101", "kind=error_rate&threshold=0"} {
		got, err := parseAlertForm(mustQuery(t, q))
		if _, user := userError(err); err == nil || !user {
			t.Errorf("%q: %+v %v, want a user error", q, got, err)
		}
	}
}

func FuzzParseAlertForm(f *testing.F) {
	for _, s := range []string{"kind=p95&threshold=500", "kind=error_rate&threshold=2.5&minutes=10", "kind=p95&threshold=1e309", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		a, err := parseAlertForm(v)
		if err == nil && a.Validate() != nil {
			t.Fatalf("%q parsed into an invalid alert %+v", q, a)
		}
	})
}

func mustQuery(t *testing.T, q string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
