package wire

// Release is a numbered (slug, config) pair of an app (GET /apps/{app}/releases). Status
// is "pending" while the release command runs, then "succeeded" or "failed".
type Release struct {
	ID                  string  `json:"id"`
	Version             int     `json:"version"`
	Description         string  `json:"description"`
	Status              string  `json:"status"`
	Current             bool    `json:"current"`
	EligibleForRollback bool    `json:"eligible_for_rollback"`
	CreatedAt           string  `json:"created_at"`
	UpdatedAt           string  `json:"updated_at"`
	User                IDEmail `json:"user"`
	App                 IDName  `json:"app"`
	Slug                *IDOnly `json:"slug"`
	// OCIImage is set for a release of a Cloud Native Buildpacks build (id = the slug's).
	OCIImage        *OCIImageRef `json:"oci_image"`
	AddonPlanNames  []string     `json:"addon_plan_names"`
	OutputStreamURL *string      `json:"output_stream_url"`
}

// ReleaseRollback is the body of POST /apps/{app}/releases: Release is the id or version
// of the release whose slug and config the new release gets.
type ReleaseRollback struct {
	Release string `json:"release"`
}
