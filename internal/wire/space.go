package wire

// Space is a Private Space as the Heroku Platform API shows it (GET /spaces/{space}).
type Space struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	CIDR      string  `json:"cidr"`
	DataCIDR  string  `json:"data_cidr"`
	Shield    bool    `json:"shield"`
	State     string  `json:"state"`
	Region    IDName  `json:"region"`
	Team      IDName  `json:"team"`
	Owner     IDEmail `json:"owner"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt string  `json:"updated_at"`
	// Gateway (a Bera extension) is the space's gateway address, where its DNS resolver
	// answers <process>.<app>.app.localspace.
	Gateway string `json:"gateway"`
}

// SpaceCreate is the body of POST /spaces. Team and Region are accepted for the Heroku
// CLI's sake; Region must be the server's one.
type SpaceCreate struct {
	Name   string  `json:"name"`
	CIDR   *string `json:"cidr,omitempty"`
	Team   *string `json:"team,omitempty"`
	Region *string `json:"region,omitempty"`
	Shield *bool   `json:"shield,omitempty"`
}

// SpaceUpdate is the body of PATCH /spaces/{space}.
type SpaceUpdate struct {
	Name *string `json:"name,omitempty"`
}
