//! Import: an export file merged into the database in one transaction.
//!
//! What is new is added. What is the same in both is left alone. What differs
//! (the same urge, record or plan section with other words, a setting with
//! another value) is a conflict: the database keeps its own unless the person
//! asked for the file's (`prefer_file`), and then the words replaced are kept
//! as earlier versions. Every conflict is reported in words, so an import
//! never changes anything without saying so.

use drawbridge_core::Catalog;
use drawbridge_core::versions as kinds;
use rusqlite::{Connection, Row, params};
use time::OffsetDateTime;

use super::{Res, SqliteStore, day_str, first, micros, moments, practice, quiz, settings, urges, versions};
use crate::RecordField;
use crate::error::StoreError;
use crate::export::{ExportDoc, ImportReport};

fn setting_name(key: &str) -> String {
    match key {
        crate::STAGE_SETTING => "practice stage".into(),
        crate::WINDOW_SETTING => "window of tolerance".into(),
        crate::REMINDER_SETTING => "reminder time".into(),
        crate::CALIBRATION_SETTING => "stage calibration".into(),
        crate::CALENDAR_TOKEN_SETTING => "calendar feed link".into(),
        drawbridge_core::crisis::REGION_SETTING => "region".into(),
        other => format!("setting \"{other}\""),
    }
}

fn day(at: OffsetDateTime) -> String {
    day_str(at.date())
}

fn outcome(prefer_file: bool, words: bool) -> &'static str {
    match (prefer_file, words) {
        (false, _) => "kept yours",
        (true, true) => "took the file's, and kept your words as an earlier version",
        (true, false) => "took the file's",
    }
}

/// The stored row with this id (it exists: inserting it was refused).
fn stored<T>(c: &Connection, sql: &'static str, id: &str, from_row: fn(&Row<'_>) -> Res<T>) -> Res<T> {
    first(&mut c.prepare_cached(sql)?, [id], from_row)?
        .ok_or_else(|| StoreError::Database("a row that was there a moment ago is gone".into()).into())
}

fn remove(c: &Connection, sql: &'static str, id: &str) -> Res<()> {
    c.prepare_cached(sql)?.execute([id])?;
    Ok(())
}

struct Merge<'a> {
    rep: ImportReport,
    prefer_file: bool,
    now: OffsetDateTime,
    catalog: &'a Catalog,
}

