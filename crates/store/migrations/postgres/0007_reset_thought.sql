-- drawbridge PostgreSQL schema 7: the fuller reset. A reset's thought record
-- (feelings, the hot thought, how much it is believed before and after, the
-- evidence, another view, now or then) is sealed as one JSON document, like
-- every other word a person writes; NULL for a reset without one.

ALTER TABLE resets ADD COLUMN thought_sealed bytea;
