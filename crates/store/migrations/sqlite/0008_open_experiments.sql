-- drawbridge schema 8: the experiments still waiting for a follow-up, by the
-- day they were planned for. Today lists the ones that are due; with the
-- owner first in every index (schema 7), SQLite walked every record in day
-- order to find the few still open. This index holds only the open ones.
CREATE INDEX experiment_records_open ON experiment_records (owner, planned_for) WHERE done_at IS NULL;
