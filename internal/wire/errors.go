package wire

// ErrorBody is the body of every error response, Heroku-shaped:
// {"id":"not_found","message":"Couldn't find that app.","resource":"app"}. ID is one of
// Heroku's error ids; RequestID ties the response to the server's log line.
type ErrorBody struct {
	ID        string `json:"id"`
	Message   string `json:"message"`
	Resource  string `json:"resource,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}
