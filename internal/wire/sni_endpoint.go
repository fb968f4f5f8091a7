package wire

// SNIEndpoint is a manual certificate of an app (GET /apps/{app}/sni-endpoints), served by
// SNI for the names it covers. Domains are the ids of the app's domains it serves.
type SNIEndpoint struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	DisplayName      *string  `json:"display_name"`
	CertificateChain string   `json:"certificate_chain"`
	Domains          []string `json:"domains"`
	App              IDName   `json:"app"`
	SSLCert          SSLCert  `json:"ssl_cert"`
	CreatedAt        string   `json:"created_at"`
	UpdatedAt        string   `json:"updated_at"`
}

// SSLCert describes the leaf certificate of an SNIEndpoint. The keys "ca_signed?" and
// "self_signed?" really end in a question mark, as Heroku's do.
type SSLCert struct {
	CASigned    bool     `json:"ca_signed?"`
	CertDomains []string `json:"cert_domains"`
	ExpiresAt   string   `json:"expires_at"`
	Issuer      string   `json:"issuer"`
	SelfSigned  bool     `json:"self_signed?"`
	StartsAt    string   `json:"starts_at"`
	Subject     string   `json:"subject"`
	ID          string   `json:"id"`
	ACM         bool     `json:"acm"`
}

// SNIEndpointCreate is the body of POST /apps/{app}/sni-endpoints, and of PATCH
// /apps/{app}/sni-endpoints/{sni_endpoint} (which ignores Name): a PEM certificate chain,
// leaf first, and its PEM private key. An empty Name is generated.
type SNIEndpointCreate struct {
	CertificateChain string `json:"certificate_chain"`
	Name             string `json:"name"`
	PrivateKey       string `json:"private_key"`
}
