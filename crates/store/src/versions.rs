//! Storage for earlier versions of edited text (`text_versions`). Every write
//! that changes saved words goes through [`keep`] inside its own transaction,
//! so the change and the kept words land together or not at all.

use drawbridge_core::versions::{TextVersion, replaced};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, SqliteConnection};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::StoreError;
use crate::sqlite::{SqliteStore, from_micros, micros};

/// Keep `old` as an earlier version of `item`'s `field` if `new` changes it.
/// Returns whether a version was kept.
pub(crate) async fn keep(
    conn: &mut SqliteConnection,
    item: &str,
    item_id: &str,
    field: &str,
    old: Option<&str>,
    new: Option<&str>,
    at: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let Some(text) = replaced(old, new) else {
        return Ok(false);
    };
    let v = TextVersion {
        id: Uuid::now_v7(),
        item: item.to_string(),
        item_id: item_id.to_string(),
        field: field.to_string(),
        text,
        replaced_at: at,
    };
    insert(conn, &v, false).await?;
    Ok(true)
}

pub(crate) async fn insert(conn: &mut SqliteConnection, v: &TextVersion, ignore_existing: bool) -> Result<u64, sqlx::Error> {
    let sql = if ignore_existing {
        "INSERT INTO text_versions (id, item, item_id, field, text, replaced_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
    } else {
        "INSERT INTO text_versions (id, item, item_id, field, text, replaced_at) VALUES (?, ?, ?, ?, ?, ?)"
    };
    let done = sqlx::query(sql)
        .bind(v.id.to_string())
        .bind(&v.item)
        .bind(&v.item_id)
        .bind(&v.field)
        .bind(&v.text)
        .bind(micros(v.replaced_at))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

fn from_row(r: &SqliteRow) -> Result<TextVersion, StoreError> {
    let e = |e: sqlx::Error| StoreError::Database(e.to_string());
    let id: String = r.try_get("id").map_err(e)?;
    Ok(TextVersion {
        id: Uuid::parse_str(&id).map_err(|x| StoreError::Database(format!("a stored id is not valid: {x}")))?,
        item: r.try_get("item").map_err(e)?,
        item_id: r.try_get("item_id").map_err(e)?,
        field: r.try_get("field").map_err(e)?,
        text: r.try_get("text").map_err(e)?,
        replaced_at: from_micros(r.try_get("replaced_at").map_err(e)?)?,
    })
}

pub(crate) async fn all<'e, E: sqlx::Executor<'e, Database = Sqlite>>(ex: E) -> Result<Vec<TextVersion>, StoreError> {
    let rows = sqlx::query("SELECT id, item, item_id, field, text, replaced_at FROM text_versions ORDER BY replaced_at, id")
        .fetch_all(ex)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?;
    rows.iter().map(from_row).collect()
}

impl SqliteStore {
    /// Earlier versions of one item's text, newest first.
    pub(crate) async fn versions(&self, item: &str, item_id: &str) -> Result<Vec<TextVersion>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, item, item_id, field, text, replaced_at FROM text_versions WHERE item = ? AND item_id = ? \
             ORDER BY replaced_at DESC, id DESC",
        )
        .bind(item)
        .bind(item_id)
        .fetch_all(self.pool())
        .await
        .map_err(self.err())?;
        rows.iter().map(from_row).collect()
    }

    /// Earlier versions of every item of one kind, newest first.
    pub(crate) async fn versions_of_kind(&self, item: &str) -> Result<Vec<TextVersion>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, item, item_id, field, text, replaced_at FROM text_versions WHERE item = ? ORDER BY replaced_at DESC, id DESC",
        )
        .bind(item)
        .fetch_all(self.pool())
        .await
        .map_err(self.err())?;
        rows.iter().map(from_row).collect()
    }
}
