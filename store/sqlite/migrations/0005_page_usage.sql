-- What pages spend with an app's public ID, counted apart from its API
-- calls: widget sessions, and the camera frames they had analysed.
ALTER TABLE usage ADD COLUMN sessions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage ADD COLUMN frames INTEGER NOT NULL DEFAULT 0;
