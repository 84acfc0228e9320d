//! Signed-in browsers, kept in the encrypted store so that a browser stays
//! signed in when drawbridge restarts. Only a hash of the session id is
//! stored: a copy of the database does not sign anyone in.

use blake2::{Blake2s256, Digest};
use time::OffsetDateTime;

use crate::error::StoreError;
use crate::sqlite::{SqliteStore, micros};

fn hash(id: &str) -> String {
    hex::encode(Blake2s256::digest(id.as_bytes()))
}

impl SqliteStore {
    pub(crate) async fn keep_web_session(
        &self,
        id: &str,
        csrf: &str,
        now: OffsetDateTime,
        expires: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO web_sessions (id_hash, csrf, created_at, expires_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (id_hash) DO UPDATE SET expires_at = excluded.expires_at",
        )
        .bind(hash(id))
        .bind(csrf)
        .bind(micros(now))
        .bind(micros(expires))
        .execute(self.pool())
        .await
        .map_err(self.err())?;
        Ok(())
    }

    /// The session's CSRF token, if it exists and has not expired. Expired
    /// sessions are removed on the way.
    pub(crate) async fn web_session(&self, id: &str, now: OffsetDateTime) -> Result<Option<String>, StoreError> {
        sqlx::query("DELETE FROM web_sessions WHERE expires_at <= ?")
            .bind(micros(now))
            .execute(self.pool())
            .await
            .map_err(self.err())?;
        sqlx::query_scalar("SELECT csrf FROM web_sessions WHERE id_hash = ?")
            .bind(hash(id))
            .fetch_optional(self.pool())
            .await
            .map_err(self.err())
    }

    /// End one session (`Some(id)`) or every one (`None`).
    pub(crate) async fn end_web_sessions(&self, id: Option<&str>) -> Result<u64, StoreError> {
        let done = match id {
            Some(id) => sqlx::query("DELETE FROM web_sessions WHERE id_hash = ?").bind(hash(id)),
            None => sqlx::query("DELETE FROM web_sessions"),
        }
        .execute(self.pool())
        .await
        .map_err(self.err())?;
        Ok(done.rows_affected())
    }
}
