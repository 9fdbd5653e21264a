-- The journal (store/journal.go): the audit log, chained by hash, and
-- the events that webhooks deliver, both written in the transaction of
-- the change they record.
CREATE TABLE audit (
    seq      INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    addr     TEXT NOT NULL,
    action   TEXT NOT NULL,
    app_id   TEXT NOT NULL,
    target   TEXT NOT NULL,
    detail   BLOB,
    hash     BLOB NOT NULL
);
CREATE INDEX audit_app ON audit (app_id, seq);
CREATE INDEX audit_at ON audit (at);

-- The last entry that retention pruned: where verification starts.
CREATE TABLE audit_anchor (
    one  INTEGER PRIMARY KEY CHECK (one = 1),
    seq  INTEGER NOT NULL,
    hash BLOB NOT NULL
);

CREATE TABLE events (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: webhooks keep their place by it
    id      TEXT NOT NULL UNIQUE,
    app_id  TEXT NOT NULL,
    type    TEXT NOT NULL,
    face_id TEXT NOT NULL,
    at      INTEGER NOT NULL,
    data    BLOB NOT NULL
);
CREATE INDEX events_app ON events (app_id, seq);
CREATE INDEX events_face ON events (app_id, face_id, seq);
