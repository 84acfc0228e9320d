-- drawbridge schema 14: answers to the protective-story cards. "Not this
-- time" for one story beside one saved text (a journal entry or a reset),
-- kept so that card stays away. Said twice, it is kept once.

CREATE TABLE story_answers (
    owner   BLOB NOT NULL,
    item    TEXT NOT NULL,
    item_id TEXT NOT NULL,
    story   TEXT NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (owner, item, item_id, story)
) STRICT;

CREATE TRIGGER story_answers_owner_exists BEFORE INSERT ON story_answers WHEN NOT EXISTS (SELECT 1 FROM owners WHERE id = NEW.owner)
BEGIN SELECT RAISE(ABORT, 'drawbridge: owner gone'); END;
