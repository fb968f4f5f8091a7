package bera

import "time"

// Domain kinds, as in Heroku's API.
const (
	DomainKindHeroku = "heroku" // the app's own APP.DOMAIN hostname
	DomainKindCustom = "custom"
)

// Domain status values: Bera serves a custom domain as soon as it is added (it does not
// check DNS), so a stored domain is "succeeded"; "none" is the app's own hostname.
const (
	DomainStatusSucceeded = "succeeded"
	DomainStatusNone      = "none"
)

// ACM status values of a domain, as Heroku reports them. "" means ACM is off for the app.
const (
	ACMPending = "pending"
	ACMIssued  = "cert issued"
	ACMFailed  = "failed"
)

// Domain is a custom hostname an app answers to.
type Domain struct {
	ID       string
	AppID    string
	AppName  string // filled by the store on reads
	Hostname string
	Kind     string
	Status   string
	// ACMStatus is "" while the app has no automatic certificates, else an ACM* value.
	ACMStatus       string
	ACMStatusReason string
	// ACM says the app has automatic certificates enabled (filled by the store on reads).
	ACM bool
	// EndpointID is the manual certificate (SNI endpoint) serving it, or "".
	EndpointID string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}
