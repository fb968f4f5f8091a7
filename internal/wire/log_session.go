package wire

// LogSession is a created log session (POST /apps/{app}/log-sessions): LogplexURL streams
// the app's log lines and carries its own short-lived credential.
type LogSession struct {
	ID         string `json:"id"`
	LogplexURL string `json:"logplex_url"`
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
}

// LogSessionCreate is the body of POST /apps/{app}/log-sessions; zero fields are left out.
// Dyno filters by dyno (web.1) or process type (web), Source by "app" or "heroku"; Lines
// (default 100, at most 1500) is how many past lines come first; Tail keeps following.
type LogSessionCreate struct {
	Dyno   string `json:"dyno,omitempty"`
	Lines  *int   `json:"lines,omitempty"`
	Source string `json:"source,omitempty"`
	Tail   bool   `json:"tail,omitempty"`
}
