//! Practice: experiment records, stage changes, program runs. Queries are
//! shaped for the pages that use them: Today and the pacing engine read a
//! recent window, the ledger reads aggregates, so both stay fast with years
//! of records.

use drawbridge_core::practice::{Outcome, Plan, ProgramEntry, ProgramRun, Record, Result as Outcomes, StageChange, StageTally};
use rusqlite::{Connection, Row, params};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::{Res, SqliteStore, day_str, first, from_micros, micros, parse_day, rows, to_json, uuid_of};
use crate::error::StoreError;
use crate::{BeliefMonth, FollowUp, RecordEdit, RecordField};

macro_rules! record_select {
    ($rest:literal) => {
        concat!(
            "SELECT id, created_at, experiment, custom, stage, with_whom, planned_for, prediction, belief_before, want, expect, \
             done_at, what_happened, peak, after, outcome, capacity, learned, belief_after, flooded FROM experiment_records WHERE owner = current_owner() ",
            $rest
        )
    };
}

pub(crate) const RECORD_BY_ID: &str = record_select!("AND id = ?");
pub(crate) const PROGRAM_BY_ID: &str =
    "SELECT id, program, started_on, entries, stopped_on FROM program_runs WHERE owner = current_owner() AND id = ?";

pub(crate) fn record_from_row(r: &Row<'_>) -> Res<Record> {
    let u8_of = |v: i64| u8::try_from(v).unwrap_or(0);
    let opt = |col: &str| -> rusqlite::Result<u8> { Ok(u8_of(r.get::<_, Option<i64>>(col)?.unwrap_or(0))) };
    let id: String = r.get("id")?;
    let done_at: Option<i64> = r.get("done_at")?;
    let outcome: Option<String> = r.get("outcome")?;
    let planned: String = r.get("planned_for")?;
    let result = match (done_at, outcome.as_deref().and_then(Outcome::parse)) {
        (Some(_), Some(outcome)) => Some(Outcomes {
            what_happened: r.get("what_happened")?,
            peak: opt("peak")?,
            after: opt("after")?,
            outcome,
            capacity: opt("capacity")?,
            learned: r.get("learned")?,
            belief_after: opt("belief_after")?,
            flooded: r.get::<_, i64>("flooded")? != 0,
        }),
        _ => None,
    };
    Ok(Record {
        id: uuid_of(&id)?,
        created_at: from_micros(r.get("created_at")?)?,
        plan: Plan {
            experiment: r.get("experiment")?,
            custom: r.get("custom")?,
            stage: u8_of(r.get("stage")?),
            with_whom: r.get("with_whom")?,
            planned_for: parse_day(&planned)?,
            prediction: r.get("prediction")?,
            belief_before: u8_of(r.get("belief_before")?),
            want: u8_of(r.get("want")?),
            expect: u8_of(r.get("expect")?),
        },
        done_at: done_at.map(from_micros).transpose()?,
        result,
    })
}

