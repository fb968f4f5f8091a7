package events

import (
	"encoding/json"
	"testing"
	"time"
)

// roundTripSamples holds one event of every type, every field set, as a remote bus would
// carry them.
var roundTripSamples = map[string]Payload{
	TypeBuildOutput:      BuildOutput{Line: "-----> Python app detected\r"},
	TypeReleaseCreated:   ReleaseCreated{Description: "Set FOO config vars", ID: "0b9e6a3c-8a6f-4a57-9a2e-3f1f2c3d4e5f", Version: 12},
	TypeDynoState:        DynoState{Dyno: "web.2", From: "up", To: "crashed"},
	TypeFormationChanged: FormationChanged{Quantity: 3, Size: "performance-m", Type: "worker"},
	TypeLog:              Log{Dyno: "router", Line: `at=info method=GET path="/" status=200 <é>`, Source: "heroku"},
	TypeAddonChanged: AddonChanged{Addon: "postgresql-curved-12345", AddonID: "6d1f0b2a-3c4e-4f5a-8b9c-0d1e2f3a4b5c",
		Attachment: "DATABASE", Plan: "heroku-postgresql:essential-0", Service: "heroku-postgresql", State: AddonAttached},
}

// Every event type survives the encoding a remote bus uses: what arrives equals what was
// published. A new payload type without a sample here fails.
func TestRoundTripEveryType(t *testing.T) {
	for typ := range decoders {
		p, ok := roundTripSamples[typ]
		if !ok {
			t.Errorf("no round-trip sample of %s", typ)
			continue
		}
		if p.EventType() != typ {
			t.Errorf("sample of %s has type %s", typ, p.EventType())
		}
		in := Event{AppID: "app-" + typ, Time: time.Date(2026, 12, 2, 3, 4, 5, 123456789, time.UTC), Payload: p}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		var out Event
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s: decode %s: %v", typ, b, err)
		}
		if out.AppID != in.AppID || !out.Time.Equal(in.Time) || out.Payload != in.Payload {
			t.Errorf("%s: %s decoded to %+v, want %+v", typ, b, out, in)
		}
	}
	if len(roundTripSamples) != len(decoders) {
		t.Errorf("%d samples for %d event types", len(roundTripSamples), len(decoders))
	}
}
