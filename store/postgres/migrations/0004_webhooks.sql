-- Webhooks (store/webhooks.go): the endpoints an app's events are
-- delivered to. The events table is their outbox: each webhook keeps the
-- sequence of the last event it is done with (last_seq), the retry state
-- of the next one (attempts, next_at) and the lease of the deliverer
-- working on it, which replicas claim with a conditional UPDATE. Times
-- are Unix microseconds, 0 for none.
CREATE TABLE webhooks (
    id          TEXT COLLATE "C" PRIMARY KEY,
    app_id      TEXT COLLATE "C" NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    url         TEXT NOT NULL,
    secret      BYTEA NOT NULL, -- sealed (store.Cipher.Seal)
    events      TEXT NOT NULL,  -- the types delivered, comma-separated; '' for all
    disabled    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    last_seq    BIGINT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_app ON webhooks (app_id, created_at);

-- The delivery log: every attempt, with the receiver's status, never its
-- answer's body.
CREATE TABLE webhook_deliveries (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id      TEXT COLLATE "C" NOT NULL,
    webhook_id  TEXT COLLATE "C" NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id    TEXT COLLATE "C" NOT NULL,
    event_type  TEXT NOT NULL,
    event_seq   BIGINT NOT NULL,
    attempt     INTEGER NOT NULL,
    manual      BOOLEAN NOT NULL,
    at          BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    status      INTEGER NOT NULL,
    error       TEXT NOT NULL,
    outcome     TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_at ON webhook_deliveries (at);

-- Retention removes events by age.
CREATE INDEX events_at ON events (at);