/// Add a record; with `ignore_existing`, one with the same id is left alone.
pub(crate) fn insert_record(c: &Connection, rec: &Record, ignore_existing: bool) -> Res<bool> {
    let sql = if ignore_existing {
        "INSERT INTO experiment_records (owner, id, created_at, experiment, custom, stage, with_whom, planned_for, prediction, belief_before, want, expect, \
         done_at, what_happened, peak, after, outcome, capacity, learned, belief_after, flooded) \
         VALUES (current_owner(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner, id) DO NOTHING"
    } else {
        "INSERT INTO experiment_records (owner, id, created_at, experiment, custom, stage, with_whom, planned_for, prediction, belief_before, want, expect, \
         done_at, what_happened, peak, after, outcome, capacity, learned, belief_after, flooded) \
         VALUES (current_owner(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    };
    let p = &rec.plan;
    let r = rec.result.as_ref();
    let n = c.prepare_cached(sql)?.execute(params![
        rec.id.to_string(),
        micros(rec.created_at),
        p.experiment,
        p.custom,
        i64::from(p.stage),
        p.with_whom,
        day_str(p.planned_for),
        p.prediction,
        i64::from(p.belief_before),
        i64::from(p.want),
        i64::from(p.expect),
        rec.done_at.map(micros),
        r.and_then(|r| r.what_happened.clone()),
        r.map(|r| i64::from(r.peak)),
        r.map(|r| i64::from(r.after)),
        r.map(|r| r.outcome.id()),
        r.map(|r| i64::from(r.capacity)),
        r.and_then(|r| r.learned.clone()),
        r.map(|r| i64::from(r.belief_after)),
        i64::from(r.is_some_and(|r| r.flooded)),
    ])?;
    Ok(n == 1)
}

pub(crate) fn record(c: &Connection, id: &str) -> Res<Option<Record>> {
    first(&mut c.prepare_cached(RECORD_BY_ID)?, [id], record_from_row)
}

pub(crate) fn all_records(c: &Connection) -> Res<Vec<Record>> {
    rows(
        &mut c.prepare_cached(record_select!("ORDER BY created_at, id"))?,
        [],
        record_from_row,
    )
}

pub(crate) fn program_from_row(r: &Row<'_>) -> Res<ProgramRun> {
    let id: String = r.get("id")?;
    let entries: String = r.get("entries")?;
    let started: String = r.get("started_on")?;
    Ok(ProgramRun {
        id: uuid_of(&id)?,
        program: r.get("program")?,
        started_on: parse_day(&started)?,
        entries: serde_json::from_str::<Vec<ProgramEntry>>(&entries)
            .map_err(|x| StoreError::Database(format!("a stored program run is not readable: {x}")))?,
        stopped_on: r.get::<_, Option<String>>("stopped_on")?.map(|d| parse_day(&d)).transpose()?,
    })
}

pub(crate) fn program_run(c: &Connection, id: &str) -> Res<Option<ProgramRun>> {
    first(&mut c.prepare_cached(PROGRAM_BY_ID)?, [id], program_from_row)
}

pub(crate) fn program_runs(c: &Connection) -> Res<Vec<ProgramRun>> {
    rows(
        &mut c.prepare_cached(
            "SELECT id, program, started_on, entries, stopped_on FROM program_runs WHERE owner = current_owner() ORDER BY started_on, id",
        )?,
        [],
        program_from_row,
    )
}

/// Keep each day's reflection that `run` changes from `old` as a version.
pub(crate) fn keep_reflections(c: &Connection, old: &ProgramRun, run: &ProgramRun, at: OffsetDateTime) -> Res<()> {
    let id = run.id.to_string();
    for (field, was, now) in old.reflections_replaced_by(run) {
        super::versions::keep(c, drawbridge_core::versions::PROGRAM_RUN, &id, &field, was, now, at)?;
    }
    Ok(())
}

/// Add a run; with `replace`, a stored run with its id takes its values,
/// and without, it is left alone. Returns whether a row was written.
pub(crate) fn write_program_run(c: &Connection, run: &ProgramRun, replace: bool) -> Res<bool> {
    let sql = if replace {
        "INSERT INTO program_runs (owner, id, program, started_on, entries, stopped_on) VALUES (current_owner(), ?, ?, ?, ?, ?) \
         ON CONFLICT (owner, id) DO UPDATE SET program = excluded.program, started_on = excluded.started_on, \
         entries = excluded.entries, stopped_on = excluded.stopped_on"
    } else {
        "INSERT INTO program_runs (owner, id, program, started_on, entries, stopped_on) VALUES (current_owner(), ?, ?, ?, ?, ?) ON CONFLICT (owner, id) DO NOTHING"
    };
    let n = c.prepare_cached(sql)?.execute(params![
        run.id.to_string(),
        run.program,
        day_str(run.started_on),
        to_json(&run.entries)?,
        run.stopped_on.map(day_str)
    ])?;
    Ok(n == 1)
}

pub(crate) fn stage_changes(c: &Connection) -> Res<Vec<StageChange>> {
    rows(
        &mut c.prepare_cached("SELECT at, from_stage, to_stage FROM stage_changes WHERE owner = current_owner() ORDER BY at")?,
        [],
        |r| {
            Ok(StageChange {
                at: from_micros(r.get(0)?)?,
                from: u8::try_from(r.get::<_, i64>(1)?).unwrap_or(1),
                to: u8::try_from(r.get::<_, i64>(2)?).unwrap_or(1),
            })
        },
    )
}

pub(crate) fn insert_stage_change(c: &Connection, at: i64, from: i64, to: i64) -> Res<()> {
    c.prepare_cached("INSERT INTO stage_changes (owner, at, from_stage, to_stage) VALUES (current_owner(), ?, ?, ?)")?
        .execute([at, from, to])?;
    Ok(())
}

impl SqliteStore {
    pub(crate) fn insert_record(&self, rec: &Record) -> Result<(), StoreError> {
        self.write(|tx| insert_record(tx, rec, false).map(drop))
    }

    /// Save the follow-up of a record not yet followed up. A record that has
    /// one already is left exactly as it is: a second follow-up never
    /// replaces the first (changing it is an explicit edit).
    pub(crate) fn complete_record(&self, id: Uuid, r: &Outcomes, done_at: OffsetDateTime) -> Result<FollowUp, StoreError> {
        let key = id.to_string();
        self.write(|tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE experiment_records SET done_at = ?, what_happened = ?, peak = ?, after = ?, outcome = ?, capacity = ?, \
                     learned = ?, belief_after = ?, flooded = ? WHERE owner = current_owner() AND id = ? AND done_at IS NULL",
                )?
                .execute(params![
                    micros(done_at),
                    r.what_happened,
                    i64::from(r.peak),
                    i64::from(r.after),
                    r.outcome.id(),
                    i64::from(r.capacity),
                    r.learned,
                    i64::from(r.belief_after),
                    i64::from(r.flooded),
                    key,
                ])?;
            if n == 1 {
                return Ok(FollowUp::Saved);
            }
            Ok(match record(tx, &key)?.and_then(|r| r.done_at) {
                Some(at) => FollowUp::AlreadyDone(at),
                None => FollowUp::NotFound,
            })
        })
    }

    /// Change a record's own words. Each changed field's earlier words are
    /// kept as a version, in the same transaction. False if there is no record.
    pub(crate) fn edit_record(&self, id: Uuid, edit: &RecordEdit, at: OffsetDateTime) -> Result<bool, StoreError> {
        let key = id.to_string();
        self.write(|tx| {
            let Some(rec) = record(tx, &key)? else {
                return Ok(false);
            };
            for change in edit.changes(&rec) {
                let field = change.field;
                super::versions::keep(
                    tx,
                    drawbridge_core::versions::EXPERIMENT,
                    &key,
                    field.label(),
                    change.old,
                    change.new,
                    at,
                )?;
                let sql = match field {
                    RecordField::Prediction => "UPDATE experiment_records SET prediction = ? WHERE owner = current_owner() AND id = ?",
                    RecordField::WithWhom => "UPDATE experiment_records SET with_whom = ? WHERE owner = current_owner() AND id = ?",
                    RecordField::WhatHappened => "UPDATE experiment_records SET what_happened = ? WHERE owner = current_owner() AND id = ?",
                    RecordField::Learned => "UPDATE experiment_records SET learned = ? WHERE owner = current_owner() AND id = ?",
                };
                tx.prepare_cached(sql)?.execute(params![change.new, key])?;
            }
            Ok(true)
        })
    }

    pub(crate) fn record(&self, id: Uuid) -> Result<Option<Record>, StoreError> {
        self.with(|c| record(c, &id.to_string()))
    }

    /// Ids of records whose id starts with `prefix` (hyphenated form), at most `limit`.
    pub(crate) fn record_ids_with_prefix(&self, prefix: &str, limit: u32) -> Result<Vec<Uuid>, StoreError> {
        // Ids are lower-case hex and hyphens, so a range on the primary key
        // finds them without scanning: prefix <= id < prefix + '~'.
        self.with(|c| {
            rows(
                &mut c.prepare_cached(
                    "SELECT id FROM experiment_records WHERE owner = current_owner() AND id >= ? AND id < ? ORDER BY id LIMIT ?",
                )?,
                params![prefix, format!("{prefix}~"), i64::from(limit)],
                |r| Ok(uuid_of(&r.get::<_, String>(0)?)?),
            )
        })
    }

    pub(crate) fn delete_record(&self, id: Uuid) -> Result<bool, StoreError> {
        self.write(|tx| {
            Ok(tx
                .prepare_cached("DELETE FROM experiment_records WHERE owner = current_owner() AND id = ?")?
                .execute([id.to_string()])?
                == 1)
        })
    }

    /// Records planned on or after `since` (all when None), newest first.
    pub(crate) fn records(&self, since: Option<Date>, limit: u32) -> Result<Vec<Record>, StoreError> {
        self.with(|c| {
            rows(
                &mut c.prepare_cached(record_select!(
                    "AND planned_for >= ? ORDER BY planned_for DESC, created_at DESC LIMIT ?"
                ))?,
                params![since.map(day_str).unwrap_or_default(), i64::from(limit)],
                record_from_row,
            )
        })
    }

    /// What the pacing engine needs: every record from `since` on, and the
    /// latest finished one whenever it was.
    pub(crate) fn pacing_records(&self, since: Date) -> Result<Vec<Record>, StoreError> {
        let mut out = self.with(|c| {
            let mut out = rows(
                &mut c.prepare_cached(record_select!("AND planned_for >= ?"))?,
                [day_str(since)],
                record_from_row,
            )?;
            if let Some(last) = first(
                &mut c.prepare_cached(record_select!("AND done_at IS NOT NULL ORDER BY done_at DESC LIMIT 1"))?,
                [],
                record_from_row,
            )? {
                out.push(last);
            }
            Ok(out)
        })?;
        out.sort_by_key(|r| r.id);
        out.dedup_by_key(|r| r.id);
        Ok(out)
    }

    pub(crate) fn follow_ups(&self, today: Date) -> Result<Vec<Record>, StoreError> {
        self.with(|c| {
            rows(
                &mut c.prepare_cached(record_select!(
                    "AND done_at IS NULL AND planned_for <= ? ORDER BY planned_for LIMIT 50"
                ))?,
                [day_str(today)],
                record_from_row,
            )
        })
    }

    /// The ledger's counts, kept by triggers as records change (schema 6).
    pub(crate) fn ledger_counts(&self) -> Result<Vec<StageTally>, StoreError> {
        let counts = self.with(|c| {
            rows(
                &mut c.prepare_cached("SELECT stage, outcome, n FROM ledger_tallies WHERE owner = current_owner() AND n > 0")?,
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)),
            )
        })?;
        Ok(crate::tallies_from(counts))
    }

    /// Belief before and after, averaged by month, from the sums triggers
    /// keep (schema 6): a few rows, however many years of records there are.
    pub(crate) fn belief_by_month(&self) -> Result<Vec<BeliefMonth>, StoreError> {
        self.with(|c| {
            rows(
                &mut c.prepare_cached("SELECT month, n, before_sum, after_n, after_sum FROM ledger_months WHERE owner = current_owner() AND n > 0 ORDER BY month")?,
                [],
                |r| Ok(BeliefMonth::from_sums(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
        })
    }

    pub(crate) fn learned(&self, limit: u32) -> Result<Vec<(Date, String)>, StoreError> {
        self.with(|c| {
            rows(
                &mut c.prepare_cached(
                    "SELECT planned_for, learned FROM experiment_records WHERE owner = current_owner() AND learned IS NOT NULL ORDER BY done_at DESC LIMIT ?",
                )?,
                [i64::from(limit)],
                |r| Ok((parse_day(&r.get::<_, String>(0)?)?, r.get(1)?)),
            )
        })
    }

    /// How many times the person marked "I flooded", and the lowest peak then.
    pub(crate) fn flood_peaks(&self) -> Result<(u32, Option<u8>), StoreError> {
        self.with(|c| {
            let (n, min): (i64, Option<i64>) = c
                .prepare_cached("SELECT count(*), min(peak) FROM (SELECT peak FROM experiment_records WHERE owner = current_owner() AND flooded = 1 ORDER BY peak LIMIT 2)")?
                .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok((u32::try_from(n).unwrap_or(0), min.and_then(|m| u8::try_from(m).ok())))
        })
    }

    pub(crate) fn add_stage_change(&self, c: &StageChange) -> Result<(), StoreError> {
        self.write(|tx| insert_stage_change(tx, micros(c.at), i64::from(c.from), i64::from(c.to)))
    }

    pub(crate) fn stage_changes(&self) -> Result<Vec<StageChange>, StoreError> {
        self.with(|c| stage_changes(c))
    }

    /// Save a run, new or changed; a day's reflection that changes keeps its
    /// earlier words.
    pub(crate) fn put_program_run(&self, run: &ProgramRun) -> Result<(), StoreError> {
        let key = run.id.to_string();
        self.write(|tx| {
            if let Some(old) = program_run(tx, &key)? {
                keep_reflections(tx, &old, run, crate::micros_now())?;
            }
            write_program_run(tx, run, true).map(drop)
        })
    }

    pub(crate) fn program_runs(&self) -> Result<Vec<ProgramRun>, StoreError> {
        self.with(|c| program_runs(c))
    }
}
