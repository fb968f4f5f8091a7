package wire

// AppSource is an app's source settings (GET and PATCH /apps/{app}/source, a Bera
// extension): the repository and branch it deploys from, and its GitHub webhook.
type AppSource struct {
	RepoURL       string  `json:"repo_url"`
	Branch        string  `json:"branch"`
	AutoDeploy    bool    `json:"auto_deploy"`
	WaitForCI     bool    `json:"wait_for_ci"`
	GitHubRepo    *string `json:"github_repo"`
	WebhookURL    *string `json:"webhook_url"`
	WebhookSecret *string `json:"webhook_secret"`
	LastCommit    *string `json:"last_commit"`
	PendingCommit *string `json:"pending_commit"`
}

// AppSourceUpdate is the body of PATCH /apps/{app}/source; nil fields are unchanged.
// RotateSecret makes a new webhook secret.
type AppSourceUpdate struct {
	RepoURL      *string `json:"repo_url,omitempty"`
	Branch       *string `json:"branch,omitempty"`
	AutoDeploy   *bool   `json:"auto_deploy,omitempty"`
	WaitForCI    *bool   `json:"wait_for_ci,omitempty"`
	GitHubRepo   *string `json:"github_repo,omitempty"`
	RotateSecret bool    `json:"rotate_secret,omitempty"`
}
