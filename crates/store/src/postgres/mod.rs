//! The PostgreSQL engine, for a practice that hosts many people: the same
//! areas as the SQLite engine, a file each, every row owned and every text a
//! person wrote sealed (`crate::seal`).
//!
//! Areas land one at a time, each with its tests against a real server
//! (run when `DATABASE_URL` names one); `Store` takes this engine once every
//! area is here.

mod accounts;
mod export;
mod import;
mod journal;
mod migrate;
mod moments;
mod people;
mod practice;
mod quiz;
mod sessions;
mod settings;
mod upkeep;
mod urges;
mod versions;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgSslMode};
use sqlx::{Connection, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Workload;
use crate::error::StoreError;
use crate::keys::{DataKey, KeyProvider};
use crate::seal::{Place, Sealer};

pub(crate) struct PgStore {
    /// Shared by every handle on this database (see `for_owner`).
    conns: Arc<Conns>,
    owner: Uuid,
    seal: Sealer,
    /// The server and database, without the password, for messages.
    server: String,
    /// The same, where a message names a path.
    shown: std::path::PathBuf,
}

/// Where a store's connections come from. One command holds the one
/// connection it opened (so it connects once); the server keeps a pool.
enum Conns {
    Single(tokio::sync::Mutex<Option<PgConnection>>),
    Pool(PgPool),
}

/// A connection lent for one piece of work.
pub(crate) enum Lease<'a> {
    Single(tokio::sync::MappedMutexGuard<'a, PgConnection>),
    Pooled(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

impl std::ops::Deref for Lease<'_> {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        match self {
            Lease::Single(c) => c,
            Lease::Pooled(c) => c,
        }
    }
}

impl std::ops::DerefMut for Lease<'_> {
    fn deref_mut(&mut self) -> &mut PgConnection {
        match self {
            Lease::Single(c) => c,
            Lease::Pooled(c) => c,
        }
    }
}

/// Where the server is, as a message may say it: no user, no password.
fn shown(o: &PgConnectOptions) -> String {
    format!("{}:{}/{}", o.get_host(), o.get_port(), o.get_database().unwrap_or("postgres"))
}

/// How long a first connection may take before the server is called
/// unreachable.
/// How long a pooled connection may sit unused before it is tested
/// (pinged) on its next use.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(10);

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A database URL as a message may say it.
pub(crate) fn shown_url(url: &str) -> String {
    match url.parse::<PgConnectOptions>() {
        Ok(o) => shown(&o),
        Err(_) => "a database URL that cannot be read".into(),
    }
}

/// An error while connecting: nothing was written yet, whatever it is.
fn map_connect(server: &str, e: sqlx::Error) -> StoreError {
    match e {
        // rustls reports a refused certificate as an I/O error.
        sqlx::Error::Io(e) if e.to_string().contains("certificate") => tls_refused(server, &e),
        sqlx::Error::Tls(e) => tls_refused(server, &e),
        sqlx::Error::Io(e) => StoreError::Unreachable {
            server: server.to_string(),
            detail: e.to_string(),
        },
        other => map_pg(server, other),
    }
}

fn tls_refused(server: &str, e: &dyn std::fmt::Display) -> StoreError {
    StoreError::Unreachable {
        server: server.to_string(),
        detail: format!(
            "the secure connection failed ({e}); check sslmode in the URL, and add sslrootcert=FILE when the server's certificate is signed by your own authority"
        ),
    }
}

/// The one place a PostgreSQL error becomes a [`StoreError`].
pub(crate) fn map_pg(server: &str, e: sqlx::Error) -> StoreError {
    match e {
        // Once connected, a lost connection may have come after the server
        // took the change: say so, rather than "nothing was written".
        sqlx::Error::Io(e) => StoreError::Database(format!(
            "the connection to the PostgreSQL server at {server} was lost ({e}); check whether the last change was kept before making it again"
        )),
        sqlx::Error::PoolTimedOut => StoreError::Unreachable {
            server: server.to_string(),
            detail: "no connection was free in time".into(),
        },
        sqlx::Error::Database(d) => match d.code().as_deref() {
            Some("28P01" | "28000") => StoreError::LoginRefused {
                server: server.to_string(),
                detail: d.message().to_string(),
            },
            Some("3D000" | "53300" | "57P03") => StoreError::Unreachable {
                server: server.to_string(),
                detail: d.message().to_string(),
            },
            Some(code) if code.starts_with("08") => StoreError::Unreachable {
                server: server.to_string(),
                detail: d.message().to_string(),
            },
            Some("53100") => StoreError::DiskFull,
            // Only the keys from a row to its owner exist (schema 5).
            Some("23503") => StoreError::OwnerGone,
            _ => StoreError::Database(d.message().to_string()),
        },
        other => StoreError::Database(other.to_string()),
    }
}

