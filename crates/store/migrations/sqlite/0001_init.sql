-- drawbridge schema 1: settings and the urge log.
-- Times are UTC, stored as integer microseconds since the Unix epoch so they
-- sort and compare cheaply; ids are UUIDv7 text, so they sort by creation too.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE urges (
    id        TEXT PRIMARY KEY NOT NULL,
    at        INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    intensity INTEGER CHECK (intensity BETWEEN 0 AND 10),
    body      TEXT,
    about     TEXT,
    did       TEXT,
    note      TEXT
) STRICT;

CREATE INDEX urges_by_time ON urges (at);
