//! The SQLite engine, encrypted with SQLCipher 4.
//!
//! One synchronous connection per store, behind a mutex. A command opens the
//! file, does its one or two statements and exits, so the whole cost is
//! SQLite's own: no worker thread, no hand-off per row. The local server
//! runs on one thread and holds the same single connection.
//!
//! Each connection is keyed with the raw 256-bit data key (`PRAGMA key =
//! "x'..'"`), which skips SQLCipher's slow passphrase KDF. Opening is careful
//! not to harm what it finds: a plain SQLite file, a file keyed with something
//! else, or a schema newer than this binary are all refused before any write.
//! WAL mode; every write is one transaction with synchronous=FULL, so a write
//! that returned success survives a kill or a power cut. On close the log is
//! checkpointed into the database file and emptied, but the empty `-wal` and
//! `-shm` files stay, so the next command does not create them again.
//!
//! One file per area (urges, settings, quiz, practice, moments, sessions,
//! versions, export, import). Errors are mapped to [`StoreError`] once, here,
//! in [`SqliteStore::with`].

mod accounts;
mod export;
mod import;
mod journal;
pub(crate) mod migrate;
mod moments;
mod people;
mod practice;
mod quiz;
mod search;
mod sessions;
mod settings;
mod urges;
mod versions;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use time::OffsetDateTime;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::StoreError;
use crate::keys::DataKey;

/// Marks a database as drawbridge's ("DRBG"), checked on every open.
const APPLICATION_ID: i64 = 0x4452_4247;

/// What went wrong inside the engine: SQLite's own error, mapped to words a
/// person can act on at the one place that knows the file ([`SqliteStore::with`]),
/// or one already in those words (a stored value that does not read back).
#[derive(Debug)]
pub(crate) enum Fail {
    Sql(rusqlite::Error),
    Store(StoreError),
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Fail {
        Fail::Sql(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Fail {
        Fail::Store(e)
    }
}

pub(crate) type Res<T> = Result<T, Fail>;

#[derive(Clone)]
pub(crate) struct SqliteStore {
    inner: Arc<Inner>,
    /// The owner this handle reads and writes for, when it is not the
    /// database's own (a handle made by `for_owner`).
    scoped: Option<Uuid>,
}

struct Inner {
    /// None once closed.
    conn: Mutex<Option<Connection>>,
    path: PathBuf,
    /// The database's one owner, once it is open.
    owner: std::sync::OnceLock<Uuid>,
    /// The owner `current_owner()` names to SQL: set by each handle, while
    /// it holds the connection, to its own owner.
    current: Arc<Mutex<[u8; 16]>>,
}

/// Every table with an `owner` column, from the schema itself, so a table
/// added later is found without a list to keep.
fn owner_tables(c: &Connection) -> Res<Vec<String>> {
    rows(
        &mut c.prepare_cached(
            "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND p.name = 'owner' ORDER BY m.name",
        )?,
        [],
        |r| Ok(r.get(0)?),
    )
}

/// A mutex's value, even after a panic elsewhere held it.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How a connection is opened.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    ReadWrite {
        create: bool,
    },
    /// Read only; `immutable` when no write-ahead log is left beside the file.
    ReadOnly {
        immutable: bool,
    },
}

