-- The journal (store/journal.go): the audit log, chained by hash, and
-- the events that webhooks deliver, both written in the transaction of
-- the change they record. journal_head's one row gives both their
-- sequences: a transaction that writes to the journal updates it last
-- and holds its lock until commit, so entries and events of concurrent
-- transactions, from every replica, are numbered in commit order without
-- a gap (a reader that has seen seq n has seen everything before it),
-- and each audit entry is chained to the one committed before it.
CREATE TABLE journal_head (
    one        BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    audit_seq  BIGINT NOT NULL,
    audit_hash BYTEA,
    event_seq  BIGINT NOT NULL
);
INSERT INTO journal_head (audit_seq, event_seq) VALUES (0, 0);

CREATE TABLE audit (
    seq      BIGINT PRIMARY KEY,
    at       BIGINT NOT NULL,
    actor    TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    addr     TEXT NOT NULL,
    action   TEXT NOT NULL,
    app_id   TEXT COLLATE "C" NOT NULL,
    target   TEXT NOT NULL,
    detail   BYTEA,
    hash     BYTEA NOT NULL
);
CREATE INDEX audit_app ON audit (app_id, seq);
CREATE INDEX audit_at ON audit (at);

-- The last entry that retention pruned: where verification starts.
CREATE TABLE audit_anchor (
    one  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    seq  BIGINT NOT NULL,
    hash BYTEA NOT NULL
);

CREATE TABLE events (
    seq     BIGINT PRIMARY KEY,
    id      TEXT COLLATE "C" NOT NULL UNIQUE,
    app_id  TEXT COLLATE "C" NOT NULL,
    type    TEXT NOT NULL,
    face_id TEXT COLLATE "C" NOT NULL,
    at      BIGINT NOT NULL,
    data    BYTEA NOT NULL
);
CREATE INDEX events_app ON events (app_id, seq);
CREATE INDEX events_face ON events (app_id, face_id, seq);
