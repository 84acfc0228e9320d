-- drawbridge PostgreSQL schema 9: a count of changes to the records search
-- reads. The words are sealed, so search unseals an owner's records and
-- matches them in memory; a server keeps what it unsealed for the next
-- search while this count stays the same. Every insert, change or delete
-- of a journal entry, reset, urge, experiment or program run adds one, by
-- trigger, whatever wrote it. (Once the owner is gone the update finds no
-- row, so deleting an account is not held up.)

ALTER TABLE owners ADD COLUMN texts_changed bigint NOT NULL DEFAULT 0;

CREATE FUNCTION texts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE owners SET texts_changed = texts_changed + 1
        WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.owner ELSE NEW.owner END;
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
