//! The SQLite backend, encrypted with SQLCipher 4.
//!
//! Each connection is keyed with the raw 256-bit data key (`PRAGMA key =
//! "x'..'"`), which skips SQLCipher's slow passphrase KDF. Opening is careful
//! not to harm what it finds: a plain SQLite file, a file keyed with something
//! else, or a schema newer than this binary are all refused before any write.
//! WAL mode; every write is one transaction with synchronous=FULL, so a write
//! that returned success survives a kill or a power cut.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use drawbridge_core::urge::{Urge, UrgeEntry};
use drawbridge_core::versions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{ConnectOptions, QueryBuilder, Row, Sqlite};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{StoreError, from_sqlx};
use crate::export::ExportAll;
use crate::keys::DataKey;
use crate::{StoredInstrument, UrgeFilter, Workload};
use drawbridge_core::assess::{Answers, QuizResult, Scores};

/// Marks a database as drawbridge's ("DRBG"), checked on every open.
const APPLICATION_ID: i64 = 0x4452_4247;

/// A quiz_results query with every column, as a literal (sqlx wants static SQL).
macro_rules! quiz_select {
    ($rest:literal) => {
        concat!(
            "SELECT id, instrument, instrument_version, started_at, updated_at, finished_at, answers, scores, label FROM quiz_results ",
            $rest
        )
    };
}

/// One quiz attempt by id, every column.
pub(crate) const QUIZ_BY_ID: &str = quiz_select!("WHERE id = ?");

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Clone)]
pub(crate) struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
}

