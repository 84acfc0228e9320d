//! Storage for the in-the-moment tools and the safety plan: completed
//! pauses, three-column resets and the plan's sections.

use drawbridge_core::moment::{PauseRecord, Reset, ResetEntry};
use drawbridge_core::safety::SafetyPlan;
use sqlx::sqlite::SqliteRow;
use sqlx::{Executor, Row, Sqlite};
use uuid::Uuid;

use crate::error::StoreError;
use crate::sqlite::{SqliteStore, from_micros, micros};

fn id_of(row: &SqliteRow) -> Result<Uuid, StoreError> {
    let id: String = row.try_get("id").map_err(|e| StoreError::Database(e.to_string()))?;
    Uuid::parse_str(&id).map_err(|e| StoreError::Database(format!("a stored id is not valid: {e}")))
}

pub(crate) fn pause_from_row(row: &SqliteRow) -> Result<PauseRecord, StoreError> {
    let get = |e: sqlx::Error| StoreError::Database(e.to_string());
    Ok(PauseRecord {
        id: id_of(row)?,
        at: from_micros(row.try_get("at").map_err(get)?)?,
        protocol: row.try_get("protocol").map_err(get)?,
        seconds: u32::try_from(row.try_get::<i64, _>("seconds").map_err(get)?).unwrap_or(0),
        completed: row.try_get::<i64, _>("completed").map_err(get)? == 1,
    })
}

pub(crate) fn reset_from_row(row: &SqliteRow) -> Result<Reset, StoreError> {
    let get = |e: sqlx::Error| StoreError::Database(e.to_string());
    let record: Option<String> = row.try_get("record").map_err(get)?;
    Ok(Reset {
        id: id_of(row)?,
        at: from_micros(row.try_get("at").map_err(get)?)?,
        entry: ResetEntry {
            record: record.and_then(|r| Uuid::parse_str(&r).ok()),
            capacity: row
                .try_get::<Option<i64>, _>("capacity")
                .map_err(get)?
                .and_then(|c| u8::try_from(c).ok()),
            happened: row.try_get("happened").map_err(get)?,
            felt: row.try_get("felt").map_err(get)?,
            truth: row.try_get("truth").map_err(get)?,
        },
    })
}

