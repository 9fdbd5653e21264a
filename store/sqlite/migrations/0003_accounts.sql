-- Self-registered accounts (FaceAuth's POST /register): someone who signed
-- up with an email owns exactly one app, and goes when the app goes.
-- id is the number FaceAuth shows as the user's id; AUTOINCREMENT so that
-- the number of a deleted account is never given to someone else.
-- email is kept as given; email_key is its lower-case folding, written by
-- the store (Unicode-aware, unlike SQLite's NOCASE), which makes an email
-- unique whatever its case.
CREATE TABLE accounts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id     TEXT NOT NULL UNIQUE REFERENCES apps (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    email_key  TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
