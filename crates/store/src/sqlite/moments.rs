//! The in-the-moment tools and the safety plan: completed pauses,
//! three-column resets and the plan's sections.

use drawbridge_core::moment::{PauseRecord, Reset, ResetEntry, ThoughtRecord};
use drawbridge_core::safety::SafetyPlan;
use rusqlite::{Connection, Row, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Res, SqliteStore, first, from_micros, micros, rows, uuid_of};
use crate::error::StoreError;

pub(crate) const RESET_BY_ID: &str =
    "SELECT id, at, record, capacity, happened, felt, truth, thought FROM resets WHERE owner = current_owner() AND id = ?";

pub(crate) fn pause_from_row(row: &Row<'_>) -> Res<PauseRecord> {
    let id: String = row.get("id")?;
    Ok(PauseRecord {
        id: uuid_of(&id)?,
        at: from_micros(row.get("at")?)?,
        protocol: row.get("protocol")?,
        seconds: u32::try_from(row.get::<_, i64>("seconds")?).unwrap_or(0),
        completed: row.get::<_, i64>("completed")? == 1,
    })
}

pub(crate) fn reset_from_row(row: &Row<'_>) -> Res<Reset> {
    let id: String = row.get("id")?;
    let record: Option<String> = row.get("record")?;
    Ok(Reset {
        id: uuid_of(&id)?,
        at: from_micros(row.get("at")?)?,
        entry: ResetEntry {
            record: record.and_then(|r| Uuid::parse_str(&r).ok()),
            capacity: row.get::<_, Option<i64>>("capacity")?.and_then(|c| u8::try_from(c).ok()),
            happened: row.get("happened")?,
            felt: row.get("felt")?,
            truth: row.get("truth")?,
            thought: match row.get::<_, Option<String>>("thought")? {
                None => ThoughtRecord::default(),
                Some(json) => serde_json::from_str(&json)
                    .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))?,
            },
        },
    })
}

pub(crate) fn insert_pause(c: &Connection, p: &PauseRecord, ignore_existing: bool) -> Res<bool> {
    let sql = if ignore_existing {
        "INSERT INTO pauses (owner, id, at, protocol, seconds, completed) VALUES (current_owner(), ?, ?, ?, ?, ?) ON CONFLICT (owner, id) DO NOTHING"
    } else {
        "INSERT INTO pauses (owner, id, at, protocol, seconds, completed) VALUES (current_owner(), ?, ?, ?, ?, ?)"
    };
    let n = c.prepare_cached(sql)?.execute(params![
        p.id.to_string(),
        micros(p.at),
        p.protocol,
        i64::from(p.seconds),
        i64::from(p.completed)
    ])?;
    Ok(n == 1)
}

pub(crate) fn insert_reset(c: &Connection, r: &Reset, ignore_existing: bool) -> Res<bool> {
    let sql = if ignore_existing {
        "INSERT INTO resets (owner, id, at, record, capacity, happened, felt, truth, thought) VALUES (current_owner(), ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner, id) DO NOTHING"
    } else {
        "INSERT INTO resets (owner, id, at, record, capacity, happened, felt, truth, thought) VALUES (current_owner(), ?, ?, ?, ?, ?, ?, ?, ?)"
    };
    let thought = thought_json(&r.entry.thought);
    let n = c.prepare_cached(sql)?.execute(params![
        r.id.to_string(),
        micros(r.at),
        r.entry.record.map(|u| u.to_string()),
        r.entry.capacity.map(i64::from),
        r.entry.happened,
        r.entry.felt,
        r.entry.truth,
        thought,
    ])?;
    Ok(n == 1)
}

/// A thought record as stored: JSON, or nothing when it is empty.
pub(crate) fn thought_json(t: &ThoughtRecord) -> Option<String> {
    (!t.is_empty()).then(|| serde_json::to_string(t).unwrap_or_default())
}

/// Pauses, newest first, at most `limit`.
pub(crate) fn pauses(c: &Connection, limit: i64) -> Res<Vec<PauseRecord>> {
    rows(
        &mut c.prepare_cached(
            "SELECT id, at, protocol, seconds, completed FROM pauses WHERE owner = current_owner() ORDER BY at DESC, id DESC LIMIT ?",
        )?,
        [limit],
        pause_from_row,
    )
}

