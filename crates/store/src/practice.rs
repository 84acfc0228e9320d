//! Storage for practice: experiment records, stage changes, program runs.
//! Queries are shaped for the pages that use them: Today and the pacing
//! engine read a recent window, the ledger reads aggregates, so both stay
//! fast with years of records.

use drawbridge_core::practice::{Outcome, Plan, ProgramEntry, ProgramRun, Record, Result as Res, StageChange, StageTally};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::error::StoreError;
use crate::sqlite::{SqliteStore, from_micros, micros, to_json};
use crate::{FollowUp, RecordEdit};

macro_rules! record_select {
    ($rest:literal) => {
        concat!(
            "SELECT id, created_at, experiment, custom, stage, with_whom, planned_for, prediction, belief_before, want, expect, \
             done_at, what_happened, peak, after, outcome, capacity, learned, belief_after, flooded FROM experiment_records ",
            $rest
        )
    };
}

/// One experiment record by id, every column.
pub(crate) const RECORD_BY_ID: &str = record_select!("WHERE id = ?");

/// One program run by id.
pub(crate) const PROGRAM_BY_ID: &str = "SELECT id, program, started_on, entries, stopped_on FROM program_runs WHERE id = ?";

pub(crate) fn day_str(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

pub(crate) fn parse_day(s: &str) -> Result<Date, StoreError> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|e| StoreError::Database(format!("a stored date is not valid: {e}")))
}

pub(crate) fn record_from_row(r: &SqliteRow) -> Result<Record, StoreError> {
    let e = |e: sqlx::Error| StoreError::Database(e.to_string());
    let u8_of = |v: i64| u8::try_from(v).unwrap_or(0);
    let id: String = r.try_get("id").map_err(e)?;
    let done_at: Option<i64> = r.try_get("done_at").map_err(e)?;
    let outcome: Option<String> = r.try_get("outcome").map_err(e)?;
    let planned: String = r.try_get("planned_for").map_err(e)?;
    let result = match (done_at, outcome.as_deref().and_then(Outcome::parse)) {
        (Some(_), Some(outcome)) => Some(Res {
            what_happened: r.try_get("what_happened").map_err(e)?,
            peak: u8_of(r.try_get::<Option<i64>, _>("peak").map_err(e)?.unwrap_or(0)),
            after: u8_of(r.try_get::<Option<i64>, _>("after").map_err(e)?.unwrap_or(0)),
            outcome,
            capacity: u8_of(r.try_get::<Option<i64>, _>("capacity").map_err(e)?.unwrap_or(0)),
            learned: r.try_get("learned").map_err(e)?,
            belief_after: u8_of(r.try_get::<Option<i64>, _>("belief_after").map_err(e)?.unwrap_or(0)),
            flooded: r.try_get::<i64, _>("flooded").map_err(e)? != 0,
        }),
        _ => None,
    };
    Ok(Record {
        id: Uuid::parse_str(&id).map_err(|x| StoreError::Database(format!("a stored id is not valid: {x}")))?,
        created_at: from_micros(r.try_get("created_at").map_err(e)?)?,
        plan: Plan {
            experiment: r.try_get("experiment").map_err(e)?,
            custom: r.try_get("custom").map_err(e)?,
            stage: u8_of(r.try_get("stage").map_err(e)?),
            with_whom: r.try_get("with_whom").map_err(e)?,
            planned_for: parse_day(&planned)?,
            prediction: r.try_get("prediction").map_err(e)?,
            belief_before: u8_of(r.try_get("belief_before").map_err(e)?),
            want: u8_of(r.try_get("want").map_err(e)?),
            expect: u8_of(r.try_get("expect").map_err(e)?),
        },
        done_at: done_at.map(from_micros).transpose()?,
        result,
    })
}

