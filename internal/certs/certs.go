// Package certs holds what Bera knows about custom domains and their TLS certificates:
// hostname validation, certificate parsing and ownership checks over bera.Domain and
// bera.Endpoint (manual certificates), and the SNI selection the router's TLS listener uses
// (Selector). Automatic certificates come from the ACME manager in certs/acme, which plugs
// into a Selector as its Fallback.
//
// This package only uses the standard library and the domain package, so the store and the
// API can use it.
package certs
