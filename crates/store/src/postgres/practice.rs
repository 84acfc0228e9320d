//! Experiments, the ledger, stage changes and program runs on PostgreSQL.
//! Stages, days, numbers and outcomes stay plain, so the ledger and Today
//! are computed in SQL; a prediction, who with, a custom experiment, what
//! happened, what was learned and a program run's entries (which hold the
//! day's reflections) are sealed.

use drawbridge_core::practice::{Outcome, Plan, ProgramEntry, ProgramRun, Record, Result as Outcomes, StageChange, StageTally};
use drawbridge_core::versions;
use sqlx::Connection;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::{PgStore, from_micros, micros};
use crate::backend::{Fut, Practice};
use crate::error::StoreError;
use crate::{BeliefMonth, FollowUp, RecordEdit, RecordField};

const TABLE: &str = "experiment_records";

macro_rules! record_select {
    ($rest:literal) => {
        concat!(
            "SELECT id, created_at, experiment, custom_sealed, stage, with_whom_sealed, planned_for, prediction_sealed, belief_before, \
             want, expect, done_at, what_happened_sealed, peak, after, outcome, capacity, learned_sealed, belief_after, flooded \
             FROM experiment_records WHERE owner = $1 ",
            $rest
        )
    };
}

fn u8_of(v: Option<i16>) -> u8 {
    v.and_then(|n| u8::try_from(n).ok()).unwrap_or(0)
}

impl PgStore {
    fn seal_field(&self, id: &str, field: &str, text: Option<&str>) -> Result<Option<Vec<u8>>, StoreError> {
        self.seal.seal_opt(Self::place(TABLE, field, id), text)
    }

    pub(super) fn record_of(&self, r: &PgRow) -> Result<Record, StoreError> {
        let err = self.err();
        let id: Uuid = r.try_get("id").map_err(&err)?;
        let key = id.to_string();
        let open = |field: &str| -> Result<Option<String>, StoreError> {
            let sealed: Option<Vec<u8>> = r.try_get(format!("{field}_sealed").as_str()).map_err(&err)?;
            self.seal.open_opt(Self::place(TABLE, field, &key), sealed.as_deref())
        };
        let small = |col: &str| -> Result<Option<i16>, StoreError> { r.try_get(col).map_err(&err) };
        let done_at: Option<i64> = r.try_get("done_at").map_err(&err)?;
        let outcome: Option<String> = r.try_get("outcome").map_err(&err)?;
        let result = match (done_at, outcome.as_deref().and_then(Outcome::parse)) {
            (Some(_), Some(outcome)) => Some(Outcomes {
                what_happened: open("what_happened")?,
                peak: u8_of(small("peak")?),
                after: u8_of(small("after")?),
                outcome,
                capacity: u8_of(small("capacity")?),
                learned: open("learned")?,
                belief_after: u8_of(small("belief_after")?),
                flooded: r.try_get("flooded").map_err(&err)?,
            }),
            _ => None,
        };
        Ok(Record {
            id,
            created_at: from_micros(r.try_get("created_at").map_err(&err)?)?,
            plan: Plan {
                experiment: r.try_get("experiment").map_err(&err)?,
                custom: open("custom")?,
                stage: u8_of(small("stage")?),
                with_whom: open("with_whom")?,
                planned_for: r.try_get("planned_for").map_err(&err)?,
                prediction: open("prediction")?.unwrap_or_default(),
                belief_before: u8_of(small("belief_before")?),
                want: u8_of(small("want")?),
                expect: u8_of(small("expect")?),
            },
            done_at: done_at.map(from_micros).transpose()?,
            result,
        })
    }

