package bera_test

import (
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
)

func TestValidateConfigVar(t *testing.T) {
	v := func(s string) *string { return &s }
	tests := []struct {
		key   string
		value *string
		ok    bool
	}{
		{"DATABASE_URL", v("postgres://x"), true},
		{"a1_B2", v("multi\nline\tvalue"), true},
		{"9LIVES", v(""), true},
		{"", v("x"), false},
		{"MY KEY", v("x"), false},
		{"MY-KEY", v("x"), false},
		{"K=V", v("x"), false},
		{"ÉTÉ", v("x"), false},
		{strings.Repeat("K", 256), v("x"), false},
		{"TOKEN", v("a\x00b"), false},
		{"TOKEN", v("\x00"), false},
		// Removing a var only needs a storable name, so old ones can be cleaned up.
		{"MY-KEY", nil, true},
		{"MY KEY", nil, true},
		{"", nil, false},
		{"A\x00", nil, false},
	}
	for _, tt := range tests {
		err := bera.ValidateConfigVar(tt.key, tt.value)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateConfigVar(%q, %v) = %v, want ok=%v", tt.key, tt.value, err, tt.ok)
		}
		if err != nil && bera.ErrorCode(err) != bera.EInvalid {
			t.Errorf("ValidateConfigVar(%q): code %s, want invalid_params", tt.key, bera.ErrorCode(err))
		}
		if err != nil && tt.value != nil && *tt.value != "" && strings.Contains(bera.ErrorMessage(err), *tt.value) {
			t.Errorf("ValidateConfigVar(%q): message %q echoes the value", tt.key, bera.ErrorMessage(err))
		}
	}
}

func FuzzValidateConfigVar(f *testing.F) {
	f.Add("DATABASE_URL", "postgres://u:p@h/db", false)
	f.Add("MY KEY", "x\x00y", false)
	f.Add("OLD-KEY", "", true)
	f.Fuzz(func(t *testing.T, key, value string, remove bool) {
		var v *string
		if !remove {
			v = &value
		}
		err := bera.ValidateConfigVar(key, v)
		if err == nil && !remove {
			if strings.IndexByte(value, 0) >= 0 || key == "" || len(key) > 255 {
				t.Fatalf("accepted %q=%q", key, value)
			}
			for _, r := range key {
				if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
					t.Fatalf("accepted name %q", key)
				}
			}
		}
		if err != nil && bera.ErrorCode(err) != bera.EInvalid {
			t.Fatalf("code %s", bera.ErrorCode(err))
		}
	})
}
