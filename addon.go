package bera

import "time"

// Add-on states, as in Heroku's API. A failed provisioning ends deprovisioned with a
// Message; a destroyed add-on is deprovisioned too and no longer listed.
const (
	AddonProvisioning   = "provisioning"
	AddonProvisioned    = "provisioned"
	AddonDeprovisioning = "deprovisioning"
	AddonDeprovisioned  = "deprovisioned"
)

// Addon is an instance of an add-on service (a PostgreSQL database, a Redis) billed to
// the app AppID. Its provider instance has the add-on's ID.
type Addon struct {
	ID      string
	Name    string // "redis-curved-12345", unique among add-ons not destroyed
	AppID   string // the billing app
	AppName string // filled by the store on reads
	Service string // "heroku-redis"
	Plan    string // "heroku-redis:mini"
	State   string
	// Message says why provisioning failed.
	Message string
	// URL is the default credential's URL once provisioned, a secret sealed at rest.
	URL       string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AddonAttachment gives an app access to an add-on under Name: the app's config var
// Name+"_URL" holds the add-on's URL.
type AddonAttachment struct {
	ID        string
	AddonID   string
	AppID     string
	AppName   string // filled by the store on reads
	Name      string // "DATABASE", "HEROKU_POSTGRESQL_RED", "REDIS"
	Namespace string // "" for the default credential
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ConfigVar is the config var the attachment sets on its app.
func (a *AddonAttachment) ConfigVar() string { return a.Name + "_URL" }
