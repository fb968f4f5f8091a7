-- Initial schema. Portable between SQLite and PostgreSQL: TEXT ids (uuid), TEXT times
-- (UTC, fixed-width RFC 3339 with nanoseconds, so they sort as text), JSON in TEXT for lists
-- and maps, and sealed values as base64 TEXT.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    admin         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    last_login    TEXT
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    expires_at  TEXT
);
CREATE UNIQUE INDEX api_keys_hash_key ON api_keys (hash);
CREATE INDEX api_keys_user_idx ON api_keys (user_id, created_at);

CREATE TABLE apps (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    owner_id    TEXT NOT NULL REFERENCES users (id),
    region      TEXT NOT NULL DEFAULT '',
    stack       TEXT NOT NULL DEFAULT '',
    build_stack TEXT NOT NULL DEFAULT '',
    maintenance BOOLEAN NOT NULL DEFAULT FALSE,
    buildpacks  TEXT NOT NULL DEFAULT '[]',
    repo_size   BIGINT NOT NULL DEFAULT 0,
    slug_size   BIGINT NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    released_at TEXT
);
CREATE UNIQUE INDEX apps_name_key ON apps (name);
CREATE INDEX apps_owner_idx ON apps (owner_id);

CREATE TABLE collaborators (
    id         TEXT PRIMARY KEY,
    app_id     TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX collaborators_app_user_key ON collaborators (app_id, user_id);
CREATE INDEX collaborators_user_idx ON collaborators (user_id);

-- The current config vars of an app: a JSON object sealed with the server's key.
CREATE TABLE app_config (
    app_id     TEXT PRIMARY KEY REFERENCES apps (id) ON DELETE CASCADE,
    sealed     TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE slugs (
    id                    TEXT PRIMARY KEY,
    app_id                TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    checksum              TEXT NOT NULL DEFAULT '',
    size                  BIGINT NOT NULL DEFAULT 0,
    commit_sha            TEXT NOT NULL DEFAULT '',
    commit_description    TEXT NOT NULL DEFAULT '',
    process_types         TEXT NOT NULL DEFAULT '{}',
    buildpack_description TEXT NOT NULL DEFAULT '',
    stack                 TEXT NOT NULL DEFAULT '',
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE INDEX slugs_app_idx ON slugs (app_id);

-- A release's config snapshot is sealed like app_config.
CREATE TABLE releases (
    id               TEXT PRIMARY KEY,
    app_id           TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    version          INTEGER NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    slug_id          TEXT NOT NULL DEFAULT '',
    config_sealed    TEXT NOT NULL,
    user_id          TEXT NOT NULL DEFAULT '',
    addon_plan_names TEXT NOT NULL DEFAULT '[]',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX releases_app_version_key ON releases (app_id, version);

CREATE TABLE formations (
    id         TEXT PRIMARY KEY,
    app_id     TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    type       TEXT NOT NULL,
    quantity   INTEGER NOT NULL DEFAULT 0,
    size       TEXT NOT NULL,
    command    TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX formations_app_type_key ON formations (app_id, type);

CREATE TABLE app_features (
    app_id     TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (app_id, name)
);

CREATE TABLE builds (
    id                TEXT PRIMARY KEY,
    app_id            TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    status            TEXT NOT NULL,
    source_url        TEXT NOT NULL DEFAULT '',
    source_version    TEXT NOT NULL DEFAULT '',
    buildpacks        TEXT NOT NULL DEFAULT '[]',
    slug_id           TEXT NOT NULL DEFAULT '',
    release_id        TEXT NOT NULL DEFAULT '',
    user_id           TEXT NOT NULL DEFAULT '',
    stack             TEXT NOT NULL DEFAULT '',
    output_stream_url TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX builds_app_idx ON builds (app_id, created_at);
