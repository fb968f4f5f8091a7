-- A Cloud Native Buildpacks build produces an OCI image instead of a slug tarball: the slug
-- row records the image's manifest digest and the buildpacks (id@version) that ran.
ALTER TABLE slugs ADD COLUMN image TEXT NOT NULL DEFAULT '';
ALTER TABLE slugs ADD COLUMN buildpacks TEXT NOT NULL DEFAULT '[]';
