package router

import (
	"fmt"
	"html"
	"net/http"
)

// Code is a Heroku router error code, such as H12. The empty Code means no error.
type Code string

// The router error codes Bera emits (Heroku's meanings; see heroku-api.md §8.2).
const (
	H10 Code = "H10" // app crashed: no up web dyno, but crashed ones
	H12 Code = "H12" // request timeout: no response headers within Config.ResponseTimeout
	H13 Code = "H13" // connection closed without response
	H14 Code = "H14" // no web dynos running
	H15 Code = "H15" // idle connection: no data either way for Config.IdleTimeout
	H18 Code = "H18" // server request interrupted: the dyno failed while the body was sent
	H19 Code = "H19" // backend connection timeout
	H21 Code = "H21" // backend connection refused (on every backend tried)
	H27 Code = "H27" // client request interrupted: the client went away first
	H80 Code = "H80" // maintenance mode
	H99 Code = "H99" // platform error
)

// codeInfo is one row of the error table.
type codeInfo struct {
	desc   string
	status int
	title  string // page heading
	text   string // page body
	page   []byte // rendered HTML, filled by init of the table
}

// codes is the one table mapping H-codes to their description, status and page.
var codes = buildPages(map[Code]codeInfo{
	H10: {desc: "App crashed", status: 503, title: "Application error", text: "An error occurred in the application and your page could not be served."},
	H12: {desc: "Request timeout", status: 503, title: "Application error", text: "The application did not respond in time."},
	H13: {desc: "Connection closed without response", status: 503, title: "Application error", text: "The application closed the connection without responding."},
	H14: {desc: "No web processes running", status: 503, title: "Application error", text: "The application has no web dynos running."},
	H15: {desc: "Idle connection", status: 503, title: "Application error", text: "The connection was idle for too long."},
	H18: {desc: "Server Request Interrupted", status: 503, title: "Application error", text: "The application closed the connection while the request was being sent."},
	H19: {desc: "Backend connection timeout", status: 503, title: "Application error", text: "The application could not be reached in time."},
	H21: {desc: "Backend connection refused", status: 503, title: "Application error", text: "The application refused the connection."},
	H27: {desc: "Client Request Interrupted", status: 499, title: "Request interrupted", text: "The client closed the request."},
	H80: {desc: "Maintenance mode", status: 503, title: "Offline for maintenance", text: "This application is undergoing maintenance right now. Please check back later."},
	H99: {desc: "Platform error", status: 503, title: "Platform error", text: "An internal error occurred in the platform."},
})

// pageNotFound is served for a Host no app answers to.
var pageNotFound = renderPage("No such app", "There is nothing here, yet.")

// buildPages renders each code's HTML page.
func buildPages(m map[Code]codeInfo) map[Code]codeInfo {
	for c, info := range m {
		info.page = renderPage(info.title, info.text)
		m[c] = info
	}
	return m
}

// renderPage returns a small self-contained HTML error page.
func renderPage(title, text string) []byte {
	return fmt.Appendf(nil, `<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s</title><style>body{font-family:sans-serif;margin:10%% auto;max-width:36em;color:#333}</style></head>
<body><h1>%s</h1><p>%s</p></body></html>
`, html.EscapeString(title), html.EscapeString(title), html.EscapeString(text))
}

// Desc returns the code's description as logged in desc="…", or "" for an unknown code.
func (c Code) Desc() string { return codes[c].desc }

// Status returns the HTTP status the router answers with for c (503 for an unknown code).
func (c Code) Status() int {
	if info, ok := codes[c]; ok {
		return info.status
	}
	return http.StatusServiceUnavailable
}

// writePage writes c's page, unless the client is gone or headers were already sent.
func writePage(w http.ResponseWriter, status int, page []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache, no-store")
	w.WriteHeader(status)
	w.Write(page) //nolint:errcheck // the client may be gone; nothing to do about it
}
