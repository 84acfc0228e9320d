-- drawbridge schema 6: the evidence ledger's sums, kept as records change.
-- The ledger used to count every finished experiment on every read: with
-- years of records that meant reading two whole indexes, page by page, each
-- page decrypted and checked. Now triggers keep the counts and the monthly
-- sums up to date in the same transaction as the change, so the ledger reads
-- a few rows. The sums are only ever derived from experiment_records.

-- Finished experiments by stage and outcome ('' when none was given).
CREATE TABLE ledger_tallies (
    stage   INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (stage, outcome)
) STRICT, WITHOUT ROWID;

-- Finished experiments by the month they were planned for: how many, the sum
-- of belief before, and how many gave a belief after and its sum.
CREATE TABLE ledger_months (
    month      TEXT PRIMARY KEY NOT NULL,
    n          INTEGER NOT NULL,
    before_sum INTEGER NOT NULL,
    after_n    INTEGER NOT NULL,
    after_sum  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO ledger_tallies (stage, outcome, n)
    SELECT stage, coalesce(outcome, ''), count(*) FROM experiment_records
    WHERE done_at IS NOT NULL GROUP BY stage, coalesce(outcome, '');

INSERT INTO ledger_months (month, n, before_sum, after_n, after_sum)
    SELECT substr(planned_for, 1, 7), count(*), sum(belief_before), count(belief_after), coalesce(sum(belief_after), 0)
    FROM experiment_records WHERE done_at IS NOT NULL GROUP BY substr(planned_for, 1, 7);

CREATE TRIGGER ledger_count_new AFTER INSERT ON experiment_records WHEN NEW.done_at IS NOT NULL
BEGIN
    INSERT INTO ledger_tallies (stage, outcome, n) VALUES (NEW.stage, coalesce(NEW.outcome, ''), 1)
        ON CONFLICT (stage, outcome) DO UPDATE SET n = n + 1;
    INSERT INTO ledger_months (month, n, before_sum, after_n, after_sum)
        VALUES (substr(NEW.planned_for, 1, 7), 1, NEW.belief_before, NEW.belief_after IS NOT NULL, coalesce(NEW.belief_after, 0))
        ON CONFLICT (month) DO UPDATE SET n = n + 1, before_sum = before_sum + excluded.before_sum,
            after_n = after_n + excluded.after_n, after_sum = after_sum + excluded.after_sum;
END;

CREATE TRIGGER ledger_uncount_removed AFTER DELETE ON experiment_records WHEN OLD.done_at IS NOT NULL
BEGIN
    UPDATE ledger_tallies SET n = n - 1 WHERE stage = OLD.stage AND outcome = coalesce(OLD.outcome, '');
    UPDATE ledger_months SET n = n - 1, before_sum = before_sum - OLD.belief_before,
        after_n = after_n - (OLD.belief_after IS NOT NULL), after_sum = after_sum - coalesce(OLD.belief_after, 0)
        WHERE month = substr(OLD.planned_for, 1, 7);
END;

-- A change is the old row taken out and the new one counted in.
CREATE TRIGGER ledger_uncount_changed AFTER UPDATE ON experiment_records WHEN OLD.done_at IS NOT NULL
BEGIN
    UPDATE ledger_tallies SET n = n - 1 WHERE stage = OLD.stage AND outcome = coalesce(OLD.outcome, '');
    UPDATE ledger_months SET n = n - 1, before_sum = before_sum - OLD.belief_before,
        after_n = after_n - (OLD.belief_after IS NOT NULL), after_sum = after_sum - coalesce(OLD.belief_after, 0)
        WHERE month = substr(OLD.planned_for, 1, 7);
END;

CREATE TRIGGER ledger_count_changed AFTER UPDATE ON experiment_records WHEN NEW.done_at IS NOT NULL
BEGIN
    INSERT INTO ledger_tallies (stage, outcome, n) VALUES (NEW.stage, coalesce(NEW.outcome, ''), 1)
        ON CONFLICT (stage, outcome) DO UPDATE SET n = n + 1;
    INSERT INTO ledger_months (month, n, before_sum, after_n, after_sum)
        VALUES (substr(NEW.planned_for, 1, 7), 1, NEW.belief_before, NEW.belief_after IS NOT NULL, coalesce(NEW.belief_after, 0))
        ON CONFLICT (month) DO UPDATE SET n = n + 1, before_sum = before_sum + excluded.before_sum,
            after_n = after_n + excluded.after_n, after_sum = after_sum + excluded.after_sum;
END;

-- The indexes the counting read are no longer needed.
DROP INDEX experiment_records_outcomes;
DROP INDEX experiment_records_belief;