impl SqliteStore {
    /// A pool on `path` with the key, the options every open shares, and
    /// the ones `extra` adds.
    async fn connect(
        path: &Path,
        key: &DataKey,
        max: u32,
        extra: impl FnOnce(SqliteConnectOptions) -> SqliteConnectOptions,
    ) -> Result<SqliteStore, StoreError> {
        check_not_plain_sqlite(path)?;
        crate::exit::install();
        quiet_sqlcipher();
        let key_value = key.pragma_value();
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|e| StoreError::Database(e.to_string()))?
            .filename(path)
            .pragma("key", key_value.to_string())
            .busy_timeout(Duration::from_secs(10))
            .disable_statement_logging();
        // A SQLite connection cannot drop like a network one, so a pool check
        // before each use is a wasted round trip to the connection's worker
        // thread; and nothing here needs connections retired on a timer (that
        // would start a reaper task in every one-shot command).
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .min_connections(0)
            .test_before_acquire(false)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(extra(options))
            .await
            .map_err(|e| from_sqlx(path, e))?;
        Ok(SqliteStore {
            pool,
            path: path.to_path_buf(),
        })
    }

    /// Open an existing database for reading only, as when its folder or
    /// file cannot be written: reading and export still work, and a write
    /// says the database is read-only. With no write-ahead log left beside
    /// it, the file is opened immutable, so SQLite needs no lock files.
    pub(crate) async fn open_read_only(path: &Path, key: &DataKey) -> Result<SqliteStore, StoreError> {
        let wal = path.with_extension("db-wal");
        let settled = std::fs::metadata(&wal).map_or(true, |m| m.len() == 0);
        let store = Self::connect(path, key, 1, |o| o.read_only(true).immutable(settled)).await?;
        let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        let found: Result<Option<i64>, _> = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&store.pool)
            .await;
        match found {
            Ok(Some(v)) if v == known => Ok(store),
            Ok(v) => {
                store.pool.close().await;
                Err(StoreError::ReadOnlyOutdated {
                    path: path.to_path_buf(),
                    found: v.unwrap_or(0),
                    known,
                })
            }
            Err(e) => {
                store.pool.close().await;
                Err(from_sqlx(path, e))
            }
        }
    }

    pub(crate) async fn open(path: &Path, key: &DataKey, workload: Workload, create: bool) -> Result<SqliteStore, StoreError> {
        let max = match workload {
            Workload::Command => 1,
            Workload::Server => 4,
        };
        let store = Self::connect(path, key, max, |o| {
            o.create_if_missing(create)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
        })
        .await?;
        if let Err(e) = store.prepare().await {
            store.pool.close().await;
            return Err(e);
        }
        Ok(store)
    }

    /// Check identity and schema, then bring the schema up to date.
    async fn prepare(&self) -> Result<(), StoreError> {
        let err = |e| from_sqlx(&self.path, e);
        // The first real read: a wrong key fails here with SQLITE_NOTADB. One
        // statement for both answers: each statement is a round trip to the
        // connection's worker thread.
        let (tables, app_id): (i64, i64) =
            sqlx::query_as("SELECT (SELECT count(*) FROM sqlite_master), (SELECT application_id FROM pragma_application_id)")
                .fetch_one(&self.pool)
                .await
                .map_err(err)?;
        if app_id != APPLICATION_ID && !(app_id == 0 && tables == 0) {
            return Err(StoreError::NotDrawbridge {
                path: self.path.clone(),
                reason: "it is an encrypted database made by another program".into(),
            });
        }
        let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        if tables > 0 {
            let found: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await
                .map_err(|_| StoreError::NotDrawbridge {
                    path: self.path.clone(),
                    reason: "its schema record is missing".into(),
                })?;
            let found = found.unwrap_or(0);
            if found > known {
                return Err(StoreError::NewerSchema { found, known });
            }
            if found == known {
                return Ok(());
            }
        }
        MIGRATOR.run(&self.pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(e) => err(e),
            other => StoreError::Database(other.to_string()),
        })?;
        if app_id == 0 {
            sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA application_id = {APPLICATION_ID}")))
                .execute(&self.pool)
                .await
                .map_err(err)?;
        }
        Ok(())
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Which library does SQLCipher's encryption (`PRAGMA cipher_provider`).
    pub(crate) async fn cipher_provider(&self) -> Result<String, StoreError> {
        sqlx::query_scalar("PRAGMA cipher_provider")
            .fetch_one(&self.pool)
            .await
            .map_err(|e| from_sqlx(&self.path, e))
    }

    /// SQLite's `PRAGMA quick_check`: "ok", or one line per problem.
    pub(crate) async fn quick_check(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<String> =
            sqlx::query_scalar("PRAGMA quick_check")
                .fetch_all(&self.pool)
                .await
                .map_err(|e| match from_sqlx(&self.path, e) {
                    e @ (StoreError::Io { .. } | StoreError::ReadOnly(_) | StoreError::DiskFull) => e,
                    _ => StoreError::Damaged {
                        path: self.path.clone(),
                        detail: "a check of its pages stopped at a page that cannot be read".into(),
                    },
                })?;
        Ok(rows.into_iter().filter(|r| r != "ok").collect())
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub(crate) fn err(&self) -> impl Fn(sqlx::Error) -> StoreError + '_ {
        |e| from_sqlx(&self.path, e)
    }

    pub(crate) async fn insert_urge(&self, u: &Urge) -> Result<(), StoreError> {
        insert_urge_query(u, false).execute(&self.pool).await.map_err(self.err())?;
        Ok(())
    }

    pub(crate) async fn urge(&self, id: Uuid) -> Result<Option<Urge>, StoreError> {
        let row = sqlx::query("SELECT id, at, kind, intensity, body, about, did, note FROM urges WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?;
        row.map(|r| urge_from_row(&r)).transpose()
    }

    /// Change an urge; its earlier "about" and note are kept as versions.
    pub(crate) async fn update_urge(&self, id: Uuid, e: &UrgeEntry, at: OffsetDateTime) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(self.err())?;
        let old = sqlx::query("SELECT about, note FROM urges WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(self.err())?;
        let Some(old) = old else {
            return Ok(false);
        };
        let (about, note): (Option<String>, Option<String>) = (old.try_get(0).map_err(self.err())?, old.try_get(1).map_err(self.err())?);
        let key = id.to_string();
        for (field, was, now) in [("about", &about, &e.about), ("note", &note, &e.note)] {
            crate::versions::keep(&mut tx, versions::URGE, &key, field, was.as_deref(), now.as_deref(), at)
                .await
                .map_err(self.err())?;
        }
        sqlx::query("UPDATE urges SET kind = ?, intensity = ?, body = ?, about = ?, did = ?, note = ? WHERE id = ?")
            .bind(&e.kind)
            .bind(e.intensity.map(i64::from))
            .bind(&e.body)
            .bind(&e.about)
            .bind(&e.did)
            .bind(&e.note)
            .bind(&key)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
        tx.commit().await.map_err(self.err())?;
        Ok(true)
    }

    pub(crate) async fn delete_urge(&self, id: Uuid) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM urges WHERE id = ?")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn urges(&self, f: &UrgeFilter) -> Result<Vec<Urge>, StoreError> {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("SELECT id, at, kind, intensity, body, about, did, note FROM urges WHERE 1 = 1");
        if let Some(since) = f.since {
            q.push(" AND at >= ").push_bind(micros(since));
        }
        if let Some(until) = f.until {
            q.push(" AND at < ").push_bind(micros(until));
        }
        if let Some(kind) = &f.kind {
            q.push(" AND kind = ").push_bind(kind.clone());
        }
        if let Some(did) = &f.did {
            q.push(" AND did = ").push_bind(did.clone());
        }
        q.push(" ORDER BY at DESC, id DESC");
        if let Some(limit) = f.limit {
            q.push(" LIMIT ").push_bind(i64::from(limit));
        }
        let rows = q.build().fetch_all(&self.pool).await.map_err(self.err())?;
        rows.iter().map(urge_from_row).collect()
    }

    pub(crate) async fn urge_counts_by_did(&self, since: OffsetDateTime) -> Result<Vec<(Option<String>, u64)>, StoreError> {
        let rows = sqlx::query("SELECT did, count(*) FROM urges WHERE at >= ? GROUP BY did")
            .bind(micros(since))
            .fetch_all(&self.pool)
            .await
            .map_err(self.err())?;
        rows.iter()
            .map(|r| {
                let did: Option<String> = r.try_get(0).map_err(self.err())?;
                let n: i64 = r.try_get(1).map_err(self.err())?;
                Ok((did, u64::try_from(n).unwrap_or(0)))
            })
            .collect()
    }

    pub(crate) async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())
    }

    pub(crate) async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(())
    }

    pub(crate) async fn put_instrument(&self, i: &StoredInstrument) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO instruments (id, source, added_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET source = excluded.source, added_at = excluded.added_at")
            .bind(&i.id)
            .bind(&i.source)
            .bind(micros(i.added_at))
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(())
    }

    pub(crate) async fn stored_instruments(&self) -> Result<Vec<StoredInstrument>, StoreError> {
        let rows = sqlx::query("SELECT id, source, added_at FROM instruments ORDER BY added_at, id")
            .fetch_all(&self.pool)
            .await
            .map_err(self.err())?;
        rows.iter().map(instrument_from_row).collect()
    }

    pub(crate) async fn remove_instrument(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM instruments WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn insert_quiz(&self, r: &QuizResult, ignore_existing: bool) -> Result<bool, StoreError> {
        let done = insert_quiz_query(r, ignore_existing)?
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn quiz_in_progress(&self, instrument: &str) -> Result<Option<QuizResult>, StoreError> {
        let row = sqlx::query(quiz_select!(
            "WHERE instrument = ? AND finished_at IS NULL ORDER BY updated_at DESC LIMIT 1"
        ))
        .bind(instrument)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.err())?;
        row.map(|r| quiz_from_row(&r)).transpose()
    }

    pub(crate) async fn save_quiz_answers(&self, id: Uuid, answers: &Answers, now: OffsetDateTime) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE quiz_results SET answers = ?, updated_at = ? WHERE id = ? AND finished_at IS NULL")
            .bind(to_json(answers)?)
            .bind(micros(now))
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn finish_quiz(&self, id: Uuid, scores: &Scores, now: OffsetDateTime) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE quiz_results SET scores = ?, finished_at = ?, updated_at = ? WHERE id = ? AND finished_at IS NULL")
            .bind(to_json(scores)?)
            .bind(micros(now))
            .bind(micros(now))
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn delete_quiz(&self, id: Uuid) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM quiz_results WHERE id = ?")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn quiz(&self, id: Uuid) -> Result<Option<QuizResult>, StoreError> {
        let row = sqlx::query(quiz_select!("WHERE id = ?"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?;
        row.map(|r| quiz_from_row(&r)).transpose()
    }

    pub(crate) async fn quiz_results(&self, instrument: Option<&str>) -> Result<Vec<QuizResult>, StoreError> {
        let rows = match instrument {
            Some(i) => {
                sqlx::query(quiz_select!(
                    "WHERE finished_at IS NOT NULL AND instrument = ? ORDER BY finished_at, id"
                ))
                .bind(i)
                .fetch_all(&self.pool)
                .await
            }
            None => {
                sqlx::query(quiz_select!("WHERE finished_at IS NOT NULL ORDER BY finished_at, id"))
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(self.err())?;
        rows.iter().map(quiz_from_row).collect()
    }

    pub(crate) async fn export_all(&self) -> Result<ExportAll, StoreError> {
        // One read transaction, so the export is a consistent snapshot.
        let mut tx = self.pool.begin().await.map_err(self.err())?;
        let settings = sqlx::query("SELECT key, value FROM settings ORDER BY key")
            .fetch_all(&mut *tx)
            .await
            .map_err(self.err())?;
        let settings = settings
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>(0).map_err(self.err())?,
                    r.try_get::<String, _>(1).map_err(self.err())?,
                ))
            })
            .collect::<Result<BTreeMap<_, _>, StoreError>>()?;
        let rows = sqlx::query("SELECT id, at, kind, intensity, body, about, did, note FROM urges ORDER BY at, id")
            .fetch_all(&mut *tx)
            .await
            .map_err(self.err())?;
        let urges = rows.iter().map(urge_from_row).collect::<Result<Vec<_>, _>>()?;
        let rows = sqlx::query("SELECT id, source, added_at FROM instruments ORDER BY added_at, id")
            .fetch_all(&mut *tx)
            .await
            .map_err(self.err())?;
        let instruments = rows.iter().map(instrument_from_row).collect::<Result<Vec<_>, _>>()?;
        let rows = sqlx::query(quiz_select!("ORDER BY started_at, id"))
            .fetch_all(&mut *tx)
            .await
            .map_err(self.err())?;
        let quiz_results = rows.iter().map(quiz_from_row).collect::<Result<Vec<_>, _>>()?;
        let text_versions = crate::versions::all(&mut *tx).await?;
        tx.commit().await.map_err(self.err())?;
        Ok(ExportAll {
            settings,
            urges,
            instruments,
            quiz_results,
            experiment_records: self.all_records().await?,
            stage_changes: self.stage_changes().await?,
            program_runs: self.program_runs().await?,
            pauses: self.pauses(i64::MAX).await?.into_iter().rev().collect(),
            resets: self.resets(i64::MAX).await?.into_iter().rev().collect(),
            safety_plan: self.safety_plan().await?,
            text_versions,
        })
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}

