//! Earlier versions of edited text, sealed like the text they were. Every
//! write that changes saved words calls [`PgStore::keep`] in its own
//! transaction, so the change and the kept words land together.

use drawbridge_core::versions::TextVersion;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{PgStore, from_micros, micros};
use crate::backend::{Fut, Versions};
use crate::error::StoreError;

const TABLE: &str = "text_versions";
macro_rules! columns {
    () => {
        "id, item, item_id, field, text_sealed, replaced_at"
    };
}

/// What a kept version's seal is bound to: its own id and the item and
/// field it was the words of, so it cannot be moved to another item.
pub(crate) fn version_row(id: Uuid, item: &str, item_id: &str, field: &str) -> String {
    format!("{id}/{item}/{item_id}/{field}")
}

impl PgStore {
    /// Keep `old` as an earlier version of `item`'s `field` if `new` changes it.
    pub(crate) async fn keep(
        &self,
        c: &mut PgConnection,
        (item, item_id, field): (&str, &str, &str),
        old: Option<&str>,
        new: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let Some(v) = TextVersion::on_change((item, item_id, field), old, new, at) else {
            return Ok(false);
        };
        self.insert_version(c, &v, false).await
    }

    /// Add a version; with `ignore_existing`, one with the same id is left alone.
    pub(crate) async fn insert_version(&self, c: &mut PgConnection, v: &TextVersion, ignore_existing: bool) -> Result<bool, StoreError> {
        let sealed = self.seal.seal(
            Self::place(TABLE, "text", &version_row(v.id, &v.item, &v.item_id, &v.field)),
            &v.text,
        )?;
        let sql = if ignore_existing {
            "INSERT INTO text_versions (owner, id, item, item_id, field, text_sealed, replaced_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (owner, id) DO NOTHING"
        } else {
            "INSERT INTO text_versions (owner, id, item, item_id, field, text_sealed, replaced_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        };
        let done = sqlx::query(sql)
            .bind(self.owner)
            .bind(v.id)
            .bind(&v.item)
            .bind(&v.item_id)
            .bind(&v.field)
            .bind(sealed)
            .bind(micros(v.replaced_at))
            .execute(c)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) fn version_of(&self, r: &PgRow) -> Result<TextVersion, StoreError> {
        let err = self.err();
        let id: Uuid = r.try_get("id").map_err(&err)?;
        let sealed: Vec<u8> = r.try_get("text_sealed").map_err(&err)?;
        let (item, item_id, field): (String, String, String) = (
            r.try_get("item").map_err(&err)?,
            r.try_get("item_id").map_err(&err)?,
            r.try_get("field").map_err(&err)?,
        );
        let text = self
            .seal
            .open(Self::place(TABLE, "text", &version_row(id, &item, &item_id, &field)), &sealed)?;
        Ok(TextVersion {
            id,
            item,
            item_id,
            field,
            text,
            replaced_at: from_micros(r.try_get("replaced_at").map_err(&err)?)?,
        })
    }
}

impl Versions for PgStore {
    fn versions<'a>(&'a self, item: &'a str, item_id: &'a str) -> Fut<'a, Vec<TextVersion>> {
        Box::pin(async move {
            let rows = sqlx::query(concat!(
                "SELECT ",
                columns!(),
                " FROM text_versions WHERE owner = $1 AND item = $2 AND item_id = $3 ORDER BY replaced_at DESC, id DESC"
            ))
            .bind(self.owner)
            .bind(item)
            .bind(item_id)
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(self.err())?;
            rows.iter().map(|r| self.version_of(r)).collect()
        })
    }

    fn versions_of_kind<'a>(&'a self, item: &'a str) -> Fut<'a, Vec<TextVersion>> {
        Box::pin(async move {
            let rows = sqlx::query(concat!(
                "SELECT ",
                columns!(),
                " FROM text_versions WHERE owner = $1 AND item = $2 ORDER BY replaced_at DESC, id DESC"
            ))
            .bind(self.owner)
            .bind(item)
            .fetch_all(&mut *self.conn().await?)
            .await
            .map_err(self.err())?;
            rows.iter().map(|r| self.version_of(r)).collect()
        })
    }
}