impl SqliteStore {
    /// A keyed connection on `path`.
    fn connect(path: &Path, key: &DataKey, mode: Mode) -> Result<SqliteStore, StoreError> {
        check_not_plain_sqlite(path)?;
        if let Mode::ReadWrite { .. } = mode {
            ensure_log_file(path);
        }
        crate::exit::install();
        let err = |e| map_sql(path, e);
        let (flags, target) = match mode {
            Mode::ReadWrite { create } => {
                let mut f = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                if create {
                    f |= OpenFlags::SQLITE_OPEN_CREATE;
                }
                (f, path.to_string_lossy().into_owned())
            }
            Mode::ReadOnly { immutable } => (
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
                file_uri(path, immutable),
            ),
        };
        let conn = Connection::open_with_flags(&target, flags).map_err(err)?;
        // SQLCipher writes its own errors (a failed HMAC check on a wrong key)
        // to stderr; its log level is process-wide and needs no key.
        conn.execute_batch("PRAGMA cipher_log_level = NONE").map_err(err)?;
        let keying = Zeroizing::new(format!("PRAGMA key = {}", key.pragma_value().as_str()));
        conn.execute_batch(&keying).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        if let Mode::ReadWrite { .. } = mode {
            // The first statement that reads the file: a wrong key fails here.
            let _: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(err)?;
            conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA journal_size_limit = 0")
                .map_err(err)?;
            keep_wal_file(&conn);
        }
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                conn: Mutex::new(Some(conn)),
                path: path.to_path_buf(),
                owner: std::sync::OnceLock::new(),
                current: Arc::new(Mutex::new([0; 16])),
            }),
            scoped: None,
        })
    }

    /// Open an existing database for reading only, as when its folder or
    /// file cannot be written: reading and export still work, and a write
    /// says the database is read-only. With no write-ahead log left beside
    /// it (or an empty one), the file is opened immutable, so SQLite needs
    /// no lock files.
    pub(crate) async fn open_read_only(path: &Path, key: &DataKey) -> Result<SqliteStore, StoreError> {
        let wal = log_file(path);
        let settled = std::fs::metadata(&wal).map_or(true, |m| m.len() == 0);
        let store = Self::connect(path, key, Mode::ReadOnly { immutable: settled })?;
        let known = migrate::known();
        let found = store.with(|c| Ok(migrate::applied(c)?))?;
        if found == known {
            store.take_owner()?;
            Ok(store)
        } else {
            store.close().await;
            Err(StoreError::ReadOnlyOutdated {
                path: path.to_path_buf(),
                found,
                known,
            })
        }
    }

    pub(crate) async fn open(path: &Path, key: &DataKey, create: bool) -> Result<SqliteStore, StoreError> {
        let store = Self::connect(path, key, Mode::ReadWrite { create })?;
        if let Err(e) = store.with(|c| prepare(c, path)).and_then(|()| store.take_owner()) {
            store.close().await;
            return Err(e);
        }
        Ok(store)
    }

    /// Find the database's one owner (schema 7) and name it to SQL as
    /// `current_owner()`, which every statement scopes its rows by.
    fn take_owner(&self) -> Result<(), StoreError> {
        let path = self.path().to_path_buf();
        self.with(|c| {
            let owners: Vec<Vec<u8>> = rows(&mut c.prepare_cached("SELECT id FROM owners LIMIT 2")?, [], |r| Ok(r.get(0)?))?;
            let [id] = owners.as_slice() else {
                return Err(StoreError::NotDrawbridge {
                    path,
                    reason: format!("a local database has one owner, and this one has {}", owners.len()),
                }
                .into());
            };
            let owner = Uuid::from_slice(id).map_err(|_| StoreError::Database("the owner's id is not a UUID".into()))?;
            *lock(&self.inner.current) = owner.into_bytes();
            // Not deterministic: a handle for another owner changes it
            // between statements, so SQLite must ask every time.
            let current = Arc::clone(&self.inner.current);
            c.create_scalar_function("current_owner", 0, FunctionFlags::SQLITE_UTF8, move |_| Ok(lock(&current).to_vec()))?;
            let _ = self.inner.owner.set(owner);
            Ok(())
        })
    }

    /// The owner of every row this store reads and writes.
    pub(crate) fn owner(&self) -> Option<Uuid> {
        self.scoped.or_else(|| self.inner.owner.get().copied())
    }

    /// A handle on the same connection for another owner: every statement
    /// it runs names that owner.
    pub(crate) fn for_owner(&self, owner: Uuid) -> SqliteStore {
        SqliteStore {
            inner: Arc::clone(&self.inner),
            scoped: Some(owner),
        }
    }

    /// Make another owner in this database, for a handle from `for_owner`.
    pub(crate) fn add_owner(&self, owner: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO owners (id, created_at) VALUES (?, ?)",
                rusqlite::params![owner.into_bytes().to_vec(), micros(at)],
            )?;
            Ok(())
        })
    }

    /// Remove every row this handle's owner has, in every table that has
    /// an owner (found from the schema, so a table added later is included),
    /// and the owner itself, in one transaction. A row written after it
    /// fails: every such table refuses a row whose owner is not there
    /// (schema 11; a test checks each has that guard). Invitations this
    /// owner made and nobody has used are withdrawn with it.
    pub(crate) fn delete_owner(&self) -> Result<(), StoreError> {
        self.write(|tx| {
            let tables = owner_tables(tx)?;
            // Twice: a trigger that keeps a sum may write a row for this
            // owner while the first pass deletes what it sums.
            for _ in 0..2 {
                for t in &tables {
                    tx.execute(
                        &format!("DELETE FROM \"{}\" WHERE owner = current_owner()", t.replace('"', "\"\"")),
                        [],
                    )?;
                }
            }
            // A link from someone no longer here lets no one in.
            tx.execute("DELETE FROM invitations WHERE created_by = current_owner() AND used_at IS NULL", [])?;
            tx.execute("DELETE FROM owners WHERE id = current_owner()", [])?;
            Ok(())
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Run `f` on the connection; SQLite's errors become [`StoreError`]s here.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Connection) -> Res<T>) -> Result<T, StoreError> {
        let mut guard = self.inner.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(conn) = guard.as_mut() else {
            return Err(StoreError::Database("the database was closed already".into()));
        };
        if let Some(owner) = self.owner() {
            *lock(&self.inner.current) = owner.into_bytes();
        }
        f(conn).map_err(|e| match e {
            Fail::Sql(e) => map_sql(&self.inner.path, e),
            Fail::Store(e) => e,
        })
    }

    /// Run `f` in one write transaction, committed when it returns Ok.
    /// Immediate, so a second writer waits at the start instead of failing
    /// half-way.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Res<T>) -> Result<T, StoreError> {
        self.in_transaction(TransactionBehavior::Immediate, f)
    }

    /// Run `f` in one read transaction: everything it reads is one snapshot.
    pub(crate) fn snapshot<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Res<T>) -> Result<T, StoreError> {
        self.in_transaction(TransactionBehavior::Deferred, f)
    }

    /// Run `f` in a transaction, committed when it returns Ok and rolled
    /// back (when dropped) when it fails.
    fn in_transaction<T>(&self, how: TransactionBehavior, f: impl FnOnce(&Transaction<'_>) -> Res<T>) -> Result<T, StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(how)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    /// Which library does SQLCipher's encryption (`PRAGMA cipher_provider`).
    pub(crate) fn cipher_provider(&self) -> Result<String, StoreError> {
        self.with(|c| Ok(c.query_row("PRAGMA cipher_provider", [], |r| r.get(0))?))
    }

    /// SQLite's `PRAGMA quick_check`: "ok", or one line per problem.
    pub(crate) fn quick_check(&self) -> Result<Vec<String>, StoreError> {
        let rows = self
            .with(|c| {
                let mut st = c.prepare("PRAGMA quick_check")?;
                let rows = st.query_map([], |r| r.get::<_, String>(0))?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .map_err(|e| match e {
                e @ (StoreError::Io { .. } | StoreError::ReadOnly(_) | StoreError::DiskFull) => e,
                _ => StoreError::Damaged {
                    path: self.path().to_path_buf(),
                    detail: "a check of its pages stopped at a page that cannot be read".into(),
                },
            })?;
        Ok(rows.into_iter().filter(|r| r != "ok").collect())
    }

    /// Close the connection, checkpointing the write-ahead log into the
    /// database file. Later calls say the database is closed.
    pub(crate) async fn close(&self) {
        let taken = self.inner.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(conn) = taken
            && let Err((conn, e)) = conn.close()
        {
            tracing::warn!(error = %e, "the database did not close cleanly; it is closed on drop");
            drop(conn);
        }
    }
}

/// Check identity and schema, then bring the schema up to date.
fn prepare(c: &mut Connection, path: &Path) -> Res<()> {
    let (tables, app_id): (i64, i64) = c.query_row(
        "SELECT (SELECT count(*) FROM sqlite_master), (SELECT application_id FROM pragma_application_id)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if app_id != APPLICATION_ID && !(app_id == 0 && tables == 0) {
        return Err(StoreError::NotDrawbridge {
            path: path.to_path_buf(),
            reason: "it is an encrypted database made by another program".into(),
        }
        .into());
    }
    let known = migrate::known();
    if tables > 0 {
        let found = migrate::applied(c).map_err(|_| StoreError::NotDrawbridge {
            path: path.to_path_buf(),
            reason: "its schema record is missing".into(),
        })?;
        if found > known {
            return Err(StoreError::NewerSchema { found, known }.into());
        }
        if found == known {
            return Ok(());
        }
    }
    migrate::run(c)?;
    if app_id == 0 {
        c.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))?;
    }
    Ok(())
}

/// Keep the write-ahead log file when the last connection closes (emptied
/// by `journal_size_limit = 0` after the checkpoint), so the next command
/// does not create it, and sync its folder, again.
fn keep_wal_file(conn: &Connection) {
    let mut on: std::ffi::c_int = 1;
    // SAFETY: a valid handle, the "main" schema name, and a pointer to an
    // int, which is what SQLITE_FCNTL_PERSIST_WAL reads and writes.
    unsafe {
        rusqlite::ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            rusqlite::ffi::SQLITE_FCNTL_PERSIST_WAL,
            (&raw mut on).cast(),
        );
    }
}

