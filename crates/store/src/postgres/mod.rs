//! The PostgreSQL engine, for a practice that hosts many people: the same
//! areas as the SQLite engine, a file each, every row owned and every text a
//! person wrote sealed (`crate::seal`).
//!
//! Areas land one at a time, each with its tests against a real server
//! (run when `DATABASE_URL` names one); `Store` takes this engine once every
//! area is here.

mod export;
mod migrate;
mod moments;
mod practice;
mod quiz;
mod sessions;
mod settings;
mod upkeep;
mod urges;
mod versions;

#[cfg(test)]
mod tests;

use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Workload;
use crate::error::StoreError;
use crate::keys::DataKey;
use crate::seal::{Place, Sealer};

pub(crate) struct PgStore {
    pool: PgPool,
    owner: Uuid,
    seal: Sealer,
    /// The server and database, without the password, for messages.
    server: String,
    /// The same, where a message names a path.
    shown: std::path::PathBuf,
}

/// Where the server is, as a message may say it: no user, no password.
fn shown(o: &PgConnectOptions) -> String {
    format!("{}:{}/{}", o.get_host(), o.get_port(), o.get_database().unwrap_or("postgres"))
}

/// An error while connecting: nothing was written yet, whatever it is.
fn map_connect(server: &str, e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Io(e) => StoreError::Unreachable {
            server: server.to_string(),
            detail: e.to_string(),
        },
        other => map_pg(server, other),
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
    /// Connect, bring the schema up to date, and find the one owner a local
    /// user is (made on first use).
    pub(crate) async fn open(url: &str, key: &DataKey, workload: Workload) -> Result<PgStore, StoreError> {
        let options: PgConnectOptions = url.parse().map_err(|e: sqlx::Error| StoreError::Unreachable {
            server: "the database URL".into(),
            detail: format!("it cannot be read ({e}); it looks like postgres://user:password@host:5432/database"),
        })?;
        let server = shown(&options);
        // One connection first: a server that is down or refuses the login
        // says so at once (a pool would keep retrying until its timeout).
        // It brings the schema up to date and finds the owner, then the pool
        // takes over.
        let mut first = PgConnection::connect_with(&options).await.map_err(|e| map_connect(&server, e))?;
        migrate::run(&mut first, &server).await?;
        let owner = local_owner(&mut first, &server).await?;
        first.close().await.map_err(|e| map_pg(&server, e))?;
        let pool = PgPoolOptions::new()
            .max_connections(match workload {
                Workload::Command => 1,
                Workload::Server => 8,
            })
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(options);
        Ok(PgStore {
            pool,
            owner,
            seal: Sealer::new(key),
            shown: std::path::PathBuf::from(format!("postgres {server}")),
            server,
        })
    }

    fn err(&self) -> impl Fn(sqlx::Error) -> StoreError + '_ {
        |e| map_pg(&self.server, e)
    }
}

/// The database's one owner, made by the first command that opens it. A
/// database that already holds several people is a server's, whose owners
/// come from signing in, not from here.
async fn local_owner(c: &mut PgConnection, server: &str) -> Result<Uuid, StoreError> {
    let err = |e| map_pg(server, e);
    // Every command after the first finds the owner with one read; the lock
    // is taken only to make the owner, so two first commands make one.
    let owners: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM owners LIMIT 2")
        .fetch_all(&mut *c)
        .await
        .map_err(err)?;
    if let [one] = owners.as_slice() {
        return Ok(*one);
    }
    let mut tx = c.begin().await.map_err(err)?;
    sqlx::query("LOCK TABLE owners IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await
        .map_err(err)?;
    let owners: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM owners LIMIT 2")
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
            id
        }
        [one] => *one,
        _ => {
            return Err(StoreError::Database(format!(
                "the database at {server} holds several people's data, so it is a server's; open it through `drawbridge serve`"
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
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A fresh database on the server `DATABASE_URL` names, dropped after.

    use super::*;

    /// None (and a message) when no server is named, unless
    /// `DRAWBRIDGE_REQUIRE_POSTGRES=1` (CI), where that fails the test.
    pub(crate) fn server_url() -> Option<String> {
        match std::env::var("DATABASE_URL") {
            Ok(url) if !url.is_empty() => Some(url),
            _ => {
                assert!(
                    std::env::var("DRAWBRIDGE_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                    "DRAWBRIDGE_REQUIRE_POSTGRES=1 but DATABASE_URL is not set"
                );
                eprintln!("skipped: set DATABASE_URL to a PostgreSQL server to run the PostgreSQL half");
                None
            }
        }
    }

    /// A database of its own for one test.
    pub(crate) struct Fresh {
        admin: PgPool,
        name: String,
        pub(crate) url: String,
    }

    impl Fresh {
        pub(crate) async fn new(server: &str) -> Fresh {
            let admin = PgPool::connect(server).await.expect("the test server");
            let name = format!("drawbridge_test_{}", Uuid::now_v7().simple());
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin)
                .await
                .expect("create");
            let url = with_database(server, &name);
            Fresh { admin, name, url }
        }

        pub(crate) async fn drop_it(self) {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)))
                .execute(&self.admin)
                .await;
        }
    }

    /// `postgres://u@h:p/db?x`, naming database `name` instead.
    fn with_database(url: &str, name: &str) -> String {
        let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
        let after_scheme = base.find("://").map_or(0, |i| i + 3);
        let server = match base[after_scheme..].find('/') {
            Some(i) => &base[..after_scheme + i],
            None => base,
        };
        match query {
            Some(q) => format!("{server}/{name}?{q}"),
            None => format!("{server}/{name}"),
        }
    }
}
