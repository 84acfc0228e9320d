//! Urges on PostgreSQL: kinds, times and answers plain, so Today counts in
//! SQL; "about" and the note sealed.

use drawbridge_core::urge::{Urge, UrgeEntry};
use drawbridge_core::versions;
use sqlx::Connection;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, QueryBuilder, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{PgStore, from_micros, micros};
use crate::UrgeFilter;
use crate::backend::{Fut, Urges};
use crate::error::StoreError;

const TABLE: &str = "urges";
/// Every column an urge is read from.
macro_rules! columns {
    () => {
        "id, at, kind, intensity, body, about_sealed, did, note_sealed"
    };
}

impl PgStore {
    pub(super) fn urge_of(&self, r: &PgRow) -> Result<Urge, StoreError> {
        let err = self.err();
        let id: Uuid = r.try_get("id").map_err(&err)?;
        let key = id.to_string();
        let intensity: Option<i16> = r.try_get("intensity").map_err(&err)?;
        let about: Option<Vec<u8>> = r.try_get("about_sealed").map_err(&err)?;
        let note: Option<Vec<u8>> = r.try_get("note_sealed").map_err(&err)?;
        Ok(Urge {
            id,
            at: from_micros(r.try_get("at").map_err(&err)?)?,
            entry: UrgeEntry {
                kind: r.try_get("kind").map_err(&err)?,
                intensity: intensity.and_then(|n| u8::try_from(n).ok()),
                body: r.try_get("body").map_err(&err)?,
                about: self.seal.open_opt(Self::place(TABLE, "about", &key), about.as_deref())?,
                did: r.try_get("did").map_err(&err)?,
                note: self.seal.open_opt(Self::place(TABLE, "note", &key), note.as_deref())?,
            },
        })
    }

    /// Add an urge; with `ignore_existing`, one with the same id is left
    /// alone. Returns whether a row was added.
    pub(crate) async fn add_urge_row(&self, c: &mut PgConnection, u: &Urge, ignore_existing: bool) -> Result<bool, StoreError> {
        let key = u.id.to_string();
        let about = self.seal.seal_opt(Self::place(TABLE, "about", &key), u.entry.about.as_deref())?;
        let note = self.seal.seal_opt(Self::place(TABLE, "note", &key), u.entry.note.as_deref())?;
        let sql = if ignore_existing {
            "INSERT INTO urges (owner, id, at, kind, intensity, body, about_sealed, did, note_sealed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (owner, id) DO NOTHING"
        } else {
            "INSERT INTO urges (owner, id, at, kind, intensity, body, about_sealed, did, note_sealed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        };
        let done = sqlx::query(sql)
            .bind(self.owner)
            .bind(u.id)
            .bind(micros(u.at))
            .bind(&u.entry.kind)
            .bind(u.entry.intensity.map(i16::from))
            .bind(&u.entry.body)
            .bind(about)
            .bind(&u.entry.did)
            .bind(note)
            .execute(c)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    async fn urge_row(&self, c: &mut PgConnection, id: Uuid, lock: bool) -> Result<Option<Urge>, StoreError> {
        let sql = if lock {
            concat!("SELECT ", columns!(), " FROM urges WHERE owner = $1 AND id = $2 FOR UPDATE")
        } else {
            concat!("SELECT ", columns!(), " FROM urges WHERE owner = $1 AND id = $2")
        };
        let row = sqlx::query(sql)
            .bind(self.owner)
            .bind(id)
            .fetch_optional(c)
            .await
            .map_err(self.err())?;
        row.map(|r| self.urge_of(&r)).transpose()
    }
}

impl Urges for PgStore {
    fn insert_urge<'a>(&'a self, u: &'a Urge) -> Fut<'a, ()> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.add_urge_row(&mut c, u, false).await.map(drop)
        })
    }

    fn urge<'a>(&'a self, id: Uuid) -> Fut<'a, Option<Urge>> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.urge_row(&mut c, id, false).await
        })
    }

    fn update_urge<'a>(&'a self, id: Uuid, e: &'a UrgeEntry, at: OffsetDateTime) -> Fut<'a, bool> {
        Box::pin(async move {
            let mut lease = self.conn().await?;
            let mut tx = lease.begin().await.map_err(self.err())?;
            let Some(old) = self.urge_row(&mut tx, id, true).await? else {
                return Ok(false);
            };
            let key = id.to_string();
            for (field, was, now) in [("about", &old.entry.about, &e.about), ("note", &old.entry.note, &e.note)] {
                self.keep(&mut tx, (versions::URGE, &key, field), was.as_deref(), now.as_deref(), at)
                    .await?;
            }
            let about = self.seal.seal_opt(Self::place(TABLE, "about", &key), e.about.as_deref())?;
            let note = self.seal.seal_opt(Self::place(TABLE, "note", &key), e.note.as_deref())?;
            sqlx::query(
                "UPDATE urges SET kind = $3, intensity = $4, body = $5, about_sealed = $6, did = $7, note_sealed = $8 WHERE owner = $1 AND id = $2",
            )
            .bind(self.owner)
            .bind(id)
            .bind(&e.kind)
            .bind(e.intensity.map(i16::from))
            .bind(&e.body)
            .bind(about)
            .bind(&e.did)
            .bind(note)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
            tx.commit().await.map_err(self.err())?;
            Ok(true)
        })
    }

    fn delete_urge<'a>(&'a self, id: Uuid) -> Fut<'a, bool> {
        Box::pin(async move { self.delete_one("DELETE FROM urges WHERE owner = $1 AND id = $2", id).await })
    }

    fn urges<'a>(&'a self, f: &'a UrgeFilter) -> Fut<'a, Vec<Urge>> {
        Box::pin(async move {
            let mut q = QueryBuilder::new(concat!("SELECT ", columns!(), " FROM urges WHERE owner = "));
            q.push_bind(self.owner);
            if let Some(since) = f.since {
                q.push(" AND at >= ").push_bind(micros(since));
            }
            if let Some(until) = f.until {
                q.push(" AND at < ").push_bind(micros(until));
            }
            if let Some(kind) = &f.kind {
                q.push(" AND kind = ").push_bind(kind);
            }
            if let Some(did) = &f.did {
                q.push(" AND did = ").push_bind(did);
            }
            q.push(" ORDER BY at DESC, id DESC");
            if let Some(limit) = f.limit {
                q.push(" LIMIT ").push_bind(i64::from(limit));
            }
            let rows = q.build().fetch_all(&mut *self.conn().await?).await.map_err(self.err())?;
            rows.iter().map(|r| self.urge_of(r)).collect()
        })
    }

    fn urge_counts_by_did<'a>(&'a self, since: OffsetDateTime) -> Fut<'a, Vec<(Option<String>, u64)>> {
        Box::pin(async move {
            let rows: Vec<(Option<String>, i64)> =
                sqlx::query_as("SELECT did, count(*) FROM urges WHERE owner = $1 AND at >= $2 GROUP BY did")
                    .bind(self.owner)
                    .bind(micros(since))
                    .fetch_all(&mut *self.conn().await?)
                    .await
                    .map_err(self.err())?;
            Ok(rows.into_iter().map(|(d, n)| (d, u64::try_from(n).unwrap_or(0))).collect())
        })
    }
}