    /// Add a record; with `ignore_existing`, one with the same id is left alone.
    pub(crate) async fn add_record_row(&self, c: &mut PgConnection, rec: &Record, ignore_existing: bool) -> Result<bool, StoreError> {
        let key = rec.id.to_string();
        let p = &rec.plan;
        let r = rec.result.as_ref();
        let sql = if ignore_existing {
            "INSERT INTO experiment_records (owner, id, created_at, experiment, custom_sealed, stage, with_whom_sealed, planned_for, \
             prediction_sealed, belief_before, want, expect, done_at, what_happened_sealed, peak, after, outcome, capacity, learned_sealed, \
             belief_after, flooded) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) \
             ON CONFLICT (owner, id) DO NOTHING"
        } else {
            "INSERT INTO experiment_records (owner, id, created_at, experiment, custom_sealed, stage, with_whom_sealed, planned_for, \
             prediction_sealed, belief_before, want, expect, done_at, what_happened_sealed, peak, after, outcome, capacity, learned_sealed, \
             belief_after, flooded) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"
        };
        let done = sqlx::query(sql)
            .bind(self.owner)
            .bind(rec.id)
            .bind(micros(rec.created_at))
            .bind(&p.experiment)
            .bind(self.seal_field(&key, "custom", p.custom.as_deref())?)
            .bind(i16::from(p.stage))
            .bind(self.seal_field(&key, "with_whom", p.with_whom.as_deref())?)
            .bind(p.planned_for)
            .bind(self.seal_field(&key, "prediction", Some(&p.prediction))?)
            .bind(i16::from(p.belief_before))
            .bind(i16::from(p.want))
            .bind(i16::from(p.expect))
            .bind(rec.done_at.map(micros))
            .bind(self.seal_field(&key, "what_happened", r.and_then(|r| r.what_happened.as_deref()))?)
            .bind(r.map(|r| i16::from(r.peak)))
            .bind(r.map(|r| i16::from(r.after)))
            .bind(r.map(|r| r.outcome.id()))
            .bind(r.map(|r| i16::from(r.capacity)))
            .bind(self.seal_field(&key, "learned", r.and_then(|r| r.learned.as_deref()))?)
            .bind(r.map(|r| i16::from(r.belief_after)))
            .bind(r.is_some_and(|r| r.flooded))
            .execute(c)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    async fn record_row(&self, c: &mut PgConnection, id: Uuid, lock: bool) -> Result<Option<Record>, StoreError> {
        let sql = if lock {
            record_select!("AND id = $2 FOR UPDATE")
        } else {
            record_select!("AND id = $2")
        };
        let row = sqlx::query(sql)
            .bind(self.owner)
            .bind(id)
            .fetch_optional(c)
            .await
            .map_err(self.err())?;
        row.map(|r| self.record_of(&r)).transpose()
    }

    pub(crate) async fn add_stage_change_row(&self, c: &mut PgConnection, s: &StageChange) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO stage_changes (owner, at, from_stage, to_stage) VALUES ($1, $2, $3, $4)")
            .bind(self.owner)
            .bind(micros(s.at))
            .bind(i16::from(s.from))
            .bind(i16::from(s.to))
            .execute(c)
            .await
            .map_err(self.err())?;
        Ok(())
    }

    pub(super) fn program_of(&self, r: &PgRow) -> Result<ProgramRun, StoreError> {
        let err = self.err();
        let id: Uuid = r.try_get("id").map_err(&err)?;
        let sealed: Vec<u8> = r.try_get("entries_sealed").map_err(&err)?;
        let entries = self.seal.open(Self::place("program_runs", "entries", &id.to_string()), &sealed)?;
        Ok(ProgramRun {
            id,
            program: r.try_get("program").map_err(&err)?,
            started_on: r.try_get("started_on").map_err(&err)?,
            entries: serde_json::from_str::<Vec<ProgramEntry>>(&entries)
                .map_err(|x| StoreError::Database(format!("a stored program run is not readable: {x}")))?,
            stopped_on: r.try_get("stopped_on").map_err(&err)?,
        })
    }

