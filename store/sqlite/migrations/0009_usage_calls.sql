-- Each app's calls per day by endpoint and outcome ("" for a success, else
-- the error code), for the console's charts; and the faces an app holds,
-- recorded once an hour (NULL: not recorded that day).
CREATE TABLE usage_calls (
    app_id   TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    day      INTEGER NOT NULL,
    endpoint TEXT NOT NULL,
    code     TEXT NOT NULL,
    calls    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, day, endpoint, code)
);
ALTER TABLE usage ADD COLUMN faces INTEGER;
