package wire_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/kingvon-ke/bera/internal/wire"
)

func TestQuantity_UnmarshalJSON(t *testing.T) {
	tests := []struct {
		in   string
		want *wire.Quantity
	}{
		{`{"type":"web","quantity":"2"}`, new(wire.Quantity("2"))},
		{`{"type":"web","quantity":"+1"}`, new(wire.Quantity("+1"))},
		{`{"type":"web","quantity":-1}`, new(wire.Quantity("-1"))},
		{`{"type":"web","quantity":3}`, new(wire.Quantity("3"))},
		{`{"type":"web","quantity":""}`, new(wire.Quantity(""))},
		{`{"type":"web","quantity":true}`, new(wire.Quantity("true"))},
		{`{"type":"web","quantity":"\u0032"}`, new(wire.Quantity("2"))},
		{`{"type":"web","quantity":null}`, nil},
		{`{"type":"web"}`, nil},
	}
	for _, tt := range tests {
		var u wire.FormationUpdate
		if err := json.Unmarshal([]byte(tt.in), &u); err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if (u.Quantity == nil) != (tt.want == nil) || u.Quantity != nil && *u.Quantity != *tt.want {
			t.Errorf("%s: Quantity=%v, want %v", tt.in, deref(u.Quantity), deref(tt.want))
		}
	}
}

func deref(q *wire.Quantity) any {
	if q == nil {
		return nil
	}
	return string(*q)
}

// The client sends scale requests as the Heroku CLI does: quantities are strings, and
// unset fields are left out.
func TestFormationBatchUpdate_Encoding(t *testing.T) {
	body := wire.FormationBatchUpdate{Updates: []wire.FormationUpdate{
		{Type: "web", Quantity: new(wire.Quantity("2"))}, {Type: "worker", Size: new("eco")}}}
	got, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"updates":[{"type":"web","quantity":"2"},{"type":"worker","size":"eco"}]}`; string(got) != want {
		t.Errorf("encoded %s, want %s", got, want)
	}
}

func TestEnvStrings(t *testing.T) {
	if wire.EnvStrings(nil) != nil || wire.EnvStrings(map[string]string{}) != nil {
		t.Error("EnvStrings of no vars is not nil")
	}
	got, _ := json.Marshal(wire.DynoCreate{Command: "bash", Env: wire.EnvStrings(map[string]string{"TERM": "xterm", "Q": `"<&>"`})})
	if want := `{"attach":false,"command":"bash","env":{"Q":"\"\u003c\u0026\u003e\"","TERM":"xterm"}}`; string(got) != want {
		t.Errorf("encoded %s, want %s", got, want)
	}
}

func TestDomainCreate_SendsNullEndpoint(t *testing.T) {
	got, _ := json.Marshal(wire.DomainCreate{Hostname: "www.example.com"})
	if want := `{"hostname":"www.example.com","sni_endpoint":null}`; string(got) != want {
		t.Errorf("encoded %s, want %s", got, want)
	}
}

// requestTypes returns a new value of every request body the API decodes.
func requestTypes() map[string]func() any {
	return map[string]func() any{
		"AppCreate": func() any { return new(wire.AppCreate) }, "AppUpdate": func() any { return new(wire.AppUpdate) },
		"AuthorizationCreate": func() any { return new(wire.AuthorizationCreate) },
		"ConfigVarsUpdate":    func() any { return new(wire.ConfigVarsUpdate) },
		"ReleaseRollback":     func() any { return new(wire.ReleaseRollback) },
		"FormationUpdate":     func() any { return new(wire.FormationUpdate) },
		"FormationBatch":      func() any { return new(wire.FormationBatchUpdate) },
		"DynoCreate":          func() any { return new(wire.DynoCreate) }, "BuildCreate": func() any { return new(wire.BuildCreate) },
		"Buildpacks":         func() any { return new(wire.BuildpackInstallationsUpdate) },
		"AppSourceUpdate":    func() any { return new(wire.AppSourceUpdate) },
		"DomainCreate":       func() any { return new(wire.DomainCreate) },
		"SNIEndpointCreate":  func() any { return new(wire.SNIEndpointCreate) },
		"CollaboratorCreate": func() any { return new(wire.CollaboratorCreate) },
		"LogDrainCreate":     func() any { return new(wire.LogDrainCreate) },
		"LogSessionCreate":   func() any { return new(wire.LogSessionCreate) },
		"FeatureUpdate":      func() any { return new(wire.FeatureUpdate) },
	}
}

// FuzzRequestBodies decodes arbitrary bytes as every request body the API accepts. Decoding
// must not panic, and whatever decodes must encode, and encode the same after another round
// (what the client sends is what the API reads).
func FuzzRequestBodies(f *testing.F) {
	for _, s := range []string{`{"name":"x"}`, `{"updates":[{"type":"web","quantity":"+1","size":"eco"}]}`,
		`{"quantity": 2}`, `{"attach":true,"command":"bash","env":{"COLUMNS":80,"TERM":"xterm","X":null}}`,
		`{"A":"1","B":null}`, `{"source_blob":{"url":"https://x/y.tgz"}}`, `{"git":{"url":"https://x/y.git","ref":"main"}}`,
		`{"hostname":"www.example.com","sni_endpoint":null}`, `{"lines":10,"tail":true}`, `{"enabled":false}`,
		`{"quantity":{"a":[1, 2]}}`, `{"env":{"A":[1, {"b": 2}]}}`, `[`, `null`, "\x00"} {
		f.Add([]byte(s))
	}
	types := requestTypes()
	f.Fuzz(func(t *testing.T, data []byte) {
		for name, newV := range types {
			v := newV()
			if json.Unmarshal(data, v) != nil {
				continue
			}
			once, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("%s: encode %#v: %v", name, v, err)
			}
			w := newV()
			if err := json.Unmarshal(once, w); err != nil {
				t.Fatalf("%s: decode own encoding %s: %v", name, once, err)
			}
			twice, err := json.Marshal(w)
			if err != nil || !bytes.Equal(once, twice) {
				t.Fatalf("%s: encoding not stable: %s then %s (%v)", name, once, twice, err)
			}
		}
	})
}
