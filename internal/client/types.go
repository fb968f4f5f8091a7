package client

// The structs below carry Heroku's JSON field names (shared/heroku-api.md §4). Only the
// fields the CLI and the tests read are declared; the rest of each body is ignored.

// IDName is a nested {id, name} reference.
type IDName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// IDEmail is a nested {id, email} reference to a user.
type IDEmail struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// Account is the authenticated user (GET /account).
type Account struct {
	ID        string  `json:"id"`
	Email     string  `json:"email"`
	Name      *string `json:"name"`
	CreatedAt string  `json:"created_at"`
	LastLogin *string `json:"last_login"`
}

// App is an application.
type App struct {
	BootTimeout  int     `json:"boot_timeout"`
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	Owner        IDEmail `json:"owner"`
	Region       IDName  `json:"region"`
	Stack        IDName  `json:"stack"`
	BuildStack   IDName  `json:"build_stack"`
	GitURL       string  `json:"git_url"`
	WebURL       string  `json:"web_url"`
	Maintenance  bool    `json:"maintenance"`
	RepoSize     *int64  `json:"repo_size"`
	SlugSize     *int64  `json:"slug_size"`
	CreateStatus string  `json:"create_status"`
	CreatedAt    string  `json:"created_at"`
	UpdatedAt    string  `json:"updated_at"`
	ReleasedAt   *string `json:"released_at"`
}

// AppCreate is the body of POST /apps; empty fields are left out.
type AppCreate struct {
	Name   string `json:"name,omitempty"`
	Region string `json:"region,omitempty"`
	Stack  string `json:"stack,omitempty"`
}

// AppUpdate is the body of PATCH /apps/{app}; nil fields are left out.
type AppUpdate struct {
	Name        *string `json:"name,omitempty"`
	Maintenance *bool   `json:"maintenance,omitempty"`
	BuildStack  *string `json:"build_stack,omitempty"`
	BootTimeout *int    `json:"boot_timeout,omitempty"`
}

// Release is a numbered (slug, config) pair of an app.
type Release struct {
	ID                  string   `json:"id"`
	Version             int      `json:"version"`
	Description         string   `json:"description"`
	Status              string   `json:"status"`
	Current             bool     `json:"current"`
	EligibleForRollback bool     `json:"eligible_for_rollback"`
	CreatedAt           string   `json:"created_at"`
	UpdatedAt           string   `json:"updated_at"`
	User                IDEmail  `json:"user"`
	App                 IDName   `json:"app"`
	Slug                *IDName  `json:"slug"`
	AddonPlanNames      []string `json:"addon_plan_names"`
	OutputStreamURL     *string  `json:"output_stream_url"`
}

// Formation is the quantity and size of one process type.
type Formation struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Quantity  int    `json:"quantity"`
	Size      string `json:"size"`
	Command   string `json:"command"`
	App       IDName `json:"app"`
	UpdatedAt string `json:"updated_at"`
}

// FormationUpdate is one entry of PATCH /apps/{app}/formation. Quantity is a string, as the
// Heroku CLI sends it: "2" is absolute, "+1" and "-1" are relative.
type FormationUpdate struct {
	Type     string `json:"type"`
	Quantity string `json:"quantity,omitempty"`
	Size     string `json:"size,omitempty"`
}

// Dyno is a running (or crashed) process of an app.
type Dyno struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Type      string  `json:"type"`
	State     string  `json:"state"`
	Command   string  `json:"command"`
	Size      string  `json:"size"`
	AttachURL *string `json:"attach_url"`
	Release   struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	} `json:"release"`
	App       IDName `json:"app"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// Collaborator gives a user access to an app.
type Collaborator struct {
	ID   string `json:"id"`
	App  IDName `json:"app"`
	User struct {
		ID        string `json:"id"`
		Email     string `json:"email"`
		Federated bool   `json:"federated"`
	} `json:"user"`
	Role        string `json:"role"`
	Permissions []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"permissions"`
	CreatedAt string `json:"created_at"`
}

// Authorization is an API key created by POST /oauth/authorizations.
type Authorization struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	AccessToken struct {
		Token     string `json:"token"`
		ExpiresIn *int   `json:"expires_in"`
	} `json:"access_token"`
	User IDEmail `json:"user"`
}
