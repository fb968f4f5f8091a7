// Package wire holds the JSON shapes of Bera's API: the Heroku Platform API v3 resources
// (shared/heroku-api.md §4) and the request bodies the API accepts. The API encodes its
// responses and decodes its requests with these types, and the typed client sends and returns
// them, so each shape is declared once.
//
// Response types carry every key Heroku sends, in Heroku's order, with null where Bera has no
// value: the official Heroku CLI reads them, and their encoding is part of the API contract.
// Request types use pointers where the API tells a missing key from a zero value, and
// omitempty so that the client leaves out what it does not set.
//
// The package has no logic beyond JSON encoding; conversions from domain types live in the
// API.
package wire

// IDName is a nested {id, name} reference, such as an app, region or stack.
type IDName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// IDEmail is a nested {id, email} reference to a user.
type IDEmail struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// IDOnly is a nested {id} reference, such as a release's slug or a build's app.
type IDOnly struct {
	ID string `json:"id"`
}
