-- drawbridge PostgreSQL schema 10: people. Who is in the person's life, the
-- safety checklist marks, links from records to a person, plain contacts,
-- replies owed and past relationships. A name, notes, what a reply is about
-- and a past relationship's note are words a person wrote: sealed under
-- their own key. Kinds, stages, dates and ids are plain, as they are in the
-- other tables. Every row is keyed to its owner; a link goes when the
-- record it points to goes.

CREATE TABLE people (
    owner        uuid NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    id           uuid NOT NULL,
    added_at     bigint NOT NULL,
    edited_at    bigint,
    name_sealed  bytea NOT NULL,
    kind         text NOT NULL,
    since        date,
    stage        smallint NOT NULL,
    ideal_days   integer,
    max_days     integer,
    notes_sealed bytea,
    archived     boolean NOT NULL,
    PRIMARY KEY (owner, id)
);

CREATE TABLE person_safe_marks (
    owner  uuid NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    person uuid NOT NULL,
    item   text NOT NULL,
    yes    boolean NOT NULL,
    at     bigint NOT NULL,
    PRIMARY KEY (owner, person, item)
);

CREATE TABLE person_links (
    owner  uuid NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    person uuid NOT NULL,
    kind   text NOT NULL,
    item   uuid NOT NULL,
    PRIMARY KEY (owner, person, kind, item)
);
CREATE INDEX person_links_by_item ON person_links (owner, kind, item);

CREATE TABLE person_contacts (
    owner     uuid NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    id        uuid NOT NULL,
    person    uuid NOT NULL,
    on_day    date NOT NULL,
    logged_at bigint NOT NULL,
    PRIMARY KEY (owner, id)
);
CREATE INDEX person_contacts_by_person ON person_contacts (owner, person, on_day);

CREATE TABLE replies (
    owner        uuid NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    id           uuid NOT NULL,
    person       uuid NOT NULL,
    since        bigint NOT NULL,
    about_sealed bytea,
    replied_at   bigint,
    felt         smallint,
    PRIMARY KEY (owner, id)
);
CREATE INDEX replies_by_person ON replies (owner, person, since);

CREATE TABLE past_relationships (
    owner       uuid NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    id          uuid NOT NULL,
    person      uuid NOT NULL,
    began       date NOT NULL,
    ended       date NOT NULL,
    ended_by    text NOT NULL,
    stage       smallint,
    urges       text NOT NULL,
    note_sealed bytea,
    added_at    bigint NOT NULL,
    PRIMARY KEY (owner, id)
);

-- A record removed takes its links with it.
CREATE FUNCTION person_unlink() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM person_links WHERE owner = OLD.owner AND kind = TG_ARGV[0] AND item = OLD.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER urges_unlink AFTER DELETE ON urges FOR EACH ROW EXECUTE FUNCTION person_unlink('urge');
CREATE TRIGGER experiment_records_unlink AFTER DELETE ON experiment_records FOR EACH ROW EXECUTE FUNCTION person_unlink('experiment');
CREATE TRIGGER journal_entries_unlink AFTER DELETE ON journal_entries FOR EACH ROW EXECUTE FUNCTION person_unlink('journal');
CREATE TRIGGER resets_unlink AFTER DELETE ON resets FOR EACH ROW EXECUTE FUNCTION person_unlink('reset');
