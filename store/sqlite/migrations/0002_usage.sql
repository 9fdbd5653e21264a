-- API calls per app per UTC day. day is days since 1970-01-01.
CREATE TABLE usage (
    app_id    TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    day       INTEGER NOT NULL,
    calls     INTEGER NOT NULL,
    succeeded INTEGER NOT NULL,
    PRIMARY KEY (app_id, day)
) STRICT, WITHOUT ROWID;
