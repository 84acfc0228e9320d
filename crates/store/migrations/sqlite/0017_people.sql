-- drawbridge schema 17: people. Who is in the person's life (a name, a
-- kind, since when, the stage reached, how often to be in touch, notes),
-- the safety checklist marks, the links from urges, experiments, journal
-- entries and resets to a person, plain "we talked" contacts, replies owed,
-- and past relationships. Dates are YYYY-MM-DD text; times are microseconds.
-- A link goes when the record it points to goes. An edit of a name or notes
-- keeps the earlier words in text_versions (item 'person').

CREATE TABLE people (
    owner      BLOB NOT NULL,
    id         TEXT NOT NULL,
    added_at   INTEGER NOT NULL,
    edited_at  INTEGER,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    since      TEXT,
    stage      INTEGER NOT NULL,
    ideal_days INTEGER,
    max_days   INTEGER,
    notes      TEXT,
    archived   INTEGER NOT NULL,
    PRIMARY KEY (owner, id)
) STRICT;

CREATE TABLE person_safe_marks (
    owner  BLOB NOT NULL,
    person TEXT NOT NULL,
    item   TEXT NOT NULL,
    yes    INTEGER NOT NULL,
    at     INTEGER NOT NULL,
    PRIMARY KEY (owner, person, item)
) STRICT;

CREATE TABLE person_links (
    owner  BLOB NOT NULL,
    person TEXT NOT NULL,
    kind   TEXT NOT NULL,
    item   TEXT NOT NULL,
    PRIMARY KEY (owner, person, kind, item)
) STRICT;
CREATE INDEX person_links_by_item ON person_links (owner, kind, item);

CREATE TABLE person_contacts (
    owner     BLOB NOT NULL,
    id        TEXT NOT NULL,
    person    TEXT NOT NULL,
    on_day    TEXT NOT NULL,
    logged_at INTEGER NOT NULL,
    PRIMARY KEY (owner, id)
) STRICT;
CREATE INDEX person_contacts_by_person ON person_contacts (owner, person, on_day);

CREATE TABLE replies (
    owner      BLOB NOT NULL,
    id         TEXT NOT NULL,
    person     TEXT NOT NULL,
    since      INTEGER NOT NULL,
    about      TEXT,
    replied_at INTEGER,
    felt       INTEGER,
    PRIMARY KEY (owner, id)
) STRICT;
CREATE INDEX replies_by_person ON replies (owner, person, since);

CREATE TABLE past_relationships (
    owner    BLOB NOT NULL,
    id       TEXT NOT NULL,
    person   TEXT NOT NULL,
    began    TEXT NOT NULL,
    ended    TEXT NOT NULL,
    ended_by TEXT NOT NULL,
    stage    INTEGER,
    urges    TEXT NOT NULL,
    note     TEXT,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (owner, id)
) STRICT;

CREATE TRIGGER people_owner_exists BEFORE INSERT ON people WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER person_safe_marks_owner_exists BEFORE INSERT ON person_safe_marks WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER person_links_owner_exists BEFORE INSERT ON person_links WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER person_contacts_owner_exists BEFORE INSERT ON person_contacts WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER replies_owner_exists BEFORE INSERT ON replies WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
CREATE TRIGGER past_relationships_owner_exists BEFORE INSERT ON past_relationships WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;

-- A record removed takes its links with it.
CREATE TRIGGER urges_unlink AFTER DELETE ON urges BEGIN
    DELETE FROM person_links WHERE owner = OLD.owner AND kind = 'urge' AND item = OLD.id;
END;
CREATE TRIGGER experiment_records_unlink AFTER DELETE ON experiment_records BEGIN
    DELETE FROM person_links WHERE owner = OLD.owner AND kind = 'experiment' AND item = OLD.id;
END;
CREATE TRIGGER journal_entries_unlink AFTER DELETE ON journal_entries BEGIN
    DELETE FROM person_links WHERE owner = OLD.owner AND kind = 'journal' AND item = OLD.id;
END;
CREATE TRIGGER resets_unlink AFTER DELETE ON resets BEGIN
    DELETE FROM person_links WHERE owner = OLD.owner AND kind = 'reset' AND item = OLD.id;
END;
