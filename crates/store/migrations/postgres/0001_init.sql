-- drawbridge on PostgreSQL, schema 1: every table the SQLite engine has
-- (at its schema 7), each row owned, every free text sealed.
--
-- Every table starts with `owner`, first in its primary key and in every
-- index. No foreign key and no join crosses from one owner's rows to
-- another's, so each table can later be distributed by owner (Citus
-- `create_distributed_table(<table>, 'owner')`, co-located).
--
-- Columns that end in `_sealed` hold text the person wrote, sealed with
-- XChaCha20-Poly1305 under a key derived from their data key, with the
-- table, field and row id as associated data (crates/store/src/seal.rs). A
-- dump shows times, counts, kinds, stages and numbers, never those words.

CREATE TABLE owners (
    id         uuid PRIMARY KEY,
    created_at bigint NOT NULL
);

-- Settings are sealed too: one of them is the calendar feed's secret token.
CREATE TABLE settings (
    owner        uuid NOT NULL,
    key          text NOT NULL,
    value_sealed bytea NOT NULL,
    PRIMARY KEY (owner, key)
);

CREATE TABLE urges (
    owner        uuid NOT NULL,
    id           uuid NOT NULL,
    at           bigint NOT NULL,
    kind         text NOT NULL,
    intensity    smallint CHECK (intensity BETWEEN 0 AND 10),
    body         text,
    about_sealed bytea,
    did          text,
    note_sealed  bytea,
    PRIMARY KEY (owner, id)
);
CREATE INDEX urges_by_time ON urges (owner, at, id);

CREATE TABLE instruments (
    owner         uuid NOT NULL,
    id            text NOT NULL,
    source_sealed bytea NOT NULL,
    added_at      bigint NOT NULL,
    PRIMARY KEY (owner, id)
);

CREATE TABLE quiz_results (
    owner              uuid NOT NULL,
    id                 uuid NOT NULL,
    instrument         text NOT NULL,
    instrument_version bigint NOT NULL,
    started_at         bigint NOT NULL,
    updated_at         bigint NOT NULL,
    finished_at        bigint,
    answers            text NOT NULL,
    scores             text,
    label_sealed       bytea,
    PRIMARY KEY (owner, id)
);
CREATE INDEX quiz_results_by_instrument ON quiz_results (owner, instrument, finished_at);

CREATE TABLE experiment_records (
    owner                uuid NOT NULL,
    id                   uuid NOT NULL,
    created_at           bigint NOT NULL,
    experiment           text,
    custom_sealed        bytea,
    stage                smallint NOT NULL CHECK (stage BETWEEN 1 AND 4),
    with_whom_sealed     bytea,
    planned_for          date NOT NULL,
    prediction_sealed    bytea NOT NULL,
    belief_before        smallint NOT NULL CHECK (belief_before BETWEEN 0 AND 100),
    want                 smallint NOT NULL CHECK (want BETWEEN 0 AND 100),
    expect               smallint NOT NULL CHECK (expect BETWEEN 0 AND 100),
    done_at              bigint,
    what_happened_sealed bytea,
    peak                 smallint CHECK (peak BETWEEN 0 AND 100),
    after                smallint CHECK (after BETWEEN 0 AND 100),
    outcome              text,
    capacity             smallint CHECK (capacity BETWEEN 0 AND 100),
    learned_sealed       bytea,
    belief_after         smallint CHECK (belief_after BETWEEN 0 AND 100),
    flooded              boolean NOT NULL DEFAULT false,
    PRIMARY KEY (owner, id)
);
CREATE INDEX experiment_records_by_day ON experiment_records (owner, planned_for);
CREATE INDEX experiment_records_by_done ON experiment_records (owner, done_at);
CREATE INDEX experiment_records_floods ON experiment_records (owner, peak) WHERE flooded;
CREATE INDEX experiment_records_open ON experiment_records (owner, planned_for) WHERE done_at IS NULL;

CREATE TABLE stage_changes (
    owner      uuid NOT NULL,
    at         bigint NOT NULL,
    from_stage smallint NOT NULL,
    to_stage   smallint NOT NULL
);
CREATE INDEX stage_changes_by_time ON stage_changes (owner, at);

