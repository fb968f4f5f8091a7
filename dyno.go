package bera

import "time"

// Dyno states, as in Heroku's API.
const (
	DynoStarting = "starting"
	DynoUp       = "up"
	DynoCrashed  = "crashed"
	DynoDown     = "down"
	DynoIdle     = "idle"
)

// Dyno is a running (or recently running) process of an app.
type Dyno struct {
	ID             string
	AppID          string
	Name           string // web.1, run.4242
	Type           string
	State          string
	Command        string
	Size           string
	ReleaseID      string
	ReleaseVersion int
	AttachURL      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}
