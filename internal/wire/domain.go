package wire

// Domain is a hostname an app answers to (GET /apps/{app}/domains). Kind is "heroku" for
// the app's own APP.DOMAIN and "custom" for the others; CNAME is the DNS target of a custom
// domain. Status is "pending", "succeeded", "failed" or "none"; ACMStatus is null unless
// automatic certificates are on.
type Domain struct {
	ID              string  `json:"id"`
	Hostname        string  `json:"hostname"`
	Kind            string  `json:"kind"`
	CNAME           *string `json:"cname"`
	Status          string  `json:"status"`
	ACMStatus       *string `json:"acm_status"`
	ACMStatusReason *string `json:"acm_status_reason"`
	SNIEndpoint     *IDName `json:"sni_endpoint"`
	App             IDName  `json:"app"`
	CreatedAt       string  `json:"created_at"`
	UpdatedAt       string  `json:"updated_at"`
}

// DomainCreate is the body of POST /apps/{app}/domains. SNIEndpoint names the manual
// certificate to serve it with; it is sent as null when there is none, as the Heroku CLI
// does.
type DomainCreate struct {
	Hostname    string  `json:"hostname"`
	SNIEndpoint *string `json:"sni_endpoint"`
}
