package wire_test

import (
	"encoding/json"
	"testing"

	"github.com/kingvon-ke/bera/internal/wire"
)

func TestAddonCreate_Decode(t *testing.T) {
	tests := []struct{ body, plan, tls string }{
		{`{"plan":"heroku-redis:premium-0"}`, "heroku-redis:premium-0", ""},
		{`{"plan":{"name":"heroku-postgresql"},"config":{"tls":true}}`, "heroku-postgresql", "true"},
		{`{"plan":{"id":"0b5c"},"config":{"tls":"false"}}`, "0b5c", "false"},
	}
	for _, tt := range tests {
		var c wire.AddonCreate
		if err := json.Unmarshal([]byte(tt.body), &c); err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		if string(c.Plan) != tt.plan || string(c.Config["tls"]) != tt.tls {
			t.Errorf("%s: plan %q tls %q, want %q %q", tt.body, c.Plan, c.Config["tls"], tt.plan, tt.tls)
		}
	}
	var c wire.AddonCreate
	if err := json.Unmarshal([]byte(`{"plan":"x","config":{"a":{"b":1}}}`), &c); err == nil {
		t.Error("an object as an option value was accepted")
	}
	out, _ := json.Marshal(wire.AddonAttachmentCreate{Addon: "redis-1", App: "web"})
	if string(out) != `{"addon":{"name":"redis-1"},"app":{"name":"web"}}` {
		t.Errorf("attachment body encodes as %s", out)
	}
}

func FuzzNameRef(f *testing.F) {
	for _, s := range []string{`"a"`, `{"name":"b"}`, `{"id":"c"}`, `null`, `1`, `[`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		var n wire.NameRef
		if json.Unmarshal([]byte(data), &n) != nil {
			return
		}
		out, err := json.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		var back wire.NameRef
		if err := json.Unmarshal(out, &back); err != nil || back != n {
			t.Fatalf("%q → %s → %q, %v", data, out, back, err)
		}
	})
}

func FuzzConfigValue(f *testing.F) {
	for _, s := range []string{`"v"`, `true`, `false`, `12`, `null`, `{}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		var v wire.ConfigValue
		json.Unmarshal([]byte(data), &v)
	})
}
