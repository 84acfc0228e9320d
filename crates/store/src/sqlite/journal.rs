//! The journal on SQLite: entries and the drafts they are written in.

use drawbridge_core::journal::{JournalDraft, JournalEntry, JournalText};
use drawbridge_core::stories::StoryAnswer;
use drawbridge_core::versions;
use rusqlite::types::ToSql;
use rusqlite::{Connection, Row, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Res, SqliteStore, first, from_micros, micros, rows, to_json, uuid_of};
use crate::JournalFilter;
use crate::error::StoreError;

const COLUMNS: &str = "id, at, edited_at, title, body, tags, prompt, body_signal, urge, record, reset";
const DRAFT_COLUMNS: &str = "id, saved_at, title, body, tags, prompt";

fn opt_uuid(s: Option<String>) -> Res<Option<Uuid>> {
    s.map(|s| uuid_of(&s)).transpose().map_err(Into::into)
}

fn tags_from(json: &str) -> Res<Vec<String>> {
    serde_json::from_str(json).map_err(|e| StoreError::Database(format!("a journal entry's tags are not readable: {e}")).into())
}

/// An entry from a row of [`COLUMNS`], by position.
fn from_row(r: &Row<'_>) -> Res<JournalEntry> {
    let id: String = r.get(0)?;
    let edited: Option<i64> = r.get(2)?;
    let tags: String = r.get(5)?;
    Ok(JournalEntry {
        id: uuid_of(&id)?,
        at: from_micros(r.get(1)?)?,
        edited_at: edited.map(from_micros).transpose()?,
        text: JournalText {
            title: r.get(3)?,
            body: r.get(4)?,
            tags: tags_from(&tags)?,
            prompt: r.get(6)?,
            body_signal: r.get(7)?,
            urge: opt_uuid(r.get(8)?)?,
            record: opt_uuid(r.get(9)?)?,
            reset: opt_uuid(r.get(10)?)?,
        },
    })
}

fn draft_from_row(r: &Row<'_>) -> Res<JournalDraft> {
    let id: String = r.get(0)?;
    Ok(JournalDraft {
        id: uuid_of(&id)?,
        saved_at: from_micros(r.get(1)?)?,
        title: r.get(2)?,
        body: r.get(3)?,
        tags: r.get(4)?,
        prompt: r.get(5)?,
    })
}

/// Add an entry; with `ignore_existing`, one with the same id is left alone.
/// Returns whether a row was added.
pub(crate) fn insert(c: &Connection, e: &JournalEntry, ignore_existing: bool) -> Res<bool> {
    let sql = if ignore_existing {
        "INSERT INTO journal_entries (owner, id, at, edited_at, title, body, tags, prompt, body_signal, urge, record, reset) \
         VALUES (current_owner(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner, id) DO NOTHING"
    } else {
        "INSERT INTO journal_entries (owner, id, at, edited_at, title, body, tags, prompt, body_signal, urge, record, reset) \
         VALUES (current_owner(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    };
    let t = &e.text;
    let n = c.prepare_cached(sql)?.execute(params![
        e.id.to_string(),
        micros(e.at),
        e.edited_at.map(micros),
        t.title,
        t.body,
        to_json(&t.tags)?,
        t.prompt,
        t.body_signal,
        t.urge.map(|u| u.to_string()),
        t.record.map(|u| u.to_string()),
        t.reset.map(|u| u.to_string()),
    ])?;
    Ok(n == 1)
}

pub(crate) fn insert_draft(c: &Connection, d: &JournalDraft, ignore_existing: bool) -> Res<bool> {
    let sql = if ignore_existing {
        "INSERT INTO journal_drafts (owner, id, saved_at, title, body, tags, prompt) VALUES (current_owner(), ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (owner, id) DO NOTHING"
    } else {
        "INSERT INTO journal_drafts (owner, id, saved_at, title, body, tags, prompt) VALUES (current_owner(), ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (owner, id) DO UPDATE SET saved_at = excluded.saved_at, title = excluded.title, body = excluded.body, \
         tags = excluded.tags, prompt = excluded.prompt"
    };
    let n = c
        .prepare_cached(sql)?
        .execute(params![d.id.to_string(), micros(d.saved_at), d.title, d.body, d.tags, d.prompt])?;
    Ok(n == 1)
}

fn one(c: &Connection, id: &str) -> Res<Option<JournalEntry>> {
    first(
        &mut c.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM journal_entries WHERE owner = current_owner() AND id = ?"
        ))?,
        [id],
        from_row,
    )
}