pub(crate) fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

pub(crate) fn from_micros(us: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map_err(|_| StoreError::Database(format!("a stored time is out of range: {us}")))
}

impl PgStore {
    /// Connect, bring the schema up to date, find the one owner a local user
    /// is (made on first use, with a key from `keys`) and check that the key
    /// is the one the owner's words are sealed with. Says whether the owner
    /// was made now.
    pub(crate) async fn open(url: &str, keys: &dyn KeyProvider, workload: Workload) -> Result<(PgStore, bool), StoreError> {
        let (options, server, mut first) = connect_first(url).await?;
        let (owner, made, check) = local_owner(&mut first, &server).await?;
        let key = owner_key(&mut first, &server, owner, check, keys).await?;
        let conns = conns_for(first, options, &server, workload).await?;
        Ok((PgStore::handle(conns, owner, &key, server), made))
    }

    /// Connect and bring the schema up to date, for a server of many
    /// people: the handle belongs to no one (its owner is the nil id, which
    /// owns no rows), and is used only for accounts and invitations and to
    /// make each signed-in person's handle with `for_owner`.
    pub(crate) async fn open_engine(url: &str) -> Result<PgStore, StoreError> {
        let (options, server, first) = connect_first(url).await?;
        let conns = conns_for(first, options, &server, Workload::Server).await?;
        Ok(PgStore::handle(conns, Uuid::nil(), &DataKey::generate()?, server))
    }

    fn handle(conns: Arc<Conns>, owner: Uuid, key: &DataKey, server: String) -> PgStore {
        PgStore {
            conns,
            owner,
            seal: Sealer::new(key),
            shown: std::path::PathBuf::from(format!("postgres {server}")),
            server,
        }
    }

    /// A connection for one piece of work.
    pub(crate) async fn conn(&self) -> Result<Lease<'_>, StoreError> {
        match &*self.conns {
            Conns::Single(m) => tokio::sync::MutexGuard::try_map(m.lock().await, Option::as_mut)
                .map(Lease::Single)
                .map_err(|_| StoreError::Database("the store is closed".into())),
            Conns::Pool(p) => p.acquire().await.map(Lease::Pooled).map_err(self.err()),
        }
    }

    /// A handle on the same connections for another owner, whose words it
    /// seals and opens with that owner's key.
    pub(crate) fn for_owner(&self, owner: Uuid, key: &DataKey) -> PgStore {
        PgStore {
            conns: Arc::clone(&self.conns),
            owner,
            seal: Sealer::new(key),
            server: self.server.clone(),
            shown: self.shown.clone(),
        }
    }

    /// Make another owner in this database, with its key check sealed
    /// under `key`, for a handle from `for_owner`.
    pub(crate) async fn add_owner(&self, owner: Uuid, at: OffsetDateTime, key: &DataKey) -> Result<(), StoreError> {
        let check = seal_key_check(owner, key)?;
        sqlx::query("INSERT INTO owners (id, created_at, key_check_sealed) VALUES ($1, $2, $3)")
            .bind(owner)
            .bind(micros(at))
            .bind(check)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(self.err())?;
        Ok(())
    }

    /// Remove every row this handle's owner has, and the owner itself, in
    /// one statement: every owned row's key to its owner (schema 5) takes
    /// the row with it, a row written a moment before included, and a row
    /// written after fails. (A test checks that every table with an owner
    /// column has that key.)
    /// Invitations this owner made and nobody has used are withdrawn with
    /// it: a link from someone no longer here lets no one in.
    pub(crate) async fn delete_owner(&self) -> Result<(), StoreError> {
        let mut lease = self.conn().await?;
        let mut tx = lease.begin().await.map_err(self.err())?;
        sqlx::query("DELETE FROM invitations WHERE created_by = $1 AND used_at IS NULL")
            .bind(self.owner)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
        sqlx::query("DELETE FROM owners WHERE id = $1")
            .bind(self.owner)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
        tx.commit().await.map_err(self.err())?;
        Ok(())
    }

    /// The pool's connections and how many are idle (a server's store).
    pub(crate) fn pool_use(&self) -> Option<(u32, usize)> {
        match &*self.conns {
            Conns::Pool(p) => Some((p.size(), p.num_idle())),
            Conns::Single(_) => None,
        }
    }

    /// Close every connection; later work says the store is closed.
    pub(crate) async fn close_all(&self) {
        match &*self.conns {
            Conns::Single(m) => {
                if let Some(c) = m.lock().await.take() {
                    let _ = c.close().await;
                }
            }
            Conns::Pool(p) => p.close().await,
        }
    }

    fn err(&self) -> impl Fn(sqlx::Error) -> StoreError + '_ {
        |e| map_pg(&self.server, e)
    }
}

