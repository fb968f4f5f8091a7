-- The URLs an add-on no longer answers to, by hash (hex SHA-256): those of its credentials
-- before a rotation. A rollback to a release whose config holds one is refused, as one
-- holding a destroyed add-on's URL is: the password in it is dead.
CREATE TABLE addon_retired_urls (
    addon_id   TEXT NOT NULL REFERENCES addons (id) ON DELETE CASCADE,
    url_hash   TEXT NOT NULL,
    retired_at TEXT NOT NULL,
    PRIMARY KEY (addon_id, url_hash)
);
CREATE INDEX addon_retired_urls_hash_key ON addon_retired_urls (url_hash);