/// The write-ahead log beside the database: its name with "-wal" added.
fn log_file(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Create the write-ahead log file, once, and sync its folder, so a commit
/// written to it survives a power cut. SQLite is built not to sync folders
/// (`SQLITE_DISABLE_DIRSYNC` in .cargo/config.toml): it would do so on every
/// command's first write, not knowing the file is old. A folder that cannot
/// be written is left alone; the open then says so, or reads only.
fn ensure_log_file(db: &Path) {
    let wal = log_file(db);
    if wal.exists() {
        return;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    if opts.open(&wal).is_ok() {
        crate::sync_folder_of(&wal);
    }
}

/// A `file:` URI for `path`, for the read-only open.
fn file_uri(path: &Path, immutable: bool) -> String {
    let mut uri = String::from("file:");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => uri.push(char::from(b)),
            other => uri.push_str(&format!("%{other:02X}")),
        }
    }
    uri.push_str("?mode=ro");
    if immutable {
        uri.push_str("&immutable=1");
    }
    uri
}

/// Map SQLite's error to one a person can act on, by its result code.
/// What a table's guard says when a row names an owner that was deleted.
const OWNER_GONE: &str = "drawbridge: owner gone";

fn map_sql(path: &Path, e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, message) = &e {
        // The guard on every owned table (schema 11).
        if f.extended_code == 1811 && message.as_deref() == Some(OWNER_GONE) {
            return StoreError::OwnerGone;
        }
        // The primary result code is the low byte of the extended code.
        match f.extended_code & 0xff {
            26 => return StoreError::WrongKey,
            11 => {
                return StoreError::Damaged {
                    path: path.to_path_buf(),
                    detail: "SQLite found its pages malformed".into(),
                };
            }
            8 => return StoreError::ReadOnly(path.to_path_buf()),
            13 => return StoreError::DiskFull,
            14 => {
                return StoreError::Io {
                    path: path.to_path_buf(),
                    source: std::io::Error::other("the file could not be opened; check that its folder exists and is writable"),
                };
            }
            10 => {
                return StoreError::Io {
                    path: path.to_path_buf(),
                    source: std::io::Error::other(e.to_string()),
                };
            }
            _ => {}
        }
    }
    StoreError::Database(e.to_string())
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

