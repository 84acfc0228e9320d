//! Signed-in browsers on PostgreSQL: as on SQLite, only a hash of the
//! session id is stored, so a dump signs no one in.

use sqlx::Connection;
use time::OffsetDateTime;

use super::{PgStore, micros};
use crate::backend::{Fut, Sessions};
use crate::session_hash;

impl Sessions for PgStore {
    fn keep_web_session<'a>(&'a self, id: &'a str, csrf: &'a str, now: OffsetDateTime, expires: OffsetDateTime) -> Fut<'a, ()> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO web_sessions (owner, id_hash, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (owner, id_hash) DO UPDATE SET expires_at = excluded.expires_at",
            )
            .bind(self.owner)
            .bind(session_hash(id))
            .bind(csrf)
            .bind(micros(now))
            .bind(micros(expires))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(self.err())?;
            Ok(())
        })
    }

    /// The session's CSRF token, if it exists and has not expired. Expired
    /// sessions are removed on the way.
    fn web_session<'a>(&'a self, id: &'a str, now: OffsetDateTime) -> Fut<'a, Option<String>> {
        Box::pin(async move {
            let mut lease = self.conn().await?;
            let mut tx = lease.begin().await.map_err(self.err())?;
            sqlx::query("DELETE FROM web_sessions WHERE owner = $1 AND expires_at <= $2")
                .bind(self.owner)
                .bind(micros(now))
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            let csrf: Option<String> = sqlx::query_scalar("SELECT csrf FROM web_sessions WHERE owner = $1 AND id_hash = $2")
                .bind(self.owner)
                .bind(session_hash(id))
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.err())?;
            tx.commit().await.map_err(self.err())?;
            Ok(csrf)
        })
    }

    /// End one session (`Some(id)`) or every one (`None`).
    fn end_web_sessions<'a>(&'a self, id: Option<&'a str>) -> Fut<'a, u64> {
        Box::pin(async move {
            let done = match id {
                Some(id) => {
                    sqlx::query("DELETE FROM web_sessions WHERE owner = $1 AND id_hash = $2")
                        .bind(self.owner)
                        .bind(session_hash(id))
                        .execute(&mut *self.conn().await?)
                        .await
                }
                None => {
                    sqlx::query("DELETE FROM web_sessions WHERE owner = $1")
                        .bind(self.owner)
                        .execute(&mut *self.conn().await?)
                        .await
                }
            }
            .map_err(self.err())?;
            Ok(done.rows_affected())
        })
    }
}
