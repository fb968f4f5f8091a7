package bera

import (
	"errors"
	"fmt"
)

// Error codes. The values are Heroku's error ids, so the API can send them as they are.
const (
	EBadRequest   = "bad_request"
	EUnauthorized = "unauthorized"
	EForbidden    = "forbidden"
	ENotFound     = "not_found"
	EConflict     = "conflict"
	ETooLarge     = "request_entity_too_large"
	ERange        = "requested_range_not_satisfiable"
	EInvalid      = "invalid_params"
	EConfirm      = "confirmation_required"
	ERateLimit    = "rate_limit"
	EInternal     = "internal_server_error"
	EUnavailable  = "service_unavailable"
)

// Error is a failure a user can act on. Code is one of the E* constants; Message is a full
// sentence safe to show to the user (no secrets, no paths); Resource optionally names the kind
// of thing that was not found or was invalid ("app", "release", …).
type Error struct {
	Code     string
	Message  string
	Resource string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("bera error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns the Heroku-style not-found error for a resource, such as
// NotFound("app") → "Couldn't find that app.".
func NotFound(resource string) *Error {
	return &Error{Code: ENotFound, Message: fmt.Sprintf("Couldn't find that %s.", resource), Resource: resource}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, EInternal otherwise,
// and "" for a nil error.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-facing message of err if it is an *Error, and a generic
// message otherwise, so internal details never reach a client.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	}
	return "Internal server error."
}

// ErrorResource returns the resource named by err if it is an *Error.
func ErrorResource(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Resource
	}
	return ""
}
