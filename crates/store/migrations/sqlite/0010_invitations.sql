-- Invitations, for server mode: a one-time link an admin (or the operator,
-- from the terminal) makes, which lets one person make an account. Only a
-- hash of its token is kept, so a copy signs no one up. Invitations are the
-- server's, not a person's: they hold no words, only who made one (an
-- account, or none for the terminal) and which account it became.
CREATE TABLE invitations (
    id          BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    token_hash  TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('person', 'admin')),
    created_by  BLOB CHECK (created_by IS NULL OR length(created_by) = 16),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    used_by     BLOB CHECK (used_by IS NULL OR length(used_by) = 16)
) STRICT;
