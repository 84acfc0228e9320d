//! Quiz attempts on PostgreSQL: answers and scores are numbers, kept plain
//! (as JSON); the label naming the relationship is sealed.

use drawbridge_core::assess::{Answers, QuizResult, Scores};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{PgStore, from_micros, micros};
use crate::backend::{Fut, Quiz};
use crate::error::StoreError;

macro_rules! quiz_select {
    ($rest:literal) => {
        concat!(
            "SELECT id, instrument, instrument_version, started_at, updated_at, finished_at, answers, scores, label_sealed \
             FROM quiz_results WHERE owner = $1 ",
            $rest
        )
    };
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Database(format!("a quiz result could not be written: {e}")))
}

impl PgStore {
    pub(super) fn quiz_of(&self, r: &PgRow) -> Result<QuizResult, StoreError> {
        let err = self.err();
        let json_err = |e: serde_json::Error| StoreError::Database(format!("a stored quiz result is not readable: {e}"));
        let id: Uuid = r.try_get("id").map_err(&err)?;
        let finished: Option<i64> = r.try_get("finished_at").map_err(&err)?;
        let answers: String = r.try_get("answers").map_err(&err)?;
        let scores: Option<String> = r.try_get("scores").map_err(&err)?;
        let label: Option<Vec<u8>> = r.try_get("label_sealed").map_err(&err)?;
        Ok(QuizResult {
            id,
            instrument: r.try_get("instrument").map_err(&err)?,
            instrument_version: u32::try_from(r.try_get::<i64, _>("instrument_version").map_err(&err)?).unwrap_or(0),
            started_at: from_micros(r.try_get("started_at").map_err(&err)?)?,
            updated_at: from_micros(r.try_get("updated_at").map_err(&err)?)?,
            finished_at: finished.map(from_micros).transpose()?,
            answers: serde_json::from_str(&answers).map_err(json_err)?,
            scores: scores.map(|s| serde_json::from_str(&s)).transpose().map_err(json_err)?,
            label: self
                .seal
                .open_opt(Self::place("quiz_results", "label", &id.to_string()), label.as_deref())?,
        })
    }

    /// Add an attempt; with `ignore_existing`, one with the same id is left alone.
    pub(crate) async fn add_quiz_row(&self, c: &mut PgConnection, r: &QuizResult, ignore_existing: bool) -> Result<bool, StoreError> {
        let label = self
            .seal
            .seal_opt(Self::place("quiz_results", "label", &r.id.to_string()), r.label.as_deref())?;
        let sql = if ignore_existing {
            "INSERT INTO quiz_results (owner, id, instrument, instrument_version, started_at, updated_at, finished_at, answers, scores, label_sealed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (owner, id) DO NOTHING"
        } else {
            "INSERT INTO quiz_results (owner, id, instrument, instrument_version, started_at, updated_at, finished_at, answers, scores, label_sealed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        };
        let done = sqlx::query(sql)
            .bind(self.owner)
            .bind(r.id)
            .bind(&r.instrument)
            .bind(i64::from(r.instrument_version))
            .bind(micros(r.started_at))
            .bind(micros(r.updated_at))
            .bind(r.finished_at.map(micros))
            .bind(json(&r.answers)?)
            .bind(r.scores.as_ref().map(json).transpose()?)
            .bind(label)
            .execute(c)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }
}

impl Quiz for PgStore {
    fn insert_quiz<'a>(&'a self, r: &'a QuizResult, ignore_existing: bool) -> Fut<'a, bool> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.add_quiz_row(&mut c, r, ignore_existing).await
        })
    }

    fn quiz_in_progress<'a>(&'a self, instrument: &'a str) -> Fut<'a, Option<QuizResult>> {
        Box::pin(async move {
            let row = sqlx::query(quiz_select!(
                "AND instrument = $2 AND finished_at IS NULL ORDER BY updated_at DESC LIMIT 1"
            ))
            .bind(self.owner)
            .bind(instrument)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(self.err())?;
            row.map(|r| self.quiz_of(&r)).transpose()
        })
    }

    fn save_quiz_answers<'a>(&'a self, id: Uuid, answers: &'a Answers, now: OffsetDateTime) -> Fut<'a, bool> {
        Box::pin(async move {
            let done =
                sqlx::query("UPDATE quiz_results SET answers = $3, updated_at = $4 WHERE owner = $1 AND id = $2 AND finished_at IS NULL")
                    .bind(self.owner)
                    .bind(id)
                    .bind(json(answers)?)
                    .bind(micros(now))
                    .execute(&mut *self.conn().await?)
                    .await
                    .map_err(self.err())?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn finish_quiz<'a>(&'a self, id: Uuid, scores: &'a Scores, now: OffsetDateTime) -> Fut<'a, bool> {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE quiz_results SET scores = $3, finished_at = $4, updated_at = $4 WHERE owner = $1 AND id = $2 AND finished_at IS NULL",
            )
            .bind(self.owner)
            .bind(id)
            .bind(json(scores)?)
            .bind(micros(now))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(self.err())?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn delete_quiz<'a>(&'a self, id: Uuid) -> Fut<'a, bool> {
        Box::pin(async move { self.delete_one("DELETE FROM quiz_results WHERE owner = $1 AND id = $2", id).await })
    }

    fn quiz<'a>(&'a self, id: Uuid) -> Fut<'a, Option<QuizResult>> {
        Box::pin(async move {
            let row = sqlx::query(quiz_select!("AND id = $2"))
                .bind(self.owner)
                .bind(id)
                .fetch_optional(&mut *self.conn().await?)
                .await
                .map_err(self.err())?;
            row.map(|r| self.quiz_of(&r)).transpose()
        })
    }

    fn quiz_results<'a>(&'a self, instrument: Option<&'a str>) -> Fut<'a, Vec<QuizResult>> {
        Box::pin(async move {
            let rows = match instrument {
                Some(i) => {
                    sqlx::query(quiz_select!(
                        "AND finished_at IS NOT NULL AND instrument = $2 ORDER BY finished_at, id"
                    ))
                    .bind(self.owner)
                    .bind(i)
                    .fetch_all(&mut *self.conn().await?)
                    .await
                }
                None => {
                    sqlx::query(quiz_select!("AND finished_at IS NOT NULL ORDER BY finished_at, id"))
                        .bind(self.owner)
                        .fetch_all(&mut *self.conn().await?)
                        .await
                }
            }
            .map_err(self.err())?;
            rows.iter().map(|r| self.quiz_of(r)).collect()
        })
    }
}