pub(crate) fn all(c: &Connection) -> Res<Vec<JournalEntry>> {
    rows(
        &mut c.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM journal_entries WHERE owner = current_owner() ORDER BY at, id"
        ))?,
        [],
        from_row,
    )
}

pub(crate) fn all_drafts(c: &Connection) -> Res<Vec<JournalDraft>> {
    rows(
        &mut c.prepare_cached(&format!(
            "SELECT {DRAFT_COLUMNS} FROM journal_drafts WHERE owner = current_owner() ORDER BY saved_at DESC, id"
        ))?,
        [],
        draft_from_row,
    )
}

/// "Not this time" for a story; false when it was said already.
pub(crate) fn insert_answer(c: &Connection, a: &StoryAnswer) -> Res<bool> {
    let n = c
        .prepare_cached(
            "INSERT INTO story_answers (owner, item, item_id, story, at) VALUES (current_owner(), ?, ?, ?, ?) \
             ON CONFLICT (owner, item, item_id, story) DO NOTHING",
        )?
        .execute(params![a.item, a.item_id.to_string(), a.story, micros(a.at)])?;
    Ok(n == 1)
}

pub(crate) fn all_answers(c: &Connection) -> Res<Vec<StoryAnswer>> {
    rows(
        &mut c.prepare_cached(
            "SELECT item, item_id, story, at FROM story_answers WHERE owner = current_owner() ORDER BY at, item, item_id, story",
        )?,
        [],
        |r| {
            let id: String = r.get(1)?;
            Ok(StoryAnswer {
                item: r.get(0)?,
                item_id: uuid_of(&id)?,
                story: r.get(2)?,
                at: from_micros(r.get(3)?)?,
            })
        },
    )
}

fn delete_draft_row(c: &Connection, id: &str) -> Res<bool> {
    Ok(
        c.prepare_cached("DELETE FROM journal_drafts WHERE owner = current_owner() AND id = ?")?
            .execute([id])?
            == 1,
    )
}

/// Write `new` over the entry `old`, keeping each field's earlier words.
pub(crate) fn replace(c: &Connection, old: &JournalEntry, new: &JournalText, at: OffsetDateTime) -> Res<()> {
    let key = old.id.to_string();
    for (field, was, now) in old.text.replaced_by(new) {
        super::versions::keep(c, versions::JOURNAL, &key, field, was.as_deref(), now.as_deref(), at)?;
    }
    c.prepare_cached(
        "UPDATE journal_entries SET edited_at = ?, title = ?, body = ?, tags = ?, prompt = ?, body_signal = ?, urge = ?, record = ?, reset = ? \
         WHERE owner = current_owner() AND id = ?",
    )?
    .execute(params![
        micros(at),
        new.title,
        new.body,
        to_json(&new.tags)?,
        new.prompt,
        new.body_signal,
        new.urge.map(|u| u.to_string()),
        new.record.map(|u| u.to_string()),
        new.reset.map(|u| u.to_string()),
        key,
    ])?;
    Ok(())
}

impl SqliteStore {
    /// Save a new entry and drop the draft it was written in, together.
    /// False when an entry with its id is already saved (a second click
    /// of Save): nothing is written twice.
    pub(crate) fn insert_journal(&self, e: &JournalEntry) -> Result<bool, StoreError> {
        self.write(|tx| {
            let added = insert(tx, e, true)?;
            if added {
                delete_draft_row(tx, &e.id.to_string())?;
            }
            Ok(added)
        })
    }

