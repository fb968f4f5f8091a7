-- Custom domains, manual certificates (SNI endpoints), automatic certificates (ACM) per app,
-- and the key/value space and locks certmagic keeps its ACME state in, so every server
-- shares accounts, certificates and challenge tokens.

CREATE TABLE sni_endpoints (
    id                TEXT PRIMARY KEY,
    app_id            TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    certificate_chain TEXT NOT NULL,
    key_sealed        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX sni_endpoints_name_key ON sni_endpoints (name);
CREATE INDEX sni_endpoints_app_idx ON sni_endpoints (app_id);

CREATE TABLE domains (
    id                TEXT PRIMARY KEY,
    app_id            TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    hostname          TEXT NOT NULL,
    kind              TEXT NOT NULL,
    status            TEXT NOT NULL,
    acm_status        TEXT NOT NULL DEFAULT '',
    acm_status_reason TEXT NOT NULL DEFAULT '',
    sni_endpoint_id   TEXT REFERENCES sni_endpoints (id) ON DELETE SET NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX domains_hostname_key ON domains (hostname);
CREATE INDEX domains_app_idx ON domains (app_id);

CREATE TABLE app_acm (
    app_id     TEXT PRIMARY KEY REFERENCES apps (id) ON DELETE CASCADE,
    enabled    BOOLEAN NOT NULL,
    updated_at TEXT NOT NULL
);

-- certmagic's storage: values sealed with the server's key (they hold private keys).
CREATE TABLE cert_storage (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    size       BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Named leases for certmagic's Locker; a lease past expires_at may be taken over.
CREATE TABLE cert_locks (
    name       TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
