//! Everything of one owner, read in one REPEATABLE READ transaction: a
//! write made while an export runs shows up in all of it or none of it.

use std::collections::BTreeMap;

use sqlx::Connection;
use sqlx::postgres::PgConnection;

use super::{PgStore, from_micros};
use crate::StoredInstrument;
use crate::error::StoreError;
use crate::export::ExportAll;

impl PgStore {
    pub(crate) async fn export_all(&self) -> Result<ExportAll, StoreError> {
        let mut c = self.conn().await?;
        let mut tx = c.begin().await.map_err(self.err())?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
        let all = self.read_all(&mut tx).await?;
        tx.commit().await.map_err(self.err())?;
        Ok(all)
    }

    pub(super) async fn read_all(&self, c: &mut PgConnection) -> Result<ExportAll, StoreError> {
        let err = self.err();
        let o = self.owner;
        macro_rules! each {
            ($sql:literal, $of:ident) => {{
                let rows = sqlx::query($sql).bind(o).fetch_all(&mut *c).await.map_err(&err)?;
                rows.iter().map(|r| self.$of(r)).collect::<Result<Vec<_>, StoreError>>()?
            }};
        }
        let mut settings = BTreeMap::new();
        let sealed: Vec<(String, Vec<u8>)> = sqlx::query_as("SELECT key, value_sealed FROM settings WHERE owner = $1 ORDER BY key")
            .bind(o)
            .fetch_all(&mut *c)
            .await
            .map_err(&err)?;
        for (key, value) in sealed {
            let value = self.seal.open(Self::place("settings", "value", &key), &value)?;
            settings.insert(key, value);
        }
        let instruments: Vec<(String, Vec<u8>, i64)> =
            sqlx::query_as("SELECT id, source_sealed, added_at FROM instruments WHERE owner = $1 ORDER BY added_at, id")
                .bind(o)
                .fetch_all(&mut *c)
                .await
                .map_err(&err)?;
        let instruments = instruments
            .into_iter()
            .map(|(id, sealed, at)| {
                Ok(StoredInstrument {
                    source: self.seal.open(Self::place("instruments", "source", &id), &sealed)?,
                    added_at: from_micros(at)?,
                    id,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let stage_changes: Vec<(i64, i16, i16)> =
            sqlx::query_as("SELECT at, from_stage, to_stage FROM stage_changes WHERE owner = $1 ORDER BY at")
                .bind(o)
                .fetch_all(&mut *c)
                .await
                .map_err(&err)?;
        let stage_changes = stage_changes
            .into_iter()
            .map(|(at, from, to)| {
                Ok(drawbridge_core::practice::StageChange {
                    at: from_micros(at)?,
                    from: u8::try_from(from).unwrap_or(1),
                    to: u8::try_from(to).unwrap_or(1),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(ExportAll {
            settings,
            urges: each!(
                "SELECT id, at, kind, intensity, body, about_sealed, did, note_sealed FROM urges WHERE owner = $1 ORDER BY at, id",
                urge_of
            ),
            instruments,
            quiz_results: each!(
                "SELECT id, instrument, instrument_version, started_at, updated_at, finished_at, answers, scores, label_sealed \
                 FROM quiz_results WHERE owner = $1 ORDER BY started_at, id",
                quiz_of
            ),
            experiment_records: each!(
                "SELECT id, created_at, experiment, custom_sealed, stage, with_whom_sealed, planned_for, prediction_sealed, belief_before, \
                 want, expect, done_at, what_happened_sealed, peak, after, outcome, capacity, learned_sealed, belief_after, flooded \
                 FROM experiment_records WHERE owner = $1 ORDER BY created_at, id",
                record_of
            ),
            stage_changes,
            program_runs: each!(
                "SELECT id, program, started_on, entries_sealed, stopped_on FROM program_runs WHERE owner = $1 ORDER BY started_on, id",
                program_of
            ),
            pauses: each!(
                "SELECT id, at, protocol, seconds, completed FROM pauses WHERE owner = $1 ORDER BY at, id",
                pause_of
            ),
            resets: each!(
                "SELECT id, at, record, capacity, happened_sealed, felt_sealed, truth_sealed, thought_sealed FROM resets WHERE owner = $1 ORDER BY at, id",
                reset_of
            ),
            safety_plan: self.plan_of(&mut *c).await?,
            text_versions: each!(
                "SELECT id, item, item_id, field, text_sealed, replaced_at FROM text_versions WHERE owner = $1 ORDER BY replaced_at, id",
                version_of
            ),
            journal: self.all_journal(&mut *c).await?,
            journal_drafts: self.all_drafts(&mut *c).await?,
            story_answers: self.all_answers(&mut *c).await?,
            people: self.all_people(&mut *c).await?,
            safe_marks: self.all_marks(&mut *c).await?,
            person_links: self.all_links(&mut *c).await?,
            contacts: self.all_contacts(&mut *c).await?,
            replies: self.all_replies(&mut *c).await?,
            past_relationships: self.all_past(&mut *c).await?,
        })
    }
}
