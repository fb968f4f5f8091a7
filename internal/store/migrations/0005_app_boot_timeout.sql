-- Per-app boot timeout of web dynos in seconds; 0 means the server's default (60 s).
ALTER TABLE apps ADD COLUMN boot_timeout INTEGER NOT NULL DEFAULT 0;
