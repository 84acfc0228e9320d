-- Invitations, for server mode: a one-time link an admin (or the operator,
-- from the terminal) makes, which lets one person make an account. Only a
-- hash of its token is kept, so a dump signs no one up. Invitations are the
-- server's, not a person's: they hold no words, only who made one (an
-- account, or none for the terminal) and which account it became.
CREATE TABLE invitations (
    id          uuid PRIMARY KEY,
    token_hash  text NOT NULL UNIQUE,
    role        text NOT NULL CHECK (role IN ('person', 'admin')),
    created_by  uuid,
    created_at  bigint NOT NULL,
    expires_at  bigint NOT NULL,
    used_at     bigint,
    used_by     uuid
);