    pub(crate) fn journal_entry(&self, id: Uuid) -> Result<Option<JournalEntry>, StoreError> {
        self.with(|c| one(c, &id.to_string()))
    }

    /// Change an entry, keeping the words it replaces, and drop the draft
    /// the change was written in. False when there is no such entry.
    pub(crate) fn edit_journal(&self, id: Uuid, text: &JournalText, at: OffsetDateTime) -> Result<bool, StoreError> {
        let key = id.to_string();
        self.write(|tx| {
            let Some(old) = one(tx, &key)? else {
                return Ok(false);
            };
            if old.text != *text {
                replace(tx, &old, text, at)?;
            }
            delete_draft_row(tx, &key)?;
            Ok(true)
        })
    }

    /// Delete an entry, the earlier versions of its words and any draft of
    /// it: what the person asked to remove goes entirely.
    pub(crate) fn delete_journal(&self, id: Uuid) -> Result<bool, StoreError> {
        let key = id.to_string();
        self.write(|tx| {
            let n = tx
                .prepare_cached("DELETE FROM journal_entries WHERE owner = current_owner() AND id = ?")?
                .execute([&key])?;
            tx.prepare_cached("DELETE FROM text_versions WHERE owner = current_owner() AND item = ? AND item_id = ?")?
                .execute([versions::JOURNAL, key.as_str()])?;
            delete_draft_row(tx, &key)?;
            Ok(n == 1)
        })
    }

    pub(crate) fn journal_ids_with_prefix(&self, prefix: &str, limit: u32) -> Result<Vec<Uuid>, StoreError> {
        // Ids are lower-case hex and hyphens: a range on the primary key.
        self.with(|c| {
            rows(
                &mut c.prepare_cached(
                    "SELECT id FROM journal_entries WHERE owner = current_owner() AND id >= ? AND id < ? ORDER BY id LIMIT ?",
                )?,
                params![prefix, format!("{prefix}~"), i64::from(limit)],
                |r| Ok(uuid_of(&r.get::<_, String>(0)?)?),
            )
        })
    }

    pub(crate) fn journal(&self, f: &JournalFilter) -> Result<Vec<JournalEntry>, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM journal_entries WHERE owner = current_owner()");
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        if let Some(since) = f.since {
            sql.push_str(" AND at >= ?");
            args.push(Box::new(micros(since)));
        }
        if let Some(until) = f.until {
            sql.push_str(" AND at < ?");
            args.push(Box::new(micros(until)));
        }
        sql.push_str(" ORDER BY at DESC, id DESC");
        self.with(|c| rows(&mut c.prepare_cached(&sql)?, rusqlite::params_from_iter(args.iter()), from_row))
    }

    /// Keep a draft as typed, over any earlier one with its id.
    pub(crate) fn put_journal_draft(&self, d: &JournalDraft) -> Result<(), StoreError> {
        self.write(|tx| insert_draft(tx, d, false).map(drop))
    }

    pub(crate) fn journal_draft(&self, id: Uuid) -> Result<Option<JournalDraft>, StoreError> {
        self.with(|c| {
            first(
                &mut c.prepare_cached(&format!(
                    "SELECT {DRAFT_COLUMNS} FROM journal_drafts WHERE owner = current_owner() AND id = ?"
                ))?,
                [id.to_string()],
                draft_from_row,
            )
        })
    }

    /// Every draft, the newest first.
    pub(crate) fn journal_drafts(&self) -> Result<Vec<JournalDraft>, StoreError> {
        self.with(|c| all_drafts(c))
    }

    pub(crate) fn delete_journal_draft(&self, id: Uuid) -> Result<bool, StoreError> {
        self.write(|tx| delete_draft_row(tx, &id.to_string()))
    }

    pub(crate) fn put_story_away(&self, a: &StoryAnswer) -> Result<bool, StoreError> {
        self.write(|tx| insert_answer(tx, a))
    }

    pub(crate) fn story_answers(&self) -> Result<Vec<StoryAnswer>, StoreError> {
        self.with(|c| all_answers(c))
    }
}
