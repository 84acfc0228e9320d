-- drawbridge schema 4: in the moment and safety.
-- Pauses are recorded for insights (which protocol, how long). Resets are the
-- three-column reset after something went badly. The safety plan is one row
-- per section. The unsent letter has no table: it is never stored.

CREATE TABLE pauses (
    id        TEXT PRIMARY KEY NOT NULL,
    at        INTEGER NOT NULL,
    protocol  TEXT NOT NULL,
    seconds   INTEGER NOT NULL CHECK (seconds BETWEEN 0 AND 3600),
    completed INTEGER NOT NULL CHECK (completed IN (0, 1))
) STRICT;

CREATE INDEX pauses_by_time ON pauses (at);

CREATE TABLE resets (
    id       TEXT PRIMARY KEY NOT NULL,
    at       INTEGER NOT NULL,
    record   TEXT,
    capacity INTEGER CHECK (capacity BETWEEN 0 AND 100),
    happened TEXT,
    felt     TEXT,
    truth    TEXT
) STRICT;

CREATE INDEX resets_by_time ON resets (at);

CREATE TABLE safety_plan (
    section    TEXT PRIMARY KEY NOT NULL,
    text       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
