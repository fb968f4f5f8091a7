package wire

// Feature is an app feature (GET /apps/{app}/features), such as "preboot" or
// "maintenance".
type Feature struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	Description   string  `json:"description"`
	DocURL        string  `json:"doc_url"`
	Enabled       bool    `json:"enabled"`
	State         string  `json:"state"`
	DisplayName   string  `json:"display_name"`
	FeedbackEmail *string `json:"feedback_email"`
	CreatedAt     string  `json:"created_at"`
	UpdatedAt     string  `json:"updated_at"`
}

// FeatureUpdate is the body of PATCH /apps/{app}/features/{feature}.
type FeatureUpdate struct {
	Enabled *bool `json:"enabled"`
}