pub(crate) fn insert_urge_query(u: &Urge, ignore_existing: bool) -> sqlx::query::Query<'_, Sqlite, sqlx::sqlite::SqliteArguments> {
    let sql = if ignore_existing {
        "INSERT INTO urges (id, at, kind, intensity, body, about, did, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
    } else {
        "INSERT INTO urges (id, at, kind, intensity, body, about, did, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    };
    sqlx::query(sql)
        .bind(u.id.to_string())
        .bind(micros(u.at))
        .bind(&u.entry.kind)
        .bind(u.entry.intensity.map(i64::from))
        .bind(&u.entry.body)
        .bind(&u.entry.about)
        .bind(&u.entry.did)
        .bind(&u.entry.note)
}

pub(crate) fn insert_quiz_query(
    r: &QuizResult,
    ignore_existing: bool,
) -> Result<sqlx::query::Query<'static, Sqlite, sqlx::sqlite::SqliteArguments>, StoreError> {
    let sql = if ignore_existing {
        "INSERT INTO quiz_results (id, instrument, instrument_version, started_at, updated_at, finished_at, answers, scores, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
    } else {
        "INSERT INTO quiz_results (id, instrument, instrument_version, started_at, updated_at, finished_at, answers, scores, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    };
    Ok(sqlx::query(sql)
        .bind(r.id.to_string())
        .bind(r.instrument.clone())
        .bind(i64::from(r.instrument_version))
        .bind(micros(r.started_at))
        .bind(micros(r.updated_at))
        .bind(r.finished_at.map(micros))
        .bind(to_json(&r.answers)?)
        .bind(r.scores.as_ref().map(to_json).transpose()?)
        .bind(r.label.clone()))
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Database(format!("could not encode a value: {e}")))
}

