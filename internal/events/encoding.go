package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// wireEvent is an Event's JSON encoding, the one a remote bus sends.
type wireEvent struct {
	Type  string          `json:"type"`
	AppID string          `json:"app_id"`
	Time  time.Time       `json:"time"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// decoders decode the "data" of each event type into its payload.
var decoders = map[string]func([]byte) (Payload, error){
	TypeBuildOutput:      decode[BuildOutput],
	TypeReleaseCreated:   decode[ReleaseCreated],
	TypeDynoState:        decode[DynoState],
	TypeFormationChanged: decode[FormationChanged],
	TypeLog:              decode[Log],
	TypeAddonChanged:     decode[AddonChanged],
}

// errNoPayload is the error of encoding an event without a payload.
var errNoPayload = errors.New("encode event: no payload")

// MarshalJSON encodes e as {"type", "app_id", "time", "data"}, data being the payload.
func (e Event) MarshalJSON() ([]byte, error) {
	if e.Payload == nil {
		return nil, errNoPayload
	}
	data, err := json.Marshal(e.Payload)
	if err != nil {
		return nil, err
	}
	return json.Marshal(wireEvent{Type: e.Type(), AppID: e.AppID, Time: e.Time, Data: data})
}

// UnmarshalJSON decodes what MarshalJSON encoded. An unknown type is an error: the
// payload it would carry has no Go type here.
func (e *Event) UnmarshalJSON(b []byte) error {
	var w wireEvent
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	dec, ok := decoders[w.Type]
	if !ok {
		return fmt.Errorf("decode event: unknown type %q", w.Type)
	}
	p, err := dec(w.Data)
	if err != nil {
		return fmt.Errorf("decode %s event: %w", w.Type, err)
	}
	*e = Event{AppID: w.AppID, Time: w.Time, Payload: p}
	return nil
}

// decode unmarshals data into a P; absent data is P's zero value.
func decode[P Payload](data []byte) (Payload, error) {
	var p P
	if len(data) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, err
	}
	return p, nil
}
