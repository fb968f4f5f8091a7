-- Private Spaces: a network of its own per space (cidr), apps placed in one at creation
-- (space_id, never changed), and internal routing (off the public router).
CREATE TABLE spaces (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    owner_id   TEXT NOT NULL REFERENCES users (id),
    cidr       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX spaces_name_key ON spaces (name);
CREATE UNIQUE INDEX spaces_cidr_key ON spaces (cidr);

ALTER TABLE apps ADD COLUMN space_id TEXT REFERENCES spaces (id);
ALTER TABLE apps ADD COLUMN internal_routing BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX apps_space_idx ON apps (space_id);
