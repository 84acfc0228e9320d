-- drawbridge schema 7: an owner on every row.
-- Every table gains the id of the person the row belongs to, first in its
-- primary key and in every index, and every query names it. A local database
-- has exactly one owner, made here (or when the database is created); a
-- server database will hold many, none of whose rows refer to another's.
-- SQLite cannot add a column to a primary key, so each table is made anew
-- and its rows copied across, all in this migration's one transaction.

CREATE TABLE owners (
    id         BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    created_at INTEGER NOT NULL
) STRICT;

-- A random (version 4) UUID, as its 16 bytes.
INSERT INTO owners (id, created_at)
    SELECT unhex(substr(h, 1, 12) || '4' || substr(h, 14, 3) || substr('89AB', 1 + (abs(random()) % 4), 1) || substr(h, 18, 15)),
           CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
    FROM (SELECT hex(randomblob(16)) AS h);

DROP TRIGGER ledger_count_new;
DROP TRIGGER ledger_uncount_removed;
DROP TRIGGER ledger_uncount_changed;
DROP TRIGGER ledger_count_changed;

CREATE TABLE settings_owned (
    owner BLOB NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (owner, key)
) STRICT, WITHOUT ROWID;
INSERT INTO settings_owned (owner, key, value) SELECT (SELECT id FROM owners), key, value FROM settings;
DROP TABLE settings;
ALTER TABLE settings_owned RENAME TO settings;

CREATE TABLE urges_owned (
    owner BLOB NOT NULL,
    id TEXT NOT NULL,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    intensity INTEGER CHECK (intensity BETWEEN 0 AND 10),
    body TEXT,
    about TEXT,
    did TEXT,
    note TEXT,
    PRIMARY KEY (owner, id)
) STRICT;
INSERT INTO urges_owned (owner, id, at, kind, intensity, body, about, did, note) SELECT (SELECT id FROM owners), id, at, kind, intensity, body, about, did, note FROM urges;
DROP TABLE urges;
ALTER TABLE urges_owned RENAME TO urges;
CREATE INDEX urges_by_time ON urges (owner, at, id);

CREATE TABLE instruments_owned (
    owner BLOB NOT NULL,
    id TEXT NOT NULL,
    source TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (owner, id)
) STRICT;
INSERT INTO instruments_owned (owner, id, source, added_at) SELECT (SELECT id FROM owners), id, source, added_at FROM instruments;
DROP TABLE instruments;
ALTER TABLE instruments_owned RENAME TO instruments;

CREATE TABLE quiz_results_owned (
    owner BLOB NOT NULL,
    id TEXT NOT NULL,
    instrument TEXT NOT NULL,
    instrument_version INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER,
    answers TEXT NOT NULL,
    scores TEXT,
    label TEXT,
    PRIMARY KEY (owner, id)
) STRICT;
INSERT INTO quiz_results_owned (owner, id, instrument, instrument_version, started_at, updated_at, finished_at, answers, scores, label) SELECT (SELECT id FROM owners), id, instrument, instrument_version, started_at, updated_at, finished_at, answers, scores, label FROM quiz_results;
DROP TABLE quiz_results;
ALTER TABLE quiz_results_owned RENAME TO quiz_results;
CREATE INDEX quiz_results_by_instrument ON quiz_results (owner, instrument, finished_at);

CREATE TABLE experiment_records_owned (
    owner BLOB NOT NULL,
    id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    experiment TEXT,
    custom TEXT,
    stage INTEGER NOT NULL CHECK (stage BETWEEN 1 AND 4),
    with_whom TEXT,
    planned_for TEXT NOT NULL,
    prediction TEXT NOT NULL,
    belief_before INTEGER NOT NULL CHECK (belief_before BETWEEN 0 AND 100),
    want INTEGER NOT NULL CHECK (want BETWEEN 0 AND 100),
    expect INTEGER NOT NULL CHECK (expect BETWEEN 0 AND 100),
    done_at INTEGER,
    what_happened TEXT,
    peak INTEGER CHECK (peak BETWEEN 0 AND 100),
    after INTEGER CHECK (after BETWEEN 0 AND 100),
    outcome TEXT,
    capacity INTEGER CHECK (capacity BETWEEN 0 AND 100),
    learned TEXT,
    belief_after INTEGER CHECK (belief_after BETWEEN 0 AND 100),
    flooded INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (owner, id)
) STRICT;
INSERT INTO experiment_records_owned (owner, id, created_at, experiment, custom, stage, with_whom, planned_for, prediction, belief_before, want, expect, done_at, what_happened, peak, after, outcome, capacity, learned, belief_after, flooded) SELECT (SELECT id FROM owners), id, created_at, experiment, custom, stage, with_whom, planned_for, prediction, belief_before, want, expect, done_at, what_happened, peak, after, outcome, capacity, learned, belief_after, flooded FROM experiment_records;
DROP TABLE experiment_records;
ALTER TABLE experiment_records_owned RENAME TO experiment_records;
CREATE INDEX experiment_records_by_day ON experiment_records (owner, planned_for);
CREATE INDEX experiment_records_by_done ON experiment_records (owner, done_at);
CREATE INDEX experiment_records_floods ON experiment_records (owner, peak) WHERE flooded = 1;

