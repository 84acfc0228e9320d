//! Settings (a key and its value) and the instruments the person added.

use std::collections::BTreeMap;

use rusqlite::{Connection, Row, params};

use super::{Res, SqliteStore, first, from_micros, micros, rows};
use crate::StoredInstrument;
use crate::error::StoreError;

pub(crate) fn get(c: &Connection, key: &str) -> Res<Option<String>> {
    first(
        &mut c.prepare_cached("SELECT value FROM settings WHERE owner = current_owner() AND key = ?")?,
        [key],
        |r| Ok(r.get(0)?),
    )
}

pub(crate) fn put(c: &Connection, key: &str, value: &str) -> Res<()> {
    c.prepare_cached("INSERT INTO settings (owner, key, value) VALUES (current_owner(), ?, ?) ON CONFLICT (owner, key) DO UPDATE SET value = excluded.value")?
        .execute([key, value])?;
    Ok(())
}

pub(crate) fn all(c: &Connection) -> Res<BTreeMap<String, String>> {
    let pairs = rows(
        &mut c.prepare_cached("SELECT key, value FROM settings WHERE owner = current_owner() ORDER BY key")?,
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(pairs.into_iter().collect())
}

pub(crate) fn instrument_from_row(r: &Row<'_>) -> Res<StoredInstrument> {
    Ok(StoredInstrument {
        id: r.get("id")?,
        source: r.get("source")?,
        added_at: from_micros(r.get("added_at")?)?,
    })
}

pub(crate) fn instruments(c: &Connection) -> Res<Vec<StoredInstrument>> {
    rows(
        &mut c.prepare_cached("SELECT id, source, added_at FROM instruments WHERE owner = current_owner() ORDER BY added_at, id")?,
        [],
        instrument_from_row,
    )
}

impl SqliteStore {
    pub(crate) fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.with(|c| get(c, key))
    }

    pub(crate) fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.write(|tx| put(tx, key, value))
    }

    pub(crate) fn put_instrument(&self, i: &StoredInstrument) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO instruments (owner, id, source, added_at) VALUES (current_owner(), ?, ?, ?) \
                 ON CONFLICT (owner, id) DO UPDATE SET source = excluded.source, added_at = excluded.added_at",
            )?
            .execute(params![i.id, i.source, micros(i.added_at)])?;
            Ok(())
        })
    }

    pub(crate) fn stored_instruments(&self) -> Result<Vec<StoredInstrument>, StoreError> {
        self.with(|c| instruments(c))
    }

    pub(crate) fn remove_instrument(&self, id: &str) -> Result<bool, StoreError> {
        self.write(|tx| {
            Ok(tx
                .prepare_cached("DELETE FROM instruments WHERE owner = current_owner() AND id = ?")?
                .execute([id])?
                == 1)
        })
    }
}
