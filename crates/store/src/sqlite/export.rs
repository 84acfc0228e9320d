//! Everything, read in one transaction: a write made while an export runs
//! shows up in all of it or none of it.

use rusqlite::Connection;

use super::{Res, SqliteStore, journal, moments, people, practice, quiz, settings, urges, versions};
use crate::error::StoreError;
use crate::export::ExportAll;

/// Everything the owner has, read through `c` (inside a transaction).
pub(crate) fn read_all(c: &Connection) -> Res<ExportAll> {
    Ok(ExportAll {
        settings: settings::all(c)?,
        urges: urges::all(c)?,
        instruments: settings::instruments(c)?,
        quiz_results: quiz::all(c)?,
        experiment_records: practice::all_records(c)?,
        stage_changes: practice::stage_changes(c)?,
        program_runs: practice::program_runs(c)?,
        pauses: moments::pauses(c, i64::MAX)?.into_iter().rev().collect(),
        resets: moments::resets(c, i64::MAX)?.into_iter().rev().collect(),
        safety_plan: moments::safety_plan(c)?,
        text_versions: versions::all(c)?,
        journal: journal::all(c)?,
        journal_drafts: journal::all_drafts(c)?,
        story_answers: journal::all_answers(c)?,
        people: people::all_people(c)?,
        safe_marks: people::all_marks(c)?,
        person_links: people::all_links(c)?,
        contacts: people::all_contacts(c)?,
        replies: people::all_replies(c)?,
        past_relationships: people::all_past(c)?,
    })
}

impl SqliteStore {
    pub(crate) fn export_all(&self) -> Result<ExportAll, StoreError> {
        self.snapshot(|tx| read_all(tx))
    }
}

#[cfg(test)]
mod tests {
    use drawbridge_core::urge::{Urge, UrgeEntry};
    use time::OffsetDateTime;
    use uuid::Uuid;

    use super::*;
    use crate::keys::DataKey;

    fn urge(kind: &str) -> Urge {
        Urge {
            id: Uuid::now_v7(),
            at: crate::truncate_micros(OffsetDateTime::now_utc()),
            entry: UrgeEntry {
                kind: kind.into(),
                intensity: None,
                body: None,
                about: None,
                did: None,
                note: None,
            },
        }
    }

    /// Another process writes between two tables of the export: the export
    /// is one snapshot, so it shows none of that write, in any table.
    #[tokio::test]
    async fn a_write_during_an_export_does_not_show_up_half_way() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("drawbridge.db");
        let key = DataKey::generate().expect("key");
        let a = SqliteStore::open(&path, &key, true).await.expect("create");
        let b = SqliteStore::open(&path, &key, false).await.expect("second connection");
        a.insert_urge(&urge("busy")).expect("first");
        let seen = a
            .snapshot(|tx| {
                let before = urges::all(tx)?.len();
                // The other connection writes to two tables while this read
                // is half-way through.
                b.insert_urge(&urge("fight")).expect("write during export");
                b.set_setting("region", "UK").expect("write during export");
                Ok((before, urges::all(tx)?.len(), settings::all(tx)?.len()))
            })
            .expect("snapshot");
        assert_eq!(seen, (1, 1, 0), "the export saw part of a later write");
        let after = a.export_all().expect("export");
        assert_eq!((after.urges.len(), after.settings.len()), (2, 1), "a later export sees it all");
    }
}
