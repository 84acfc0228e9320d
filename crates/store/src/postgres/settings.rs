//! Settings and added questionnaires on PostgreSQL. Values are sealed (one
//! is the calendar feed's secret), and so is a questionnaire's text.

use sqlx::PgConnection;
use sqlx::Row;

use super::{PgStore, from_micros, micros};
use crate::StoredInstrument;
use crate::backend::{Fut, Settings};
use crate::error::StoreError;

impl PgStore {
    pub(crate) async fn put_setting(&self, c: &mut PgConnection, key: &str, value: &str) -> Result<(), StoreError> {
        let sealed = self.seal.seal(Self::place("settings", "value", key), value)?;
        sqlx::query(
            "INSERT INTO settings (owner, key, value_sealed) VALUES ($1, $2, $3) \
             ON CONFLICT (owner, key) DO UPDATE SET value_sealed = excluded.value_sealed",
        )
        .bind(self.owner)
        .bind(key)
        .bind(sealed)
        .execute(c)
        .await
        .map_err(self.err())?;
        Ok(())
    }

    /// Add a questionnaire, or write over the stored one with its id.
    pub(crate) async fn put_instrument_row(&self, c: &mut PgConnection, i: &StoredInstrument) -> Result<(), StoreError> {
        let sealed = self.seal.seal(Self::place("instruments", "source", &i.id), &i.source)?;
        sqlx::query(
            "INSERT INTO instruments (owner, id, source_sealed, added_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (owner, id) DO UPDATE SET source_sealed = excluded.source_sealed, added_at = excluded.added_at",
        )
        .bind(self.owner)
        .bind(&i.id)
        .bind(sealed)
        .bind(micros(i.added_at))
        .execute(c)
        .await
        .map_err(self.err())?;
        Ok(())
    }
}

impl Settings for PgStore {
    fn setting<'a>(&'a self, key: &'a str) -> Fut<'a, Option<String>> {
        Box::pin(async move {
            let sealed: Option<Vec<u8>> = sqlx::query_scalar("SELECT value_sealed FROM settings WHERE owner = $1 AND key = $2")
                .bind(self.owner)
                .bind(key)
                .fetch_optional(&mut *self.conn().await?)
                .await
                .map_err(self.err())?;
            self.seal.open_opt(Self::place("settings", "value", key), sealed.as_deref())
        })
    }

    fn set_setting<'a>(&'a self, key: &'a str, value: &'a str) -> Fut<'a, ()> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.put_setting(&mut c, key, value).await
        })
    }

    fn put_instrument<'a>(&'a self, i: &'a StoredInstrument) -> Fut<'a, ()> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.put_instrument_row(&mut c, i).await
        })
    }

    fn stored_instruments<'a>(&'a self) -> Fut<'a, Vec<StoredInstrument>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT id, source_sealed, added_at FROM instruments WHERE owner = $1 ORDER BY added_at, id")
                .bind(self.owner)
                .fetch_all(&mut *self.conn().await?)
                .await
                .map_err(self.err())?;
            rows.iter()
                .map(|r| {
                    let err = self.err();
                    let id: String = r.try_get("id").map_err(&err)?;
                    let sealed: Vec<u8> = r.try_get("source_sealed").map_err(&err)?;
                    Ok(StoredInstrument {
                        source: self.seal.open(Self::place("instruments", "source", &id), &sealed)?,
                        added_at: from_micros(r.try_get("added_at").map_err(&err)?)?,
                        id,
                    })
                })
                .collect()
        })
    }

    fn remove_instrument<'a>(&'a self, id: &'a str) -> Fut<'a, bool> {
        Box::pin(async move { self.delete_one("DELETE FROM instruments WHERE owner = $1 AND id = $2", id).await })
    }
}
