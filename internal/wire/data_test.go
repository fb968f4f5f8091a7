package wire_test

import (
	"encoding/json"
	"testing"

	"github.com/kingvon-ke/bera/internal/wire"
)

func TestHour(t *testing.T) {
	for in, want := range map[string]int{`{"hour":"02"}`: 2, `{"hour":23}`: 23, `{"hour":"7"}`: 7} {
		var b wire.TransferScheduleCreate
		if err := json.Unmarshal([]byte(in), &b); err != nil || int(b.Hour) != want {
			t.Errorf("%s: %d, %v; want %d", in, b.Hour, err, want)
		}
	}
	for _, in := range []string{`{"hour":"two"}`, `{"hour":null}`, `{"hour":[1]}`, `{"hour":1.5}`} {
		var b wire.TransferScheduleCreate
		if err := json.Unmarshal([]byte(in), &b); err == nil {
			t.Errorf("%s: accepted as %d", in, b.Hour)
		}
	}
}

// A schedule's body comes from the user: decoding never panics.
func FuzzTransferScheduleCreate(f *testing.F) {
	f.Add(`{"hour":"02","timezone":"UTC","schedule_name":"DATABASE_URL"}`)
	f.Add(`{"hour":4}`)
	f.Fuzz(func(t *testing.T, in string) {
		var b wire.TransferScheduleCreate
		_ = json.Unmarshal([]byte(in), &b)
	})
}
