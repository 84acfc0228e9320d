//! The journal on PostgreSQL: the words of entries and drafts (title, body,
//! tags) sealed under the owner's key; times and content ids plain.

use drawbridge_core::journal::{JournalDraft, JournalEntry, JournalText};
use drawbridge_core::stories::StoryAnswer;
use drawbridge_core::versions;
use sqlx::postgres::PgRow;
use sqlx::{Connection, PgConnection, QueryBuilder, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{PgStore, from_micros, micros};
use crate::JournalFilter;
use crate::backend::{Fut, Journal};
use crate::error::StoreError;

const ENTRIES: &str = "journal_entries";
const DRAFTS: &str = "journal_drafts";
macro_rules! columns {
    () => {
        "id, at, edited_at, title_sealed, body_sealed, tags_sealed, prompt, body_signal, urge, record, reset"
    };
}
macro_rules! draft_columns {
    () => {
        "id, saved_at, title_sealed, body_sealed, tags_sealed, prompt"
    };
}

/// Sealed text for a row: the entry's or draft's words at their place.
struct Sealed {
    title: Option<Vec<u8>>,
    body: Vec<u8>,
    tags: Vec<u8>,
}

impl PgStore {
    fn seal_tags(&self, table: &str, key: &str, tags: &[String]) -> Result<Vec<u8>, StoreError> {
        let json = serde_json::to_string(tags).map_err(|e| StoreError::Database(format!("could not encode tags: {e}")))?;
        self.seal.seal(Self::place(table, "tags", key), &json)
    }

    fn seal_entry(&self, id: Uuid, t: &JournalText) -> Result<Sealed, StoreError> {
        let key = id.to_string();
        Ok(Sealed {
            title: self.seal.seal_opt(Self::place(ENTRIES, "title", &key), t.title.as_deref())?,
            body: self.seal.seal(Self::place(ENTRIES, "body", &key), &t.body)?,
            tags: self.seal_tags(ENTRIES, &key, &t.tags)?,
        })
    }

    fn entry_of(&self, r: &PgRow) -> Result<JournalEntry, StoreError> {
        let err = self.err();
        let id: Uuid = r.try_get("id").map_err(&err)?;
        let key = id.to_string();
        let title: Option<Vec<u8>> = r.try_get("title_sealed").map_err(&err)?;
        let body: Vec<u8> = r.try_get("body_sealed").map_err(&err)?;
        let tags: Vec<u8> = r.try_get("tags_sealed").map_err(&err)?;
        let tags = self.seal.open(Self::place(ENTRIES, "tags", &key), &tags)?;
        let edited: Option<i64> = r.try_get("edited_at").map_err(&err)?;
        Ok(JournalEntry {
            id,
            at: from_micros(r.try_get("at").map_err(&err)?)?,
            edited_at: edited.map(from_micros).transpose()?,
            text: JournalText {
                title: self.seal.open_opt(Self::place(ENTRIES, "title", &key), title.as_deref())?,
                body: self.seal.open(Self::place(ENTRIES, "body", &key), &body)?,
                tags: serde_json::from_str(&tags)
                    .map_err(|e| StoreError::Database(format!("a journal entry's tags are not readable: {e}")))?,
                prompt: r.try_get("prompt").map_err(&err)?,
                body_signal: r.try_get("body_signal").map_err(&err)?,
                urge: r.try_get("urge").map_err(&err)?,
                record: r.try_get("record").map_err(&err)?,
                reset: r.try_get("reset").map_err(&err)?,
            },
        })
    }

    fn draft_of(&self, r: &PgRow) -> Result<JournalDraft, StoreError> {
        let err = self.err();
        let id: Uuid = r.try_get("id").map_err(&err)?;
        let key = id.to_string();
        let open = |field: &str, col: &str| -> Result<String, StoreError> {
            let sealed: Vec<u8> = r.try_get(col).map_err(&err)?;
            self.seal.open(Self::place(DRAFTS, field, &key), &sealed)
        };
        Ok(JournalDraft {
            id,
            saved_at: from_micros(r.try_get("saved_at").map_err(&err)?)?,
            title: open("title", "title_sealed")?,
            body: open("body", "body_sealed")?,
            tags: open("tags", "tags_sealed")?,
            prompt: r.try_get("prompt").map_err(&err)?,
        })
    }

    /// Add an entry; with `ignore_existing`, one with the same id is left
    /// alone. Returns whether a row was added.
    pub(crate) async fn add_journal_row(&self, c: &mut PgConnection, e: &JournalEntry, ignore_existing: bool) -> Result<bool, StoreError> {
        let s = self.seal_entry(e.id, &e.text)?;
        let sql = if ignore_existing {
            "INSERT INTO journal_entries (owner, id, at, edited_at, title_sealed, body_sealed, tags_sealed, prompt, body_signal, urge, record, reset) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (owner, id) DO NOTHING"
        } else {
            "INSERT INTO journal_entries (owner, id, at, edited_at, title_sealed, body_sealed, tags_sealed, prompt, body_signal, urge, record, reset) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        };
        let t = &e.text;
        let done = sqlx::query(sql)
            .bind(self.owner)
            .bind(e.id)
            .bind(micros(e.at))
            .bind(e.edited_at.map(micros))
            .bind(s.title)
            .bind(s.body)
            .bind(s.tags)
            .bind(&t.prompt)
            .bind(&t.body_signal)
            .bind(t.urge)
            .bind(t.record)
            .bind(t.reset)
            .execute(c)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    /// Keep a draft; with `ignore_existing`, one with the same id is left
    /// alone, otherwise it is written over.
    pub(crate) async fn add_draft_row(&self, c: &mut PgConnection, d: &JournalDraft, ignore_existing: bool) -> Result<bool, StoreError> {
        let key = d.id.to_string();
        let title = self.seal.seal(Self::place(DRAFTS, "title", &key), &d.title)?;
        let body = self.seal.seal(Self::place(DRAFTS, "body", &key), &d.body)?;
        let tags = self.seal.seal(Self::place(DRAFTS, "tags", &key), &d.tags)?;
        let sql = if ignore_existing {
            "INSERT INTO journal_drafts (owner, id, saved_at, title_sealed, body_sealed, tags_sealed, prompt) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (owner, id) DO NOTHING"
        } else {
            "INSERT INTO journal_drafts (owner, id, saved_at, title_sealed, body_sealed, tags_sealed, prompt) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (owner, id) DO UPDATE SET saved_at = excluded.saved_at, title_sealed = excluded.title_sealed, \
             body_sealed = excluded.body_sealed, tags_sealed = excluded.tags_sealed, prompt = excluded.prompt"
        };
        let done = sqlx::query(sql)
            .bind(self.owner)
            .bind(d.id)
            .bind(micros(d.saved_at))
            .bind(title)
            .bind(body)
            .bind(tags)
            .bind(&d.prompt)
            .execute(c)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    async fn journal_row(&self, c: &mut PgConnection, id: Uuid, lock: bool) -> Result<Option<JournalEntry>, StoreError> {
        let sql = if lock {
            concat!(
                "SELECT ",
                columns!(),
                " FROM journal_entries WHERE owner = $1 AND id = $2 FOR UPDATE"
            )
        } else {
            concat!("SELECT ", columns!(), " FROM journal_entries WHERE owner = $1 AND id = $2")
        };
        let row = sqlx::query(sql)
            .bind(self.owner)
            .bind(id)
            .fetch_optional(c)
            .await
            .map_err(self.err())?;
        row.map(|r| self.entry_of(&r)).transpose()
    }

    async fn drop_draft(&self, c: &mut PgConnection, id: Uuid) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM journal_drafts WHERE owner = $1 AND id = $2")
            .bind(self.owner)
            .bind(id)
            .execute(c)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    /// Write `new` over `old`, keeping each field's earlier words.
    pub(crate) async fn replace_journal(
        &self,
        c: &mut PgConnection,
        old: &JournalEntry,
        new: &JournalText,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let key = old.id.to_string();
        for (field, was, now) in old.text.replaced_by(new) {
            self.keep(c, (versions::JOURNAL, &key, field), was.as_deref(), now.as_deref(), at)
                .await?;
        }
        let s = self.seal_entry(old.id, new)?;
        sqlx::query(
            "UPDATE journal_entries SET edited_at = $3, title_sealed = $4, body_sealed = $5, tags_sealed = $6, prompt = $7, \
             body_signal = $8, urge = $9, record = $10, reset = $11 WHERE owner = $1 AND id = $2",
        )
        .bind(self.owner)
        .bind(old.id)
        .bind(micros(at))
        .bind(s.title)
        .bind(s.body)
        .bind(s.tags)
        .bind(&new.prompt)
        .bind(&new.body_signal)
        .bind(new.urge)
        .bind(new.record)
        .bind(new.reset)
        .execute(c)
        .await
        .map_err(self.err())?;
        Ok(())
    }

    pub(crate) async fn all_journal(&self, c: &mut PgConnection) -> Result<Vec<JournalEntry>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM journal_entries WHERE owner = $1 ORDER BY at, id"
        ))
        .bind(self.owner)
        .fetch_all(c)
        .await
        .map_err(self.err())?;
        rows.iter().map(|r| self.entry_of(r)).collect()
    }

    pub(crate) async fn all_drafts(&self, c: &mut PgConnection) -> Result<Vec<JournalDraft>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            draft_columns!(),
            " FROM journal_drafts WHERE owner = $1 ORDER BY saved_at DESC, id"
        ))
        .bind(self.owner)
        .fetch_all(c)
        .await
        .map_err(self.err())?;
        rows.iter().map(|r| self.draft_of(r)).collect()
    }

    /// "Not this time" for a story; false when it was said already.
    pub(crate) async fn add_answer_row(&self, c: &mut PgConnection, a: &StoryAnswer) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO story_answers (owner, item, item_id, story, at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (owner, item, item_id, story) DO NOTHING",
        )
        .bind(self.owner)
        .bind(&a.item)
        .bind(a.item_id)
        .bind(&a.story)
        .bind(micros(a.at))
        .execute(c)
        .await
        .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn all_answers(&self, c: &mut PgConnection) -> Result<Vec<StoryAnswer>, StoreError> {
        let rows = sqlx::query("SELECT item, item_id, story, at FROM story_answers WHERE owner = $1 ORDER BY at, item, item_id, story")
            .bind(self.owner)
            .fetch_all(c)
            .await
            .map_err(self.err())?;
        let err = self.err();
        rows.iter()
            .map(|r| {
                Ok(StoryAnswer {
                    item: r.try_get("item").map_err(&err)?,
                    item_id: r.try_get("item_id").map_err(&err)?,
                    story: r.try_get("story").map_err(&err)?,
                    at: from_micros(r.try_get("at").map_err(&err)?)?,
                })
            })
            .collect()
    }
}

