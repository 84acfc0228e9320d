-- Accounts, for server mode: each account is an owner (its id is the
-- owner's), so deleting the owner's rows deletes the account too. Its data
-- key is kept only wrapped: under a key derived from the password, and under
-- the recovery key shown once at sign-up. Neither is stored.
CREATE TABLE accounts (
    owner           uuid PRIMARY KEY,
    name            text NOT NULL,
    name_key        text NOT NULL,
    role            text NOT NULL CHECK (role IN ('person', 'admin')),
    key_by_password text NOT NULL,
    key_by_recovery text NOT NULL,
    created_at      bigint NOT NULL,
    last_seen_at    bigint,
    disabled_at     bigint
);

-- Signing in finds an account by its name (trimmed, in lower case: one
-- account a name, whatever its case), before its owner is known: the one
-- index that does not begin with the owner.
CREATE UNIQUE INDEX accounts_by_name ON accounts (name_key);
