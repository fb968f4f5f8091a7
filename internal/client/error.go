package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/kingvon-ke/bera/internal/wire"
)

// Error is an error response of the API, decoded from its Heroku-shaped body
// {"id":"not_found","message":"Couldn't find that app.","resource":"app"}.
type Error struct {
	StatusCode int    // HTTP status
	ID         string // Heroku error id such as "not_found"; "" when the body had none
	Message    string // the message to show the user
	Resource   string // optional kind of resource, such as "app"
	RequestID  string // the Request-Id response header, to find the server's log line
}

// Error returns the API's message.
func (e *Error) Error() string { return e.Message }

// DecodeError builds an *Error from a non-2xx response body. what names the request
// ("GET /apps/x") for the message used when the body is not Heroku-shaped.
func DecodeError(status int, requestID string, body []byte, what string) *Error {
	e := &Error{StatusCode: status, RequestID: requestID}
	var b wire.ErrorBody
	if json.Unmarshal(body, &b) == nil {
		e.ID, e.Message, e.Resource = b.ID, oneLine(b.Message), b.Resource
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("HTTP %d %s for %s", status, http.StatusText(status), what)
	}
	return e
}

// oneLine joins the lines of s with spaces, so an error always prints as one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// IsNotFound reports whether err is an API 404.
func IsNotFound(err error) bool {
	e, ok := err.(*Error)
	return ok && e.StatusCode == http.StatusNotFound
}
