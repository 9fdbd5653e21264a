-- Apps, their keys, admin tokens and faces. Times are Unix microseconds,
-- UTC; 0 or NULL is "never".

-- meta holds single values of the database, such as the key check that
-- refuses a wrong encryption key at open.
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

CREATE TABLE apps (
    id         TEXT PRIMARY KEY,
    public_id  TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    plan       TEXT NOT NULL,
    settings   TEXT NOT NULL, -- JSON of visage.AppSettings
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    app_id     TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    prefix     TEXT NOT NULL,
    hash       BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;
CREATE INDEX api_keys_prefix ON api_keys (prefix);
CREATE INDEX api_keys_app ON api_keys (app_id, created_at);

CREATE TABLE admin_tokens (
    id         TEXT PRIMARY KEY,
    prefix     TEXT NOT NULL,
    hash       BLOB NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX admin_tokens_prefix ON admin_tokens (prefix);

-- The primary key leads with app_id: every face query is scoped by the
-- app, and paging walks the app's faces in ID order on this index alone.
-- templates and payload are AES-GCM sealed (package store). templates is
-- the last column so that reading the others never loads its overflow
-- pages.
CREATE TABLE faces (
    app_id           TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    id               TEXT NOT NULL,
    external_id      TEXT, -- NULL when the app gave none
    pin_hash         BLOB,
    pin_failures     INTEGER NOT NULL DEFAULT 0,
    pin_locked_until INTEGER NOT NULL DEFAULT 0,
    age              REAL NOT NULL,
    female           REAL NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    payload          BLOB,
    templates        BLOB NOT NULL,
    PRIMARY KEY (app_id, id)
) STRICT;
CREATE UNIQUE INDEX faces_external_id ON faces (app_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX faces_created ON faces (app_id, created_at);
