//! For test suites (this crate's, the CLI's and the web's): a PostgreSQL
//! database of its own for each test, on the server `DATABASE_URL` names.
//! Not part of the storage interface.

use sqlx::postgres::PgPool;
use uuid::Uuid;

/// The server to test against, or `None` (with a message saying how to run
/// the PostgreSQL half) when `DATABASE_URL` is not set. With
/// `DRAWBRIDGE_REQUIRE_POSTGRES=1` (CI) a missing server fails the test.
pub fn postgres_server() -> Option<String> {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("DRAWBRIDGE_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "DRAWBRIDGE_REQUIRE_POSTGRES=1 but DATABASE_URL is not set"
            );
            eprintln!(
                "skipped the PostgreSQL half: set DATABASE_URL to a server you may create databases on (see README, \"Development\")"
            );
            None
        }
    }
}

/// A database made for one test, dropped when this is (also when the test
/// fails), or by [`FreshDatabase::drop_it`].
pub struct FreshDatabase {
    server: String,
    name: String,
    dropped: bool,
    /// The URL that opens it.
    pub url: String,
}

impl FreshDatabase {
    /// Make one on `server` (a URL naming any database there).
    pub async fn new(server: &str) -> FreshDatabase {
        let admin = PgPool::connect(server).await.expect("the test server");
        let name = format!("drawbridge_test_{}", Uuid::now_v7().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .expect("create a test database");
        admin.close().await;
        let url = with_database(server, &name);
        FreshDatabase {
            server: server.to_string(),
            name,
            dropped: false,
            url,
        }
    }

    /// Make one when a server is named.
    pub async fn if_any() -> Option<FreshDatabase> {
        Some(FreshDatabase::new(&postgres_server()?).await)
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Drop the database, closing any connection still open to it.
    pub async fn drop_it(mut self) {
        drop_database(&self.server, &self.name).await;
        self.dropped = true;
    }
}

async fn drop_database(server: &str, name: &str) {
    use sqlx::Connection;
    if let Ok(mut c) = sqlx::PgConnection::connect(server).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
            .execute(&mut c)
            .await;
        let _ = c.close().await;
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        // On a thread of its own with its own runtime: this may run inside
        // a test's runtime, which cannot be blocked on.
        let (server, name) = (self.server.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                rt.block_on(drop_database(&server, &name));
            }
        })
        .join();
    }
}

/// `pg_dump` from the server's own installation (as CI starts it) or PATH.
pub fn pg_dump() -> Option<std::path::PathBuf> {
    if let Ok(p) = std::env::var("PG_DUMP") {
        return Some(p.into());
    }
    let mut installed: Vec<std::path::PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin/pg_dump"))
        .filter(|p| p.exists())
        .collect();
    installed.sort();
    installed.pop().or_else(|| {
        std::process::Command::new("pg_dump")
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|_| "pg_dump".into())
    })
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

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_test_database_replaces_only_the_database_name() {
        assert_eq!(with_database("postgres://u@h:5/postgres", "t"), "postgres://u@h:5/t");
        assert_eq!(
            with_database("postgres://u@localhost/postgres?host=/tmp/x", "t"),
            "postgres://u@localhost/t?host=/tmp/x"
        );
        assert_eq!(with_database("postgres://u@h", "t"), "postgres://u@h/t");
    }
}
