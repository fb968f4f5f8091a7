-- Where an app's code comes from when it is not pushed: a public Git URL and branch, the
-- GitHub repository whose webhooks deploy it, and the deploy settings. The webhook secret is
-- sealed like config vars.
CREATE TABLE app_sources (
    app_id         TEXT PRIMARY KEY REFERENCES apps (id) ON DELETE CASCADE,
    repo_url       TEXT NOT NULL DEFAULT '',
    branch         TEXT NOT NULL DEFAULT '',
    auto_deploy    BOOLEAN NOT NULL DEFAULT FALSE,
    wait_for_ci    BOOLEAN NOT NULL DEFAULT FALSE,
    github_repo    TEXT NOT NULL DEFAULT '',
    webhook_secret TEXT NOT NULL DEFAULT '',
    last_commit    TEXT NOT NULL DEFAULT '',
    pending_commit TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX app_sources_github_idx ON app_sources (lower(github_repo));
