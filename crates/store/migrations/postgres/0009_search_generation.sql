-- drawbridge PostgreSQL schema 9: a mark of the last change to the records
-- search reads. The words are sealed, so search unseals an owner's records
-- and matches them in memory; a server keeps what it unsealed for the next
-- search while this mark stays the same. Every insert, change or delete of
-- a journal entry, reset, urge, experiment or program run sets it, by
-- trigger, whatever wrote it, to the id of the transaction that made the
-- change: distinct for every transaction, and written once in each (an
-- import of thousands of rows updates the owner's row once, not thousands
-- of times). Once the owner is gone the update finds no row, so deleting
-- an account is not held up.

ALTER TABLE owners ADD COLUMN texts_changed bigint NOT NULL DEFAULT 0;

CREATE FUNCTION texts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE owners SET texts_changed = pg_current_xact_id()::text::bigint
        WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.owner ELSE NEW.owner END
          AND texts_changed <> pg_current_xact_id()::text::bigint;
    RETURN NULL;
END;
$$;

CREATE TRIGGER journal_entries_texts_changed AFTER INSERT OR UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION texts_changed();
CREATE TRIGGER resets_texts_changed AFTER INSERT OR UPDATE OR DELETE ON resets
    FOR EACH ROW EXECUTE FUNCTION texts_changed();
CREATE TRIGGER urges_texts_changed AFTER INSERT OR UPDATE OR DELETE ON urges
    FOR EACH ROW EXECUTE FUNCTION texts_changed();
CREATE TRIGGER experiment_records_texts_changed AFTER INSERT OR UPDATE OR DELETE ON experiment_records
    FOR EACH ROW EXECUTE FUNCTION texts_changed();
CREATE TRIGGER program_runs_texts_changed AFTER INSERT OR UPDATE OR DELETE ON program_runs
    FOR EACH ROW EXECUTE FUNCTION texts_changed();
