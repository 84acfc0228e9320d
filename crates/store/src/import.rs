//! Import: an export file merged into the database in one transaction.
//!
//! What is new is added. What is the same in both is left alone. What differs
//! (the same urge, record or plan section with other words, a setting with
//! another value) is a conflict: the database keeps its own unless the person
//! asked for the file's (`prefer_file`), and then the words replaced are kept
//! as earlier versions. Every conflict is reported in words, so an import
//! never changes anything without saying so.

use drawbridge_core::Catalog;
use drawbridge_core::versions;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use time::OffsetDateTime;

use crate::error::StoreError;
use crate::export::{ExportDoc, ImportReport};
use crate::sqlite::{SqliteStore, insert_quiz_query, insert_urge_query, micros, to_json};
use crate::{moment, practice};

/// How a setting is named to the person.
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
    practice::day_str(at.date())
}

/// The end of a conflict's sentence: what was done about it.
fn outcome(prefer_file: bool, words: bool) -> &'static str {
    match (prefer_file, words) {
        (false, _) => "kept yours",
        (true, true) => "took the file's, and kept your words as an earlier version",
        (true, false) => "took the file's",
    }
}

/// Keep the words of each (field, old, new) that change, for one item.
async fn keep_all(
    conn: &mut SqliteConnection,
    item: &str,
    item_id: &str,
    fields: &[(&str, Option<&str>, Option<&str>)],
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    for (field, old, new) in fields {
        crate::versions::keep(conn, item, item_id, field, *old, *new, at).await?;
    }
    Ok(())
}

/// The row already stored under `id`, read with `sql` (one `?` for the id).
async fn stored<T>(
    conn: &mut SqliteConnection,
    sql: &'static str,
    id: &str,
    from_row: fn(&SqliteRow) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let row = sqlx::query(sql)
        .bind(id)
        .fetch_one(conn)
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?;
    from_row(&row)
}

/// Remove the row under `id` (before the file's version takes its place).
async fn remove(conn: &mut SqliteConnection, sql: &'static str, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query(sql).bind(id).execute(conn).await.map(drop)
}

