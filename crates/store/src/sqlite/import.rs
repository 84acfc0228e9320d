//! Import on SQLite: the merge decided by [`crate::import`], carried out in
//! one write transaction over what that transaction reads.

use drawbridge_core::Catalog;
use rusqlite::{Connection, params};

use super::{Res, SqliteStore, journal, micros, moments, people, practice, quiz, settings, urges, versions};
use crate::error::StoreError;
use crate::export::{ExportDoc, ImportReport};
use crate::import::{Change, plan};

fn remove(c: &Connection, sql: &'static str, id: &str) -> Res<()> {
    c.prepare_cached(sql)?.execute([id])?;
    Ok(())
}

fn apply(c: &Connection, change: &Change<'_>) -> Res<()> {
    match change {
        Change::Setting { key, value } => settings::put(c, key, value)?,
        Change::Urge { urge, replace } => {
            if *replace {
                remove(
                    c,
                    "DELETE FROM urges WHERE owner = current_owner() AND id = ?",
                    &urge.id.to_string(),
                )?;
            }
            urges::insert(c, urge, false)?;
        }
        Change::Instrument(i) => {
            c.prepare_cached(
                "INSERT INTO instruments (owner, id, source, added_at) VALUES (current_owner(), ?, ?, ?) \
                 ON CONFLICT (owner, id) DO UPDATE SET source = excluded.source, added_at = excluded.added_at",
            )?
            .execute(params![i.id, i.source, micros(i.added_at)])?;
        }
        Change::Quiz { result, replace } => {
            if *replace {
                remove(
                    c,
                    "DELETE FROM quiz_results WHERE owner = current_owner() AND id = ?",
                    &result.id.to_string(),
                )?;
            }
            quiz::insert(c, result, false)?;
        }
        Change::Record { record, replace } => {
            if *replace {
                remove(
                    c,
                    "DELETE FROM experiment_records WHERE owner = current_owner() AND id = ?",
                    &record.id.to_string(),
                )?;
            }
            practice::insert_record(c, record, false)?;
        }
        Change::StageChanges(all) => {
            c.prepare_cached("DELETE FROM stage_changes WHERE owner = current_owner()")?
                .execute([])?;
            for s in *all {
                practice::insert_stage_change(c, micros(s.at), i64::from(s.from), i64::from(s.to))?;
            }
        }
        Change::Program { run, replace } => {
            practice::write_program_run(c, run, *replace)?;
        }
        Change::Pause { pause, replace } => {
            if *replace {
                remove(
                    c,
                    "DELETE FROM pauses WHERE owner = current_owner() AND id = ?",
                    &pause.id.to_string(),
                )?;
            }
            moments::insert_pause(c, pause, false)?;
        }
        Change::Reset { reset, replace } => {
            if *replace {
                remove(
                    c,
                    "DELETE FROM resets WHERE owner = current_owner() AND id = ?",
                    &reset.id.to_string(),
                )?;
            }
            moments::insert_reset(c, reset, false)?;
        }
        Change::PlanSection { section, text, at } => {
            c.prepare_cached(
                "INSERT INTO safety_plan (owner, section, text, updated_at) VALUES (current_owner(), ?, ?, ?) \
                 ON CONFLICT (owner, section) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
            )?
            .execute(params![section, text, micros(*at)])?;
        }
        Change::Journal { entry, replace } => {
            if *replace {
                remove(
                    c,
                    "DELETE FROM journal_entries WHERE owner = current_owner() AND id = ?",
                    &entry.id.to_string(),
                )?;
            }
            journal::insert(c, entry, false)?;
        }
        Change::Draft(d) => {
            journal::insert_draft(c, d, false)?;
        }
        Change::StoryAnswer(a) => {
            journal::insert_answer(c, a)?;
        }
        Change::Version(v) => {
            versions::insert(c, v, false)?;
        }
        Change::Person { person, replace } => {
            people::insert_person_row(c, person, !*replace)?;
        }
        Change::SafeMark(m) => people::put_mark(c, m)?,
        Change::Link(l) => {
            people::put_link_row(c, l)?;
        }
        Change::Contact { contact, replace } => {
            people::insert_contact(c, contact, !*replace)?;
        }
        Change::Reply { reply, replace } => {
            people::insert_reply_row(c, reply, !*replace)?;
        }
        Change::Past { past, replace } => {
            people::insert_past_row(c, past, !*replace)?;
        }
    }
    Ok(())
}

impl SqliteStore {
    pub(crate) fn import_all(&self, doc: &ExportDoc, prefer_file: bool, catalog: &Catalog) -> Result<ImportReport, StoreError> {
        self.write(|tx| {
            let have = super::export::read_all(tx)?;
            let p = plan(&have, doc, prefer_file, crate::micros_now(), catalog);
            for change in &p.changes {
                apply(tx, change)?;
            }
            Ok(p.report)
        })
    }
}