/// No index on PostgreSQL: the words are sealed, so search unseals the
/// owner's records and matches them in memory (`crate::search`).
impl crate::backend::Search for PgStore {
    fn search_candidates<'a>(
        &'a self,
        _q: &'a drawbridge_core::search::Query,
        _with_terms: bool,
    ) -> Fut<'a, Option<Vec<crate::search::Candidate>>> {
        Box::pin(std::future::ready(Ok(None)))
    }

    fn texts_changed(&self) -> Fut<'_, Option<i64>> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            let n: Option<i64> = sqlx::query_scalar("SELECT texts_changed FROM owners WHERE id = $1")
                .bind(self.owner)
                .fetch_optional(&mut *c)
                .await
                .map_err(self.err())?;
            Ok(n)
        })
    }
}

impl Journal for PgStore {
    fn insert_journal<'a>(&'a self, e: &'a JournalEntry) -> Fut<'a, bool> {
        Box::pin(async move {
            let mut lease = self.conn().await?;
            let mut tx = lease.begin().await.map_err(self.err())?;
            let added = self.add_journal_row(&mut tx, e, true).await?;
            if added {
                self.drop_draft(&mut tx, e.id).await?;
            }
            tx.commit().await.map_err(self.err())?;
            Ok(added)
        })
    }