// Values as stored: times in microseconds since 1970 (UTC), days as
// YYYY-MM-DD, ids as hyphenated lower-case text, structured values as JSON.

pub(crate) fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

pub(crate) fn from_micros(m: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(m) * 1000)
        .map_err(|e| StoreError::Database(format!("a stored time is out of range: {e}")))
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Database(format!("could not encode a value: {e}")))
}

pub(crate) fn uuid_of(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|e| StoreError::Database(format!("a stored id is not valid: {e}")))
}

pub(crate) fn day_str(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

pub(crate) fn parse_day(s: &str) -> Result<time::Date, StoreError> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|e| StoreError::Database(format!("a stored date is not valid: {e}")))
}

/// Every row of a prepared query, each turned into a domain value by `f`.
pub(crate) fn rows<T>(
    st: &mut rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
    f: impl Fn(&rusqlite::Row<'_>) -> Res<T>,
) -> Res<Vec<T>> {
    let mut out = Vec::new();
    let mut rs = st.query(params)?;
    while let Some(r) = rs.next()? {
        out.push(f(r)?);
    }
    Ok(out)
}

/// The first row of a prepared query, if any.
pub(crate) fn first<T>(
    st: &mut rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
    f: impl Fn(&rusqlite::Row<'_>) -> Res<T>,
) -> Res<Option<T>> {
    let mut rs = st.query(params)?;
    match rs.next()? {
        Some(r) => Ok(Some(f(r)?)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UrgeFilter;
    use drawbridge_core::urge::{Urge, UrgeEntry};

    #[tokio::test]
    async fn a_newer_schema_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("drawbridge.db");
        let key = DataKey::generate().expect("key");
        let s = SqliteStore::open(&path, &key, true).await.expect("create");
        s.with(|c| {
            c.execute(
                "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
                 VALUES (9999, 'from the future', CURRENT_TIMESTAMP, 1, x'00', 0)",
                [],
            )?;
            Ok(())
        })
        .expect("pretend a newer version ran");
        s.close().await;
        let before = std::fs::read(&path).expect("read");
        let err = SqliteStore::open(&path, &key, false).await.err().expect("must refuse");
        assert!(
            matches!(err, StoreError::NewerSchema { found: 9999, known } if known == super::migrate::known()),
            "{err}"
        );
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
        let s = SqliteStore::open(&path, &DataKey::generate().expect("key"), true)
            .await
            .expect("create");
        let first = urge();
        s.insert_urge(&first).expect("first save");
        // SQLite reports SQLITE_FULL when the database may not grow: the same
        // result code a full disk gives.
        s.with(|c| {
            let pages: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            c.execute_batch(&format!("PRAGMA max_page_count = {pages}"))?;
            Ok(())
        })
        .expect("limit");
        let mut err = None;
        for _ in 0..50 {
            if let Err(e) = s.insert_urge(&urge()) {
                err = Some(e);
                break;
            }
        }
        let err = err.expect("the database filled up");
        assert!(matches!(err, StoreError::DiskFull), "{err}");
        assert!(err.to_string().contains("Everything saved before is safe"));
        assert_eq!(s.urge(first.id).expect("read").map(|u| u.id), Some(first.id));
    }

    #[tokio::test]
    async fn a_database_opened_read_only_can_be_read_and_exported_and_refuses_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("drawbridge.db");
        let key = DataKey::generate().expect("key");
        let s = SqliteStore::open(&path, &key, true).await.expect("create");
        s.insert_urge(&urge()).expect("add");
        s.close().await;
        let ro = SqliteStore::open_read_only(&path, &key).await.expect("read-only");
        assert_eq!(ro.urges(&UrgeFilter::default()).expect("read").len(), 1);
        assert_eq!(ro.export_all().expect("export").urges.len(), 1);
        assert!(ro.quick_check().expect("check").is_empty());
        let err = ro.insert_urge(&urge()).expect_err("no writes");
        assert!(matches!(err, StoreError::ReadOnly(_)), "{err}");
        ro.close().await;
    }

    #[tokio::test]
    async fn a_read_only_database_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("drawbridge.db");
        let s = SqliteStore::open(&path, &DataKey::generate().expect("key"), true)
            .await
            .expect("create");
        s.with(|c| Ok(c.execute_batch("PRAGMA query_only = 1")?)).expect("query only");
        let err = s.insert_urge(&urge()).expect_err("read-only");
        assert!(matches!(err, StoreError::ReadOnly(_)), "{err}");
        assert!(err.hint().is_some_and(|h| h.contains("permissions")));
    }

    #[tokio::test]
    async fn closing_empties_the_log_and_leaves_the_database_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("drawbridge.db");
        let key = DataKey::generate().expect("key");
        let s = SqliteStore::open(&path, &key, true).await.expect("create");
        let u = urge();
        s.insert_urge(&u).expect("add");
        s.close().await;
        let wal = std::fs::metadata(log_file(&path)).map(|m| m.len());
        assert_eq!(wal.unwrap_or(0), 0, "the log is empty after close");
        // Immutable read ignores any log, so this finds the urge only if it
        // reached the database file itself.
        let ro = SqliteStore::connect(&path, &key, Mode::ReadOnly { immutable: true }).expect("open");
        ro.take_owner().expect("the owner");
        assert_eq!(ro.urge(u.id).expect("read").map(|x| x.id), Some(u.id));
    }

    /// Every statement names the owner: rows another owner's id is on (as a
    /// server database will hold) are never read, counted or exported.
    #[tokio::test]
    async fn rows_of_another_owner_are_never_seen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("drawbridge.db");
        let key = DataKey::generate().expect("key");
        let s = SqliteStore::open(&path, &key, true).await.expect("create");
        let mine = urge();
        s.insert_urge(&mine).expect("add");
        s.with(|c| {
            c.execute_batch(
                "INSERT INTO owners (id, created_at) VALUES (x'0123456789abcdef0123456789abcdef', 0);
                 INSERT INTO urges (owner, id, at, kind, note) VALUES (x'0123456789abcdef0123456789abcdef', 'theirs', 1, 'busy', 'not mine');
                 INSERT INTO experiment_records (owner, id, created_at, stage, planned_for, prediction, belief_before, want, expect, done_at, outcome, belief_after)
                     VALUES (x'0123456789abcdef0123456789abcdef', 'theirs', 0, 1, '2026-01-01', 'not mine', 50, 50, 50, 1, 'better', 20);
                 INSERT INTO settings (owner, key, value) VALUES (x'0123456789abcdef0123456789abcdef', 'region', 'xx');",
            )?;
            Ok(())
        })
        .expect("another owner's rows");
        assert_eq!(
            s.urges(&UrgeFilter::default())
                .expect("urges")
                .iter()
                .map(|u| u.id)
                .collect::<Vec<_>>(),
            vec![mine.id]
        );
        assert_eq!(s.ledger_counts().expect("ledger").iter().map(|t| t.done).sum::<u32>(), 0);
        assert!(s.belief_by_month().expect("months").is_empty());
        let doc = s.export_all().expect("export");
        assert_eq!(doc.urges.len(), 1);
        assert!(doc.experiment_records.is_empty() && doc.settings.is_empty());
        let owners: i64 = s
            .with(|c| Ok(c.query_row("SELECT count(*) FROM owners", [], |r| r.get(0))?))
            .expect("count");
        assert_eq!(owners, 2, "mine and theirs, and no other");
    }

    /// Deleting an owner leaves no row of theirs in any table (sessions and
    /// the ledger's kept sums too), and every row of the other owner.
    #[tokio::test]
    async fn deleting_an_owner_leaves_no_row_of_theirs_anywhere() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = DataKey::generate().expect("key");
        let s = SqliteStore::open(&dir.path().join("drawbridge.db"), &key, true)
            .await
            .expect("create");
        s.insert_urge(&urge()).expect("mine");
        let them = Uuid::now_v7();
        s.add_owner(them, OffsetDateTime::now_utc()).expect("another owner");
        let other = s.for_owner(them);
        other.insert_urge(&urge()).expect("theirs");
        let now = OffsetDateTime::now_utc();
        other
            .keep_web_session("a-session", "a-token", now, now + time::Duration::days(1))
            .expect("session");
        other.set_setting("region", "UK").expect("setting");
        other.delete_owner().expect("delete");
        let left = |owner: Uuid| -> i64 {
            s.with(|c| {
                let tables = owner_tables(c)?;
                let mut n = c.query_row("SELECT count(*) FROM owners WHERE id = ?", [owner.into_bytes().to_vec()], |r| {
                    r.get::<_, i64>(0)
                })?;
                for t in tables {
                    n += c.query_row(
                        &format!("SELECT count(*) FROM \"{t}\" WHERE owner = ?"),
                        [owner.into_bytes().to_vec()],
                        |r| r.get::<_, i64>(0),
                    )?;
                }
                Ok(n)
            })
            .expect("count")
        };
        assert_eq!(left(them), 0, "no row of theirs is left");
        assert!(left(s.owner().expect("mine")) >= 2, "my owner row and my urge are still here");
        assert_eq!(s.urges(&UrgeFilter::default()).expect("mine").len(), 1);
        // A write that was on its way when they were deleted is refused.
        assert!(matches!(other.insert_urge(&urge()), Err(StoreError::OwnerGone)));
        assert!(matches!(other.set_setting("region", "IE"), Err(StoreError::OwnerGone)));
        assert_eq!(left(them), 0, "still none");
    }

    /// Every table with an owner column refuses a row whose owner is not
    /// there, a table added later too: without that guard, a deletion
    /// could leave such a row behind.
    #[test]
    fn every_owned_table_refuses_a_row_without_its_owner() {
        use rusqlite::OptionalExtension;
        let mut c = Connection::open_in_memory().expect("memory");
        migrate::run(&mut c).expect("schema");
        let tables = owner_tables(&c).expect("tables");
        assert!(tables.len() > 10, "{tables:?}");
        for t in tables {
            let sql: Option<String> = c
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ? AND tbl_name = ?",
                    [format!("{t}_owner_exists"), t.clone()],
                    |r| r.get(0),
                )
                .optional()
                .expect("read");
            let sql = sql.unwrap_or_else(|| panic!("{t} has no guard"));
            assert!(
                sql.contains("BEFORE INSERT") && sql.contains("NEW.owner") && sql.contains(OWNER_GONE),
                "{t}: {sql}"
            );
        }
    }

    #[test]
    fn a_path_becomes_a_uri_that_names_the_same_file() {
        assert_eq!(
            file_uri(Path::new("/home/a b/#1?/x%.db"), true),
            "file:/home/a%20b/%231%3F/x%25.db?mode=ro&immutable=1"
        );
        assert_eq!(file_uri(Path::new("/d/drawbridge.db"), false), "file:/d/drawbridge.db?mode=ro");
    }
}
