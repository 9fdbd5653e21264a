-- When a face last authenticated (0: never), for the console and for the
-- apps' retention setting: faces unused for N days are deleted.
ALTER TABLE faces ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX faces_last_used ON faces (app_id, last_used_at);