impl SqliteStore {
    pub(crate) async fn import_all(&self, doc: &ExportDoc, prefer_file: bool, catalog: &Catalog) -> Result<ImportReport, StoreError> {
        let e = self.err();
        let mut tx = self.pool().begin().await.map_err(&e)?;
        let mut rep = ImportReport::default();
        let now = crate::micros_now();
        let conflict = |rep: &mut ImportReport, what: String, words: bool| {
            rep.conflicts.push(format!("{what}: {}", outcome(prefer_file, words)));
            if prefer_file {
                rep.replaced += 1;
            }
        };

        for (k, v) in &doc.settings {
            let have: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
                .bind(k)
                .fetch_optional(&mut *tx)
                .await
                .map_err(&e)?;
            match have {
                None => rep.added += 1,
                Some(h) if h == *v => {
                    rep.already_present += 1;
                    continue;
                }
                Some(h) => {
                    // The calendar token is a secret: never print it.
                    let values = if k == crate::CALENDAR_TOKEN_SETTING {
                        String::new()
                    } else {
                        format!(" ({h}, the file says {v})")
                    };
                    conflict(&mut rep, format!("your {}{values} differs from the file's", setting_name(k)), false);
                    if !prefer_file {
                        continue;
                    }
                }
            }
            sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(k)
                .bind(v)
                .execute(&mut *tx)
                .await
                .map_err(&e)?;
        }

        for u in doc.domain_urges() {
            if insert_urge_query(&u, true).execute(&mut *tx).await.map_err(&e)?.rows_affected() == 1 {
                rep.added += 1;
                continue;
            }
            let old = stored(
                &mut tx,
                "SELECT id, at, kind, intensity, body, about, did, note FROM urges WHERE id = ?",
                &u.id.to_string(),
                crate::sqlite::urge_from_row,
            )
            .await?;
            if old == u {
                rep.already_present += 1;
                continue;
            }
            conflict(&mut rep, format!("the urge of {} differs from the file's", day(old.at)), true);
            if prefer_file {
                let fields = [
                    ("about", old.entry.about.as_deref(), u.entry.about.as_deref()),
                    ("note", old.entry.note.as_deref(), u.entry.note.as_deref()),
                ];
                keep_all(&mut tx, versions::URGE, &u.id.to_string(), &fields, now)
                    .await
                    .map_err(&e)?;
                remove(&mut tx, "DELETE FROM urges WHERE id = ?", &u.id.to_string())
                    .await
                    .map_err(&e)?;
                insert_urge_query(&u, false).execute(&mut *tx).await.map_err(&e)?;
            }
        }

        for i in &doc.instruments {
            let done = sqlx::query("INSERT INTO instruments (id, source, added_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING")
                .bind(&i.id)
                .bind(&i.source)
                .bind(micros(i.added_at))
                .execute(&mut *tx)
                .await
                .map_err(&e)?;
            if done.rows_affected() == 1 {
                rep.added += 1;
                continue;
            }
            if stored(
                &mut tx,
                "SELECT id, source, added_at FROM instruments WHERE id = ?",
                &i.id,
                crate::sqlite::instrument_from_row,
            )
            .await?
                == *i
            {
                rep.already_present += 1;
                continue;
            }
            conflict(&mut rep, format!("your questionnaire \"{}\" differs from the file's", i.id), false);
            if prefer_file {
                sqlx::query("UPDATE instruments SET source = ?, added_at = ? WHERE id = ?")
                    .bind(&i.source)
                    .bind(micros(i.added_at))
                    .bind(&i.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(&e)?;
            }
        }

        for r in &doc.quiz_results {
            if insert_quiz_query(r, true)?.execute(&mut *tx).await.map_err(&e)?.rows_affected() == 1 {
                rep.added += 1;
                continue;
            }
            let old = stored(&mut tx, crate::sqlite::QUIZ_BY_ID, &r.id.to_string(), crate::sqlite::quiz_from_row).await?;
            if old == *r {
                rep.already_present += 1;
                continue;
            }
            conflict(
                &mut rep,
                format!("the quiz started on {} differs from the file's", day(old.started_at)),
                false,
            );
            if prefer_file {
                remove(&mut tx, "DELETE FROM quiz_results WHERE id = ?", &r.id.to_string())
                    .await
                    .map_err(&e)?;
                insert_quiz_query(r, false)?.execute(&mut *tx).await.map_err(&e)?;
            }
        }

        for r in &doc.experiment_records {
            if practice::insert_record_query(r, true)
                .execute(&mut *tx)
                .await
                .map_err(&e)?
                .rows_affected()
                == 1
            {
                rep.added += 1;
                continue;
            }
            let old = stored(&mut tx, practice::RECORD_BY_ID, &r.id.to_string(), practice::record_from_row).await?;
            if old == *r {
                rep.already_present += 1;
                continue;
            }
            conflict(
                &mut rep,
                format!(
                    "the experiment planned for {} differs from the file's",
                    practice::day_str(old.plan.planned_for)
                ),
                true,
            );
            if prefer_file {
                let (o, n) = (old.result.as_ref(), r.result.as_ref());
                let fields = [
                    ("prediction", Some(old.plan.prediction.as_str()), Some(r.plan.prediction.as_str())),
                    ("with", old.plan.with_whom.as_deref(), r.plan.with_whom.as_deref()),
                    (
                        "what happened",
                        o.and_then(|x| x.what_happened.as_deref()),
                        n.and_then(|x| x.what_happened.as_deref()),
                    ),
                    (
                        "what I learned",
                        o.and_then(|x| x.learned.as_deref()),
                        n.and_then(|x| x.learned.as_deref()),
                    ),
                ];
                keep_all(&mut tx, versions::EXPERIMENT, &r.id.to_string(), &fields, now)
                    .await
                    .map_err(&e)?;
                remove(&mut tx, "DELETE FROM experiment_records WHERE id = ?", &r.id.to_string())
                    .await
                    .map_err(&e)?;
                practice::insert_record_query(r, false).execute(&mut *tx).await.map_err(&e)?;
            }
        }

        // Stage changes have no id: a database with none takes the file's;
        // one with its own history keeps it unless the file is preferred.
        let rows = sqlx::query("SELECT at, from_stage, to_stage FROM stage_changes ORDER BY at")
            .fetch_all(&mut *tx)
            .await
            .map_err(&e)?;
        let mut have = Vec::with_capacity(rows.len());
        for r in &rows {
            have.push((
                r.try_get::<i64, _>(0).map_err(&e)?,
                r.try_get::<i64, _>(1).map_err(&e)?,
                r.try_get::<i64, _>(2).map_err(&e)?,
            ));
        }
        let theirs: Vec<(i64, i64, i64)> = doc
            .stage_changes
            .iter()
            .map(|c| (micros(c.at), i64::from(c.from), i64::from(c.to)))
            .collect();
        let take = if have.is_empty() {
            rep.added += theirs.len() as u64;
            true
        } else if have == theirs || theirs.is_empty() {
            rep.already_present += theirs.len() as u64;
            false
        } else {
            conflict(&mut rep, "your history of stage changes differs from the file's".into(), false);
            prefer_file
        };
        if take && !theirs.is_empty() {
            sqlx::query("DELETE FROM stage_changes").execute(&mut *tx).await.map_err(&e)?;
            for (at, from, to) in &theirs {
                sqlx::query("INSERT INTO stage_changes (at, from_stage, to_stage) VALUES (?, ?, ?)")
                    .bind(at)
                    .bind(from)
                    .bind(to)
                    .execute(&mut *tx)
                    .await
                    .map_err(&e)?;
            }
        }

        for run in &doc.program_runs {
            let done =
                sqlx::query("INSERT INTO program_runs (id, program, started_on, entries, stopped_on) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")
                    .bind(run.id.to_string())
                    .bind(&run.program)
                    .bind(practice::day_str(run.started_on))
                    .bind(to_json(&run.entries)?)
                    .bind(run.stopped_on.map(practice::day_str))
                    .execute(&mut *tx)
                    .await
                    .map_err(&e)?;
            if done.rows_affected() == 1 {
                rep.added += 1;
                continue;
            }
            let old = stored(&mut tx, practice::PROGRAM_BY_ID, &run.id.to_string(), practice::program_from_row).await?;
            if old == *run {
                rep.already_present += 1;
                continue;
            }
            conflict(
                &mut rep,
                format!(
                    "the program you started on {} differs from the file's",
                    practice::day_str(old.started_on)
                ),
                true,
            );
            if prefer_file {
                for was in &old.entries {
                    let new = run.entries.iter().find(|x| x.day == was.day).and_then(|x| x.reflection.as_deref());
                    let field = format!("day {} reflection", was.day);
                    crate::versions::keep(
                        &mut tx,
                        versions::PROGRAM_RUN,
                        &run.id.to_string(),
                        &field,
                        was.reflection.as_deref(),
                        new,
                        now,
                    )
                    .await
                    .map_err(&e)?;
                }
                sqlx::query("UPDATE program_runs SET program = ?, started_on = ?, entries = ?, stopped_on = ? WHERE id = ?")
                    .bind(&run.program)
                    .bind(practice::day_str(run.started_on))
                    .bind(to_json(&run.entries)?)
                    .bind(run.stopped_on.map(practice::day_str))
                    .bind(run.id.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(&e)?;
            }
        }

        for p in &doc.pauses {
            let added = moment::insert_pause(&mut *tx, p, true).await.map_err(&e)?;
            if added == 1 {
                rep.added += 1;
                continue;
            }
            if stored(
                &mut tx,
                "SELECT id, at, protocol, seconds, completed FROM pauses WHERE id = ?",
                &p.id.to_string(),
                moment::pause_from_row,
            )
            .await?
                == *p
            {
                rep.already_present += 1;
                continue;
            }
            conflict(&mut rep, format!("the pause of {} differs from the file's", day(p.at)), false);
            if prefer_file {
                remove(&mut tx, "DELETE FROM pauses WHERE id = ?", &p.id.to_string())
                    .await
                    .map_err(&e)?;
                moment::insert_pause(&mut *tx, p, false).await.map_err(&e)?;
            }
        }

        for r in &doc.resets {
            let added = moment::insert_reset(&mut *tx, r, true).await.map_err(&e)?;
            if added == 1 {
                rep.added += 1;
                continue;
            }
            let old = stored(
                &mut tx,
                "SELECT id, at, record, capacity, happened, felt, truth FROM resets WHERE id = ?",
                &r.id.to_string(),
                moment::reset_from_row,
            )
            .await?;
            if old == *r {
                rep.already_present += 1;
                continue;
            }
            conflict(&mut rep, format!("the reset of {} differs from the file's", day(old.at)), true);
            if prefer_file {
                let fields = [
                    ("what happened", old.entry.happened.as_deref(), r.entry.happened.as_deref()),
                    ("what it felt like", old.entry.felt.as_deref(), r.entry.felt.as_deref()),
                    ("what is actually true", old.entry.truth.as_deref(), r.entry.truth.as_deref()),
                ];
                keep_all(&mut tx, versions::RESET, &r.id.to_string(), &fields, now)
                    .await
                    .map_err(&e)?;
                remove(&mut tx, "DELETE FROM resets WHERE id = ?", &r.id.to_string())
                    .await
                    .map_err(&e)?;
                moment::insert_reset(&mut *tx, r, false).await.map_err(&e)?;
            }
        }

        // The safety plan, section by section: a section only the file has
        // is added; one that differs is a conflict like any other.
        let at = doc
            .safety_plan
            .updated_at
            .as_deref()
            .and_then(|t| OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
            .map(crate::truncate_micros)
            .unwrap_or(now);
        for (section, text) in &doc.safety_plan.sections {
            let have: Option<String> = sqlx::query_scalar("SELECT text FROM safety_plan WHERE section = ?")
                .bind(section)
                .fetch_optional(&mut *tx)
                .await
                .map_err(&e)?;
            match &have {
                None => rep.added += 1,
                Some(h) if h == text => {
                    rep.already_present += 1;
                    continue;
                }
                Some(_) => {
                    let name = catalog
                        .safety()
                        .sections
                        .iter()
                        .find(|s| s.id == *section)
                        .map_or(section.as_str(), |s| s.title.as_str());
                    conflict(&mut rep, format!("your safety plan's \"{name}\" differs from the file's"), true);
                    if !prefer_file {
                        continue;
                    }
                    crate::versions::keep(&mut tx, versions::SAFETY_PLAN, section, section, have.as_deref(), Some(text), now)
                        .await
                        .map_err(&e)?;
                }
            }
            sqlx::query(
                "INSERT INTO safety_plan (section, text, updated_at) VALUES (?, ?, ?) \
                 ON CONFLICT (section) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
            )
            .bind(section)
            .bind(text)
            .bind(micros(if have.is_some() { now } else { at }))
            .execute(&mut *tx)
            .await
            .map_err(&e)?;
        }

        // Earlier versions travel with the data they belong to; they are
        // never in conflict (each has its own id and is never changed).
        for v in &doc.text_versions {
            let added = crate::versions::insert(&mut tx, v, true).await.map_err(&e)?;
            rep.added += added;
            rep.already_present += 1 - added.min(1);
        }

        tx.commit().await.map_err(&e)?;
        Ok(rep)
    }
}
