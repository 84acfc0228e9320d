-- drawbridge PostgreSQL schema 8: answers to the protective-story cards.
-- "Not this time" for one story beside one saved text. The item kind, its
-- id and the story id are names from the app, not words a person wrote, so
-- they are plain. Every row is keyed to its owner.

CREATE TABLE story_answers (
    owner   uuid NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
    item    text NOT NULL,
    item_id uuid NOT NULL,
    story   text NOT NULL,
    at      bigint NOT NULL,
    PRIMARY KEY (owner, item, item_id, story)
);
