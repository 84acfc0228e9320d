-- drawbridge schema 5: earlier versions of edited text. When a saved text is
-- changed (an urge's note, an experiment's prediction or what happened, a
-- program day's reflection, a safety plan section), the words it held are
-- kept here, so nothing a person wrote disappears silently.

CREATE TABLE text_versions (
    id          TEXT PRIMARY KEY NOT NULL,
    item        TEXT NOT NULL,
    item_id     TEXT NOT NULL,
    field       TEXT NOT NULL,
    text        TEXT NOT NULL,
    replaced_at INTEGER NOT NULL
) STRICT;

CREATE INDEX text_versions_by_item ON text_versions (item, item_id, replaced_at);

-- A program can be stopped early (to rest, or to switch to another).
ALTER TABLE program_runs ADD COLUMN stopped_on TEXT;

-- The resets written after one experiment, read from the experiment's page.
CREATE INDEX resets_by_record ON resets (record, at);

-- Signed-in browsers, so a browser stays signed in across a restart. Only a
-- hash of each session's id is kept; each has an expiry and can be revoked.
CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY NOT NULL,
    csrf       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
