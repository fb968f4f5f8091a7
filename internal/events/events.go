// Package events carries live app events (build output, releases, dyno states, formation
// changes, add-on changes, log lines) from the parts of the platform that cause them to /ws subscribers.
//
// An Event is an envelope (app, time) around one typed Payload. Events cross a Bus, an
// interface: InMem delivers them inside one process; a bus across servers (Redis,
// PostgreSQL LISTEN/NOTIFY) sends them in their JSON encoding (Event.MarshalJSON) and
// decodes them on the other side (Event.UnmarshalJSON).
package events

import (
	"time"

	"github.com/kingvon-ke/bera"
)

// Event types: the "type" of an event on the wire.
const (
	TypeBuildOutput      = "build.output"
	TypeReleaseCreated   = "release.created"
	TypeDynoState        = "dyno.state"
	TypeFormationChanged = "formation.changed"
	TypeLog              = "log"
	TypeAddonChanged     = "addon.changed"
)

// AddonChanged states: what happened to the add-on.
const (
	// AddonProvisioning: the add-on was created; its instance is being made.
	AddonProvisioning = "provisioning"
	// AddonProvisioned: the instance takes connections and its URL is set on its apps.
	AddonProvisioned = "provisioned"
	// AddonFailed: provisioning failed; the add-on waits to be destroyed.
	AddonFailed = "failed"
	// AddonAttached and AddonDetached: an attachment (Attachment) was added or removed.
	AddonAttached = "attached"
	AddonDetached = "detached"
	// AddonDestroyed: the instance and its data are gone.
	AddonDestroyed = "destroyed"
	// AddonCredentialsRotated: a credential got a new password; the old one is refused.
	AddonCredentialsRotated = "credentials_rotated"
)

// Event is one thing that happened to an app.
type Event struct {
	// AppID is the app the event belongs to; subscribers follow apps.
	AppID string
	// Time is when it happened; a bus stamps the time of publishing on an event without one.
	Time time.Time
	// Payload says what happened: one of the types of this package.
	Payload Payload
}

// Type returns the event's wire type (TypeLog, ...), or "" without a payload.
func (e Event) Type() string {
	if e.Payload == nil {
		return ""
	}
	return e.Payload.EventType()
}

// Payload is what an event says happened. The set of payloads is closed: a remote bus must
// be able to decode every one of them.
//
// On the wire a payload is the JSON object "data"; its fields are declared in the
// alphabetical order of their JSON names, the order in which /ws has always sent them.
type Payload interface {
	// EventType returns the payload's event type (TypeLog, ...).
	EventType() string
	isPayload()
}

// BuildOutput is one line of a build's output.
type BuildOutput struct {
	Line string `json:"line"`
}

// ReleaseCreated announces a new release of the app.
type ReleaseCreated struct {
	Description string `json:"description"`
	ID          string `json:"id"`
	Version     int    `json:"version"`
}

// DynoState says a dyno moved from one state to another (bera.DynoStarting, ...).
type DynoState struct {
	Dyno string `json:"dyno"`
	From string `json:"from"`
	To   string `json:"to"`
}

// FormationChanged announces a process type's new quantity or size.
type FormationChanged struct {
	Quantity int    `json:"quantity"`
	Size     string `json:"size"`
	Type     string `json:"type"`
}

// Log is one line of the app's log stream.
type Log struct {
	Dyno   string `json:"dyno"`
	Line   string `json:"line"`
	Source string `json:"source"`
}

// AddonChanged says an add-on the app uses changed state (AddonProvisioned, ...). It names
// the add-on, never its URL or credentials. Attachment is the attachment concerned (REDIS,
// DATABASE), when one is.
type AddonChanged struct {
	Addon      string `json:"addon"`
	AddonID    string `json:"addon_id"`
	Attachment string `json:"attachment,omitempty"`
	Plan       string `json:"plan"`
	Service    string `json:"service"`
	State      string `json:"state"`
}

// EventType implements Payload.
func (BuildOutput) EventType() string { return TypeBuildOutput }

// EventType implements Payload.
func (ReleaseCreated) EventType() string { return TypeReleaseCreated }

// EventType implements Payload.
func (DynoState) EventType() string { return TypeDynoState }

// EventType implements Payload.
func (FormationChanged) EventType() string { return TypeFormationChanged }

// EventType implements Payload.
func (Log) EventType() string { return TypeLog }

// EventType implements Payload.
func (AddonChanged) EventType() string { return TypeAddonChanged }

func (BuildOutput) isPayload()      {}
func (ReleaseCreated) isPayload()   {}
func (DynoState) isPayload()        {}
func (FormationChanged) isPayload() {}
func (Log) isPayload()              {}
func (AddonChanged) isPayload()     {}

// NewReleaseCreated returns the event announcing rel.
func NewReleaseCreated(rel *bera.Release) Event {
	return Event{AppID: rel.AppID, Payload: ReleaseCreated{Description: rel.Description, ID: rel.ID, Version: rel.Version}}
}

// NewFormationChanged returns the event announcing f's quantity and size.
func NewFormationChanged(f *bera.Formation) Event {
	return Event{AppID: f.AppID, Payload: FormationChanged{Quantity: f.Quantity, Size: f.Size, Type: f.Type}}
}

// NewAddonChanged returns the event, for app appID, that add-on a is now in state; attachment
// names the attachment concerned ("" for none).
func NewAddonChanged(appID string, a *bera.Addon, state, attachment string) Event {
	return Event{AppID: appID, Payload: AddonChanged{Addon: a.Name, AddonID: a.ID, Attachment: attachment,
		Plan: a.Plan, Service: a.Service, State: state}}
}
