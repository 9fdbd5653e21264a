-- When a key was last used (0: never), to the hour: the console shows it,
-- so an operator can tell a key still in use from one to revoke.
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
