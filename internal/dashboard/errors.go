package dashboard

import (
	"errors"
	"net/http"

	"github.com/kingvon-ke/bera/internal/client"
)

// pageError is a failure with the status and the words of its error page.
type pageError struct {
	status         int
	title, message string
}

func (e *pageError) Error() string { return e.title + ": " + e.message }

func errorf(status int, title, message string) error {
	return &pageError{status: status, title: title, message: message}
}

// errorView is the error page.
type errorView struct {
	base
	Status    int
	Heading   string
	Message   string
	RequestID string
}

// fail renders err as an HTML error page: the API's message for API errors, a generic one
// (with an id that finds the log line) for internal errors. An API 401 means the session's
// key is gone, so the session ends and the browser goes to the sign-in page.
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, err error) {
	v := errorView{Status: http.StatusInternalServerError, Heading: "Something went wrong"}
	var pe *pageError
	var ce *client.Error
	switch {
	case errors.As(err, &pe):
		v.Status, v.Heading, v.Message = pe.status, pe.title, pe.message
	case errors.As(err, &ce) && ce.StatusCode == http.StatusUnauthorized && sessionFrom(r.Context()) != nil:
		d.sessions.delete(sessionFrom(r.Context()).id)
		http.SetCookie(w, sessionCookie(r, "", -1))
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	case errors.As(err, &ce) && (ce.StatusCode < 500 || ce.StatusCode == http.StatusServiceUnavailable):
		// The API's 4xx and 503 messages are written for users ("… not enabled on this server").
		v.Status, v.Heading, v.Message = ce.StatusCode, http.StatusText(ce.StatusCode), ce.Message
	default:
		v.RequestID = randomToken()
		v.Message = "The dashboard could not complete this request. Try again; if it keeps failing, give your operator the error id below."
		d.log.Error("dashboard request failed", "error_id", v.RequestID, "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if v.Status == http.StatusNotFound && ce != nil {
		v.Heading = "Not found"
	}
	v.base = d.baseFor(r, v.Heading)
	w.Header().Set("Cache-Control", "no-store")
	d.render(w, r, v.Status, "error", v)
}
