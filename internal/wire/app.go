package wire

// App is an application (GET /apps/{app} and the app list). Organization, Team and Space
// are always null: Bera has none of them.
type App struct {
	ACM                          bool    `json:"acm"`
	ArchivedAt                   *string `json:"archived_at"`
	BuildpackProvidedDescription *string `json:"buildpack_provided_description"`
	BuildStack                   IDName  `json:"build_stack"`
	CreatedAt                    string  `json:"created_at"`
	CreateStatus                 string  `json:"create_status"`
	Generation                   IDName  `json:"generation"`
	GitURL                       string  `json:"git_url"`
	ID                           string  `json:"id"`
	InternalRouting              *bool   `json:"internal_routing"`
	Locked                       bool    `json:"locked"`
	Maintenance                  bool    `json:"maintenance"`
	Name                         string  `json:"name"`
	Owner                        IDEmail `json:"owner"`
	Organization                 *IDName `json:"organization"`
	Team                         *IDName `json:"team"`
	Region                       IDName  `json:"region"`
	ReleasedAt                   *string `json:"released_at"`
	RepoSize                     *int64  `json:"repo_size"`
	SlugSize                     *int64  `json:"slug_size"`
	Space                        *IDName `json:"space"`
	Stack                        IDName  `json:"stack"`
	UpdatedAt                    string  `json:"updated_at"`
	WebURL                       string  `json:"web_url"`
	// BootTimeout (seconds, a Bera extension) is how long web dynos have to bind $PORT.
	BootTimeout int `json:"boot_timeout"`
}

// AppCreate is the body of POST /apps. A nil or empty Name lets the server pick one.
type AppCreate struct {
	Name   *string `json:"name,omitempty"`
	Region *string `json:"region,omitempty"`
	Stack  *string `json:"stack,omitempty"`
	// Space puts the app in a Private Space (name or id) and InternalRouting keeps it off
	// the public router (only with Space), as on POST /teams/apps.
	Space           *string `json:"space,omitempty"`
	InternalRouting *bool   `json:"internal_routing,omitempty"`
}

// AppUpdate is the body of PATCH /apps/{app}; nil fields are unchanged.
type AppUpdate struct {
	Name        *string `json:"name,omitempty"`
	Maintenance *bool   `json:"maintenance,omitempty"`
	BuildStack  *string `json:"build_stack,omitempty"`
	// BootTimeout (seconds, a Bera extension) is how long web dynos have to bind $PORT;
	// 0 restores the default.
	BootTimeout *int `json:"boot_timeout,omitempty"`
}