pub(crate) fn quiz_from_row(r: &SqliteRow) -> Result<QuizResult, StoreError> {
    let get_err = |e: sqlx::Error| StoreError::Database(e.to_string());
    let json_err = |e: serde_json::Error| StoreError::Database(format!("a stored quiz result is not readable: {e}"));
    let id: String = r.try_get("id").map_err(get_err)?;
    let version: i64 = r.try_get("instrument_version").map_err(get_err)?;
    let finished: Option<i64> = r.try_get("finished_at").map_err(get_err)?;
    let answers: String = r.try_get("answers").map_err(get_err)?;
    let scores: Option<String> = r.try_get("scores").map_err(get_err)?;
    Ok(QuizResult {
        id: Uuid::parse_str(&id).map_err(|e| StoreError::Database(format!("a stored id is not valid: {e}")))?,
        instrument: r.try_get("instrument").map_err(get_err)?,
        instrument_version: u32::try_from(version).unwrap_or(0),
        started_at: from_micros(r.try_get("started_at").map_err(get_err)?)?,
        updated_at: from_micros(r.try_get("updated_at").map_err(get_err)?)?,
        finished_at: finished.map(from_micros).transpose()?,
        answers: serde_json::from_str(&answers).map_err(json_err)?,
        scores: scores.map(|s| serde_json::from_str(&s)).transpose().map_err(json_err)?,
        label: r.try_get("label").map_err(get_err)?,
    })
}

