//! Pauses, resets and the safety plan on PostgreSQL. A pause holds no words;
//! a reset's three columns and every section of the plan are sealed.

use drawbridge_core::moment::{PauseRecord, Reset, ResetEntry, ThoughtRecord};
use drawbridge_core::safety::SafetyPlan;
use drawbridge_core::versions;
use sqlx::Connection;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{PgStore, from_micros, micros};
use crate::backend::{Fut, Moments};
use crate::error::StoreError;

macro_rules! reset_columns {
    () => {
        "id, at, record, capacity, happened_sealed, felt_sealed, truth_sealed, thought_sealed"
    };
}

impl PgStore {
    pub(super) fn pause_of(&self, r: &PgRow) -> Result<PauseRecord, StoreError> {
        let err = self.err();
        Ok(PauseRecord {
            id: r.try_get("id").map_err(&err)?,
            at: from_micros(r.try_get("at").map_err(&err)?)?,
            protocol: r.try_get("protocol").map_err(&err)?,
            seconds: u32::try_from(r.try_get::<i32, _>("seconds").map_err(&err)?).unwrap_or(0),
            completed: r.try_get("completed").map_err(&err)?,
        })
    }

    pub(super) fn reset_of(&self, r: &PgRow) -> Result<Reset, StoreError> {
        let err = self.err();
        let id: Uuid = r.try_get("id").map_err(&err)?;
        let key = id.to_string();
        let open = |field: &str| -> Result<Option<String>, StoreError> {
            let sealed: Option<Vec<u8>> = r.try_get(format!("{field}_sealed").as_str()).map_err(&err)?;
            self.seal.open_opt(Self::place("resets", field, &key), sealed.as_deref())
        };
        Ok(Reset {
            id,
            at: from_micros(r.try_get("at").map_err(&err)?)?,
            entry: ResetEntry {
                record: r.try_get("record").map_err(&err)?,
                capacity: r
                    .try_get::<Option<i16>, _>("capacity")
                    .map_err(&err)?
                    .and_then(|c| u8::try_from(c).ok()),
                happened: open("happened")?,
                felt: open("felt")?,
                truth: open("truth")?,
                thought: match open("thought")? {
                    None => ThoughtRecord::default(),
                    Some(json) => serde_json::from_str(&json)
                        .map_err(|e| StoreError::Database(format!("a reset's thought record could not be read: {e}")))?,
                },
            },
        })
    }

