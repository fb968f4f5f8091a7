-- Threshold alerts of an app, at most one of each kind (p95, error_rate): over threshold
-- for minutes in a row triggers one. triggered and since are the state the alert loop last
-- logged, so a restarted server neither repeats a trigger nor forgets one.
CREATE TABLE app_alerts (
    app_id     TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    threshold  DOUBLE PRECISION NOT NULL,
    minutes    INTEGER NOT NULL,
    triggered  BOOLEAN NOT NULL DEFAULT FALSE,
    since      TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (app_id, kind)
);