pub(crate) fn instrument_from_row(r: &SqliteRow) -> Result<StoredInstrument, StoreError> {
    let get_err = |e: sqlx::Error| StoreError::Database(e.to_string());
    Ok(StoredInstrument {
        id: r.try_get("id").map_err(get_err)?,
        source: r.try_get("source").map_err(get_err)?,
        added_at: from_micros(r.try_get("added_at").map_err(get_err)?)?,
    })
}

pub(crate) fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

pub(crate) fn from_micros(m: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(m) * 1000)
        .map_err(|e| StoreError::Database(format!("a stored time is out of range: {e}")))
}

pub(crate) fn urge_from_row(r: &SqliteRow) -> Result<Urge, StoreError> {
    let get_err = |e: sqlx::Error| StoreError::Database(e.to_string());
    let id: String = r.try_get("id").map_err(get_err)?;
    let intensity: Option<i64> = r.try_get("intensity").map_err(get_err)?;
    Ok(Urge {
        id: Uuid::parse_str(&id).map_err(|e| StoreError::Database(format!("a stored id is not valid: {e}")))?,
        at: from_micros(r.try_get("at").map_err(get_err)?)?,
        entry: UrgeEntry {
            kind: r.try_get("kind").map_err(get_err)?,
            intensity: intensity.and_then(|n| u8::try_from(n).ok()),
            body: r.try_get("body").map_err(get_err)?,
            about: r.try_get("about").map_err(get_err)?,
            did: r.try_get("did").map_err(get_err)?,
            note: r.try_get("note").map_err(get_err)?,
        },
    })
}

/// SQLCipher writes its own errors (such as a failed HMAC check on a wrong
/// key) to stderr. Its log level is process-wide, but sqlx runs `key` before
/// any other pragma on a connection, so we set the level once, on a throwaway
/// in-memory connection, before the first real open. The connection is made
/// directly on this thread: a sqlx connection would start a worker thread
/// for one statement.
fn quiet_sqlcipher() {
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        use libsqlite3_sys as ffi;
        let mut db: *mut ffi::sqlite3 = std::ptr::null_mut();
        // SAFETY: valid C strings and out-pointer; the handle is closed on
        // every path, and a failure only leaves the default log level.
        unsafe {
            let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_MEMORY;
            if ffi::sqlite3_open_v2(c":memory:".as_ptr(), &mut db, flags, std::ptr::null()) == ffi::SQLITE_OK {
                ffi::sqlite3_exec(
                    db,
                    c"PRAGMA cipher_log_level = NONE".as_ptr(),
                    None,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                );
            }
            ffi::sqlite3_close(db);
        }
    });
}

