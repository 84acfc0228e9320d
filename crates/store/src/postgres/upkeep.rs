//! Checking a PostgreSQL store: the server checks its own pages, so the
//! check here is that every sealed text of the owner still opens with their
//! key, in the place it was sealed for.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;

use uuid::Uuid;

use super::PgStore;
use super::versions::version_row;
use crate::backend::{Fut, Lifecycle, Upkeep};
use crate::error::StoreError;

/// (table, the column that names the row, the sealed fields)
const SEALED: &[(&str, &str, &[&str])] = &[
    ("urges", "id::text", &["about", "note"]),
    ("instruments", "id", &["source"]),
    ("quiz_results", "id::text", &["label"]),
    (
        "experiment_records",
        "id::text",
        &["custom", "with_whom", "prediction", "what_happened", "learned"],
    ),
    ("program_runs", "id::text", &["entries"]),
    ("resets", "id::text", &["happened", "felt", "truth", "thought"]),
    ("safety_plan", "section", &["text"]),
    ("settings", "key", &["value"]),
];

impl PgStore {
    async fn unopened(&self) -> Result<Vec<String>, StoreError> {
        let mut problems = Vec::new();
        for (table, row, fields) in SEALED {
            for field in *fields {
                let sql = format!("SELECT {row}, {field}_sealed FROM {table} WHERE owner = $1 AND {field}_sealed IS NOT NULL");
                // The names above are this file's own constants, not input.
                let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(self.owner)
                    .fetch_all(&mut *self.conn().await?)
                    .await
                    .map_err(self.err())?;
                for (key, sealed) in rows {
                    if self.seal.open(Self::place(table, field, &key), &sealed).is_err() {
                        problems.push(format!("{table} {key}: its {field} does not open with this key"));
                    }
                }
            }
        }
        let versions: Vec<(Uuid, String, String, String, Vec<u8>)> =
            sqlx::query_as("SELECT id, item, item_id, field, text_sealed FROM text_versions WHERE owner = $1")
                .bind(self.owner)
                .fetch_all(&mut *self.conn().await?)
                .await
                .map_err(self.err())?;
        for (id, item, item_id, field, sealed) in versions {
            if self
                .seal
                .open(
                    Self::place("text_versions", "text", &version_row(id, &item, &item_id, &field)),
                    &sealed,
                )
                .is_err()
            {
                problems.push(format!("text_versions {id}: its text does not open with this key"));
            }
        }
        Ok(problems)
    }
}

impl Upkeep for PgStore {
    fn quick_check<'a>(&'a self) -> Fut<'a, Vec<String>> {
        Box::pin(self.unopened())
    }

    fn cipher_provider<'a>(&'a self) -> Fut<'a, String> {
        Box::pin(std::future::ready(Ok(
            "RustCrypto: xchacha20poly1305 sealing, hmac-sha256 key derivation".to_string(),
        )))
    }
}

impl Lifecycle for PgStore {
    fn owner(&self) -> Option<Uuid> {
        Some(self.owner)
    }

    fn path(&self) -> &Path {
        &self.shown
    }

    fn close(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move { self.close_all().await })
    }

    fn for_owner(&self, owner: Uuid, key: &crate::keys::DataKey) -> std::sync::Arc<dyn crate::backend::Backend> {
        std::sync::Arc::new(PgStore::for_owner(self, owner, key))
    }

    fn add_owner<'a>(&'a self, owner: Uuid, at: time::OffsetDateTime, key: &'a crate::keys::DataKey) -> crate::backend::Fut<'a, ()> {
        Box::pin(PgStore::add_owner(self, owner, at, key))
    }

    fn delete_owner(&self) -> crate::backend::Fut<'_, ()> {
        Box::pin(PgStore::delete_owner(self))
    }

    fn pool_use(&self) -> Option<(u32, usize)> {
        PgStore::pool_use(self)
    }

    fn answers(&self) -> crate::backend::Fut<'_, ()> {
        Box::pin(async move {
            sqlx::raw_sql("SELECT 1")
                .execute(&mut *self.conn().await?)
                .await
                .map_err(self.err())?;
            Ok(())
        })
    }
}
