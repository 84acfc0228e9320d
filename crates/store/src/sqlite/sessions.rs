//! Signed-in browsers, kept in the encrypted store so that a browser stays
//! signed in when drawbridge restarts. Only a hash of the session id is
//! stored: a copy of the database does not sign anyone in.

use rusqlite::params;
use time::OffsetDateTime;

use super::{SqliteStore, first, micros};
use crate::error::StoreError;
use crate::session_hash as hash;

impl SqliteStore {
    pub(crate) fn keep_web_session(&self, id: &str, csrf: &str, now: OffsetDateTime, expires: OffsetDateTime) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO web_sessions (owner, id_hash, csrf, created_at, expires_at) VALUES (current_owner(), ?, ?, ?, ?) \
                 ON CONFLICT (owner, id_hash) DO UPDATE SET expires_at = excluded.expires_at",
            )?
            .execute(params![hash(id), csrf, micros(now), micros(expires)])?;
            Ok(())
        })
    }

    /// The session's CSRF token, if it exists and has not expired. Expired
    /// sessions are removed on the way.
    pub(crate) fn web_session(&self, id: &str, now: OffsetDateTime) -> Result<Option<String>, StoreError> {
        self.write(|tx| {
            tx.prepare_cached("DELETE FROM web_sessions WHERE owner = current_owner() AND expires_at <= ?")?
                .execute([micros(now)])?;
            first(
                &mut tx.prepare_cached("SELECT csrf FROM web_sessions WHERE owner = current_owner() AND id_hash = ?")?,
                [hash(id)],
                |r| Ok(r.get(0)?),
            )
        })
    }

    /// End one session (`Some(id)`) or every one (`None`).
    pub(crate) fn end_web_sessions(&self, id: Option<&str>) -> Result<u64, StoreError> {
        self.write(|tx| {
            let n = match id {
                Some(id) => tx
                    .prepare_cached("DELETE FROM web_sessions WHERE owner = current_owner() AND id_hash = ?")?
                    .execute([hash(id)])?,
                None => tx
                    .prepare_cached("DELETE FROM web_sessions WHERE owner = current_owner()")?
                    .execute([])?,
            };
            Ok(n as u64)
        })
    }
}