pub(crate) fn insert_record_query(
    rec: &Record,
    ignore_existing: bool,
) -> sqlx::query::Query<'static, Sqlite, sqlx::sqlite::SqliteArguments> {
    let sql = if ignore_existing {
        "INSERT INTO experiment_records (id, created_at, experiment, custom, stage, with_whom, planned_for, prediction, belief_before, want, expect, \
         done_at, what_happened, peak, after, outcome, capacity, learned, belief_after, flooded) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
    } else {
        "INSERT INTO experiment_records (id, created_at, experiment, custom, stage, with_whom, planned_for, prediction, belief_before, want, expect, \
         done_at, what_happened, peak, after, outcome, capacity, learned, belief_after, flooded) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    };
    let p = &rec.plan;
    let r = rec.result.as_ref();
    sqlx::query(sql)
        .bind(rec.id.to_string())
        .bind(micros(rec.created_at))
        .bind(p.experiment.clone())
        .bind(p.custom.clone())
        .bind(i64::from(p.stage))
        .bind(p.with_whom.clone())
        .bind(day_str(p.planned_for))
        .bind(p.prediction.clone())
        .bind(i64::from(p.belief_before))
        .bind(i64::from(p.want))
        .bind(i64::from(p.expect))
        .bind(rec.done_at.map(micros))
        .bind(r.and_then(|r| r.what_happened.clone()))
        .bind(r.map(|r| i64::from(r.peak)))
        .bind(r.map(|r| i64::from(r.after)))
        .bind(r.map(|r| r.outcome.id()))
        .bind(r.map(|r| i64::from(r.capacity)))
        .bind(r.and_then(|r| r.learned.clone()))
        .bind(r.map(|r| i64::from(r.belief_after)))
        .bind(i64::from(r.is_some_and(|r| r.flooded)))
}

/// A month's average belief before and after.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BeliefMonth {
    pub month: String,
    pub before: f64,
    pub after: f64,
    pub count: u32,
}

pub(crate) fn program_from_row(r: &SqliteRow) -> Result<ProgramRun, StoreError> {
    let e = |e: sqlx::Error| StoreError::Database(e.to_string());
    let id: String = r.try_get("id").map_err(e)?;
    let entries: String = r.try_get("entries").map_err(e)?;
    let started: String = r.try_get("started_on").map_err(e)?;
    Ok(ProgramRun {
        id: Uuid::parse_str(&id).map_err(|x| StoreError::Database(x.to_string()))?,
        program: r.try_get("program").map_err(e)?,
        started_on: parse_day(&started)?,
        entries: serde_json::from_str::<Vec<ProgramEntry>>(&entries)
            .map_err(|x| StoreError::Database(format!("a stored program run is not readable: {x}")))?,
        stopped_on: r
            .try_get::<Option<String>, _>("stopped_on")
            .map_err(e)?
            .map(|d| parse_day(&d))
            .transpose()?,
    })
}

impl SqliteStore {
    pub(crate) async fn insert_record(&self, rec: &Record) -> Result<(), StoreError> {
        insert_record_query(rec, false).execute(self.pool()).await.map_err(self.err())?;
        Ok(())
    }

    /// Save the follow-up of a record not yet followed up. A record that has
    /// one already is left exactly as it is: a second follow-up never
    /// replaces the first (changing it is an explicit edit).
    pub(crate) async fn complete_record(&self, id: Uuid, r: &Res, done_at: OffsetDateTime) -> Result<FollowUp, StoreError> {
        let done = sqlx::query(
            "UPDATE experiment_records SET done_at = ?, what_happened = ?, peak = ?, after = ?, outcome = ?, capacity = ?, learned = ?, \
             belief_after = ?, flooded = ? WHERE id = ? AND done_at IS NULL",
        )
        .bind(micros(done_at))
        .bind(&r.what_happened)
        .bind(i64::from(r.peak))
        .bind(i64::from(r.after))
        .bind(r.outcome.id())
        .bind(i64::from(r.capacity))
        .bind(&r.learned)
        .bind(i64::from(r.belief_after))
        .bind(i64::from(r.flooded))
        .bind(id.to_string())
        .execute(self.pool())
        .await
        .map_err(self.err())?;
        if done.rows_affected() == 1 {
            return Ok(FollowUp::Saved);
        }
        Ok(match self.record(id).await?.and_then(|r| r.done_at) {
            Some(at) => FollowUp::AlreadyDone(at),
            None => FollowUp::NotFound,
        })
    }

