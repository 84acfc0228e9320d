-- schema 5: every owned row names an owner that exists. A request already
-- under way when its account is deleted could otherwise write a row after
-- the deletion had removed the rest, and leave words behind that nobody
-- can open or delete. With these keys such a write fails, and deleting an
-- owner removes every row that names it, in the same statement.
--
-- Each key runs from a table's `owner` to `owners (id)`, the column each
-- table is distributed by, so the tables can still be distributed by owner
-- and co-located (Citus allows keys between co-located tables on that
-- column). Rows left by a deletion before this step have no owner to open
-- them with; they are removed here, as their owner asked.

DELETE FROM settings t WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = t.owner);
DELETE FROM urges t WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = t.owner);
DELETE FROM instruments t WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = t.owner);
DELETE FROM quiz_results t WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = t.owner);
DELETE FROM experiment_records t WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = t.owner);
DELETE FROM stage_changes t WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = t.owner);
DELETE FROM program_runs t WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = t.owner);
DELETE FROM pauses t WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = t.owner);
DELETE FROM resets t WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = t.owner);
DELETE FROM safety_plan t WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = t.owner);
DELETE FROM text_versions t WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = t.owner);
DELETE FROM web_sessions t WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = t.owner);
DELETE FROM ledger_tallies t WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = t.owner);
DELETE FROM ledger_months t WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = t.owner);
DELETE FROM accounts t WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.id = t.owner);

ALTER TABLE settings ADD CONSTRAINT settings_owner FOREIGN KEY (owner) REFERENCES owners (id) ON DELETE CASCADE;
ALTER TABLE urges ADD CONSTRAINT urges_owner FOREIGN KEY (owner) REFERENCES owners (id) ON DELETE CASCADE;
ALTER TABLE instruments ADD CONSTRAINT instruments_owner FOREIGN KEY (owner) REFERENCES owners (id) ON DELETE CASCADE;
ALTER TABLE quiz_results ADD CONSTRAINT quiz_results_owner FOREIGN KEY (owner) REFERENCES owners (id) ON DELETE CASCADE;
ALTER TABLE experiment_records ADD CONSTRAINT experiment_records_owner FOREIGN KEY (owner) REFERENCES owners (id) ON DELETE CASCADE;
ALTER TABLE stage_changes ADD CONSTRAINT stage_changes_owner FOREIGN KEY (owner) REFERENCES owners (id) ON DELETE CASCADE;
ALTER TABLE program_runs ADD CONSTRAINT program_runs_owner FOREIGN KEY (owner) REFERENCES owners (id) ON DELETE CASCADE;
ALTER TABLE pauses ADD CONSTRAINT pauses_owner FOREIGN KEY (owner) REFERENCES owners (id) ON DELETE CASCADE;
ALTER TABLE resets ADD CONSTRAINT resets_owner FOREIGN KEY (owner) REFERENCES owners (id) ON DELETE CASCADE;
ALTER TABLE safety_plan ADD CONSTRAINT safety_plan_owner FOREIGN KEY (owner) REFERENCES owners (id) ON DELETE CASCADE;
ALTER TABLE text_versions ADD CONSTRAINT text_versions_owner FOREIGN KEY (owner) REFERENCES owners (id) ON DELETE CASCADE;
ALTER TABLE web_sessions ADD CONSTRAINT web_sessions_owner FOREIGN KEY (owner) REFERENCES owners (id) ON DELETE CASCADE;
ALTER TABLE ledger_tallies ADD CONSTRAINT ledger_tallies_owner FOREIGN KEY (owner) REFERENCES owners (id) ON DELETE CASCADE;
ALTER TABLE ledger_months ADD CONSTRAINT ledger_months_owner FOREIGN KEY (owner) REFERENCES owners (id) ON DELETE CASCADE;
ALTER TABLE accounts ADD CONSTRAINT accounts_owner FOREIGN KEY (owner) REFERENCES owners (id) ON DELETE CASCADE;