CREATE TABLE program_runs (
    owner          uuid NOT NULL,
    id             uuid NOT NULL,
    program        text NOT NULL,
    started_on     date NOT NULL,
    entries_sealed bytea NOT NULL,
    stopped_on     date,
    PRIMARY KEY (owner, id)
);

CREATE TABLE pauses (
    owner     uuid NOT NULL,
    id        uuid NOT NULL,
    at        bigint NOT NULL,
    protocol  text NOT NULL,
    seconds   integer NOT NULL CHECK (seconds BETWEEN 0 AND 3600),
    completed boolean NOT NULL,
    PRIMARY KEY (owner, id)
);
CREATE INDEX pauses_by_time ON pauses (owner, at, id);

CREATE TABLE resets (
    owner           uuid NOT NULL,
    id              uuid NOT NULL,
    at              bigint NOT NULL,
    record          uuid,
    capacity        smallint CHECK (capacity BETWEEN 0 AND 100),
    happened_sealed bytea,
    felt_sealed     bytea,
    truth_sealed    bytea,
    PRIMARY KEY (owner, id)
);
CREATE INDEX resets_by_time ON resets (owner, at, id);
CREATE INDEX resets_by_record ON resets (owner, record, at);

CREATE TABLE safety_plan (
    owner       uuid NOT NULL,
    section     text NOT NULL,
    text_sealed bytea NOT NULL,
    updated_at  bigint NOT NULL,
    PRIMARY KEY (owner, section)
);

CREATE TABLE text_versions (
    owner       uuid NOT NULL,
    id          uuid NOT NULL,
    item        text NOT NULL,
    item_id     text NOT NULL,
    field       text NOT NULL,
    text_sealed bytea NOT NULL,
    replaced_at bigint NOT NULL,
    PRIMARY KEY (owner, id)
);
CREATE INDEX text_versions_by_item ON text_versions (owner, item, item_id, replaced_at);

CREATE TABLE web_sessions (
    owner      uuid NOT NULL,
    id_hash    text NOT NULL,
    csrf       text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (owner, id_hash)
);

-- The ledger's sums, kept by a trigger in the same transaction as every
-- change to a finished experiment (as on SQLite).
CREATE TABLE ledger_tallies (
    owner   uuid NOT NULL,
    stage   smallint NOT NULL,
    outcome text NOT NULL,
    n       bigint NOT NULL,
    PRIMARY KEY (owner, stage, outcome)
);

CREATE TABLE ledger_months (
    owner      uuid NOT NULL,
    month      text NOT NULL,
    n          bigint NOT NULL,
    before_sum bigint NOT NULL,
    after_n    bigint NOT NULL,
    after_sum  bigint NOT NULL,
    PRIMARY KEY (owner, month)
);

CREATE FUNCTION ledger_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.done_at IS NOT NULL THEN
        UPDATE ledger_tallies SET n = n - 1
            WHERE owner = OLD.owner AND stage = OLD.stage AND outcome = coalesce(OLD.outcome, '');
        UPDATE ledger_months SET n = n - 1, before_sum = before_sum - OLD.belief_before,
            after_n = after_n - (OLD.belief_after IS NOT NULL)::int, after_sum = after_sum - coalesce(OLD.belief_after, 0)
            WHERE owner = OLD.owner AND month = to_char(OLD.planned_for, 'YYYY-MM');
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.done_at IS NOT NULL THEN
        INSERT INTO ledger_tallies (owner, stage, outcome, n) VALUES (NEW.owner, NEW.stage, coalesce(NEW.outcome, ''), 1)
            ON CONFLICT (owner, stage, outcome) DO UPDATE SET n = ledger_tallies.n + 1;
        INSERT INTO ledger_months (owner, month, n, before_sum, after_n, after_sum)
            VALUES (NEW.owner, to_char(NEW.planned_for, 'YYYY-MM'), 1, NEW.belief_before,
                    (NEW.belief_after IS NOT NULL)::int, coalesce(NEW.belief_after, 0))
            ON CONFLICT (owner, month) DO UPDATE SET n = ledger_months.n + 1,
                before_sum = ledger_months.before_sum + excluded.before_sum,
                after_n = ledger_months.after_n + excluded.after_n,
                after_sum = ledger_months.after_sum + excluded.after_sum;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER ledger_keep AFTER INSERT OR UPDATE OR DELETE ON experiment_records
    FOR EACH ROW EXECUTE FUNCTION ledger_keep();
