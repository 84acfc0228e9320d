//! The PostgreSQL schema's steps (`migrations/postgres/`, append-only), each
//! recorded with a checksum of its words in `drawbridge_migrations`, all in
//! one transaction under an advisory lock, so two processes starting at once
//! do not both apply a step.

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Row};

use super::map_pg;
use crate::error::StoreError;
use crate::migrations::{Migration, migrations, newest};

/// Every step, oldest first. A new one is a new file and a new line.
pub(crate) const MIGRATIONS: &[Migration] = migrations!(
    "postgres",
    1 "0001_init.sql" "init",
    2 "0002_key_check.sql" "key check",
    3 "0003_accounts.sql" "accounts",
    4 "0004_invitations.sql" "invitations",
    5 "0005_owner_keys.sql" "owner keys",
    6 "0006_journal.sql" "journal",
    7 "0007_reset_thought.sql" "reset thought",
    8 "0008_story_answers.sql" "story answers",
    9 "0009_search_generation.sql" "search generation",
    10 "0010_people.sql" "people",
);

pub(crate) fn known() -> i64 {
    newest(MIGRATIONS)
}

/// A number only drawbridge's migrations take as their lock.
const LOCK: i64 = 0x6472_6177_6272_6467;

pub(crate) async fn run(c: &mut PgConnection, server: &str) -> Result<(), StoreError> {
    let err = |e| map_pg(server, e);
    // The usual case, every command: the schema is current. One read in
    // the simple protocol (one round trip), no lock and no DDL; the full
    // path below runs only when a step is due, or when the table is not
    // there yet (a new database: "undefined table").
    let found: Option<i64> = match sqlx::raw_sql("SELECT max(version) FROM drawbridge_migrations")
        .fetch_optional(&mut *c)
        .await
    {
        Ok(row) => row.map(|r| r.try_get(0)).transpose().map_err(err)?.flatten(),
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P01") => None,
        Err(e) => return Err(err(e)),
    };
    if found == Some(known()) {
        return Ok(());
    }
    let mut tx = c.begin().await.map_err(err)?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(LOCK)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS drawbridge_migrations (
            version     bigint PRIMARY KEY,
            description text NOT NULL,
            checksum    bytea NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        )",
    )
    .execute(&mut *tx)
    .await
    .map_err(err)?;
    let applied: Vec<(i64, Vec<u8>)> = sqlx::query_as("SELECT version, checksum FROM drawbridge_migrations ORDER BY version")
        .fetch_all(&mut *tx)
        .await
        .map_err(err)?;
    let known = known();
    if let Some(&(found, _)) = applied.last()
        && found > known
    {
        // Dropped, so the transaction rolls back and nothing is written.
        return Err(StoreError::NewerSchema { found, known });
    }
    for m in MIGRATIONS {
        let sum = m.checksum();
        match applied.iter().find(|(v, _)| *v == m.version) {
            Some((_, s)) if *s == sum => continue,
            Some(_) => {
                return Err(StoreError::Database(format!(
                    "schema step {} ({}) was applied from different words than this version has",
                    m.version, m.description
                )));
            }
            None => {}
        }
        sqlx::raw_sql(m.sql).execute(&mut *tx).await.map_err(err)?;
        sqlx::query("INSERT INTO drawbridge_migrations (version, description, checksum) VALUES ($1, $2, $3)")
            .bind(m.version)
            .bind(m.description)
            .bind(sum)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
    }
    tx.commit().await.map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_listed_in_order() {
        crate::migrations::assert_list_is_the_folder("postgres", MIGRATIONS);
    }

    /// The tables and columns (names, a sealed column named for the field it
    /// seals) PostgreSQL's steps make, from the words of its CREATE TABLEs.
    fn postgres_schema() -> std::collections::BTreeMap<String, Vec<String>> {
        let mut out = std::collections::BTreeMap::new();
        for m in MIGRATIONS {
            for block in m.sql.split("CREATE TABLE ").skip(1) {
                let (name, rest) = block.split_once(" (").expect("CREATE TABLE name (");
                let body = rest.split("\n);").next().expect("a closing bracket");
                let mut columns: Vec<String> = body
                    .lines()
                    .filter_map(|l| l.split_whitespace().next())
                    .filter(|w| *w != "PRIMARY")
                    .map(|w| w.trim_end_matches("_sealed").to_string())
                    .collect();
                columns.sort();
                out.insert(name.trim().to_string(), columns);
            }
            // A key between tables adds no column.
            for line in m
                .sql
                .lines()
                .filter(|l| l.starts_with("ALTER TABLE ") && !l.contains(" ADD CONSTRAINT "))
            {
                let words: Vec<&str> = line.split_whitespace().collect();
                let [_, _, table, "ADD", "COLUMN", column, ..] = words.as_slice() else {
                    panic!("an ALTER TABLE this test does not read: {line}");
                };
                let columns = out.get_mut(*table).expect("a table made before it is altered");
                columns.push(column.trim_end_matches("_sealed").to_string());
                columns.sort();
            }
        }
        out
    }

    /// Columns only PostgreSQL has, each with its reason.
    const POSTGRES_ONLY: &[(&str, &str, &str)] = &[
        (
            "owners",
            "texts_changed",
            "search keeps unsealed records in memory while this mark stands; SQLite has an index instead",
        ),
        (
            "owners",
            "key_check",
            "SQLite's file is encrypted whole, so a wrong key cannot open it",
        ),
    ];

    /// Tables only SQLite has, and why: search's index. On PostgreSQL the
    /// words are sealed, so an index of them would show them in a dump;
    /// search unseals the owner's records and matches them in memory.
    const SQLITE_ONLY: &[&str] = &[
        "search_docs",
        "search_dirty",
        "search_text",
        "search_fts",
        "search_fts_config",
        "search_fts_data",
        "search_fts_docsize",
        "search_fts_idx",
    ];

    /// Both engines hold the same tables with the same columns, so no area
    /// can be written for one and forgotten on the other.
    #[test]
    fn both_engines_have_the_same_tables_and_columns() {
        let mut c = rusqlite::Connection::open_in_memory().expect("memory");
        crate::sqlite::migrate::run(&mut c).expect("the SQLite steps");
        let mut sqlite = std::collections::BTreeMap::new();
        let tables: Vec<String> = c
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '_sqlx_migrations'")
            .expect("sql")
            .query_map([], |r| r.get(0))
            .expect("rows")
            .map(|r| r.expect("row"))
            .collect();
        for t in tables {
            let mut columns: Vec<String> = c
                .prepare(&format!("SELECT name FROM pragma_table_info('{t}')"))
                .expect("sql")
                .query_map([], |r| r.get(0))
                .expect("rows")
                .map(|r| r.expect("row"))
                .collect();
            columns.sort();
            sqlite.insert(t, columns);
        }
        for t in SQLITE_ONLY {
            assert!(sqlite.remove(*t).is_some(), "{t} is listed as SQLite's own, but it is not there");
        }
        let mut postgres = postgres_schema();
        for (table, column, _why) in POSTGRES_ONLY {
            let columns = postgres.get_mut(*table).expect("a table");
            let before = columns.len();
            columns.retain(|c| c != column);
            assert_eq!(
                columns.len(),
                before - 1,
                "{table}.{column} is listed as PostgreSQL's own, but it is not there"
            );
        }
        assert_eq!(postgres, sqlite);
    }
}
