// Package certs holds what Bera knows about custom domains and their TLS certificates: the
// Domain and Endpoint (manual certificate) types, hostname validation, certificate parsing,
// and the SNI selection the router's TLS listener uses (Selector). Automatic certificates
// come from the ACME manager in certs/acme, which plugs into a Selector as its Fallback.
//
// This package only uses the standard library, so the store and the API can use its types.
package certs

import "time"

// Domain kinds, as in Heroku's API.
const (
	KindHeroku = "heroku" // the app's own APP.DOMAIN hostname
	KindCustom = "custom"
)

// Domain status values: Bera serves a custom domain as soon as it is added (it does not
// check DNS), so a stored domain is "succeeded"; "none" is the app's own hostname.
const (
	StatusSucceeded = "succeeded"
	StatusNone      = "none"
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

// Endpoint is a manual certificate uploaded for an app (Heroku's SNI endpoint). The private
// key is kept sealed at rest by the store and never returned by the API.
type Endpoint struct {
	ID      string
	AppID   string
	AppName string // filled by the store on reads
	Name    string
	// CertificateChain is the PEM leaf certificate followed by its intermediates.
	CertificateChain string
	// PrivateKey is the PEM private key of the leaf.
	PrivateKey string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}
