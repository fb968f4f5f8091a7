-- Log drains: where an app's log lines are also delivered. The URL may hold credentials, so
-- it is sealed; url_hash (hex SHA-256 of the URL) finds a drain by URL and keeps URLs unique
-- per app.
CREATE TABLE log_drains (
    id         TEXT PRIMARY KEY,
    app_id     TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    url_sealed TEXT NOT NULL,
    url_hash   TEXT NOT NULL,
    token      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX log_drains_app_url_key ON log_drains (app_id, url_hash);
CREATE UNIQUE INDEX log_drains_token_key ON log_drains (token);