pub(crate) async fn insert_pause<'e, E: Executor<'e, Database = Sqlite>>(
    e: E,
    p: &PauseRecord,
    ignore_existing: bool,
) -> Result<u64, sqlx::Error> {
    let sql = if ignore_existing {
        "INSERT INTO pauses (id, at, protocol, seconds, completed) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
    } else {
        "INSERT INTO pauses (id, at, protocol, seconds, completed) VALUES (?, ?, ?, ?, ?)"
    };
    let done = sqlx::query(sql)
        .bind(p.id.to_string())
        .bind(micros(p.at))
        .bind(&p.protocol)
        .bind(i64::from(p.seconds))
        .bind(i64::from(p.completed))
        .execute(e)
        .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn insert_reset<'e, E: Executor<'e, Database = Sqlite>>(
    e: E,
    r: &Reset,
    ignore_existing: bool,
) -> Result<u64, sqlx::Error> {
    let sql = if ignore_existing {
        "INSERT INTO resets (id, at, record, capacity, happened, felt, truth) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
    } else {
        "INSERT INTO resets (id, at, record, capacity, happened, felt, truth) VALUES (?, ?, ?, ?, ?, ?, ?)"
    };
    let done = sqlx::query(sql)
        .bind(r.id.to_string())
        .bind(micros(r.at))
        .bind(r.entry.record.map(|u| u.to_string()))
        .bind(r.entry.capacity.map(i64::from))
        .bind(&r.entry.happened)
        .bind(&r.entry.felt)
        .bind(&r.entry.truth)
        .execute(e)
        .await?;
    Ok(done.rows_affected())
}

impl SqliteStore {
    pub(crate) async fn add_pause(&self, p: &PauseRecord) -> Result<(), StoreError> {
        insert_pause(self.pool(), p, false).await.map_err(self.err())?;
        Ok(())
    }

    /// Pauses, newest first, at most `limit`.
    pub(crate) async fn pauses(&self, limit: i64) -> Result<Vec<PauseRecord>, StoreError> {
        let rows = sqlx::query("SELECT id, at, protocol, seconds, completed FROM pauses ORDER BY at DESC, id DESC LIMIT ?")
            .bind(limit)
            .fetch_all(self.pool())
            .await
            .map_err(self.err())?;
        rows.iter().map(pause_from_row).collect()
    }

    pub(crate) async fn add_reset(&self, r: &Reset) -> Result<(), StoreError> {
        insert_reset(self.pool(), r, false).await.map_err(self.err())?;
        Ok(())
    }

    /// Resets, newest first, at most `limit`.
    pub(crate) async fn resets(&self, limit: i64) -> Result<Vec<Reset>, StoreError> {
        let rows = sqlx::query("SELECT id, at, record, capacity, happened, felt, truth FROM resets ORDER BY at DESC, id DESC LIMIT ?")
            .bind(limit)
            .fetch_all(self.pool())
            .await
            .map_err(self.err())?;
        rows.iter().map(reset_from_row).collect()
    }

    pub(crate) async fn reset(&self, id: Uuid) -> Result<Option<Reset>, StoreError> {
        let row = sqlx::query("SELECT id, at, record, capacity, happened, felt, truth FROM resets WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await
            .map_err(self.err())?;
        row.as_ref().map(reset_from_row).transpose()
    }

    /// The resets written after one experiment, newest first.
    pub(crate) async fn resets_for_record(&self, record: Uuid) -> Result<Vec<Reset>, StoreError> {
        let rows =
            sqlx::query("SELECT id, at, record, capacity, happened, felt, truth FROM resets WHERE record = ? ORDER BY at DESC, id DESC")
                .bind(record.to_string())
                .fetch_all(self.pool())
                .await
                .map_err(self.err())?;
        rows.iter().map(reset_from_row).collect()
    }

    pub(crate) async fn safety_plan(&self) -> Result<SafetyPlan, StoreError> {
        let rows = sqlx::query("SELECT section, text, updated_at FROM safety_plan ORDER BY section")
            .fetch_all(self.pool())
            .await
            .map_err(self.err())?;
        let mut plan = SafetyPlan::default();
        let mut latest: Option<i64> = None;
        for r in &rows {
            let section: String = r.try_get(0).map_err(self.err())?;
            let text: String = r.try_get(1).map_err(self.err())?;
            let at: i64 = r.try_get(2).map_err(self.err())?;
            latest = latest.max(Some(at));
            plan.sections.insert(section, text);
        }
        plan.updated_at = match latest {
            Some(m) => Some(crate::rfc3339(from_micros(m)?)),
            None => None,
        };
        Ok(plan)
    }

    /// Replace the whole plan in one transaction: sections not in `plan` are cleared.
    pub(crate) async fn set_safety_plan(&self, plan: &SafetyPlan, at: time::OffsetDateTime) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await.map_err(self.err())?;
        write_plan(&mut tx, plan, at).await.map_err(self.err())?;
        tx.commit().await.map_err(self.err())
    }
}

pub(crate) async fn write_plan(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    plan: &SafetyPlan,
    at: time::OffsetDateTime,
) -> Result<(), sqlx::Error> {
    // Every section whose words change keeps what it said before.
    let old: Vec<(String, String)> = sqlx::query_as("SELECT section, text FROM safety_plan").fetch_all(&mut **tx).await?;
    for (section, was) in &old {
        let now = plan.sections.get(section).map(String::as_str);
        crate::versions::keep(tx, drawbridge_core::versions::SAFETY_PLAN, section, section, Some(was), now, at).await?;
    }
    sqlx::query("DELETE FROM safety_plan").execute(&mut **tx).await?;
    for (section, text) in &plan.sections {
        sqlx::query("INSERT INTO safety_plan (section, text, updated_at) VALUES (?, ?, ?)")
            .bind(section)
            .bind(text)
            .bind(micros(at))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