    /// Change a record's own words. Each changed field's earlier words are
    /// kept as a version, in the same transaction. False if there is no record.
    pub(crate) async fn edit_record(&self, id: Uuid, edit: &RecordEdit, at: OffsetDateTime) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await.map_err(self.err())?;
        let row = sqlx::query(RECORD_BY_ID)
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(self.err())?;
        let Some(row) = row else {
            return Ok(false);
        };
        let rec = record_from_row(&row)?;
        let key = id.to_string();
        let res = rec.result.as_ref();
        let prediction = edit.prediction.clone().map(Some);
        // (column, field as the person reads it, the words now, the new words if changing)
        type Change<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'a Option<String>>);
        let fields: [Change; 4] = [
            ("prediction", "prediction", Some(rec.plan.prediction.as_str()), prediction.as_ref()),
            ("with_whom", "with", rec.plan.with_whom.as_deref(), edit.with_whom.as_ref()),
            (
                "what_happened",
                "what happened",
                res.and_then(|r| r.what_happened.as_deref()),
                edit.what_happened.as_ref(),
            ),
            (
                "learned",
                "what I learned",
                res.and_then(|r| r.learned.as_deref()),
                edit.learned.as_ref(),
            ),
        ];
        for (column, field, old, new) in fields {
            let Some(new) = new else { continue };
            crate::versions::keep(&mut tx, drawbridge_core::versions::EXPERIMENT, &key, field, old, new.as_deref(), at)
                .await
                .map_err(self.err())?;
            let sql = match column {
                "prediction" => "UPDATE experiment_records SET prediction = ? WHERE id = ?",
                "with_whom" => "UPDATE experiment_records SET with_whom = ? WHERE id = ?",
                "what_happened" => "UPDATE experiment_records SET what_happened = ? WHERE id = ?",
                _ => "UPDATE experiment_records SET learned = ? WHERE id = ?",
            };
            sqlx::query(sql)
                .bind(new.clone())
                .bind(&key)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
        }
        tx.commit().await.map_err(self.err())?;
        Ok(true)
    }

    pub(crate) async fn record(&self, id: Uuid) -> Result<Option<Record>, StoreError> {
        let row = sqlx::query(RECORD_BY_ID)
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await
            .map_err(self.err())?;
        row.map(|r| record_from_row(&r)).transpose()
    }

    /// Ids of records whose id starts with `prefix` (hyphenated form), at most `limit`.
    pub(crate) async fn record_ids_with_prefix(&self, prefix: &str, limit: u32) -> Result<Vec<Uuid>, StoreError> {
        // Ids are lower-case hex and hyphens, so a range on the primary key
        // finds them without scanning: prefix <= id < prefix + '~'.
        let rows: Vec<String> = sqlx::query_scalar("SELECT id FROM experiment_records WHERE id >= ? AND id < ? ORDER BY id LIMIT ?")
            .bind(prefix)
            .bind(format!("{prefix}~"))
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await
            .map_err(self.err())?;
        rows.iter()
            .map(|id| Uuid::parse_str(id).map_err(|e| StoreError::Database(format!("a stored id is not valid: {e}"))))
            .collect()
    }

    pub(crate) async fn delete_record(&self, id: Uuid) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM experiment_records WHERE id = ?")
            .bind(id.to_string())
            .execute(self.pool())
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    /// Records planned on or after `since` (all when None), newest first.
    pub(crate) async fn records(&self, since: Option<Date>, limit: u32) -> Result<Vec<Record>, StoreError> {
        let rows = sqlx::query(record_select!(
            "WHERE planned_for >= ? ORDER BY planned_for DESC, created_at DESC LIMIT ?"
        ))
        .bind(since.map(day_str).unwrap_or_default())
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(self.err())?;
        rows.iter().map(record_from_row).collect()
    }

    /// What the pacing engine needs: every record of the last `days` days,
    /// and the latest finished one whenever it was.
    pub(crate) async fn pacing_records(&self, since: Date) -> Result<Vec<Record>, StoreError> {
        let mut rows = sqlx::query(record_select!("WHERE planned_for >= ?"))
            .bind(day_str(since))
            .fetch_all(self.pool())
            .await
            .map_err(self.err())?;
        if let Some(last) = sqlx::query(record_select!("WHERE done_at IS NOT NULL ORDER BY done_at DESC LIMIT 1"))
            .fetch_optional(self.pool())
            .await
            .map_err(self.err())?
        {
            rows.push(last);
        }
        let mut out: Vec<Record> = rows.iter().map(record_from_row).collect::<Result<_, _>>()?;
        out.sort_by_key(|r| r.id);
        out.dedup_by_key(|r| r.id);
        Ok(out)
    }

    pub(crate) async fn follow_ups(&self, today: Date) -> Result<Vec<Record>, StoreError> {
        let rows = sqlx::query(record_select!(
            "WHERE done_at IS NULL AND planned_for <= ? ORDER BY planned_for LIMIT 50"
        ))
        .bind(day_str(today))
        .fetch_all(self.pool())
        .await
        .map_err(self.err())?;
        rows.iter().map(record_from_row).collect()
    }

    pub(crate) async fn ledger_counts(&self) -> Result<Vec<StageTally>, StoreError> {
        let rows = sqlx::query("SELECT stage, outcome, count(*) FROM experiment_records WHERE done_at IS NOT NULL GROUP BY stage, outcome")
            .fetch_all(self.pool())
            .await
            .map_err(self.err())?;
        let mut stages: Vec<StageTally> = (1..=4)
            .map(|s| StageTally {
                stage: s,
                ..Default::default()
            })
            .collect();
        for r in rows {
            let e = |e: sqlx::Error| StoreError::Database(e.to_string());
            let stage: i64 = r.try_get(0).map_err(e)?;
            let outcome: Option<String> = r.try_get(1).map_err(e)?;
            let n = u32::try_from(r.try_get::<i64, _>(2).map_err(e)?).unwrap_or(0);
            let Some(t) = usize::try_from(stage - 1).ok().and_then(|i| stages.get_mut(i)) else {
                continue;
            };
            t.done += n;
            match outcome.as_deref().and_then(Outcome::parse) {
                Some(Outcome::AsFeared) => t.as_feared += n,
                Some(Outcome::Better) => t.better += n,
                Some(Outcome::Mixed) => t.mixed += n,
                Some(Outcome::Worse) => t.worse += n,
                None => {}
            }
        }
        Ok(stages)
    }

    pub(crate) async fn belief_by_month(&self) -> Result<Vec<BeliefMonth>, StoreError> {
        // The index is on the month itself and covers every column read, so
        // SQLite walks it in order with no sort and no table reads (left to
        // itself the planner reads each row and decrypts its page).
        let rows = sqlx::query(
            "SELECT substr(planned_for, 1, 7), avg(belief_before), avg(belief_after), count(*) \
             FROM experiment_records INDEXED BY experiment_records_belief WHERE done_at IS NOT NULL \
             GROUP BY substr(planned_for, 1, 7) ORDER BY substr(planned_for, 1, 7)",
        )
        .fetch_all(self.pool())
        .await
        .map_err(self.err())?;
        rows.iter()
            .map(|r| {
                let e = |e: sqlx::Error| StoreError::Database(e.to_string());
                Ok(BeliefMonth {
                    month: r.try_get(0).map_err(e)?,
                    before: r.try_get(1).map_err(e)?,
                    after: r.try_get(2).map_err(e)?,
                    count: u32::try_from(r.try_get::<i64, _>(3).map_err(e)?).unwrap_or(0),
                })
            })
            .collect()
    }

    pub(crate) async fn learned(&self, limit: u32) -> Result<Vec<(Date, String)>, StoreError> {
        let rows =
            sqlx::query("SELECT planned_for, learned FROM experiment_records WHERE learned IS NOT NULL ORDER BY done_at DESC LIMIT ?")
                .bind(i64::from(limit))
                .fetch_all(self.pool())
                .await
                .map_err(self.err())?;
        rows.iter()
            .map(|r| {
                let e = |e: sqlx::Error| StoreError::Database(e.to_string());
                Ok((parse_day(&r.try_get::<String, _>(0).map_err(e)?)?, r.try_get(1).map_err(e)?))
            })
            .collect()
    }

    /// How many times the person marked "I flooded", and the lowest peak then.
    pub(crate) async fn flood_peaks(&self) -> Result<(u32, Option<u8>), StoreError> {
        let row = sqlx::query("SELECT count(*), min(peak) FROM experiment_records WHERE flooded = 1")
            .fetch_one(self.pool())
            .await
            .map_err(self.err())?;
        let e = |e: sqlx::Error| StoreError::Database(e.to_string());
        let n = u32::try_from(row.try_get::<i64, _>(0).map_err(e)?).unwrap_or(0);
        let min: Option<i64> = row.try_get(1).map_err(e)?;
        Ok((n, min.and_then(|m| u8::try_from(m).ok())))
    }

    pub(crate) async fn add_stage_change(&self, c: &StageChange) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO stage_changes (at, from_stage, to_stage) VALUES (?, ?, ?)")
            .bind(micros(c.at))
            .bind(i64::from(c.from))
            .bind(i64::from(c.to))
            .execute(self.pool())
            .await
            .map_err(self.err())?;
        Ok(())
    }

    pub(crate) async fn stage_changes(&self) -> Result<Vec<StageChange>, StoreError> {
        let rows = sqlx::query("SELECT at, from_stage, to_stage FROM stage_changes ORDER BY at")
            .fetch_all(self.pool())
            .await
            .map_err(self.err())?;
        rows.iter()
            .map(|r| {
                let e = |e: sqlx::Error| StoreError::Database(e.to_string());
                Ok(StageChange {
                    at: from_micros(r.try_get(0).map_err(e)?)?,
                    from: u8::try_from(r.try_get::<i64, _>(1).map_err(e)?).unwrap_or(1),
                    to: u8::try_from(r.try_get::<i64, _>(2).map_err(e)?).unwrap_or(1),
                })
            })
            .collect()
    }

    pub(crate) async fn put_program_run(&self, run: &ProgramRun, ignore_existing: bool) -> Result<bool, StoreError> {
        let sql = if ignore_existing {
            "INSERT INTO program_runs (id, program, started_on, entries, stopped_on) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
        } else {
            "INSERT INTO program_runs (id, program, started_on, entries, stopped_on) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET program = excluded.program, started_on = excluded.started_on, entries = excluded.entries, stopped_on = excluded.stopped_on"
        };
        let mut tx = self.pool().begin().await.map_err(self.err())?;
        if !ignore_existing {
            // A day's reflection that changes keeps its earlier words.
            let old = sqlx::query(PROGRAM_BY_ID)
                .bind(run.id.to_string())
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.err())?;
            if let Some(old) = old {
                let old = program_from_row(&old)?;
                let now = crate::micros_now();
                for was in &old.entries {
                    let now_text = run.entries.iter().find(|e| e.day == was.day).and_then(|e| e.reflection.as_deref());
                    crate::versions::keep(
                        &mut tx,
                        drawbridge_core::versions::PROGRAM_RUN,
                        &run.id.to_string(),
                        &format!("day {} reflection", was.day),
                        was.reflection.as_deref(),
                        now_text,
                        now,
                    )
                    .await
                    .map_err(self.err())?;
                }
            }
        }
        let done = sqlx::query(sql)
            .bind(run.id.to_string())
            .bind(&run.program)
            .bind(day_str(run.started_on))
            .bind(to_json(&run.entries)?)
            .bind(run.stopped_on.map(day_str))
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
        tx.commit().await.map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn program_runs(&self) -> Result<Vec<ProgramRun>, StoreError> {
        let rows = sqlx::query("SELECT id, program, started_on, entries, stopped_on FROM program_runs ORDER BY started_on, id")
            .fetch_all(self.pool())
            .await
            .map_err(self.err())?;
        rows.iter().map(program_from_row).collect()
    }

    pub(crate) async fn all_records(&self) -> Result<Vec<Record>, StoreError> {
        let rows = sqlx::query(record_select!("ORDER BY created_at, id"))
            .fetch_all(self.pool())
            .await
            .map_err(self.err())?;
        rows.iter().map(record_from_row).collect()
    }
}