    fn journal_entry<'a>(&'a self, id: Uuid) -> Fut<'a, Option<JournalEntry>> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.journal_row(&mut c, id, false).await
        })
    }

    fn edit_journal<'a>(&'a self, id: Uuid, text: &'a JournalText, at: OffsetDateTime) -> Fut<'a, bool> {
        Box::pin(async move {
            let mut lease = self.conn().await?;
            let mut tx = lease.begin().await.map_err(self.err())?;
            let Some(old) = self.journal_row(&mut tx, id, true).await? else {
                return Ok(false);
            };
            if old.text != *text {
                self.replace_journal(&mut tx, &old, text, at).await?;
            }
            self.drop_draft(&mut tx, id).await?;
            tx.commit().await.map_err(self.err())?;
            Ok(true)
        })
    }

    fn delete_journal<'a>(&'a self, id: Uuid) -> Fut<'a, bool> {
        Box::pin(async move {
            let mut lease = self.conn().await?;
            let mut tx = lease.begin().await.map_err(self.err())?;
            let done = sqlx::query("DELETE FROM journal_entries WHERE owner = $1 AND id = $2")
                .bind(self.owner)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            sqlx::query("DELETE FROM text_versions WHERE owner = $1 AND item = $2 AND item_id = $3")
                .bind(self.owner)
                .bind(versions::JOURNAL)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(self.err())?;
            self.drop_draft(&mut tx, id).await?;
            tx.commit().await.map_err(self.err())?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn journal_ids_with_prefix<'a>(&'a self, prefix: &'a str, limit: u32) -> Fut<'a, Vec<Uuid>> {
        Box::pin(async move {
            let Some((low, high)) = super::uuid_range(prefix) else {
                return Ok(Vec::new());
            };
            let ids: Vec<Uuid> =
                sqlx::query_scalar("SELECT id FROM journal_entries WHERE owner = $1 AND id BETWEEN $2 AND $3 ORDER BY id LIMIT $4")
                    .bind(self.owner)
                    .bind(low)
                    .bind(high)
                    .bind(i64::from(limit))
                    .fetch_all(&mut *self.conn().await?)
                    .await
                    .map_err(self.err())?;
            Ok(ids)
        })
    }

    fn journal<'a>(&'a self, f: &'a JournalFilter) -> Fut<'a, Vec<JournalEntry>> {
        Box::pin(async move {
            let mut q = QueryBuilder::new(concat!("SELECT ", columns!(), " FROM journal_entries WHERE owner = "));
            q.push_bind(self.owner);
            if let Some(since) = f.since {
                q.push(" AND at >= ").push_bind(micros(since));
            }
            if let Some(until) = f.until {
                q.push(" AND at < ").push_bind(micros(until));
            }
            q.push(" ORDER BY at DESC, id DESC");
            let rows = q.build().fetch_all(&mut *self.conn().await?).await.map_err(self.err())?;
            rows.iter().map(|r| self.entry_of(r)).collect()
        })
    }

    fn put_journal_draft<'a>(&'a self, d: &'a JournalDraft) -> Fut<'a, ()> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.add_draft_row(&mut c, d, false).await.map(drop)
        })
    }

    fn journal_draft<'a>(&'a self, id: Uuid) -> Fut<'a, Option<JournalDraft>> {
        Box::pin(async move {
            let row = sqlx::query(concat!(
                "SELECT ",
                draft_columns!(),
                " FROM journal_drafts WHERE owner = $1 AND id = $2"
            ))
            .bind(self.owner)
            .bind(id)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(self.err())?;
            row.map(|r| self.draft_of(&r)).transpose()
        })
    }

    fn journal_drafts<'a>(&'a self) -> Fut<'a, Vec<JournalDraft>> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.all_drafts(&mut c).await
        })
    }

    fn delete_journal_draft<'a>(&'a self, id: Uuid) -> Fut<'a, bool> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.drop_draft(&mut c, id).await
        })
    }

    fn put_story_away<'a>(&'a self, a: &'a StoryAnswer) -> Fut<'a, bool> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.add_answer_row(&mut c, a).await
        })
    }

    fn story_answers<'a>(&'a self) -> Fut<'a, Vec<StoryAnswer>> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.all_answers(&mut c).await
        })
    }
}