impl Merge<'_> {
    fn conflict(&mut self, what: String, words: bool) {
        self.rep.conflicts.push(format!("{what}: {}", outcome(self.prefer_file, words)));
        if self.prefer_file {
            self.rep.replaced += 1;
        }
    }

    fn run(&mut self, c: &Connection, doc: &ExportDoc) -> Res<()> {
        self.settings(c, doc)?;
        self.urges(c, doc)?;
        self.instruments(c, doc)?;
        self.quiz(c, doc)?;
        self.records(c, doc)?;
        self.stage_changes(c, doc)?;
        self.programs(c, doc)?;
        self.pauses(c, doc)?;
        self.resets(c, doc)?;
        self.safety_plan(c, doc)?;
        for v in &doc.text_versions {
            if versions::insert(c, v, true)? {
                self.rep.added += 1;
            } else {
                self.rep.already_present += 1;
            }
        }
        Ok(())
    }

    fn settings(&mut self, c: &Connection, doc: &ExportDoc) -> Res<()> {
        for (k, v) in &doc.settings {
            match settings::get(c, k)? {
                None => self.rep.added += 1,
                Some(h) if h == *v => {
                    self.rep.already_present += 1;
                    continue;
                }
                Some(h) => {
                    let values = if k == crate::CALENDAR_TOKEN_SETTING {
                        String::new()
                    } else {
                        format!(" ({h}, the file says {v})")
                    };
                    self.conflict(format!("your {}{values} differs from the file's", setting_name(k)), false);
                    if !self.prefer_file {
                        continue;
                    }
                }
            }
            settings::put(c, k, v)?;
        }
        Ok(())
    }

    fn urges(&mut self, c: &Connection, doc: &ExportDoc) -> Res<()> {
        for u in doc.domain_urges() {
            if urges::insert(c, &u, true)? {
                self.rep.added += 1;
                continue;
            }
            let id = u.id.to_string();
            let old = stored(c, urges::BY_ID, &id, urges::from_row)?;
            if old == u {
                self.rep.already_present += 1;
                continue;
            }
            self.conflict(format!("the urge of {} differs from the file's", day(old.at)), true);
            if self.prefer_file {
                let fields = [
                    ("about", old.entry.about.as_deref(), u.entry.about.as_deref()),
                    ("note", old.entry.note.as_deref(), u.entry.note.as_deref()),
                ];
                versions::keep_all(c, kinds::URGE, &id, &fields, self.now)?;
                remove(c, "DELETE FROM urges WHERE owner = current_owner() AND id = ?", &id)?;
                urges::insert(c, &u, false)?;
            }
        }
        Ok(())
    }

    fn instruments(&mut self, c: &Connection, doc: &ExportDoc) -> Res<()> {
        for i in &doc.instruments {
            let added = c
                .prepare_cached("INSERT INTO instruments (owner, id, source, added_at) VALUES (current_owner(), ?, ?, ?) ON CONFLICT (owner, id) DO NOTHING")?
                .execute(params![i.id, i.source, micros(i.added_at)])?;
            if added == 1 {
                self.rep.added += 1;
                continue;
            }
            if stored(c, settings::INSTRUMENT_BY_ID, &i.id, settings::instrument_from_row)? == *i {
                self.rep.already_present += 1;
                continue;
            }
            self.conflict(format!("your questionnaire \"{}\" differs from the file's", i.id), false);
            if self.prefer_file {
                c.prepare_cached("UPDATE instruments SET source = ?, added_at = ? WHERE owner = current_owner() AND id = ?")?
                    .execute(params![i.source, micros(i.added_at), i.id])?;
            }
        }
        Ok(())
    }

    fn quiz(&mut self, c: &Connection, doc: &ExportDoc) -> Res<()> {
        for r in &doc.quiz_results {
            if quiz::insert(c, r, true)? {
                self.rep.added += 1;
                continue;
            }
            let id = r.id.to_string();
            let old = stored(c, quiz::BY_ID, &id, quiz::from_row)?;
            if old == *r {
                self.rep.already_present += 1;
                continue;
            }
            self.conflict(
                format!("the quiz started on {} differs from the file's", day(old.started_at)),
                false,
            );
            if self.prefer_file {
                remove(c, "DELETE FROM quiz_results WHERE owner = current_owner() AND id = ?", &id)?;
                quiz::insert(c, r, false)?;
            }
        }
        Ok(())
    }

    fn records(&mut self, c: &Connection, doc: &ExportDoc) -> Res<()> {
        for r in &doc.experiment_records {
            if practice::insert_record(c, r, true)? {
                self.rep.added += 1;
                continue;
            }
            let id = r.id.to_string();
            let old = stored(c, practice::RECORD_BY_ID, &id, practice::record_from_row)?;
            if old == *r {
                self.rep.already_present += 1;
                continue;
            }
            self.conflict(
                format!(
                    "the experiment planned for {} differs from the file's",
                    day_str(old.plan.planned_for)
                ),
                true,
            );
            if self.prefer_file {
                let (o, n) = (old.result.as_ref(), r.result.as_ref());
                let fields = [
                    (
                        RecordField::Prediction.label(),
                        Some(old.plan.prediction.as_str()),
                        Some(r.plan.prediction.as_str()),
                    ),
                    (
                        RecordField::WithWhom.label(),
                        old.plan.with_whom.as_deref(),
                        r.plan.with_whom.as_deref(),
                    ),
                    (
                        RecordField::WhatHappened.label(),
                        o.and_then(|x| x.what_happened.as_deref()),
                        n.and_then(|x| x.what_happened.as_deref()),
                    ),
                    (
                        RecordField::Learned.label(),
                        o.and_then(|x| x.learned.as_deref()),
                        n.and_then(|x| x.learned.as_deref()),
                    ),
                ];
                versions::keep_all(c, kinds::EXPERIMENT, &id, &fields, self.now)?;
                remove(c, "DELETE FROM experiment_records WHERE owner = current_owner() AND id = ?", &id)?;
                practice::insert_record(c, r, false)?;
            }
        }
        Ok(())
    }

    /// Stage changes are one history: taken whole, or kept whole.
    fn stage_changes(&mut self, c: &Connection, doc: &ExportDoc) -> Res<()> {
        let have: Vec<(i64, i64, i64)> = practice::stage_changes(c)?
            .iter()
            .map(|s| (micros(s.at), i64::from(s.from), i64::from(s.to)))
            .collect();
        let theirs: Vec<(i64, i64, i64)> = doc
            .stage_changes
            .iter()
            .map(|s| (micros(s.at), i64::from(s.from), i64::from(s.to)))
            .collect();
        let take = if have.is_empty() {
            self.rep.added += theirs.len() as u64;
            true
        } else if have == theirs || theirs.is_empty() {
            self.rep.already_present += theirs.len() as u64;
            false
        } else {
            self.conflict("your history of stage changes differs from the file's".into(), false);
            self.prefer_file
        };
        if take && !theirs.is_empty() {
            c.prepare_cached("DELETE FROM stage_changes WHERE owner = current_owner()")?
                .execute([])?;
            for (at, from, to) in theirs {
                practice::insert_stage_change(c, at, from, to)?;
            }
        }
        Ok(())
    }

    fn programs(&mut self, c: &Connection, doc: &ExportDoc) -> Res<()> {
        for run in &doc.program_runs {
            let id = run.id.to_string();
            if practice::write_program_run(c, run, false)? {
                self.rep.added += 1;
                continue;
            }
            let old = stored(c, practice::PROGRAM_BY_ID, &id, practice::program_from_row)?;
            if old == *run {
                self.rep.already_present += 1;
                continue;
            }
            self.conflict(
                format!("the program you started on {} differs from the file's", day_str(old.started_on)),
                true,
            );
            if self.prefer_file {
                practice::keep_reflections(c, &old, run, self.now)?;
                practice::write_program_run(c, run, true)?;
            }
        }
        Ok(())
    }

    fn pauses(&mut self, c: &Connection, doc: &ExportDoc) -> Res<()> {
        for p in &doc.pauses {
            if moments::insert_pause(c, p, true)? {
                self.rep.added += 1;
                continue;
            }
            let id = p.id.to_string();
            if stored(c, moments::PAUSE_BY_ID, &id, moments::pause_from_row)? == *p {
                self.rep.already_present += 1;
                continue;
            }
            self.conflict(format!("the pause of {} differs from the file's", day(p.at)), false);
            if self.prefer_file {
                remove(c, "DELETE FROM pauses WHERE owner = current_owner() AND id = ?", &id)?;
                moments::insert_pause(c, p, false)?;
            }
        }
        Ok(())
    }

    fn resets(&mut self, c: &Connection, doc: &ExportDoc) -> Res<()> {
        for r in &doc.resets {
            if moments::insert_reset(c, r, true)? {
                self.rep.added += 1;
                continue;
            }
            let id = r.id.to_string();
            let old = stored(c, moments::RESET_BY_ID, &id, moments::reset_from_row)?;
            if old == *r {
                self.rep.already_present += 1;
                continue;
            }
            self.conflict(format!("the reset of {} differs from the file's", day(old.at)), true);
            if self.prefer_file {
                let fields = [
                    ("what happened", old.entry.happened.as_deref(), r.entry.happened.as_deref()),
                    ("what it felt like", old.entry.felt.as_deref(), r.entry.felt.as_deref()),
                    ("what is actually true", old.entry.truth.as_deref(), r.entry.truth.as_deref()),
                ];
                versions::keep_all(c, kinds::RESET, &id, &fields, self.now)?;
                remove(c, "DELETE FROM resets WHERE owner = current_owner() AND id = ?", &id)?;
                moments::insert_reset(c, r, false)?;
            }
        }
        Ok(())
    }

    fn safety_plan(&mut self, c: &Connection, doc: &ExportDoc) -> Res<()> {
        let at = doc
            .safety_plan
            .updated_at
            .as_deref()
            .and_then(|t| OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
            .map(crate::truncate_micros)
            .unwrap_or(self.now);
        for (section, text) in &doc.safety_plan.sections {
            let have: Option<String> = first(
                &mut c.prepare_cached("SELECT text FROM safety_plan WHERE owner = current_owner() AND section = ?")?,
                [section],
                |r| Ok(r.get(0)?),
            )?;
            match &have {
                None => self.rep.added += 1,
                Some(h) if h == text => {
                    self.rep.already_present += 1;
                    continue;
                }
                Some(_) => {
                    let name = self
                        .catalog
                        .safety()
                        .sections
                        .iter()
                        .find(|s| s.id == *section)
                        .map_or(section.as_str(), |s| s.title.as_str());
                    self.conflict(format!("your safety plan's \"{name}\" differs from the file's"), true);
                    if !self.prefer_file {
                        continue;
                    }
                    versions::keep(c, kinds::SAFETY_PLAN, section, section, have.as_deref(), Some(text), self.now)?;
                }
            }
            c.prepare_cached(
                "INSERT INTO safety_plan (owner, section, text, updated_at) VALUES (current_owner(), ?, ?, ?) \
                 ON CONFLICT (owner, section) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
            )?
            .execute(params![section, text, micros(if have.is_some() { self.now } else { at })])?;
        }
        Ok(())
    }
}

impl SqliteStore {
    pub(crate) fn import_all(&self, doc: &ExportDoc, prefer_file: bool, catalog: &Catalog) -> Result<ImportReport, StoreError> {
        self.write(|tx| {
            let mut m = Merge {
                rep: ImportReport::default(),
                prefer_file,
                now: crate::micros_now(),
                catalog,
            };
            m.run(tx, doc)?;
            Ok(m.rep)
        })
    }
}