    /// Add a pause; with `ignore_existing`, one with the same id is left alone.
    pub(crate) async fn add_pause_row(&self, c: &mut PgConnection, p: &PauseRecord, ignore_existing: bool) -> Result<bool, StoreError> {
        let sql = if ignore_existing {
            "INSERT INTO pauses (owner, id, at, protocol, seconds, completed) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (owner, id) DO NOTHING"
        } else {
            "INSERT INTO pauses (owner, id, at, protocol, seconds, completed) VALUES ($1, $2, $3, $4, $5, $6)"
        };
        let done = sqlx::query(sql)
            .bind(self.owner)
            .bind(p.id)
            .bind(micros(p.at))
            .bind(&p.protocol)
            .bind(i32::try_from(p.seconds).unwrap_or(i32::MAX))
            .bind(p.completed)
            .execute(c)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    /// Add a reset; with `ignore_existing`, one with the same id is left alone.
    pub(crate) async fn add_reset_row(&self, c: &mut PgConnection, r: &Reset, ignore_existing: bool) -> Result<bool, StoreError> {
        let key = r.id.to_string();
        let seal = |field: &str, text: &Option<String>| self.seal.seal_opt(Self::place("resets", field, &key), text.as_deref());
        let sql = if ignore_existing {
            "INSERT INTO resets (owner, id, at, record, capacity, happened_sealed, felt_sealed, truth_sealed, thought_sealed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (owner, id) DO NOTHING"
        } else {
            "INSERT INTO resets (owner, id, at, record, capacity, happened_sealed, felt_sealed, truth_sealed, thought_sealed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        };
        let thought = (!r.entry.thought.is_empty()).then(|| serde_json::to_string(&r.entry.thought).unwrap_or_default());
        let done = sqlx::query(sql)
            .bind(self.owner)
            .bind(r.id)
            .bind(micros(r.at))
            .bind(r.entry.record)
            .bind(r.entry.capacity.map(i16::from))
            .bind(seal("happened", &r.entry.happened)?)
            .bind(seal("felt", &r.entry.felt)?)
            .bind(seal("truth", &r.entry.truth)?)
            .bind(seal("thought", &thought)?)
            .execute(c)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    /// Replace the whole plan: sections not in `plan` are cleared, and every
    /// section whose words change keeps what it said before.
    pub(crate) async fn write_plan(&self, c: &mut PgConnection, plan: &SafetyPlan, at: OffsetDateTime) -> Result<(), StoreError> {
        let old = self.plan_sections(&mut *c).await?;
        for (section, was, _) in &old {
            let now = plan.sections.get(section).map(String::as_str);
            self.keep(&mut *c, (versions::SAFETY_PLAN, section, section), Some(was), now, at)
                .await?;
        }
        sqlx::query("DELETE FROM safety_plan WHERE owner = $1")
            .bind(self.owner)
            .execute(&mut *c)
            .await
            .map_err(self.err())?;
        for (section, text) in &plan.sections {
            sqlx::query("INSERT INTO safety_plan (owner, section, text_sealed, updated_at) VALUES ($1, $2, $3, $4)")
                .bind(self.owner)
                .bind(section)
                .bind(self.seal.seal(Self::place("safety_plan", "text", section), text)?)
                .bind(micros(at))
                .execute(&mut *c)
                .await
                .map_err(self.err())?;
        }
        Ok(())
    }

    /// The plan, with when it was last changed.
    pub(super) async fn plan_of(&self, c: &mut PgConnection) -> Result<SafetyPlan, StoreError> {
        let mut plan = SafetyPlan::default();
        let mut latest: Option<i64> = None;
        for (section, text, at) in self.plan_sections(c).await? {
            latest = latest.max(Some(at));
            plan.sections.insert(section, text);
        }
        plan.updated_at = latest.map(from_micros).transpose()?.map(crate::rfc3339);
        Ok(plan)
    }

    /// Every section: its id, its words and when it was written.
    async fn plan_sections(&self, c: &mut PgConnection) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows: Vec<(String, Vec<u8>, i64)> =
            sqlx::query_as("SELECT section, text_sealed, updated_at FROM safety_plan WHERE owner = $1 ORDER BY section")
                .bind(self.owner)
                .fetch_all(c)
                .await
                .map_err(self.err())?;
        rows.into_iter()
            .map(|(section, sealed, at)| {
                let text = self.seal.open(Self::place("safety_plan", "text", &section), &sealed)?;
                Ok((section, text, at))
            })
            .collect()
    }
}

impl Moments for PgStore {
    fn add_pause<'a>(&'a self, p: &'a PauseRecord) -> Fut<'a, ()> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.add_pause_row(&mut c, p, false).await.map(drop)
        })
    }

    fn pauses<'a>(&'a self, limit: i64) -> Fut<'a, Vec<PauseRecord>> {
        Box::pin(async move {
            let rows =
                sqlx::query("SELECT id, at, protocol, seconds, completed FROM pauses WHERE owner = $1 ORDER BY at DESC, id DESC LIMIT $2")
                    .bind(self.owner)
                    .bind(limit)
                    .fetch_all(&mut *self.conn().await?)
                    .await
                    .map_err(self.err())?;
            rows.iter().map(|r| self.pause_of(r)).collect()
        })
    }

    fn add_reset<'a>(&'a self, r: &'a Reset) -> Fut<'a, ()> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.add_reset_row(&mut c, r, false).await.map(drop)
        })
    }

    fn resets<'a>(&'a self, limit: i64) -> Fut<'a, Vec<Reset>> {
        Box::pin(async move {
            let rows = sqlx::query(concat!(
                "SELECT ",
                reset_columns!(),
                " FROM resets WHERE owner = $1 ORDER BY at DESC, id DESC LIMIT $2"
            ))
            .bind(self.owner)
            .bind(limit)
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(self.err())?;
            rows.iter().map(|r| self.reset_of(r)).collect()
        })
    }

    fn reset<'a>(&'a self, id: Uuid) -> Fut<'a, Option<Reset>> {
        Box::pin(async move {
            let row = sqlx::query(concat!("SELECT ", reset_columns!(), " FROM resets WHERE owner = $1 AND id = $2"))
                .bind(self.owner)
                .bind(id)
                .fetch_optional(&mut *self.conn().await?)
                .await
                .map_err(self.err())?;
            row.map(|r| self.reset_of(&r)).transpose()
        })
    }

    fn delete_reset<'a>(&'a self, id: Uuid) -> Fut<'a, bool> {
        Box::pin(async move {
            let mut lease = self.conn().await?;
            let mut tx = sqlx::Connection::begin(&mut *lease).await.map_err(self.err())?;
            sqlx::query("DELETE FROM text_versions WHERE owner = $1 AND item = 'reset' AND item_id = $2")
                .bind(self.owner)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            let done = sqlx::query("DELETE FROM resets WHERE owner = $1 AND id = $2")
                .bind(self.owner)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            tx.commit().await.map_err(self.err())?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn resets_for_record<'a>(&'a self, record: Uuid) -> Fut<'a, Vec<Reset>> {
        Box::pin(async move {
            let rows = sqlx::query(concat!(
                "SELECT ",
                reset_columns!(),
                " FROM resets WHERE owner = $1 AND record = $2 ORDER BY at DESC, id DESC"
            ))
            .bind(self.owner)
            .bind(record)
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(self.err())?;
            rows.iter().map(|r| self.reset_of(r)).collect()
        })
    }

    fn safety_plan<'a>(&'a self) -> Fut<'a, SafetyPlan> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.plan_of(&mut c).await
        })
    }

    fn set_safety_plan<'a>(&'a self, plan: &'a SafetyPlan, at: OffsetDateTime) -> Fut<'a, ()> {
        Box::pin(async move {
            let mut lease = self.conn().await?;
            let mut tx = lease.begin().await.map_err(self.err())?;
            self.write_plan(&mut tx, plan, at).await?;
            tx.commit().await.map_err(self.err())?;
            Ok(())
        })
    }
}
