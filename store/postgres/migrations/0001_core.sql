-- The schema of SQLite's migrations 0001–0005 in one step, and the change
-- log the replicas follow. Times are Unix microseconds, UTC, as in SQLite,
-- so that both backends store and give back the same values; 0 or NULL
-- is "never". IDs compare byte by byte (COLLATE "C"), as SQLite's do, so
-- that paging by ID walks faces in the same order on both.

CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

CREATE TABLE apps (
    id             TEXT COLLATE "C" PRIMARY KEY,
    public_id      TEXT COLLATE "C" NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    plan           TEXT NOT NULL,
    settings       TEXT NOT NULL, -- JSON of visage.AppSettings
    created_at     BIGINT NOT NULL,
    -- the last face number given (FaceAuth's numeric IDs), never reused
    faces_numbered BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE api_keys (
    id         TEXT COLLATE "C" PRIMARY KEY,
    app_id     TEXT COLLATE "C" NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    prefix     TEXT COLLATE "C" NOT NULL,
    hash       BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX api_keys_prefix ON api_keys (prefix);
CREATE INDEX api_keys_app ON api_keys (app_id, created_at);

CREATE TABLE admin_tokens (
    id         TEXT COLLATE "C" PRIMARY KEY,
    prefix     TEXT COLLATE "C" NOT NULL,
    hash       BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX admin_tokens_prefix ON admin_tokens (prefix);

-- templates and payload are AES-GCM sealed (package store).
CREATE TABLE faces (
    app_id           TEXT COLLATE "C" NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    id               TEXT COLLATE "C" NOT NULL,
    external_id      TEXT COLLATE "C", -- NULL when the app gave none
    pin_hash         BYTEA,
    pin_failures     INTEGER NOT NULL DEFAULT 0,
    pin_locked_until BIGINT NOT NULL DEFAULT 0,
    age              REAL NOT NULL,
    female           REAL NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    payload          BYTEA,
    number           BIGINT NOT NULL,
    templates        BYTEA NOT NULL,
    PRIMARY KEY (app_id, id)
);
-- A sealed template (2,095 bytes for one 512-d template) is just over the
-- 2 kB past which PostgreSQL moves a value out of its row, into the
-- TOAST table, from which every read fetches it through an index: 60 %
-- of a replica's start was that. Kept in the row (MAIN, and rows of up
-- to 4 kB), a face's one or two templates are read with it; the sealed
-- bytes do not compress, so MAIN costs nothing else. More templates, or
-- a large payload, still go out of line.
ALTER TABLE faces ALTER COLUMN templates SET STORAGE MAIN;
ALTER TABLE faces SET (toast_tuple_target = 4080);
CREATE UNIQUE INDEX faces_external_id ON faces (app_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX faces_created ON faces (app_id, created_at);
CREATE UNIQUE INDEX faces_number ON faces (app_id, number);

-- API calls, widget sessions and their frames per app per UTC day; day is
-- days since 1970-01-01.
CREATE TABLE usage (
    app_id    TEXT COLLATE "C" NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    day       INTEGER NOT NULL,
    calls     BIGINT NOT NULL DEFAULT 0,
    succeeded BIGINT NOT NULL DEFAULT 0,
    sessions  BIGINT NOT NULL DEFAULT 0,
    frames    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, day)
);

-- Self-registered accounts (FaceAuth's POST /register). An identity is
-- never reused, as SQLite's AUTOINCREMENT. email_key is the email folded
-- to lower case by the store.
CREATE TABLE accounts (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id     TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES apps (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    email_key  TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The change log the replicas' galleries follow: one row per committed
-- change to a face (enrolled, deleted, templates replaced) or to a whole
-- app's faces (the app deleted, face_id ''), written in the change's own
-- transaction. seq comes from change_head, whose one row every such
-- transaction updates last: the row lock orders the transactions, so seq
-- grows in commit order with no gap, and a replica that has applied seq
-- N has applied everything committed before N. Rows hold IDs only,
-- nothing biometric, and are pruned after a day (a replica further
-- behind reloads its gallery).
CREATE TABLE change_head (
    one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    seq BIGINT NOT NULL
);
INSERT INTO change_head (seq) VALUES (0);

CREATE TABLE changes (
    seq    BIGINT PRIMARY KEY,
    app_id TEXT COLLATE "C" NOT NULL,
    face_id TEXT COLLATE "C" NOT NULL,
    at     BIGINT NOT NULL
);

-- The replicas serving from this database: the address its peers reach
-- it at, whether it shares its limits through Redis, and when it last
-- said it was alive (every few seconds while it runs).
CREATE TABLE replicas (
    id      TEXT COLLATE "C" PRIMARY KEY,
    url     TEXT NOT NULL,
    shared  BOOLEAN NOT NULL,
    seen_at BIGINT NOT NULL
);
