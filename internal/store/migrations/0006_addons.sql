-- Add-ons and their attachments. An add-on is billed to one app; attachments give apps
-- (its own and others) a config var NAME_URL with its URL. The URL holds the password, so
-- it is sealed; url_hash (hex SHA-256) stays after destroy so that a rollback can tell a
-- destroyed add-on's URL. Destroyed add-ons keep their row (destroyed_at set) and free
-- their name.
CREATE TABLE addons (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    app_id       TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    service      TEXT NOT NULL,
    plan         TEXT NOT NULL,
    state        TEXT NOT NULL,
    message      TEXT NOT NULL DEFAULT '',
    url_sealed   TEXT NOT NULL DEFAULT '',
    url_hash     TEXT NOT NULL DEFAULT '',
    destroyed_at TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX addons_name_key ON addons (name) WHERE destroyed_at = '';
CREATE INDEX addons_app_key ON addons (app_id);
CREATE INDEX addons_url_hash_key ON addons (url_hash);

CREATE TABLE addon_attachments (
    id         TEXT PRIMARY KEY,
    addon_id   TEXT NOT NULL REFERENCES addons (id) ON DELETE CASCADE,
    app_id     TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    namespace  TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX addon_attachments_app_name_key ON addon_attachments (app_id, name);
CREATE INDEX addon_attachments_addon_key ON addon_attachments (addon_id);