    /// Add a run; with `replace`, a stored run with its id takes its values,
    /// and without, it is left alone. Returns whether a row was written.
    pub(crate) async fn write_program_run(&self, c: &mut PgConnection, run: &ProgramRun, replace: bool) -> Result<bool, StoreError> {
        let entries =
            serde_json::to_string(&run.entries).map_err(|e| StoreError::Database(format!("a program run could not be written: {e}")))?;
        let sealed = self
            .seal
            .seal(Self::place("program_runs", "entries", &run.id.to_string()), &entries)?;
        let sql = if replace {
            "INSERT INTO program_runs (owner, id, program, started_on, entries_sealed, stopped_on) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (owner, id) DO UPDATE SET program = excluded.program, started_on = excluded.started_on, \
             entries_sealed = excluded.entries_sealed, stopped_on = excluded.stopped_on"
        } else {
            "INSERT INTO program_runs (owner, id, program, started_on, entries_sealed, stopped_on) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (owner, id) DO NOTHING"
        };
        let done = sqlx::query(sql)
            .bind(self.owner)
            .bind(run.id)
            .bind(&run.program)
            .bind(run.started_on)
            .bind(sealed)
            .bind(run.stopped_on)
            .execute(c)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    async fn program_run_row(&self, c: &mut PgConnection, id: Uuid) -> Result<Option<ProgramRun>, StoreError> {
        let row = sqlx::query(
            "SELECT id, program, started_on, entries_sealed, stopped_on FROM program_runs WHERE owner = $1 AND id = $2 FOR UPDATE",
        )
        .bind(self.owner)
        .bind(id)
        .fetch_optional(c)
        .await
        .map_err(self.err())?;
        row.map(|r| self.program_of(&r)).transpose()
    }

    fn records_where(&self, rows: Result<Vec<PgRow>, sqlx::Error>) -> Result<Vec<Record>, StoreError> {
        rows.map_err(self.err())?.iter().map(|r| self.record_of(r)).collect()
    }
}

impl Practice for PgStore {
    fn insert_record<'a>(&'a self, rec: &'a Record) -> Fut<'a, ()> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.add_record_row(&mut c, rec, false).await.map(drop)
        })
    }

    /// A record followed up already is left exactly as it is.
    fn complete_record<'a>(&'a self, id: Uuid, r: &'a Outcomes, done_at: OffsetDateTime) -> Fut<'a, FollowUp> {
        Box::pin(async move {
            let key = id.to_string();
            let mut lease = self.conn().await?;
            let mut tx = lease.begin().await.map_err(self.err())?;
            let done = sqlx::query(
                "UPDATE experiment_records SET done_at = $3, what_happened_sealed = $4, peak = $5, after = $6, outcome = $7, capacity = $8, \
                 learned_sealed = $9, belief_after = $10, flooded = $11 WHERE owner = $1 AND id = $2 AND done_at IS NULL",
            )
            .bind(self.owner)
            .bind(id)
            .bind(micros(done_at))
            .bind(self.seal_field(&key, "what_happened", r.what_happened.as_deref())?)
            .bind(i16::from(r.peak))
            .bind(i16::from(r.after))
            .bind(r.outcome.id())
            .bind(i16::from(r.capacity))
            .bind(self.seal_field(&key, "learned", r.learned.as_deref())?)
            .bind(i16::from(r.belief_after))
            .bind(r.flooded)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
            let answer = if done.rows_affected() == 1 {
                FollowUp::Saved
            } else {
                match self.record_row(&mut tx, id, false).await?.and_then(|r| r.done_at) {
                    Some(at) => FollowUp::AlreadyDone(at),
                    None => FollowUp::NotFound,
                }
            };
            tx.commit().await.map_err(self.err())?;
            Ok(answer)
        })
    }

    /// Each changed field's earlier words are kept as a version, in the same
    /// transaction. False if there is no record.
    fn edit_record<'a>(&'a self, id: Uuid, edit: &'a RecordEdit, at: OffsetDateTime) -> Fut<'a, bool> {
        Box::pin(async move {
            let key = id.to_string();
            let mut lease = self.conn().await?;
            let mut tx = lease.begin().await.map_err(self.err())?;
            let Some(rec) = self.record_row(&mut tx, id, true).await? else {
                return Ok(false);
            };
            for change in edit.changes(&rec) {
                let field = change.field;
                self.keep(&mut tx, (versions::EXPERIMENT, &key, field.label()), change.old, change.new, at)
                    .await?;
                let (column, sql) = match field {
                    RecordField::Prediction => (
                        "prediction",
                        "UPDATE experiment_records SET prediction_sealed = $3 WHERE owner = $1 AND id = $2",
                    ),
                    RecordField::WithWhom => (
                        "with_whom",
                        "UPDATE experiment_records SET with_whom_sealed = $3 WHERE owner = $1 AND id = $2",
                    ),
                    RecordField::WhatHappened => (
                        "what_happened",
                        "UPDATE experiment_records SET what_happened_sealed = $3 WHERE owner = $1 AND id = $2",
                    ),
                    RecordField::Learned => (
                        "learned",
                        "UPDATE experiment_records SET learned_sealed = $3 WHERE owner = $1 AND id = $2",
                    ),
                };
                let sealed = self.seal_field(&key, column, change.new)?;
                sqlx::query(sql)
                    .bind(self.owner)
                    .bind(id)
                    .bind(sealed)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.err())?;
            }
            tx.commit().await.map_err(self.err())?;
            Ok(true)
        })
    }

    fn record<'a>(&'a self, id: Uuid) -> Fut<'a, Option<Record>> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.record_row(&mut c, id, false).await
        })
    }

    /// Ids starting with `prefix` (hyphenated, lower-case hex), found as a
    /// range of UUIDs on the primary key.
    fn record_ids_with_prefix<'a>(&'a self, prefix: &'a str, limit: u32) -> Fut<'a, Vec<Uuid>> {
        Box::pin(async move {
            let Some((low, high)) = super::uuid_range(prefix) else {
                return Ok(Vec::new());
            };
            let ids: Vec<Uuid> =
                sqlx::query_scalar("SELECT id FROM experiment_records WHERE owner = $1 AND id BETWEEN $2 AND $3 ORDER BY id LIMIT $4")
                    .bind(self.owner)
                    .bind(low)
                    .bind(high)
                    .bind(i64::from(limit))
                    .fetch_all(&mut *self.conn().await?)
                    .await
                    .map_err(self.err())?;
            Ok(ids)
        })
    }

    fn delete_record<'a>(&'a self, id: Uuid) -> Fut<'a, bool> {
        Box::pin(async move {
            self.delete_one("DELETE FROM experiment_records WHERE owner = $1 AND id = $2", id)
                .await
        })
    }

    /// Records planned on or after `since` (all when None), newest first.
    fn records<'a>(&'a self, since: Option<Date>, limit: u32) -> Fut<'a, Vec<Record>> {
        Box::pin(async move {
            let rows = match since {
                Some(since) => {
                    sqlx::query(record_select!(
                        "AND planned_for >= $2 ORDER BY planned_for DESC, created_at DESC LIMIT $3"
                    ))
                    .bind(self.owner)
                    .bind(since)
                    .bind(i64::from(limit))
                    .fetch_all(&mut *self.conn().await?)
                    .await
                }
                None => {
                    sqlx::query(record_select!("ORDER BY planned_for DESC, created_at DESC LIMIT $2"))
                        .bind(self.owner)
                        .bind(i64::from(limit))
                        .fetch_all(&mut *self.conn().await?)
                        .await
                }
            };
            self.records_where(rows)
        })
    }

    /// Every record from `since` on, and the latest finished one whenever it was.
    fn pacing_records<'a>(&'a self, since: Date) -> Fut<'a, Vec<Record>> {
        Box::pin(async move {
            let rows = sqlx::query(record_select!("AND planned_for >= $2"))
                .bind(self.owner)
                .bind(since)
                .fetch_all(&mut *self.conn().await?)
                .await;
            let mut out = self.records_where(rows)?;
            let last = sqlx::query(record_select!("AND done_at IS NOT NULL ORDER BY done_at DESC LIMIT 1"))
                .bind(self.owner)
                .fetch_all(&mut *self.conn().await?)
                .await;
            out.extend(self.records_where(last)?);
            out.sort_by_key(|r| r.id);
            out.dedup_by_key(|r| r.id);
            Ok(out)
        })
    }

    fn follow_ups<'a>(&'a self, today: Date) -> Fut<'a, Vec<Record>> {
        Box::pin(async move {
            let rows = sqlx::query(record_select!(
                "AND done_at IS NULL AND planned_for <= $2 ORDER BY planned_for LIMIT 50"
            ))
            .bind(self.owner)
            .bind(today)
            .fetch_all(&mut *self.conn().await?)
            .await;
            self.records_where(rows)
        })
    }

    fn ledger_counts<'a>(&'a self) -> Fut<'a, Vec<StageTally>> {
        Box::pin(async move {
            let counts: Vec<(i16, String, i64)> = sqlx::query_as("SELECT stage, outcome, n FROM ledger_tallies WHERE owner = $1 AND n > 0")
                .bind(self.owner)
                .fetch_all(&mut *self.conn().await?)
                .await
                .map_err(self.err())?;
            Ok(crate::tallies_from(counts.into_iter().map(|(s, o, n)| (i64::from(s), o, n))))
        })
    }

    fn belief_by_month<'a>(&'a self) -> Fut<'a, Vec<BeliefMonth>> {
        Box::pin(async move {
            let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
                "SELECT month, n, before_sum, after_n, after_sum FROM ledger_months WHERE owner = $1 AND n > 0 ORDER BY month",
            )
            .bind(self.owner)
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(self.err())?;
            Ok(rows
                .into_iter()
                .map(|(month, n, before_sum, after_n, after_sum)| BeliefMonth::from_sums(month, n, before_sum, after_n, after_sum))
                .collect())
        })
    }

    fn learned<'a>(&'a self, limit: u32) -> Fut<'a, Vec<(Date, String)>> {
        Box::pin(async move {
            let rows: Vec<(Uuid, Date, Vec<u8>)> = sqlx::query_as(
                "SELECT id, planned_for, learned_sealed FROM experiment_records WHERE owner = $1 AND learned_sealed IS NOT NULL \
                 ORDER BY done_at DESC LIMIT $2",
            )
            .bind(self.owner)
            .bind(i64::from(limit))
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(self.err())?;
            rows.into_iter()
                .map(|(id, day, sealed)| Ok((day, self.seal.open(Self::place(TABLE, "learned", &id.to_string()), &sealed)?)))
                .collect()
        })
    }

    fn flood_peaks<'a>(&'a self) -> Fut<'a, (u32, Option<u8>)> {
        Box::pin(async move {
            // The two lowest floods are enough: a proposal needs two, and the
            // lowest is the first in the index of floods by peak.
            let (n, min): (i64, Option<i16>) = sqlx::query_as(
                "SELECT count(*), min(peak) FROM (SELECT peak FROM experiment_records WHERE owner = $1 AND flooded ORDER BY peak LIMIT 2) AS lowest",
            )
                    .bind(self.owner)
                    .fetch_one(&mut *self.conn().await?)
                    .await
                    .map_err(self.err())?;
            Ok((u32::try_from(n).unwrap_or(0), min.and_then(|m| u8::try_from(m).ok())))
        })
    }

    fn add_stage_change<'a>(&'a self, c: &'a StageChange) -> Fut<'a, ()> {
        Box::pin(async move {
            let mut conn = self.conn().await?;
            self.add_stage_change_row(&mut conn, c).await
        })
    }

    fn stage_changes<'a>(&'a self) -> Fut<'a, Vec<StageChange>> {
        Box::pin(async move {
            let rows: Vec<(i64, i16, i16)> =
                sqlx::query_as("SELECT at, from_stage, to_stage FROM stage_changes WHERE owner = $1 ORDER BY at")
                    .bind(self.owner)
                    .fetch_all(&mut *self.conn().await?)
                    .await
                    .map_err(self.err())?;
            rows.into_iter()
                .map(|(at, from, to)| {
                    Ok(StageChange {
                        at: from_micros(at)?,
                        from: u8::try_from(from).unwrap_or(1),
                        to: u8::try_from(to).unwrap_or(1),
                    })
                })
                .collect()
        })
    }

    /// A day's reflection that changes keeps its earlier words.
    fn put_program_run<'a>(&'a self, run: &'a ProgramRun) -> Fut<'a, ()> {
        Box::pin(async move {
            let mut lease = self.conn().await?;
            let mut tx = lease.begin().await.map_err(self.err())?;
            if let Some(old) = self.program_run_row(&mut tx, run.id).await? {
                let at = crate::micros_now();
                let key = run.id.to_string();
                for (field, was, now) in old.reflections_replaced_by(run) {
                    self.keep(&mut tx, (versions::PROGRAM_RUN, &key, &field), was, now, at).await?;
                }
            }
            self.write_program_run(&mut tx, run, true).await?;
            tx.commit().await.map_err(self.err())?;
            Ok(())
        })
    }

    fn program_runs<'a>(&'a self) -> Fut<'a, Vec<ProgramRun>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT id, program, started_on, entries_sealed, stopped_on FROM program_runs WHERE owner = $1 ORDER BY started_on, id",
            )
            .bind(self.owner)
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(self.err())?;
            rows.iter().map(|r| self.program_of(r)).collect()
        })
    }
}
