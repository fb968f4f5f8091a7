package events_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/events"
)

// Each payload encodes to the bytes of the map[string]any that /ws sent before events were
// typed, so browsers, `bera events --json` and scripts reading /ws see no change.
func TestPayloadWireEncodingUnchanged(t *testing.T) {
	tests := []struct {
		payload events.Payload
		before  map[string]any
	}{
		{events.BuildOutput{Line: "-----> Building <app> & more"},
			map[string]any{"line": "-----> Building <app> & more"}},
		{events.ReleaseCreated{Description: "Deploy 1a2b3c", ID: "0b9e6a3c-8a6f-4a57-9a2e-3f1f2c3d4e5f", Version: 3},
			map[string]any{"version": 3, "description": "Deploy 1a2b3c", "id": "0b9e6a3c-8a6f-4a57-9a2e-3f1f2c3d4e5f"}},
		{events.DynoState{Dyno: "web.1", From: "starting", To: "up"},
			map[string]any{"dyno": "web.1", "from": "starting", "to": "up"}},
		{events.FormationChanged{Quantity: 2, Size: "standard-1X", Type: "web"},
			map[string]any{"type": "web", "quantity": 2, "size": "standard-1X"}},
		{events.Log{Dyno: "web.1", Line: "GET / \"ok\"", Source: "app"},
			map[string]any{"source": "app", "dyno": "web.1", "line": "GET / \"ok\""}},
	}
	for _, tt := range tests {
		t.Run(tt.payload.EventType(), func(t *testing.T) {
			got, err := json.Marshal(tt.payload)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(tt.before)
			if string(got) != string(want) {
				t.Errorf("encoding %s, want %s", got, want)
			}
		})
	}
}

func TestEventEncoding(t *testing.T) {
	e := events.Event{AppID: "a1", Time: time.Date(2026, 12, 2, 3, 4, 5, 6, time.UTC),
		Payload: events.DynoState{Dyno: "web.1", From: "starting", To: "up"}}
	got, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"dyno.state","app_id":"a1","time":"2026-12-02T03:04:05.000000006Z","data":{"dyno":"web.1","from":"starting","to":"up"}}`
	if string(got) != want {
		t.Errorf("encoding\n%s\nwant\n%s", got, want)
	}
	if _, err := json.Marshal(events.Event{AppID: "a1"}); err == nil {
		t.Error("an event without a payload encoded")
	}
}

// An add-on event names the add-on and what happened to it, in the keys /ws clients read;
// an event about no attachment has no "attachment" key.
func TestAddonChangedEncoding(t *testing.T) {
	a := &bera.Addon{ID: "6d1f0b2a", Name: "redis-curved-12345", AppID: "a1", Service: "heroku-redis",
		Plan: "heroku-redis:premium-0", URL: "redis://h:secret@127.0.0.1:6380"}
	for _, tt := range []struct {
		attachment, want string
	}{
		{"", `{"addon":"redis-curved-12345","addon_id":"6d1f0b2a","plan":"heroku-redis:premium-0","service":"heroku-redis","state":"destroyed"}`},
		{"CACHE", `{"addon":"redis-curved-12345","addon_id":"6d1f0b2a","attachment":"CACHE","plan":"heroku-redis:premium-0","service":"heroku-redis","state":"destroyed"}`},
	} {
		e := events.NewAddonChanged("b2", a, events.AddonDestroyed, tt.attachment)
		got, err := json.Marshal(e.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want || e.AppID != "b2" || e.Type() != "addon.changed" {
			t.Errorf("event %+v encodes as %s, want app b2 and %s", e, got, tt.want)
		}
	}
}

func TestEventDecodingErrors(t *testing.T) {
	for _, in := range []string{
		`{"type":"dyno.exploded","app_id":"a","data":{}}`,
		`{"app_id":"a"}`,
		`{"type":"log","data":{"line":5}}`,
		`{"type":"log","data":[]}`,
		`{"type":"log","time":"yesterday"}`,
		`[]`,
	} {
		var e events.Event
		if err := json.Unmarshal([]byte(in), &e); err == nil {
			t.Errorf("%s decoded to %+v", in, e)
		}
	}
}

// FuzzEventDecode decodes what a remote bus might deliver: decoding never panics, and an
// event that decodes encodes again to what decodes to the same event.
func FuzzEventDecode(f *testing.F) {
	f.Add(`{"type":"dyno.state","app_id":"a1","time":"2026-12-02T03:04:05Z","data":{"dyno":"web.1","from":"starting","to":"up"}}`)
	f.Add(`{"type":"release.created","app_id":"a1","time":"2026-12-02T03:04:05+01:00","data":{"description":"Deploy","id":"x","version":3}}`)
	f.Add(`{"type":"log","data":{"line":"\u00e9\ud800","dyno":"run.1","source":"heroku"}}`)
	f.Add(`{"type":"formation.changed","data":{"quantity":-1,"size":"","type":"web","extra":true}}`)
	f.Add(`{"type":"build.output","data":null}`)
	f.Add(`{"type":"addon.changed","app_id":"a1","data":{"addon":"redis-x","addon_id":"i","plan":"heroku-redis:premium-0","service":"heroku-redis","state":"destroyed"}}`)
	f.Fuzz(func(t *testing.T, in string) {
		var e events.Event
		if json.Unmarshal([]byte(in), &e) != nil {
			return
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("%q decoded to %+v, which does not encode: %v", in, e, err)
		}
		var again events.Event
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("%s: re-encoded event does not decode: %v", b, err)
		}
		if again.AppID != e.AppID || !again.Time.Equal(e.Time) || again.Payload != e.Payload {
			t.Fatalf("%s: decodes to %+v, first decoded %+v", b, again, e)
		}
	})
}
