-- drawbridge schema 12: the journal. Entries (the words, a title, tags, the
-- prompt answered, a body signal, and the urge, experiment or reset they
-- are about), and drafts: words being written, kept as typed so a closed
-- tab loses nothing, until they are saved as an entry or thrown away.
-- Tags are kept as a JSON list. An edit keeps its earlier words in
-- text_versions (item 'journal').

CREATE TABLE journal_entries (
    owner       BLOB NOT NULL,
    id          TEXT NOT NULL,
    at          INTEGER NOT NULL,
    edited_at   INTEGER,
    title       TEXT,
    body        TEXT NOT NULL,
    tags        TEXT NOT NULL,
    prompt      TEXT,
    body_signal TEXT,
    urge        TEXT,
    record      TEXT,
    reset       TEXT,
    PRIMARY KEY (owner, id)
) STRICT;
CREATE INDEX journal_by_time ON journal_entries (owner, at, id);

CREATE TABLE journal_drafts (
    owner    BLOB NOT NULL,
    id       TEXT NOT NULL,
    saved_at INTEGER NOT NULL,
    title    TEXT NOT NULL,
    body     TEXT NOT NULL,
    tags     TEXT NOT NULL,
    prompt   TEXT,
    PRIMARY KEY (owner, id)
) STRICT;

CREATE TRIGGER journal_entries_owner_exists BEFORE INSERT ON journal_entries WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER journal_drafts_owner_exists BEFORE INSERT ON journal_drafts WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