/// What the key check seals: any fixed words do; these say what they are for.
const KEY_CHECK: &str = "drawbridge key check";

/// One connection first: a server that is down or refuses the login says
/// so at once (a pool would keep retrying until its timeout). It brings the
/// schema up to date; a command then goes on with it, and a server opens a
/// pool.
async fn connect_first(url: &str) -> Result<(PgConnectOptions, String, PgConnection), StoreError> {
    let options: PgConnectOptions = url.parse().map_err(|e: sqlx::Error| StoreError::Unreachable {
        server: "the database URL".into(),
        detail: format!("it cannot be read ({e}); it looks like postgres://user:password@host:5432/database"),
    })?;
    // Over a Unix socket there is nothing for TLS to protect (libpq never
    // asks for it there); asking would cost a round trip.
    let options = match options.get_socket() {
        Some(_) => options.ssl_mode(PgSslMode::Disable),
        None => options,
    };
    let server = shown(&options);
    let mut first = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options))
        .await
        .map_err(|_| StoreError::Unreachable {
            server: server.clone(),
            detail: format!("no answer within {} seconds", CONNECT_TIMEOUT.as_secs()),
        })?
        .map_err(|e| map_connect(&server, e))?;
    migrate::run(&mut first, &server).await?;
    Ok((options, server, first))
}

/// A command keeps the one connection it opened; a server opens a pool.
async fn conns_for(first: PgConnection, options: PgConnectOptions, server: &str, workload: Workload) -> Result<Arc<Conns>, StoreError> {
    Ok(Arc::new(match workload {
        Workload::Command => Conns::Single(tokio::sync::Mutex::new(Some(first))),
        Workload::Server => {
            first.close().await.map_err(|e| map_pg(server, e))?;
            Conns::Pool(
                PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    // A ping before every query would double each page's
                    // round trips; a connection is tested only when it has
                    // sat idle long enough for the server to have gone away
                    // (a restart, a dropped link).
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for > IDLE_BEFORE_PING {
                                sqlx::Connection::ping(conn).await?;
                            }
                            Ok(true)
                        })
                    })
                    .connect_lazy_with(options),
            )
        }
    }))
}

/// Every table with an `owner` column, from the catalog, so a table added
/// later is found without a list to keep.
#[cfg(test)]
pub(crate) async fn owner_tables(c: &mut PgConnection) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT c.table_name::text FROM information_schema.columns c \
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND c.column_name = 'owner' AND t.table_type = 'BASE TABLE' \
         ORDER BY 1",
    )
    .fetch_all(c)
    .await
}

/// The key check of `owner`, sealed under `key`: what its owner row keeps.
pub(crate) fn seal_key_check(owner: Uuid, key: &DataKey) -> Result<Vec<u8>, StoreError> {
    let row = owner.to_string();
    Sealer::new(key).seal(key_check_place(&row), KEY_CHECK)
}

/// Where the key check of the owner `row` is sealed.
fn key_check_place(row: &str) -> Place<'_> {
    Place {
        table: "owners",
        field: "key_check",
        row,
    }
}

