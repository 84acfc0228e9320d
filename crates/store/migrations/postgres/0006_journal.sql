-- drawbridge PostgreSQL schema 6: the journal. Entries and drafts, each
-- person's words sealed under their own key (title, body, tags); the ids of
-- the prompt, the body signal and the linked urge, experiment or reset are
-- plain, as they are in the other tables. Every row is keyed to its owner.

CREATE TABLE journal_entries (
    owner              uuid NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    id                 uuid NOT NULL,
    at                 bigint NOT NULL,
    edited_at          bigint,
    title_sealed       bytea,
    body_sealed        bytea NOT NULL,
    tags_sealed        bytea NOT NULL,
    prompt             text,
    body_signal        text,
    urge               uuid,
    record             uuid,
    reset              uuid,
    PRIMARY KEY (owner, id)
);
CREATE INDEX journal_by_time ON journal_entries (owner, at, id);

CREATE TABLE journal_drafts (
    owner        uuid NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    id           uuid NOT NULL,
    saved_at     bigint NOT NULL,
    title_sealed bytea NOT NULL,
    body_sealed  bytea NOT NULL,
    tags_sealed  bytea NOT NULL,
    prompt       text,
    PRIMARY KEY (owner, id)
);
