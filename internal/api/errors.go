package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/wire"
)

// handlerFunc is an HTTP handler that returns its error; adapt writes it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// httpError is an API error with an explicit status, for failures that have no domain code
// (405, 413, 415 …).
type httpError struct {
	status  int
	id, msg string
}

func (e *httpError) Error() string { return e.msg }

func errorf(status int, id, format string, args ...any) error {
	return &httpError{status: status, id: id, msg: fmt.Sprintf(format, args...)}
}

// codeStatus maps domain error codes to HTTP statuses. It is the only such table.
var codeStatus = map[string]int{
	bera.EBadRequest:   http.StatusBadRequest,
	bera.EUnauthorized: http.StatusUnauthorized,
	bera.EForbidden:    http.StatusForbidden,
	bera.ENotFound:     http.StatusNotFound,
	bera.EConflict:     http.StatusConflict,
	bera.ETooLarge:     http.StatusRequestEntityTooLarge,
	bera.ERange:        http.StatusRequestedRangeNotSatisfiable,
	bera.EInvalid:      http.StatusUnprocessableEntity,
	bera.EConfirm:      http.StatusLocked,
	bera.ERateLimit:    http.StatusTooManyRequests,
	bera.EInternal:     http.StatusInternalServerError,
	bera.EUnavailable:  http.StatusServiceUnavailable,
}

func (s *Server) adapt(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// writeError writes err as a Heroku-shaped error body. Internal errors are logged here, once,
// and reach the client only as a generic message with the request id.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	resp := wire.ErrorBody{RequestID: bera.RequestIDFrom(r.Context())}
	var he *httpError
	var status int
	if errors.As(err, &he) {
		status, resp.ID, resp.Message = he.status, he.id, he.msg
	} else {
		resp.ID, resp.Message, resp.Resource = bera.ErrorCode(err), bera.ErrorMessage(err), bera.ErrorResource(err)
		status = codeStatus[resp.ID]
		if status == 0 {
			status = http.StatusInternalServerError
		}
	}
	if status >= 500 {
		s.log.Error("request failed", "request_id", resp.RequestID, "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="Bera"`)
	}
	writeJSON(w, status, resp)
}

// writeJSON writes v with status as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// decode reads one JSON value from the request body into v. An empty body is allowed when
// optional is true and leaves v untouched.
func decode(r *http.Request, v any, optional bool) error {
	dec := json.NewDecoder(r.Body)
	err := dec.Decode(v)
	if err == io.EOF && optional {
		return nil
	}
	if err == nil {
		if _, err2 := dec.Token(); err2 != io.EOF {
			return bera.Errorf(bera.EBadRequest, "Request body must be a single JSON value.")
		}
		return nil
	}
	return decodeError(err)
}

// decodeError turns a json or body-size error into a user-facing one.
func decodeError(err error) error {
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &tooBig):
		return bera.Errorf(bera.ETooLarge, "Request body is larger than %d bytes.", tooBig.Limit)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return bera.Errorf(bera.EInvalid, "Request body must be a JSON %s, not %s.", jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
		}
		return bera.Errorf(bera.EInvalid, "Invalid type for %q: expected %s, got %s.", field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.As(err, &syntaxErr), err == io.EOF, errors.Is(err, io.ErrUnexpectedEOF):
		return bera.Errorf(bera.EBadRequest, "Request body is not valid JSON.")
	}
	return bera.Errorf(bera.EBadRequest, "Request body could not be read.")
}

func jsonKind(goKind string) string {
	switch {
	case goKind == "struct" || goKind == "map":
		return "object"
	case goKind == "slice" || goKind == "array":
		return "array"
	case strings.HasPrefix(goKind, "int") || strings.HasPrefix(goKind, "uint") || strings.HasPrefix(goKind, "float"):
		return "number"
	case goKind == "bool":
		return "boolean"
	}
	return goKind
}
