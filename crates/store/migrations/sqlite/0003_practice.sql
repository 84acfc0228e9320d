-- drawbridge schema 3: behavioural experiments, stage changes, program runs.

-- One row per experiment: the plan, and once done, the follow-up.
-- planned_for is the person's local date, YYYY-MM-DD.
CREATE TABLE experiment_records (
    id            TEXT PRIMARY KEY NOT NULL,
    created_at    INTEGER NOT NULL,
    experiment    TEXT,
    custom        TEXT,
    stage         INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 4),
    with_whom     TEXT,
    planned_for   TEXT NOT NULL,
    prediction    TEXT NOT NULL,
    belief_before INTEGER NOT NULL CHECK (belief_before BETWEEN 0 AND 100),
    want          INTEGER NOT NULL CHECK (want BETWEEN 0 AND 100),
    expect        INTEGER NOT NULL CHECK (expect BETWEEN 0 AND 100),
    done_at       INTEGER,
    what_happened TEXT,
    peak          INTEGER CHECK (peak BETWEEN 0 AND 100),
    after         INTEGER CHECK (after BETWEEN 0 AND 100),
    outcome       TEXT,
    capacity      INTEGER CHECK (capacity BETWEEN 0 AND 100),
    learned       TEXT,
    belief_after  INTEGER CHECK (belief_after BETWEEN 0 AND 100),
    flooded       INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX experiment_records_by_day ON experiment_records (planned_for);
CREATE INDEX experiment_records_by_done ON experiment_records (done_at);
-- The ledger reads only these: covering indexes keep it fast with years of data.
-- (done_at is included so SQLite need not read the row to check the filter.)
CREATE INDEX experiment_records_outcomes ON experiment_records (stage, outcome, done_at) WHERE done_at IS NOT NULL;
-- Indexed by month (an expression), so the ledger's monthly averages need no sort.
CREATE INDEX experiment_records_belief ON experiment_records (substr(planned_for, 1, 7), belief_before, belief_after, done_at, planned_for) WHERE done_at IS NOT NULL;
CREATE INDEX experiment_records_floods ON experiment_records (peak) WHERE flooded = 1;

CREATE TABLE stage_changes (
    at         INTEGER NOT NULL,
    from_stage INTEGER NOT NULL,
    to_stage   INTEGER NOT NULL
) STRICT;

-- A run through a program; check-offs are a JSON array of
-- {day, done_at, reflection}.
CREATE TABLE program_runs (
    id         TEXT PRIMARY KEY NOT NULL,
    program    TEXT NOT NULL,
    started_on TEXT NOT NULL,
    entries    TEXT NOT NULL
) STRICT;
