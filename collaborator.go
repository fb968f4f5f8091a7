package bera

import "time"

// Collaborator roles.
const (
	RoleOwner        = "owner"
	RoleCollaborator = "collaborator"
)

// Collaborator gives a user access to an app.
type Collaborator struct {
	ID        string
	AppID     string
	UserID    string
	UserEmail string // filled by the store on reads
	Role      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AppFeature is an optional behaviour of an app that can be switched on or off.
type AppFeature struct {
	Name        string
	Description string
	Enabled     bool
}

// AppFeatures is the catalog of features an app can enable, with their descriptions.
var AppFeatures = []AppFeature{
	{Name: "maintenance", Description: "Serve a maintenance page (H80) instead of routing requests to dynos."},
	{Name: "runtime-dyno-metadata", Description: "Expose release and dyno metadata as HEROKU_* env vars in dynos."},
	{Name: "preboot", Description: "Start new web dynos before stopping old ones on deploys and restarts."},
	{Name: "http-to-https", Description: "Redirect plain HTTP requests on custom domains to HTTPS."},
}
