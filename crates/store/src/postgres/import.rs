//! Import on PostgreSQL: the merge decided by [`crate::import`], carried out
//! in one transaction over what that transaction reads. The owner's row is
//! locked first, so two imports for one person run one after the other.

use drawbridge_core::Catalog;
use sqlx::{Connection, PgConnection};

use super::{PgStore, micros};
use crate::backend::{Fut, Transfer};
use crate::error::StoreError;
use crate::export::{ExportAll, ExportDoc, ImportReport};
use crate::import::{Change, plan};

impl PgStore {
    /// Run `DELETE ... WHERE owner = $1 AND id = $2` inside `c`.
    async fn remove(&self, c: &mut PgConnection, sql: &'static str, id: uuid::Uuid) -> Result<(), StoreError> {
        sqlx::query(sql).bind(self.owner).bind(id).execute(c).await.map_err(self.err())?;
        Ok(())
    }

    async fn apply(&self, c: &mut PgConnection, change: &Change<'_>) -> Result<(), StoreError> {
        match change {
            Change::Setting { key, value } => self.put_setting(c, key, value).await?,
            Change::Urge { urge, replace } => {
                if *replace {
                    self.remove(&mut *c, "DELETE FROM urges WHERE owner = $1 AND id = $2", urge.id)
                        .await?;
                }
                self.add_urge_row(c, urge, false).await?;
            }
            Change::Instrument(i) => self.put_instrument_row(c, i).await?,
            Change::Quiz { result, replace } => {
                if *replace {
                    self.remove(&mut *c, "DELETE FROM quiz_results WHERE owner = $1 AND id = $2", result.id)
                        .await?;
                }
                self.add_quiz_row(c, result, false).await?;
            }
            Change::Record { record, replace } => {
                if *replace {
                    self.remove(&mut *c, "DELETE FROM experiment_records WHERE owner = $1 AND id = $2", record.id)
                        .await?;
                }
                self.add_record_row(c, record, false).await?;
            }
            Change::StageChanges(all) => {
                sqlx::query("DELETE FROM stage_changes WHERE owner = $1")
                    .bind(self.owner)
                    .execute(&mut *c)
                    .await
                    .map_err(self.err())?;
                for s in *all {
                    self.add_stage_change_row(&mut *c, s).await?;
                }
            }
            Change::Program { run, replace } => {
                self.write_program_run(c, run, *replace).await?;
            }
            Change::Pause { pause, replace } => {
                if *replace {
                    self.remove(&mut *c, "DELETE FROM pauses WHERE owner = $1 AND id = $2", pause.id)
                        .await?;
                }
                self.add_pause_row(c, pause, false).await?;
            }
            Change::Reset { reset, replace } => {
                if *replace {
                    self.remove(&mut *c, "DELETE FROM resets WHERE owner = $1 AND id = $2", reset.id)
                        .await?;
                }
                self.add_reset_row(c, reset, false).await?;
            }
            Change::PlanSection { section, text, at } => {
                sqlx::query(
                    "INSERT INTO safety_plan (owner, section, text_sealed, updated_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (owner, section) DO UPDATE SET text_sealed = excluded.text_sealed, updated_at = excluded.updated_at",
                )
                .bind(self.owner)
                .bind(*section)
                .bind(self.seal.seal(Self::place("safety_plan", "text", section), text)?)
                .bind(micros(*at))
                .execute(c)
                .await
                .map_err(self.err())?;
            }
            Change::Journal { entry, replace } => {
                if *replace {
                    self.remove(&mut *c, "DELETE FROM journal_entries WHERE owner = $1 AND id = $2", entry.id)
                        .await?;
                }
                self.add_journal_row(c, entry, false).await?;
            }
            Change::Draft(d) => {
                self.add_draft_row(c, d, false).await?;
            }
            Change::StoryAnswer(a) => {
                self.add_answer_row(c, a).await?;
            }
            Change::Version(v) => {
                self.insert_version(c, v, false).await?;
            }
            Change::Person { person, replace } => {
                self.add_person_row(c, person, *replace).await?;
            }
            Change::SafeMark(m) => self.put_mark_row(c, m).await?,
            Change::Link(l) => {
                self.put_link_row(c, l).await?;
            }
            Change::Contact { contact, replace } => {
                self.add_contact_row(c, contact, *replace).await?;
            }
            Change::Reply { reply, replace } => {
                self.add_reply_row(c, reply, *replace).await?;
            }
            Change::Past { past, replace } => {
                self.add_past_row(c, past, *replace).await?;
            }
        }
        Ok(())
    }

    async fn import_all(&self, doc: &ExportDoc, prefer_file: bool, catalog: &Catalog) -> Result<ImportReport, StoreError> {
        let mut c = self.conn().await?;
        let mut tx = c.begin().await.map_err(self.err())?;
        sqlx::query("SELECT id FROM owners WHERE id = $1 FOR UPDATE")
            .bind(self.owner)
            .execute(&mut *tx)
            .await
            .map_err(self.err())?;
        let have = self.read_all(&mut tx).await?;
        let p = plan(&have, doc, prefer_file, crate::micros_now(), catalog);
        for change in &p.changes {
            self.apply(&mut tx, change).await?;
        }
        tx.commit().await.map_err(self.err())?;
        Ok(p.report)
    }
}

impl Transfer for PgStore {
    fn export_all<'a>(&'a self) -> Fut<'a, ExportAll> {
        Box::pin(PgStore::export_all(self))
    }

    fn import_all<'a>(&'a self, doc: &'a ExportDoc, prefer_file: bool, catalog: &'a Catalog) -> Fut<'a, ImportReport> {
        Box::pin(PgStore::import_all(self, doc, prefer_file, catalog))
    }
}