CREATE TABLE stage_changes_owned (
    owner BLOB NOT NULL,
    at INTEGER NOT NULL,
    from_stage INTEGER NOT NULL,
    to_stage INTEGER NOT NULL
) STRICT;
INSERT INTO stage_changes_owned (owner, at, from_stage, to_stage) SELECT (SELECT id FROM owners), at, from_stage, to_stage FROM stage_changes;
DROP TABLE stage_changes;
ALTER TABLE stage_changes_owned RENAME TO stage_changes;
CREATE INDEX stage_changes_by_time ON stage_changes (owner, at);

CREATE TABLE program_runs_owned (
    owner BLOB NOT NULL,
    id TEXT NOT NULL,
    program TEXT NOT NULL,
    started_on TEXT NOT NULL,
    entries TEXT NOT NULL,
    stopped_on TEXT,
    PRIMARY KEY (owner, id)
) STRICT;
INSERT INTO program_runs_owned (owner, id, program, started_on, entries, stopped_on) SELECT (SELECT id FROM owners), id, program, started_on, entries, stopped_on FROM program_runs;
DROP TABLE program_runs;
ALTER TABLE program_runs_owned RENAME TO program_runs;

CREATE TABLE pauses_owned (
    owner BLOB NOT NULL,
    id TEXT NOT NULL,
    at INTEGER NOT NULL,
    protocol TEXT NOT NULL,
    seconds INTEGER NOT NULL CHECK (seconds BETWEEN 0 AND 3600),
    completed INTEGER NOT NULL CHECK (completed IN (0, 1)),
    PRIMARY KEY (owner, id)
) STRICT;
INSERT INTO pauses_owned (owner, id, at, protocol, seconds, completed) SELECT (SELECT id FROM owners), id, at, protocol, seconds, completed FROM pauses;
DROP TABLE pauses;
ALTER TABLE pauses_owned RENAME TO pauses;
CREATE INDEX pauses_by_time ON pauses (owner, at, id);

CREATE TABLE resets_owned (
    owner BLOB NOT NULL,
    id TEXT NOT NULL,
    at INTEGER NOT NULL,
    record TEXT,
    capacity INTEGER CHECK (capacity BETWEEN 0 AND 100),
    happened TEXT,
    felt TEXT,
    truth TEXT,
    PRIMARY KEY (owner, id)
) STRICT;
INSERT INTO resets_owned (owner, id, at, record, capacity, happened, felt, truth) SELECT (SELECT id FROM owners), id, at, record, capacity, happened, felt, truth FROM resets;
DROP TABLE resets;
ALTER TABLE resets_owned RENAME TO resets;
CREATE INDEX resets_by_time ON resets (owner, at, id);
CREATE INDEX resets_by_record ON resets (owner, record, at);

CREATE TABLE safety_plan_owned (
    owner BLOB NOT NULL,
    section TEXT NOT NULL,
    text TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (owner, section)
) STRICT;
INSERT INTO safety_plan_owned (owner, section, text, updated_at) SELECT (SELECT id FROM owners), section, text, updated_at FROM safety_plan;
DROP TABLE safety_plan;
ALTER TABLE safety_plan_owned RENAME TO safety_plan;

CREATE TABLE text_versions_owned (
    owner BLOB NOT NULL,
    id TEXT NOT NULL,
    item TEXT NOT NULL,
    item_id TEXT NOT NULL,
    field TEXT NOT NULL,
    text TEXT NOT NULL,
    replaced_at INTEGER NOT NULL,
    PRIMARY KEY (owner, id)
) STRICT;
INSERT INTO text_versions_owned (owner, id, item, item_id, field, text, replaced_at) SELECT (SELECT id FROM owners), id, item, item_id, field, text, replaced_at FROM text_versions;
DROP TABLE text_versions;
ALTER TABLE text_versions_owned RENAME TO text_versions;
CREATE INDEX text_versions_by_item ON text_versions (owner, item, item_id, replaced_at);

