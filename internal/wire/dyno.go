package wire

import "encoding/json"

// Dyno is a running (or crashed) process of an app (GET /apps/{app}/dynos). State is
// "starting", "up", "crashed" or "down"; AttachURL is set only for an attached one-off dyno
// (rendezvous://HOST:PORT/SECRET).
type Dyno struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Type      string      `json:"type"`
	State     string      `json:"state"`
	Command   string      `json:"command"`
	Size      string      `json:"size"`
	AttachURL *string     `json:"attach_url"`
	Release   DynoRelease `json:"release"`
	App       IDName      `json:"app"`
	CreatedAt string      `json:"created_at"`
	UpdatedAt string      `json:"updated_at"`
}

// DynoRelease is the release a dyno runs.
type DynoRelease struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
}

// DynoCreate is the body of POST /apps/{app}/dynos: a one-off dyno (`heroku run`,
// `bera run`). Attach waits for a client to attach; ForceNoTTY runs it without a terminal.
// Env values are JSON strings, numbers or booleans (the Heroku CLI sends COLUMNS and LINES
// as numbers); null drops a key. EnvStrings builds Env from strings.
type DynoCreate struct {
	Attach     bool                       `json:"attach"`
	Command    string                     `json:"command"`
	Env        map[string]json.RawMessage `json:"env,omitempty"`
	ForceNoTTY *bool                      `json:"force_no_tty,omitempty"`
	Size       string                     `json:"size,omitempty"`
	Type       string                     `json:"type,omitempty"`
}

// EnvStrings returns env as DynoCreate.Env values, or nil when env is empty.
func EnvStrings(env map[string]string) map[string]json.RawMessage {
	if len(env) == 0 {
		return nil
	}
	out := make(map[string]json.RawMessage, len(env))
	for k, v := range env {
		b, _ := json.Marshal(v)
		out[k] = b
	}
	return out
}
