package wire

// LogDrain is a place an app's log lines are also sent (GET /apps/{app}/log-drains). Token
// ("d.<uuid>") identifies the app to the receiver; Addon is always null.
type LogDrain struct {
	ID        string  `json:"id"`
	URL       string  `json:"url"`
	Token     string  `json:"token"`
	Addon     *IDName `json:"addon"`
	App       IDName  `json:"app"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt string  `json:"updated_at"`
}

// LogDrainCreate is the body of POST /apps/{app}/log-drains: a syslog://, syslog+tls://,
// http:// or https:// URL.
type LogDrainCreate struct {
	URL string `json:"url"`
}
