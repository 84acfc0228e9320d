-- drawbridge schema 15: search. Each record's words as search reads them
-- (stems and folded words, made by drawbridge_core::search, fields apart)
-- are kept in search_docs, inside the encrypted file like everything else,
-- and indexed by FTS5 in search_fts (kept in step by the triggers below).
-- A change to a record marks it in search_dirty, by trigger, whatever wrote
-- it (a save, an edit, an import, a delete); the next search reindexes the
-- marked records first, so it never finds words that are gone or misses
-- words just written. Every record there already is marked here. (The
-- triggers look before they mark, rather than INSERT OR IGNORE: inside a
-- trigger the outer statement's conflict rule would win.)

CREATE TABLE search_docs (
    n     INTEGER PRIMARY KEY,
    owner BLOB NOT NULL,
    kind  TEXT NOT NULL,
    item  TEXT NOT NULL,
    at    INTEGER NOT NULL,
    UNIQUE (owner, kind, item)
) STRICT;
CREATE INDEX search_docs_by_time ON search_docs (owner, at);

-- The terms, apart from the small columns above, so that reading which
-- records match never reads their words.
CREATE TABLE search_text (
    n     INTEGER PRIMARY KEY,
    owner BLOB NOT NULL,
    stems TEXT NOT NULL,
    words TEXT NOT NULL,
    tags  TEXT NOT NULL
) STRICT;

CREATE VIRTUAL TABLE search_fts USING fts5(
    stems, words, tags,
    content = 'search_text', content_rowid = 'n',
    tokenize = "unicode61 remove_diacritics 0 tokenchars '|'"
);
CREATE TRIGGER search_text_indexed AFTER INSERT ON search_text BEGIN
    INSERT INTO search_fts (rowid, stems, words, tags) VALUES (NEW.n, NEW.stems, NEW.words, NEW.tags);
END;
CREATE TRIGGER search_text_unindexed AFTER DELETE ON search_text BEGIN
    INSERT INTO search_fts (search_fts, rowid, stems, words, tags) VALUES ('delete', OLD.n, OLD.stems, OLD.words, OLD.tags);
END;
CREATE TRIGGER search_docs_gone AFTER DELETE ON search_docs BEGIN
    DELETE FROM search_text WHERE n = OLD.n;
END;

CREATE TABLE search_dirty (
    owner BLOB NOT NULL,
    kind  TEXT NOT NULL,
    item  TEXT NOT NULL,
    PRIMARY KEY (owner, kind, item)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER search_docs_owner_exists BEFORE INSERT ON search_docs WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER search_text_owner_exists BEFORE INSERT ON search_text WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER search_dirty_owner_exists BEFORE INSERT ON search_dirty WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;

CREATE TRIGGER journal_entries_search_insert AFTER INSERT ON journal_entries BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT NEW.owner, 'journal', NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = NEW.owner AND kind = 'journal' AND item = NEW.id);
END;
CREATE TRIGGER journal_entries_search_update AFTER UPDATE ON journal_entries BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT NEW.owner, 'journal', NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = NEW.owner AND kind = 'journal' AND item = NEW.id);
END;
CREATE TRIGGER journal_entries_search_delete AFTER DELETE ON journal_entries BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT OLD.owner, 'journal', OLD.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = OLD.owner AND kind = 'journal' AND item = OLD.id);
END;

CREATE TRIGGER resets_search_insert AFTER INSERT ON resets BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT NEW.owner, 'reset', NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = NEW.owner AND kind = 'reset' AND item = NEW.id);
END;
CREATE TRIGGER resets_search_update AFTER UPDATE ON resets BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT NEW.owner, 'reset', NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = NEW.owner AND kind = 'reset' AND item = NEW.id);
END;
CREATE TRIGGER resets_search_delete AFTER DELETE ON resets BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT OLD.owner, 'reset', OLD.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = OLD.owner AND kind = 'reset' AND item = OLD.id);
END;

CREATE TRIGGER urges_search_insert AFTER INSERT ON urges BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT NEW.owner, 'urge', NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = NEW.owner AND kind = 'urge' AND item = NEW.id);
END;
CREATE TRIGGER urges_search_update AFTER UPDATE ON urges BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT NEW.owner, 'urge', NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = NEW.owner AND kind = 'urge' AND item = NEW.id);
END;
CREATE TRIGGER urges_search_delete AFTER DELETE ON urges BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT OLD.owner, 'urge', OLD.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = OLD.owner AND kind = 'urge' AND item = OLD.id);
END;

CREATE TRIGGER experiment_records_search_insert AFTER INSERT ON experiment_records BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT NEW.owner, 'experiment', NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = NEW.owner AND kind = 'experiment' AND item = NEW.id);
END;
CREATE TRIGGER experiment_records_search_update AFTER UPDATE ON experiment_records BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT NEW.owner, 'experiment', NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = NEW.owner AND kind = 'experiment' AND item = NEW.id);
END;
CREATE TRIGGER experiment_records_search_delete AFTER DELETE ON experiment_records BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT OLD.owner, 'experiment', OLD.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = OLD.owner AND kind = 'experiment' AND item = OLD.id);
END;

CREATE TRIGGER program_runs_search_insert AFTER INSERT ON program_runs BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT NEW.owner, 'reflection', NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = NEW.owner AND kind = 'reflection' AND item = NEW.id);
END;
CREATE TRIGGER program_runs_search_update AFTER UPDATE ON program_runs BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT NEW.owner, 'reflection', NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = NEW.owner AND kind = 'reflection' AND item = NEW.id);
END;
CREATE TRIGGER program_runs_search_delete AFTER DELETE ON program_runs BEGIN
    INSERT INTO search_dirty (owner, kind, item) SELECT OLD.owner, 'reflection', OLD.id
        WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE owner = OLD.owner AND kind = 'reflection' AND item = OLD.id);
END;

INSERT OR IGNORE INTO search_dirty (owner, kind, item) SELECT owner, 'journal', id FROM journal_entries;
INSERT OR IGNORE INTO search_dirty (owner, kind, item) SELECT owner, 'reset', id FROM resets;
INSERT OR IGNORE INTO search_dirty (owner, kind, item) SELECT owner, 'urge', id FROM urges;
INSERT OR IGNORE INTO search_dirty (owner, kind, item) SELECT owner, 'experiment', id FROM experiment_records;
INSERT OR IGNORE INTO search_dirty (owner, kind, item) SELECT owner, 'reflection', id FROM program_runs;