/// The owner's data key, from `keys`, checked against the phrase sealed
/// under it when the owner was first opened (`check`, read with the owner),
/// or sealing that phrase now, on first open.
async fn owner_key(
    c: &mut PgConnection,
    server: &str,
    owner: Uuid,
    check: Option<Vec<u8>>,
    keys: &dyn KeyProvider,
) -> Result<DataKey, StoreError> {
    let err = |e| map_pg(server, e);
    let row = owner.to_string();
    let checked = |key: DataKey, sealed: &[u8]| match Sealer::new(&key).open(key_check_place(&row), sealed) {
        Ok(words) if words == KEY_CHECK => Ok(key),
        _ => Err(StoreError::SealedWithAnotherKey {
            server: server.to_string(),
            key: keys.place().to_path_buf(),
        }),
    };
    let existing = || {
        keys.existing()?.ok_or_else(|| StoreError::KeyFileMissing {
            db: format!("postgres {server}").into(),
            key: keys.place().to_path_buf(),
        })
    };
    if let Some(sealed) = check {
        return checked(existing()?, &sealed);
    }
    let key = match keys.existing()? {
        Some(k) => k,
        None => keys.create()?,
    };
    let sealed = seal_key_check(owner, &key)?;
    let done = sqlx::query("UPDATE owners SET key_check_sealed = $2 WHERE id = $1 AND key_check_sealed IS NULL")
        .bind(owner)
        .bind(sealed)
        .execute(&mut *c)
        .await
        .map_err(err)?;
    if done.rows_affected() == 1 {
        return Ok(key);
    }
    // Another first command sealed its check a moment ago: use its key.
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT key_check_sealed FROM owners WHERE id = $1")
        .bind(owner)
        .fetch_one(&mut *c)
        .await
        .map_err(err)?;
    checked(existing()?, &sealed)
}

/// The database's one owner, made by the first command that opens it. A
/// database that already holds several people is a server's, whose owners
/// come from signing in, not from here.
async fn local_owner(c: &mut PgConnection, server: &str) -> Result<(Uuid, bool, Option<Vec<u8>>), StoreError> {
    let err = |e| map_pg(server, e);
    // Every command after the first finds the owner, and its sealed key
    // check, with one read; the lock is taken only to make the owner, so two
    // first commands make one.
    // The simple protocol: one round trip, where a prepared statement
    // takes two, and this runs once a connection.
    let owners = sqlx::raw_sql("SELECT id, key_check_sealed FROM owners LIMIT 2")
        .fetch_all(&mut *c)
        .await
        .map_err(err)?
        .iter()
        .map(|r| Ok((r.try_get::<Uuid, _>(0)?, r.try_get::<Option<Vec<u8>>, _>(1)?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(err)?;
    if let [(one, check)] = owners.as_slice() {
        return Ok((*one, false, check.clone()));
    }
    let mut tx = c.begin().await.map_err(err)?;
    sqlx::query("LOCK TABLE owners IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await
        .map_err(err)?;
    let owners: Vec<(Uuid, Option<Vec<u8>>)> = sqlx::query_as("SELECT id, key_check_sealed FROM owners LIMIT 2")
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?;
    let owner = match owners.as_slice() {
        [] => {
            let id = Uuid::now_v7();
            sqlx::query("INSERT INTO owners (id, created_at) VALUES ($1, $2)")
                .bind(id)
                .bind(micros(OffsetDateTime::now_utc()))
                .execute(&mut *tx)
                .await
                .map_err(err)?;
            (id, true, None)
        }
        [(one, check)] => (*one, false, check.clone()),
        _ => {
            return Err(StoreError::Database(format!(
                "the database at {server} holds several people's data, so it belongs to a drawbridge server; a command on this computer opens only a database that holds one person's. Nothing was changed"
            )));
        }
    };
    tx.commit().await.map_err(err)?;
    Ok(owner)
}

impl PgStore {
    fn place<'a>(table: &'a str, field: &'a str, row: &'a str) -> Place<'a> {
        Place { table, field, row }
    }

    /// Run `DELETE ... WHERE owner = $1 AND <key> = $2` for this owner's
    /// row `key`: whether there was one.
    async fn delete_one<K>(&self, sql: &'static str, key: K) -> Result<bool, StoreError>
    where
        K: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send,
    {
        let done = sqlx::query(sql)
            .bind(self.owner)
            .bind(key)
            .execute(&mut *self.conn().await?)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }
}

/// The lowest and highest UUID starting with `prefix` (hex digits, hyphens
/// anywhere), or None when it cannot start one.
pub(crate) fn uuid_range(prefix: &str) -> Option<(Uuid, Uuid)> {
    let digits: String = prefix.chars().filter(|c| *c != '-').collect();
    if digits.len() > 32 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    Some((
        Uuid::parse_str(&format!("{digits:0<32}")).ok()?,
        Uuid::parse_str(&format!("{digits:f<32}")).ok()?,
    ))
}
