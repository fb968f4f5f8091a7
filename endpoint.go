package bera

import "time"

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
