//! Urges: the log of moments the pull to go quiet, fight or leave came up.

use drawbridge_core::urge::{Urge, UrgeEntry};
use drawbridge_core::versions;
use rusqlite::types::ToSql;
use rusqlite::{Connection, Row, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Res, SqliteStore, first, from_micros, micros, rows, uuid_of};
use crate::UrgeFilter;
use crate::error::StoreError;

/// Every column, in the order [`from_row`] reads them.
pub(crate) const COLUMNS: &str = "id, at, kind, intensity, body, about, did, note";
pub(crate) const BY_ID: &str = "SELECT id, at, kind, intensity, body, about, did, note FROM urges WHERE owner = current_owner() AND id = ?";

/// An urge from a row of [`COLUMNS`], read by position: a listing reads
/// hundreds of rows, and finding each column by name was a tenth of its time.
pub(crate) fn from_row(r: &Row<'_>) -> Res<Urge> {
    let id: String = r.get(0)?;
    let intensity: Option<i64> = r.get(3)?;
    Ok(Urge {
        id: uuid_of(&id)?,
        at: from_micros(r.get(1)?)?,
        entry: UrgeEntry {
            kind: r.get(2)?,
            intensity: intensity.and_then(|n| u8::try_from(n).ok()),
            body: r.get(4)?,
            about: r.get(5)?,
            did: r.get(6)?,
            note: r.get(7)?,
        },
    })
}

/// Add an urge; with `ignore_existing`, one with the same id is left alone.
/// Returns whether a row was added.
pub(crate) fn insert(c: &Connection, u: &Urge, ignore_existing: bool) -> Res<bool> {
    let sql = if ignore_existing {
        "INSERT INTO urges (owner, id, at, kind, intensity, body, about, did, note) VALUES (current_owner(), ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner, id) DO NOTHING"
    } else {
        "INSERT INTO urges (owner, id, at, kind, intensity, body, about, did, note) VALUES (current_owner(), ?, ?, ?, ?, ?, ?, ?, ?)"
    };
    let n = c.prepare_cached(sql)?.execute(params![
        u.id.to_string(),
        micros(u.at),
        u.entry.kind,
        u.entry.intensity.map(i64::from),
        u.entry.body,
        u.entry.about,
        u.entry.did,
        u.entry.note,
    ])?;
    Ok(n == 1)
}

pub(crate) fn one(c: &Connection, id: &str) -> Res<Option<Urge>> {
    first(&mut c.prepare_cached(BY_ID)?, [id], from_row)
}

pub(crate) fn all(c: &Connection) -> Res<Vec<Urge>> {
    rows(
        &mut c.prepare_cached(
            "SELECT id, at, kind, intensity, body, about, did, note FROM urges WHERE owner = current_owner() ORDER BY at, id",
        )?,
        [],
        from_row,
    )
}

impl SqliteStore {
    pub(crate) fn insert_urge(&self, u: &Urge) -> Result<(), StoreError> {
        self.write(|tx| insert(tx, u, false).map(drop))
    }

    pub(crate) fn urge(&self, id: Uuid) -> Result<Option<Urge>, StoreError> {
        self.with(|c| one(c, &id.to_string()))
    }

    /// Change an urge; its earlier "about" and note are kept as versions.
    pub(crate) fn update_urge(&self, id: Uuid, e: &UrgeEntry, at: OffsetDateTime) -> Result<bool, StoreError> {
        let key = id.to_string();
        self.write(|tx| {
            let Some(old) = one(tx, &key)? else {
                return Ok(false);
            };
            for (field, was, now) in [("about", &old.entry.about, &e.about), ("note", &old.entry.note, &e.note)] {
                super::versions::keep(tx, versions::URGE, &key, field, was.as_deref(), now.as_deref(), at)?;
            }
            tx.prepare_cached(
                "UPDATE urges SET kind = ?, intensity = ?, body = ?, about = ?, did = ?, note = ? WHERE owner = current_owner() AND id = ?",
            )?
            .execute(params![e.kind, e.intensity.map(i64::from), e.body, e.about, e.did, e.note, key])?;
            Ok(true)
        })
    }

    pub(crate) fn delete_urge(&self, id: Uuid) -> Result<bool, StoreError> {
        self.write(|tx| {
            Ok(tx
                .prepare_cached("DELETE FROM urges WHERE owner = current_owner() AND id = ?")?
                .execute([id.to_string()])?
                == 1)
        })
    }

    pub(crate) fn urges(&self, f: &UrgeFilter) -> Result<Vec<Urge>, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM urges WHERE owner = current_owner()");
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        if let Some(since) = f.since {
            sql.push_str(" AND at >= ?");
            args.push(Box::new(micros(since)));
        }
        if let Some(until) = f.until {
            sql.push_str(" AND at < ?");
            args.push(Box::new(micros(until)));
        }
        if let Some(kind) = &f.kind {
            sql.push_str(" AND kind = ?");
            args.push(Box::new(kind.clone()));
        }
        if let Some(did) = &f.did {
            sql.push_str(" AND did = ?");
            args.push(Box::new(did.clone()));
        }
        sql.push_str(" ORDER BY at DESC, id DESC");
        if let Some(limit) = f.limit {
            sql.push_str(" LIMIT ?");
            args.push(Box::new(i64::from(limit)));
        }
        self.with(|c| rows(&mut c.prepare_cached(&sql)?, rusqlite::params_from_iter(args.iter()), from_row))
    }

    pub(crate) fn urge_counts_by_did(&self, since: OffsetDateTime) -> Result<Vec<(Option<String>, u64)>, StoreError> {
        self.with(|c| {
            rows(
                &mut c.prepare_cached("SELECT did, count(*) FROM urges WHERE owner = current_owner() AND at >= ? GROUP BY did")?,
                [micros(since)],
                |r| Ok((r.get(0)?, u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0))),
            )
        })
    }
}
