//! Earlier versions of edited text (`text_versions`). Every write that
//! changes saved words calls [`keep`] inside its own transaction, so the
//! change and the kept words land together or not at all.

use drawbridge_core::versions::TextVersion;
use rusqlite::{Connection, Row, params};
use time::OffsetDateTime;

use super::{Res, SqliteStore, from_micros, micros, rows, uuid_of};
use crate::error::StoreError;

/// Keep `old` as an earlier version of `item`'s `field` if `new` changes it.
/// Returns whether a version was kept.
pub(crate) fn keep(
    c: &Connection,
    item: &str,
    item_id: &str,
    field: &str,
    old: Option<&str>,
    new: Option<&str>,
    at: OffsetDateTime,
) -> Res<bool> {
    let Some(v) = TextVersion::on_change((item, item_id, field), old, new, at) else {
        return Ok(false);
    };
    insert(c, &v, false)?;
    Ok(true)
}

/// Add a version; with `ignore_existing`, one with the same id is left alone.
pub(crate) fn insert(c: &Connection, v: &TextVersion, ignore_existing: bool) -> Res<bool> {
    let sql = if ignore_existing {
        "INSERT INTO text_versions (owner, id, item, item_id, field, text, replaced_at) VALUES (current_owner(), ?, ?, ?, ?, ?, ?) ON CONFLICT (owner, id) DO NOTHING"
    } else {
        "INSERT INTO text_versions (owner, id, item, item_id, field, text, replaced_at) VALUES (current_owner(), ?, ?, ?, ?, ?, ?)"
    };
    let n = c
        .prepare_cached(sql)?
        .execute(params![v.id.to_string(), v.item, v.item_id, v.field, v.text, micros(v.replaced_at)])?;
    Ok(n == 1)
}

fn from_row(r: &Row<'_>) -> Res<TextVersion> {
    let id: String = r.get("id")?;
    Ok(TextVersion {
        id: uuid_of(&id)?,
        item: r.get("item")?,
        item_id: r.get("item_id")?,
        field: r.get("field")?,
        text: r.get("text")?,
        replaced_at: from_micros(r.get("replaced_at")?)?,
    })
}

pub(crate) fn all(c: &Connection) -> Res<Vec<TextVersion>> {
    rows(
        &mut c.prepare_cached(
            "SELECT id, item, item_id, field, text, replaced_at FROM text_versions WHERE owner = current_owner() ORDER BY replaced_at, id",
        )?,
        [],
        from_row,
    )
}

impl SqliteStore {
    /// Earlier versions of one item's text, newest first.
    pub(crate) fn versions(&self, item: &str, item_id: &str) -> Result<Vec<TextVersion>, StoreError> {
        self.with(|c| {
            rows(
                &mut c.prepare_cached(
                    "SELECT id, item, item_id, field, text, replaced_at FROM text_versions WHERE owner = current_owner() AND item = ? AND item_id = ? \
                     ORDER BY replaced_at DESC, id DESC",
                )?,
                [item, item_id],
                from_row,
            )
        })
    }

    /// Earlier versions of every item of one kind, newest first.
    pub(crate) fn versions_of_kind(&self, item: &str) -> Result<Vec<TextVersion>, StoreError> {
        self.with(|c| {
            rows(
                &mut c.prepare_cached(
                    "SELECT id, item, item_id, field, text, replaced_at FROM text_versions WHERE owner = current_owner() AND item = ? ORDER BY replaced_at DESC, id DESC",
                )?,
                [item],
                from_row,
            )
        })
    }
}
