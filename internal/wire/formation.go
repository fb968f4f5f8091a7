package wire

import (
	"bytes"
	"encoding/json"
)

// Formation is the quantity and size of one process type (GET /apps/{app}/formation).
type Formation struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Quantity  int    `json:"quantity"`
	Size      string `json:"size"`
	Command   string `json:"command"`
	App       IDName `json:"app"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// FormationUpdate is the body of PATCH /apps/{app}/formation/{type} and one entry of a
// FormationBatchUpdate (Type is ignored in the former: the path names it). Nil fields are
// unchanged.
type FormationUpdate struct {
	Type     string    `json:"type"`
	Quantity *Quantity `json:"quantity,omitempty"`
	Size     *string   `json:"size,omitempty"`
}

// FormationBatchUpdate is the body of PATCH /apps/{app}/formation (`ps:scale`, `ps:type`).
// The response is the whole formation.
type FormationBatchUpdate struct {
	Updates []FormationUpdate `json:"updates"`
}

// Quantity is a formation quantity as clients send it: the Heroku CLI sends a string, "2"
// for an absolute count and "+1" or "-1" for a change; other clients send a number. It
// encodes as a JSON string. Decoding keeps the text of a string, or the literal of any other
// JSON value, for the API to check.
type Quantity string

// UnmarshalJSON keeps the text of a JSON string, or the literal of any other value.
func (q *Quantity) UnmarshalJSON(data []byte) error {
	if bytes.HasPrefix(data, []byte(`"`)) {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*q = Quantity(s)
		return nil
	}
	*q = Quantity(data)
	return nil
}
