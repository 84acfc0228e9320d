-- drawbridge schema 16: search marks only what can change what search
-- finds. An urge saved with neither "about" nor a note has no words to
-- find, so saving one marks nothing (the quick "urge go-quiet" writes one
-- row, not two); an edit marks a record only when its words or its time
-- change. Deletes still mark every record, so nothing gone is ever found.

DROP TRIGGER urges_search_insert;
CREATE TRIGGER urges_search_insert AFTER INSERT ON urges
WHEN NEW.about IS NOT NULL OR NEW.note IS NOT NULL BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT NEW.owner, 'urge', NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = NEW.owner AND kind = 'urge' AND item = NEW.id);
END;

DROP TRIGGER urges_search_update;
CREATE TRIGGER urges_search_update AFTER UPDATE OF owner, at, about, note ON urges BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT NEW.owner, 'urge', NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = NEW.owner AND kind = 'urge' AND item = NEW.id);
END;

DROP TRIGGER journal_entries_search_update;
CREATE TRIGGER journal_entries_search_update AFTER UPDATE OF owner, at, title, body, tags ON journal_entries BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT NEW.owner, 'journal', NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = NEW.owner AND kind = 'journal' AND item = NEW.id);
END;

DROP TRIGGER resets_search_update;
CREATE TRIGGER resets_search_update AFTER UPDATE OF owner, at, happened, felt, truth, thought ON resets BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT NEW.owner, 'reset', NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = NEW.owner AND kind = 'reset' AND item = NEW.id);
END;

DROP TRIGGER experiment_records_search_update;
CREATE TRIGGER experiment_records_search_update
AFTER UPDATE OF owner, created_at, done_at, prediction, with_whom, what_happened, learned ON experiment_records BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT NEW.owner, 'experiment', NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = NEW.owner AND kind = 'experiment' AND item = NEW.id);
END;

DROP TRIGGER program_runs_search_update;
CREATE TRIGGER program_runs_search_update AFTER UPDATE OF owner, entries ON program_runs BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT NEW.owner, 'reflection', NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = NEW.owner AND kind = 'reflection' AND item = NEW.id);
END;
