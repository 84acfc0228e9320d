-- drawbridge schema 11: every owned row names an owner that exists. A
-- request already under way when its account is deleted could otherwise
-- write a row after the deletion had removed the rest, and leave words
-- behind that nobody can open or delete. Each table refuses such a row.
-- (SQLite checks foreign keys only on connections that ask, and adding one
-- means making every table anew; a trigger each does the same here.)
-- Rows left by a deletion before this step are removed, as their owner asked.

DELETE FROM settings WHERE owner NOT IN (SELECT id FROM owners);
DELETE FROM urges WHERE owner NOT IN (SELECT id FROM owners);
DELETE FROM instruments WHERE owner NOT IN (SELECT id FROM owners);
DELETE FROM quiz_results WHERE owner NOT IN (SELECT id FROM owners);
DELETE FROM experiment_records WHERE owner NOT IN (SELECT id FROM owners);
DELETE FROM stage_changes WHERE owner NOT IN (SELECT id FROM owners);
DELETE FROM program_runs WHERE owner NOT IN (SELECT id FROM owners);
DELETE FROM pauses WHERE owner NOT IN (SELECT id FROM owners);
DELETE FROM resets WHERE owner NOT IN (SELECT id FROM owners);
DELETE FROM safety_plan WHERE owner NOT IN (SELECT id FROM owners);
DELETE FROM text_versions WHERE owner NOT IN (SELECT id FROM owners);
DELETE FROM web_sessions WHERE owner NOT IN (SELECT id FROM owners);
DELETE FROM ledger_tallies WHERE owner NOT IN (SELECT id FROM owners);
DELETE FROM ledger_months WHERE owner NOT IN (SELECT id FROM owners);
DELETE FROM accounts WHERE owner NOT IN (SELECT id FROM owners);

CREATE TRIGGER settings_owner_exists BEFORE INSERT ON settings WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER urges_owner_exists BEFORE INSERT ON urges WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER instruments_owner_exists BEFORE INSERT ON instruments WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER quiz_results_owner_exists BEFORE INSERT ON quiz_results WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER experiment_records_owner_exists BEFORE INSERT ON experiment_records WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER stage_changes_owner_exists BEFORE INSERT ON stage_changes WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER program_runs_owner_exists BEFORE INSERT ON program_runs WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER pauses_owner_exists BEFORE INSERT ON pauses WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER resets_owner_exists BEFORE INSERT ON resets WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER safety_plan_owner_exists BEFORE INSERT ON safety_plan WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER text_versions_owner_exists BEFORE INSERT ON text_versions WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER web_sessions_owner_exists BEFORE INSERT ON web_sessions WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER ledger_tallies_owner_exists BEFORE INSERT ON ledger_tallies WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER ledger_months_owner_exists BEFORE INSERT ON ledger_months WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER accounts_owner_exists BEFORE INSERT ON accounts WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
