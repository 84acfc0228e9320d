//! Quiz attempts: answers saved as they are given, scores once finished.

use drawbridge_core::assess::{Answers, QuizResult, Scores};
use rusqlite::{Connection, Row, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Res, SqliteStore, first, from_micros, micros, rows, to_json, uuid_of};
use crate::error::StoreError;

/// A quiz_results query with every column.
macro_rules! quiz_select {
    ($rest:literal) => {
        concat!(
            "SELECT id, instrument, instrument_version, started_at, updated_at, finished_at, answers, scores, label FROM quiz_results WHERE owner = current_owner() ",
            $rest
        )
    };
}

pub(crate) const BY_ID: &str = quiz_select!("AND id = ?");

pub(crate) fn from_row(r: &Row<'_>) -> Res<QuizResult> {
    let json_err = |e: serde_json::Error| StoreError::Database(format!("a stored quiz result is not readable: {e}"));
    let id: String = r.get("id")?;
    let version: i64 = r.get("instrument_version")?;
    let finished: Option<i64> = r.get("finished_at")?;
    let answers: String = r.get("answers")?;
    let scores: Option<String> = r.get("scores")?;
    Ok(QuizResult {
        id: uuid_of(&id)?,
        instrument: r.get("instrument")?,
        instrument_version: u32::try_from(version).unwrap_or(0),
        started_at: from_micros(r.get("started_at")?)?,
        updated_at: from_micros(r.get("updated_at")?)?,
        finished_at: finished.map(from_micros).transpose()?,
        answers: serde_json::from_str(&answers).map_err(json_err)?,
        scores: scores.map(|s| serde_json::from_str(&s)).transpose().map_err(json_err)?,
        label: r.get("label")?,
    })
}

/// Add an attempt; with `ignore_existing`, one with the same id is left alone.
pub(crate) fn insert(c: &Connection, r: &QuizResult, ignore_existing: bool) -> Res<bool> {
    let sql = if ignore_existing {
        "INSERT INTO quiz_results (owner, id, instrument, instrument_version, started_at, updated_at, finished_at, answers, scores, label) \
         VALUES (current_owner(), ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner, id) DO NOTHING"
    } else {
        "INSERT INTO quiz_results (owner, id, instrument, instrument_version, started_at, updated_at, finished_at, answers, scores, label) \
         VALUES (current_owner(), ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    };
    let n = c.prepare_cached(sql)?.execute(params![
        r.id.to_string(),
        r.instrument,
        i64::from(r.instrument_version),
        micros(r.started_at),
        micros(r.updated_at),
        r.finished_at.map(micros),
        to_json(&r.answers)?,
        r.scores.as_ref().map(to_json).transpose()?,
        r.label,
    ])?;
    Ok(n == 1)
}

pub(crate) fn all(c: &Connection) -> Res<Vec<QuizResult>> {
    rows(&mut c.prepare_cached(quiz_select!("ORDER BY started_at, id"))?, [], from_row)
}

impl SqliteStore {
    pub(crate) fn insert_quiz(&self, r: &QuizResult, ignore_existing: bool) -> Result<bool, StoreError> {
        self.write(|tx| insert(tx, r, ignore_existing))
    }

    pub(crate) fn quiz_in_progress(&self, instrument: &str) -> Result<Option<QuizResult>, StoreError> {
        self.with(|c| {
            first(
                &mut c.prepare_cached(quiz_select!(
                    "AND instrument = ? AND finished_at IS NULL ORDER BY updated_at DESC LIMIT 1"
                ))?,
                [instrument],
                from_row,
            )
        })
    }

    pub(crate) fn save_quiz_answers(&self, id: Uuid, answers: &Answers, now: OffsetDateTime) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE quiz_results SET answers = ?, updated_at = ? WHERE owner = current_owner() AND id = ? AND finished_at IS NULL",
                )?
                .execute(params![to_json(answers)?, micros(now), id.to_string()])?;
            Ok(n == 1)
        })
    }

    pub(crate) fn finish_quiz(&self, id: Uuid, scores: &Scores, now: OffsetDateTime) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .prepare_cached("UPDATE quiz_results SET scores = ?, finished_at = ?, updated_at = ? WHERE owner = current_owner() AND id = ? AND finished_at IS NULL")?
                .execute(params![to_json(scores)?, micros(now), micros(now), id.to_string()])?;
            Ok(n == 1)
        })
    }

    pub(crate) fn delete_quiz(&self, id: Uuid) -> Result<bool, StoreError> {
        self.write(|tx| {
            Ok(tx
                .prepare_cached("DELETE FROM quiz_results WHERE owner = current_owner() AND id = ?")?
                .execute([id.to_string()])?
                == 1)
        })
    }

    pub(crate) fn quiz(&self, id: Uuid) -> Result<Option<QuizResult>, StoreError> {
        self.with(|c| first(&mut c.prepare_cached(BY_ID)?, [id.to_string()], from_row))
    }

    pub(crate) fn quiz_results(&self, instrument: Option<&str>) -> Result<Vec<QuizResult>, StoreError> {
        self.with(|c| match instrument {
            Some(i) => rows(
                &mut c.prepare_cached(quiz_select!(
                    "AND finished_at IS NOT NULL AND instrument = ? ORDER BY finished_at, id"
                ))?,
                [i],
                from_row,
            ),
            None => rows(
                &mut c.prepare_cached(quiz_select!("AND finished_at IS NOT NULL ORDER BY finished_at, id"))?,
                [],
                from_row,
            ),
        })
    }
}