CREATE TABLE web_sessions_owned (
    owner BLOB NOT NULL,
    id_hash TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (owner, id_hash)
) STRICT;
INSERT INTO web_sessions_owned (owner, id_hash, csrf, created_at, expires_at) SELECT (SELECT id FROM owners), id_hash, csrf, created_at, expires_at FROM web_sessions;
DROP TABLE web_sessions;
ALTER TABLE web_sessions_owned RENAME TO web_sessions;

CREATE TABLE ledger_tallies_owned (
    owner BLOB NOT NULL,
    stage INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (owner, stage, outcome)
) STRICT, WITHOUT ROWID;
INSERT INTO ledger_tallies_owned (owner, stage, outcome, n) SELECT (SELECT id FROM owners), stage, outcome, n FROM ledger_tallies;
DROP TABLE ledger_tallies;
ALTER TABLE ledger_tallies_owned RENAME TO ledger_tallies;

CREATE TABLE ledger_months_owned (
    owner BLOB NOT NULL,
    month TEXT NOT NULL,
    n INTEGER NOT NULL,
    before_sum INTEGER NOT NULL,
    after_n INTEGER NOT NULL,
    after_sum INTEGER NOT NULL,
    PRIMARY KEY (owner, month)
) STRICT, WITHOUT ROWID;
INSERT INTO ledger_months_owned (owner, month, n, before_sum, after_n, after_sum) SELECT (SELECT id FROM owners), month, n, before_sum, after_n, after_sum FROM ledger_months;
DROP TABLE ledger_months;
ALTER TABLE ledger_months_owned RENAME TO ledger_months;

-- The ledger's sums, kept per owner (as in schema 6).
CREATE TRIGGER ledger_count_new AFTER INSERT ON experiment_records WHEN NEW.done_at IS NOT NULL
BEGIN
    INSERT INTO ledger_tallies (owner, stage, outcome, n) VALUES (NEW.owner, NEW.stage, coalesce(NEW.outcome, ''), 1)
        ON CONFLICT (owner, stage, outcome) DO UPDATE SET n = n + 1;
    INSERT INTO ledger_months (owner, month, n, before_sum, after_n, after_sum)
        VALUES (NEW.owner, substr(NEW.planned_for, 1, 7), 1, NEW.belief_before, NEW.belief_after IS NOT NULL, coalesce(NEW.belief_after, 0))
        ON CONFLICT (owner, month) DO UPDATE SET n = n + 1, before_sum = before_sum + excluded.before_sum,
            after_n = after_n + excluded.after_n, after_sum = after_sum + excluded.after_sum;
END;

CREATE TRIGGER ledger_uncount_removed AFTER DELETE ON experiment_records WHEN OLD.done_at IS NOT NULL
BEGIN
    UPDATE ledger_tallies SET n = n - 1 WHERE owner = OLD.owner AND stage = OLD.stage AND outcome = coalesce(OLD.outcome, '');
    UPDATE ledger_months SET n = n - 1, before_sum = before_sum - OLD.belief_before,
        after_n = after_n - (OLD.belief_after IS NOT NULL), after_sum = after_sum - coalesce(OLD.belief_after, 0)
        WHERE owner = OLD.owner AND month = substr(OLD.planned_for, 1, 7);
END;

CREATE TRIGGER ledger_uncount_changed AFTER UPDATE ON experiment_records WHEN OLD.done_at IS NOT NULL
BEGIN
    UPDATE ledger_tallies SET n = n - 1 WHERE owner = OLD.owner AND stage = OLD.stage AND outcome = coalesce(OLD.outcome, '');
    UPDATE ledger_months SET n = n - 1, before_sum = before_sum - OLD.belief_before,
        after_n = after_n - (OLD.belief_after IS NOT NULL), after_sum = after_sum - coalesce(OLD.belief_after, 0)
        WHERE owner = OLD.owner AND month = substr(OLD.planned_for, 1, 7);
END;

CREATE TRIGGER ledger_count_changed AFTER UPDATE ON experiment_records WHEN NEW.done_at IS NOT NULL
BEGIN
    INSERT INTO ledger_tallies (owner, stage, outcome, n) VALUES (NEW.owner, NEW.stage, coalesce(NEW.outcome, ''), 1)
        ON CONFLICT (owner, stage, outcome) DO UPDATE SET n = n + 1;
    INSERT INTO ledger_months (owner, month, n, before_sum, after_n, after_sum)
        VALUES (NEW.owner, substr(NEW.planned_for, 1, 7), 1, NEW.belief_before, NEW.belief_after IS NOT NULL, coalesce(NEW.belief_after, 0))
        ON CONFLICT (owner, month) DO UPDATE SET n = n + 1, before_sum = before_sum + excluded.before_sum,
            after_n = after_n + excluded.after_n, after_sum = after_sum + excluded.after_sum;
END;