/// An unencrypted SQLite file starts with this header; ours never does.
fn check_not_plain_sqlite(path: &Path) -> Result<(), StoreError> {
    let mut head = [0u8; 16];
    let Ok(mut f) = std::fs::File::open(path) else {
        return Ok(());
    };
    if f.read_exact(&mut head).is_ok() && &head == b"SQLite format 3\0" {
        return Err(StoreError::NotDrawbridge {
            path: path.to_path_buf(),
            reason: "it is an ordinary, unencrypted SQLite file".into(),
        });
    }
    // SQLCipher files are whole 4 KiB pages; anything else is some other file.
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len % 4096 != 0 {
        return Err(StoreError::NotDrawbridge {
            path: path.to_path_buf(),
            reason: "it is not a database file".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_newer_schema_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("drawbridge.db");
        let key = DataKey::generate().expect("key");
        let s = SqliteStore::open(&path, &key, Workload::Command, true).await.expect("create");
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
             VALUES (9999, 'from the future', CURRENT_TIMESTAMP, 1, x'00', 0)",
        )
        .execute(&s.pool)
        .await
        .expect("pretend a newer version ran");
        s.close().await;
        let before = std::fs::read(&path).expect("read");
        let err = SqliteStore::open(&path, &key, Workload::Command, false)
            .await
            .err()
            .expect("must refuse");
        assert!(matches!(err, StoreError::NewerSchema { found: 9999, known: 5 }), "{err}");
        assert_eq!(std::fs::read(&path).expect("read"), before);
    }

    fn entry() -> UrgeEntry {
        UrgeEntry {
            kind: "busy".into(),
            intensity: None,
            body: None,
            about: None,
            did: None,
            note: Some("x".repeat(3000)),
        }
    }

    fn urge() -> Urge {
        Urge {
            id: Uuid::now_v7(),
            at: OffsetDateTime::now_utc(),
            entry: entry(),
        }
    }

    #[tokio::test]
    async fn a_full_disk_is_named_and_what_was_saved_stays() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("drawbridge.db");
        let s = SqliteStore::open(&path, &DataKey::generate().expect("key"), Workload::Command, true)
            .await
            .expect("create");
        let first = urge();
        s.insert_urge(&first).await.expect("first save");
        // SQLite reports SQLITE_FULL when the database may not grow: the same
        // result code a full disk gives.
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count").fetch_one(&s.pool).await.expect("pages");
        sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA max_page_count = {pages}")))
            .execute(&s.pool)
            .await
            .expect("limit");
        let mut err = None;
        for _ in 0..50 {
            if let Err(e) = s.insert_urge(&urge()).await {
                err = Some(e);
                break;
            }
        }
        let err = err.expect("the database filled up");
        assert!(matches!(err, StoreError::DiskFull), "{err}");
        assert!(err.to_string().contains("Everything saved before is safe"));
        assert_eq!(s.urge(first.id).await.expect("read").map(|u| u.id), Some(first.id));
    }

    #[tokio::test]
    async fn a_database_opened_read_only_can_be_read_and_exported_and_refuses_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("drawbridge.db");
        let key = DataKey::generate().expect("key");
        let s = SqliteStore::open(&path, &key, Workload::Command, true).await.expect("create");
        s.insert_urge(&urge()).await.expect("add");
        s.close().await;
        let ro = SqliteStore::open_read_only(&path, &key).await.expect("read-only");
        assert_eq!(ro.urges(&UrgeFilter::default()).await.expect("read").len(), 1);
        assert_eq!(ro.export_all().await.expect("export").urges.len(), 1);
        assert!(ro.quick_check().await.expect("check").is_empty());
        let err = ro.insert_urge(&urge()).await.expect_err("no writes");
        assert!(matches!(err, StoreError::ReadOnly(_)), "{err}");
        ro.close().await;
    }

    #[tokio::test]
    async fn a_read_only_database_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("drawbridge.db");
        let s = SqliteStore::open(&path, &DataKey::generate().expect("key"), Workload::Command, true)
            .await
            .expect("create");
        // One connection (Command workload), so the pragma holds for the next write.
        sqlx::query("PRAGMA query_only = 1").execute(&s.pool).await.expect("query only");
        let err = s.insert_urge(&urge()).await.expect_err("read-only");
        assert!(matches!(err, StoreError::ReadOnly(_)), "{err}");
        assert!(err.hint().is_some_and(|h| h.contains("permissions")));
    }
}
