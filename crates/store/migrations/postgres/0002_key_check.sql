-- schema 2: a short known value sealed under the owner's data key, so that
-- opening the database with another key file is refused at once, before
-- anything is written under the wrong key. (SQLite needs no such column:
-- its whole file is encrypted, and a wrong key cannot open it.)

ALTER TABLE owners ADD COLUMN key_check_sealed bytea;