/// Resets, newest first, at most `limit`.
pub(crate) fn resets(c: &Connection, limit: i64) -> Res<Vec<Reset>> {
    rows(
        &mut c.prepare_cached("SELECT id, at, record, capacity, happened, felt, truth, thought FROM resets WHERE owner = current_owner() ORDER BY at DESC, id DESC LIMIT ?")?,
        [limit],
        reset_from_row,
    )
}

pub(crate) fn safety_plan(c: &Connection) -> Res<SafetyPlan> {
    let sections = rows(
        &mut c.prepare_cached("SELECT section, text, updated_at FROM safety_plan WHERE owner = current_owner() ORDER BY section")?,
        [],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)),
    )?;
    let mut plan = SafetyPlan::default();
    let mut latest: Option<i64> = None;
    for (section, text, at) in sections {
        latest = latest.max(Some(at));
        plan.sections.insert(section, text);
    }
    plan.updated_at = match latest {
        Some(m) => Some(crate::rfc3339(from_micros(m)?)),
        None => None,
    };
    Ok(plan)
}

/// Replace the whole plan: sections not in `plan` are cleared, and every
/// section whose words change keeps what it said before.
fn write_plan(c: &Connection, plan: &SafetyPlan, at: OffsetDateTime) -> Res<()> {
    let old = rows(
        &mut c.prepare_cached("SELECT section, text FROM safety_plan WHERE owner = current_owner()")?,
        [],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
    )?;
    for (section, was) in &old {
        let now = plan.sections.get(section).map(String::as_str);
        super::versions::keep(c, drawbridge_core::versions::SAFETY_PLAN, section, section, Some(was), now, at)?;
    }
    c.prepare_cached("DELETE FROM safety_plan WHERE owner = current_owner()")?
        .execute([])?;
    let mut add = c.prepare_cached("INSERT INTO safety_plan (owner, section, text, updated_at) VALUES (current_owner(), ?, ?, ?)")?;
    for (section, text) in &plan.sections {
        add.execute(params![section, text, micros(at)])?;
    }
    Ok(())
}

impl SqliteStore {
    pub(crate) fn add_pause(&self, p: &PauseRecord) -> Result<(), StoreError> {
        self.write(|tx| insert_pause(tx, p, false).map(drop))
    }

    pub(crate) fn pauses(&self, limit: i64) -> Result<Vec<PauseRecord>, StoreError> {
        self.with(|c| pauses(c, limit))
    }

    pub(crate) fn add_reset(&self, r: &Reset) -> Result<(), StoreError> {
        self.write(|tx| insert_reset(tx, r, false).map(drop))
    }

    pub(crate) fn resets(&self, limit: i64) -> Result<Vec<Reset>, StoreError> {
        self.with(|c| resets(c, limit))
    }

    pub(crate) fn reset(&self, id: Uuid) -> Result<Option<Reset>, StoreError> {
        self.with(|c| first(&mut c.prepare_cached(RESET_BY_ID)?, [id.to_string()], reset_from_row))
    }

    pub(crate) fn delete_reset(&self, id: Uuid) -> Result<bool, StoreError> {
        let key = id.to_string();
        self.write(|tx| {
            tx.prepare_cached("DELETE FROM text_versions WHERE owner = current_owner() AND item = ? AND item_id = ?")?
                .execute([drawbridge_core::versions::RESET, key.as_str()])?;
            Ok(tx
                .prepare_cached("DELETE FROM resets WHERE owner = current_owner() AND id = ?")?
                .execute([&key])?
                == 1)
        })
    }

    /// The resets written after one experiment, newest first.
    pub(crate) fn resets_for_record(&self, record: Uuid) -> Result<Vec<Reset>, StoreError> {
        self.with(|c| {
            rows(
                &mut c.prepare_cached(
                    "SELECT id, at, record, capacity, happened, felt, truth, thought FROM resets WHERE owner = current_owner() AND record = ? ORDER BY at DESC, id DESC",
                )?,
                [record.to_string()],
                reset_from_row,
            )
        })
    }

    pub(crate) fn safety_plan(&self) -> Result<SafetyPlan, StoreError> {
        self.with(|c| safety_plan(c))
    }

    /// Replace the whole plan in one transaction.
    pub(crate) fn set_safety_plan(&self, plan: &SafetyPlan, at: OffsetDateTime) -> Result<(), StoreError> {
        self.write(|tx| write_plan(tx, plan, at))
    }
}
