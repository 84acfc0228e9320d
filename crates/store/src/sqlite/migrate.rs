//! The SQLite schema's migrations, in `migrations/sqlite/`, append-only.
//!
//! Applied migrations are recorded in `_sqlx_migrations`, the table the
//! first releases (which ran migrations through sqlx) created, with the same
//! columns and the same SHA-384 checksum of each file, so every database
//! made by an earlier release opens and upgrades in place.

use super::Res;
use crate::error::StoreError;
use crate::migrations::{Migration, migrations, newest};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// Every migration, oldest first. A new one is a new file and a new line.
pub(crate) const MIGRATIONS: &[Migration] = migrations!(
    "sqlite",
    1 "0001_init.sql" "init",
    2 "0002_quiz.sql" "quiz",
    3 "0003_practice.sql" "practice",
    4 "0004_moment.sql" "moment",
    5 "0005_versions.sql" "versions",
    6 "0006_ledger_sums.sql" "ledger sums",
    7 "0007_owners.sql" "owners",
    8 "0008_open_experiments.sql" "open experiments",
    9 "0009_accounts.sql" "accounts",
    10 "0010_invitations.sql" "invitations",
    11 "0011_owner_guard.sql" "owner guard",
    12 "0012_journal.sql" "journal",
    13 "0013_reset_thought.sql" "reset thought",
    14 "0014_story_answers.sql" "story answers",
    15 "0015_search.sql" "search",
    16 "0016_search_marks.sql" "search marks",
    17 "0017_people.sql" "people",
);

/// The newest schema this binary knows.
pub(crate) fn known() -> i64 {
    newest(MIGRATIONS)
}

/// The newest migration applied to this database (0 for none). Fails when
/// the record table is missing.
pub(crate) fn applied(c: &Connection) -> rusqlite::Result<i64> {
    let v: Option<i64> = c.query_row("SELECT max(version) FROM _sqlx_migrations WHERE success", [], |r| r.get(0))?;
    Ok(v.unwrap_or(0))
}

const RECORD_TABLE: &str = "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
)";

/// Apply every migration not applied yet, each in its own transaction with
/// its record. A recorded migration whose file has changed since is refused:
/// migrations are append-only.
pub(crate) fn run(c: &mut Connection) -> Res<()> {
    c.execute_batch(RECORD_TABLE)?;
    for m in MIGRATIONS {
        let sum = m.checksum();
        let recorded: Option<Vec<u8>> = c
            .query_row(
                "SELECT checksum FROM _sqlx_migrations WHERE version = ? AND success",
                [m.version],
                |r| r.get(0),
            )
            .optional()?;
        match recorded {
            Some(s) if s == sum => continue,
            Some(_) => {
                return Err(StoreError::Database(format!(
                    "schema step {} ({}) was applied from different words than this version has",
                    m.version, m.description
                ))
                .into());
            }
            None => {}
        }
        let started = std::time::Instant::now();
        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(m.sql)?;
        let nanos = i64::try_from(started.elapsed().as_nanos()).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (?, ?, 1, ?, ?)",
            rusqlite::params![m.version, m.description, sum, nanos],
        )?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_listed_in_order() {
        crate::migrations::assert_list_is_the_folder("sqlite", MIGRATIONS);
    }

    /// A database made before schema 6 gets the ledger's sums from the
    /// records it already holds, and the triggers keep them from then on.
    #[test]
    fn the_ledger_sums_are_filled_from_the_records_a_database_has() {
        let mut c = Connection::open_in_memory().expect("memory");
        c.execute_batch(RECORD_TABLE).expect("record table");
        for m in MIGRATIONS.iter().filter(|m| m.version < 6) {
            c.execute_batch(m.sql).expect("older schema");
            let sum = m.checksum();
            c.execute(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (?, ?, 1, ?, 0)",
                rusqlite::params![m.version, m.description, sum],
            )
            .expect("recorded");
        }
        let insert = |c: &Connection,
                      id: &str,
                      stage: i64,
                      day: &str,
                      done: Option<i64>,
                      outcome: Option<&str>,
                      before: i64,
                      after: Option<i64>| {
            c.execute(
                "INSERT INTO experiment_records (id, created_at, stage, planned_for, prediction, belief_before, want, expect, done_at, outcome, belief_after) \
                 VALUES (?, 0, ?, ?, 'p', ?, 50, 50, ?, ?, ?)",
                rusqlite::params![id, stage, day, before, done, outcome, after],
            )
            .expect("insert");
        };
        insert(&c, "a", 1, "2026-01-03", Some(1), Some("better"), 80, Some(40));
        insert(&c, "b", 1, "2026-01-20", Some(2), Some("better"), 60, Some(30));
        insert(&c, "c", 2, "2026-02-01", Some(3), Some("as-feared"), 70, Some(70));
        insert(&c, "d", 2, "2026-02-02", None, None, 90, None);
        run(&mut c).expect("migrates");
        let tallies = |c: &Connection| -> Vec<(i64, String, i64)> {
            let mut st = c
                .prepare("SELECT stage, outcome, n FROM ledger_tallies WHERE n > 0 ORDER BY stage, outcome")
                .expect("sql");
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .expect("rows")
                .map(|r| r.expect("row"))
                .collect()
        };
        let months = |c: &Connection| -> Vec<(String, i64, i64, i64, i64)> {
            let mut st = c
                .prepare("SELECT month, n, before_sum, after_n, after_sum FROM ledger_months WHERE n > 0 ORDER BY month")
                .expect("sql");
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                .expect("rows")
                .map(|r| r.expect("row"))
                .collect()
        };
        assert_eq!(tallies(&c), vec![(1, "better".into(), 2), (2, "as-feared".into(), 1)]);
        assert_eq!(
            months(&c),
            vec![("2026-01".into(), 2, 140, 2, 70), ("2026-02".into(), 1, 70, 1, 70)]
        );

        // Followed up, changed in place, and removed: each is counted once.
        c.execute(
            "UPDATE experiment_records SET done_at = 4, outcome = 'mixed', belief_after = 50 WHERE id = 'd'",
            [],
        )
        .expect("follow up");
        c.execute("UPDATE experiment_records SET stage = 3, outcome = 'worse' WHERE id = 'c'", [])
            .expect("change");
        c.execute("UPDATE experiment_records SET prediction = 'q' WHERE id = 'a'", [])
            .expect("words only");
        c.execute("DELETE FROM experiment_records WHERE id = 'b'", []).expect("delete");
        assert_eq!(
            tallies(&c),
            vec![(1, "better".into(), 1), (2, "mixed".into(), 1), (3, "worse".into(), 1)]
        );
        assert_eq!(
            months(&c),
            vec![("2026-01".into(), 1, 80, 1, 40), ("2026-02".into(), 2, 160, 2, 120)]
        );
    }
}
