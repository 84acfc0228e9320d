-- drawbridge schema 2: instruments added by the person, and quiz results.

-- Instruments loaded with `drawbridge instrument add` or given their licensed
-- wording. `source` is the instrument's TOML, validated before it is stored.
-- A stored instrument with the id of a bundled one takes its place.
CREATE TABLE instruments (
    id       TEXT PRIMARY KEY NOT NULL,
    source   TEXT NOT NULL,
    added_at INTEGER NOT NULL
) STRICT;

-- One row per attempt. While `finished_at` is NULL the attempt is in
-- progress: answers are saved as the person goes, so they can resume.
CREATE TABLE quiz_results (
    id                 TEXT PRIMARY KEY NOT NULL,
    instrument         TEXT NOT NULL,
    instrument_version INTEGER NOT NULL,
    started_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    finished_at        INTEGER,
    answers            TEXT NOT NULL,
    scores             TEXT,
    label              TEXT
) STRICT;

CREATE INDEX quiz_results_by_instrument ON quiz_results (instrument, finished_at);
