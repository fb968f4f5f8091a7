package wire

// Account is the authenticated user (GET /account, GET /users/{user}).
type Account struct {
	ID                  string  `json:"id"`
	Email               string  `json:"email"`
	Name                *string `json:"name"`
	CreatedAt           string  `json:"created_at"`
	UpdatedAt           string  `json:"updated_at"`
	LastLogin           *string `json:"last_login"`
	Verified            bool    `json:"verified"`
	Beta                bool    `json:"beta"`
	AllowTracking       bool    `json:"allow_tracking"`
	Federated           bool    `json:"federated"`
	TwoFactor           bool    `json:"two_factor_authentication"`
	SMSNumber           *string `json:"sms_number"`
	SuspendedAt         *string `json:"suspended_at"`
	DelinquentAt        *string `json:"delinquent_at"`
	IdentityProvider    *string `json:"identity_provider"`
	DefaultOrganization *string `json:"default_organization"`
	DefaultTeam         *string `json:"default_team"`
	CountryOfResidence  *string `json:"country_of_residence"`
}

// Authorization is an API key (POST, GET and DELETE /oauth/authorizations).
type Authorization struct {
	ID          string      `json:"id"`
	Description string      `json:"description"`
	Scope       []string    `json:"scope"`
	AccessToken AccessToken `json:"access_token"`
	User        IDEmail     `json:"user"`
	CreatedAt   string      `json:"created_at"`
	UpdatedAt   string      `json:"updated_at"`
}

// AccessToken is the key of an Authorization. Token is sent only when the key is created;
// ExpiresIn (seconds from now) and ExpiresAt are null for a key that does not expire.
type AccessToken struct {
	ID        string  `json:"id"`
	Token     string  `json:"token,omitempty"`
	ExpiresIn *int64  `json:"expires_in"`
	ExpiresAt *string `json:"expires_at"`
}

// AuthorizationCreate is the body of POST /oauth/authorizations (sent with HTTP Basic
// email:password by `heroku login -i` and `bera login`). ExpiresIn is in seconds; nil
// makes a key that does not expire.
type AuthorizationCreate struct {
	Description string   `json:"description"`
	ExpiresIn   *int64   `json:"expires_in,omitempty"`
	Scope       []string `json:"scope,omitempty"`
}
