//! Persistence for drawbridge.
//!
//! [`Store`] is the one storage interface the rest of the app sees. Its methods
//! speak only in domain types (ids are UUIDv7, times are UTC); no SQL type leaks
//! out. Behind it is an engine, held as `dyn backend::Backend`: one trait per
//! area (urges, settings, quiz, practice, moments, sessions, versions,
//! transfer, upkeep), so a second engine implements the same traits and runs
//! the same suite. Today the engine is SQLite encrypted with SQLCipher (see
//! [`sqlite`]); keys live in [`keys`]; [`export`] defines the versioned JSON
//! format used to move data in and out.

pub mod accounts;
mod backend;
pub mod cipher;
pub mod error;
mod exit;
pub mod export;
pub mod fhir;
mod import;
pub mod keys;
mod migrations;
pub mod people;
mod postgres;
mod seal;
pub mod search;
mod sqlite;
#[doc(hidden)]
pub mod testing;
pub mod today;

/// Connections SQLite has opened and not yet finished closing, for tests that
/// check a dropped store really lets go of its database.
#[doc(hidden)]
pub fn open_connections() -> usize {
    exit::open_connections()
}

use std::path::{Path, PathBuf};
use std::sync::Arc;

use drawbridge_core::Catalog;
use drawbridge_core::assess::{Answers, Instrument, Scores};
use drawbridge_core::journal::{JournalDraft, JournalEntry, JournalText};
use drawbridge_core::moment::{PauseRecord, Reset, ResetEntry};
use drawbridge_core::practice::{Pacing, Plan, ProgramRun, Record, Result as PracticeResult, StageChange, StageTally};
use drawbridge_core::safety::SafetyPlan;
use drawbridge_core::urge::{Urge, UrgeEntry};
use drawbridge_core::versions::TextVersion;
use time::OffsetDateTime;
use time::{Date, Time};
use uuid::Uuid;

use backend::Backend;

pub use drawbridge_core::assess::QuizResult;
pub use error::StoreError;
pub use export::{ExportDoc, ImportReport};
pub use keys::{DataKey, KeyFile, KeyFileProvider, KeyProvider};

/// What saving a follow-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    Saved,
    /// It was followed up already, at this time; nothing was changed.
    AlreadyDone(OffsetDateTime),
    NotFound,
}

/// Changes to an experiment record's words. `None` leaves a field as it is;
/// `Some(None)` clears an optional one (its words are kept as a version).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordEdit {
    pub prediction: Option<String>,
    pub with_whom: Option<Option<String>>,
    pub what_happened: Option<Option<String>>,
    pub learned: Option<Option<String>>,
}

/// A field of an experiment record that a [`RecordEdit`] can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordField {
    Prediction,
    WithWhom,
    WhatHappened,
    Learned,
}

impl RecordField {
    /// The field as the person reads it, and as its earlier versions name it.
    pub(crate) fn label(self) -> &'static str {
        match self {
            RecordField::Prediction => "prediction",
            RecordField::WithWhom => "with",
            RecordField::WhatHappened => "what happened",
            RecordField::Learned => "what I learned",
        }
    }
}

/// One change an edit makes: the field, the words it holds now, and the new
/// words (None clears it).
pub(crate) struct RecordChange<'a> {
    pub field: RecordField,
    pub old: Option<&'a str>,
    pub new: Option<&'a str>,
}

impl RecordEdit {
    /// What this edit changes in `rec`: each field it names, in a fixed order.
    pub(crate) fn changes<'a>(&'a self, rec: &'a Record) -> Vec<RecordChange<'a>> {
        let res = rec.result.as_ref();
        let fields = [
            (
                RecordField::Prediction,
                Some(rec.plan.prediction.as_str()),
                self.prediction.as_ref().map(|p| Some(p.as_str())),
            ),
            (
                RecordField::WithWhom,
                rec.plan.with_whom.as_deref(),
                self.with_whom.as_ref().map(Option::as_deref),
            ),
            (
                RecordField::WhatHappened,
                res.and_then(|r| r.what_happened.as_deref()),
                self.what_happened.as_ref().map(Option::as_deref),
            ),
            (
                RecordField::Learned,
                res.and_then(|r| r.learned.as_deref()),
                self.learned.as_ref().map(Option::as_deref),
            ),
        ];
        fields
            .into_iter()
            .filter_map(|(field, old, new)| new.map(|new| RecordChange { field, old, new }))
            .collect()
    }
}

/// Which urges to list. Newest first.
#[derive(Debug, Clone, Default)]
pub struct UrgeFilter {
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    pub kind: Option<String>,
    pub did: Option<String>,
    pub limit: Option<u32>,
}

/// Which journal entries to list. Newest first.
#[derive(Debug, Clone, Default)]
pub struct JournalFilter {
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// Only entries with this tag (any case, `#` or not).
    pub tag: Option<String>,
    pub limit: Option<usize>,
}

/// An id's first characters with the hyphens back where a UUID has them
/// (8-4-4-4-12), lower case.
fn hyphenated(prefix: &str) -> String {
    let hex: String = prefix.chars().filter(|c| *c != '-').map(|c| c.to_ascii_lowercase()).collect();
    let mut out = String::with_capacity(hex.len() + 4);
    for (i, c) in hex.chars().enumerate() {
        if matches!(i, 8 | 12 | 16 | 20) {
            out.push('-');
        }
        out.push(c);
    }
    out
}

/// An instrument the person added (or gave its licensed wording), as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredInstrument {
    pub id: String,
    /// The instrument's TOML, exactly as validated.
    pub source: String,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
}

/// A month's average belief before and after.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BeliefMonth {
    pub month: String,
    pub before: f64,
    pub after: f64,
    pub count: u32,
}

impl BeliefMonth {
    /// A month from the sums an engine keeps: how many finished records,
    /// the sum of belief before, and how many gave a belief after and its
    /// sum. Every finished record has a belief after; were one missing, the
    /// month would show no change.
    pub(crate) fn from_sums(month: String, n: i64, before_sum: i64, after_n: i64, after_sum: i64) -> BeliefMonth {
        let before = before_sum as f64 / n as f64;
        BeliefMonth {
            month,
            before,
            after: if after_n > 0 { after_sum as f64 / after_n as f64 } else { before },
            count: u32::try_from(n).unwrap_or(0),
        }
    }
}

/// The ledger's tallies from the counts an engine keeps, as (stage, outcome
/// id, how many) rows; one tally a stage, first to last.
pub(crate) fn tallies_from(counts: impl IntoIterator<Item = (i64, String, i64)>) -> Vec<StageTally> {
    use drawbridge_core::practice::{Outcome, Stage};
    let mut stages: Vec<StageTally> = Stage::all()
        .map(|s| StageTally {
            stage: s.get(),
            ..Default::default()
        })
        .collect();
    for (stage, outcome, n) in counts {
        let n = u32::try_from(n).unwrap_or(0);
        let Some(t) = usize::try_from(stage - 1).ok().and_then(|i| stages.get_mut(i)) else {
            continue;
        };
        t.done += n;
        match Outcome::parse(&outcome) {
            Some(Outcome::AsFeared) => t.as_feared += n,
            Some(Outcome::Better) => t.better += n,
            Some(Outcome::Mixed) => t.mixed += n,
            Some(Outcome::Worse) => t.worse += n,
            None => {}
        }
    }
    stages
}

/// Where the data and its key file live: the local database file, or a
/// PostgreSQL database when `database_url` is given (the key file then
/// holds the key that seals the person's words there).
#[derive(Debug, Clone)]
pub struct Location {
    pub db: PathBuf,
    pub key: PathBuf,
    pub database_url: Option<String>,
}

/// What the store is opened for: one CLI command, or the server. The SQLite
/// engine holds one connection either way; a pooled engine sizes its pool by it.
#[derive(Debug, Clone, Copy)]
pub enum Workload {
    Command,
    Server,
}

/// What is stored of a browser's session id: its hash, so a copy of the
/// database signs no one in.
pub(crate) fn session_hash(id: &str) -> String {
    use blake2::Digest;
    hex::encode(blake2::Blake2s256::digest(id.as_bytes()))
}

/// The storage interface.
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
}

/// Whether the database file and its folder can be written (SQLite needs
/// both for its write-ahead log).
fn writable(db: &Path) -> bool {
    let probe = |p: &Path| std::fs::OpenOptions::new().append(true).open(p).is_ok();
    let dir = db.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let dir_ok = tempfile_probe(dir);
    probe(db) && dir_ok
}

/// Can a file be created in `dir`? (Tried, then removed.)
fn tempfile_probe(dir: &Path) -> bool {
    let p = dir.join(format!(".drawbridge-write-check-{}", std::process::id()));
    match std::fs::OpenOptions::new().write(true).create_new(true).open(&p) {
        Ok(_) => {
            let _ = std::fs::remove_file(&p);
            true
        }
        Err(_) => false,
    }
}

/// What `open_or_create` did, so the caller can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    Existing,
    Created,
}

/// A PostgreSQL URL as a message may say it: host, port and database,
/// never the user or password.
pub fn shown_url(url: &str) -> String {
    postgres::shown_url(url)
}

impl Store {
    /// Open the data at `loc` with an already unlocked key: the SQLite file,
    /// or the PostgreSQL database (whose words must be sealed with it).
    pub async fn open_with_key(loc: &Location, key: &DataKey, workload: Workload) -> Result<Store, StoreError> {
        match &loc.database_url {
            Some(url) => Ok(Store {
                backend: Arc::new(postgres::PgStore::open(url, &keys::GivenKey(key), workload).await?.0),
            }),
            None => Store::open(&loc.db, key, workload).await,
        }
    }

    /// The database of a server of many people (`serve --server`): the
    /// schema brought up to date, and a handle that belongs to no one. It
    /// keeps accounts and invitations; each signed-in person gets a store
    /// of their own from [`Store::sign_in`]. Only PostgreSQL, where each
    /// person's words are sealed with their own key.
    pub async fn open_server(database_url: &str) -> Result<Store, StoreError> {
        Ok(Store {
            backend: Arc::new(postgres::PgStore::open_engine(database_url).await?),
        })
    }

    /// Where the data is, for messages: the file, or `postgres host:port/db`.
    pub fn place(&self) -> &Path {
        self.backend.path()
    }

    /// Open the encrypted database with an already unlocked key.
    pub async fn open(db: &Path, key: &DataKey, _workload: Workload) -> Result<Store, StoreError> {
        Ok(Store {
            backend: Arc::new(sqlite::SqliteStore::open(db, key, false).await?),
        })
    }

    /// Open the database at `loc`, creating the database and a fresh key file
    /// on first run. `passphrase` is used when the key file is wrapped.
    pub async fn open_or_create(loc: &Location, passphrase: Option<&str>, workload: Workload) -> Result<(Store, Opened), StoreError> {
        if let Some(url) = &loc.database_url {
            let keys = keys::KeyFileProvider {
                path: &loc.key,
                passphrase,
            };
            let (backend, made) = postgres::PgStore::open(url, &keys, workload).await?;
            let opened = if made { Opened::Created } else { Opened::Existing };
            return Ok((
                Store {
                    backend: Arc::new(backend),
                },
                opened,
            ));
        }
        let db_exists = loc.db.exists();
        let key_file = KeyFile::read(&loc.key)?;
        let key = match &key_file {
            Some(kf) => kf.unlock(&loc.key, passphrase)?,
            None if db_exists => {
                return Err(StoreError::KeyFileMissing {
                    db: loc.db.clone(),
                    key: loc.key.clone(),
                });
            }
            None => {
                let key = DataKey::generate()?;
                KeyFile::plain(&key).write(&loc.key)?;
                key
            }
        };
        if !db_exists {
            create_private_file(&loc.db)?;
        }
        // The key file unwrapped, so it holds a good key. If the database
        // still cannot be read, either its file is damaged or the key file
        // belongs to another database; the salt recorded in the key file
        // tells which.
        let salt_now = keys::db_salt_of(&loc.db);
        let opened = sqlite::SqliteStore::open(&loc.db, &key, !db_exists).await;
        // A folder or file that cannot be written still lets the person read
        // and export: open it read-only, and say so when something is saved.
        let opened = match opened {
            Err(StoreError::ReadOnly(_) | StoreError::Io { .. }) if db_exists && !writable(&loc.db) => {
                sqlite::SqliteStore::open_read_only(&loc.db, &key).await
            }
            other => other,
        };
        let backend = opened.map_err(|e| match e {
            StoreError::WrongKey => match key_file.as_ref().and_then(KeyFile::db_salt) {
                Some(recorded) if Some(recorded) == salt_now.as_deref() => StoreError::Damaged {
                    path: loc.db.clone(),
                    detail: "its key file is the right one, but the start of the file cannot be read".into(),
                },
                _ => StoreError::KeyMismatch {
                    db: loc.db.clone(),
                    key: loc.key.clone(),
                },
            },
            other => other,
        })?;
        // Record the salt once the database has one on disk (best effort: a
        // read-only folder simply goes without).
        if let Some(kf) = key_file
            && kf.db_salt().is_none()
            && let Some(salt) = salt_now
        {
            let _ = kf.with_db_salt(Some(salt)).write(&loc.key);
        }
        Ok((
            Store {
                backend: Arc::new(backend),
            },
            if db_exists { Opened::Existing } else { Opened::Created },
        ))
    }

    /// Record an urge at `at` (truncated to the microsecond, as stored).
    pub async fn add_urge(&self, entry: UrgeEntry, at: OffsetDateTime) -> Result<Urge, StoreError> {
        let urge = Urge {
            id: Uuid::now_v7(),
            at: truncate_micros(at),
            entry,
        };
        self.backend.insert_urge(&urge).await?;
        if urge.entry.about.is_some() {
            self.relink_by_name(drawbridge_core::people::LinkKind::Urge, urge.id, None, urge.entry.about.as_deref())
                .await?;
        }
        Ok(urge)
    }

    pub async fn urge(&self, id: Uuid) -> Result<Option<Urge>, StoreError> {
        self.backend.urge(id).await
    }

    /// Replace an urge's details, keeping its id and time. False if it is gone.
    /// Its link to a person follows the name in "about".
    pub async fn update_urge(&self, id: Uuid, entry: UrgeEntry) -> Result<bool, StoreError> {
        let old = self.backend.urge(id).await?.and_then(|u| u.entry.about);
        let done = self.backend.update_urge(id, &entry, micros_now()).await?;
        if done && old != entry.about {
            self.relink_by_name(drawbridge_core::people::LinkKind::Urge, id, old.as_deref(), entry.about.as_deref())
                .await?;
        }
        Ok(done)
    }

    /// Delete an urge. False if there was none.
    pub async fn delete_urge(&self, id: Uuid) -> Result<bool, StoreError> {
        self.backend.delete_urge(id).await
    }

    pub async fn urges(&self, filter: &UrgeFilter) -> Result<Vec<Urge>, StoreError> {
        self.backend.urges(filter).await
    }

    /// Urges since `since`, counted by their answer to "what did I do".
    pub async fn urge_counts_by_did(&self, since: OffsetDateTime) -> Result<Vec<(Option<String>, u64)>, StoreError> {
        self.backend.urge_counts_by_did(since).await
    }

    /// Save a journal entry under `id` (the draft it was written in, or a
    /// new id), first saved at `at`; its draft goes in the same step.
    /// Saving the same id again writes nothing: the entry already saved is
    /// returned, with false.
    pub async fn save_journal(&self, id: Uuid, text: JournalText, at: OffsetDateTime) -> Result<(JournalEntry, bool), StoreError> {
        let entry = JournalEntry {
            id,
            at: truncate_micros(at),
            edited_at: None,
            text,
        };
        if self.backend.insert_journal(&entry).await? {
            return Ok((entry, true));
        }
        match self.backend.journal_entry(id).await? {
            Some(saved) => Ok((saved, false)),
            None => Err(StoreError::Database("a journal entry was neither added nor found".into())),
        }
    }

    pub async fn journal_entry(&self, id: Uuid) -> Result<Option<JournalEntry>, StoreError> {
        self.backend.journal_entry(id).await
    }

    /// Change an entry, keeping the words it replaces as earlier versions.
    /// False if it is gone.
    pub async fn edit_journal(&self, id: Uuid, text: JournalText) -> Result<bool, StoreError> {
        self.backend.edit_journal(id, &text, micros_now()).await
    }

    /// Delete an entry with its earlier versions and any draft of it.
    pub async fn delete_journal(&self, id: Uuid) -> Result<bool, StoreError> {
        self.backend.delete_journal(id).await
    }

    /// Entries, newest first: by time in the engine, by tag here (on a
    /// server the tags are sealed, so only this side can read them).
    pub async fn journal(&self, filter: &JournalFilter) -> Result<Vec<JournalEntry>, StoreError> {
        let mut all = self.backend.journal(filter).await?;
        if let Some(tag) = &filter.tag {
            all.retain(|e| e.text.has_tag(tag));
        }
        if let Some(limit) = filter.limit {
            all.truncate(limit);
        }
        Ok(all)
    }

    /// Keep words being written, as typed, over the draft's earlier words.
    pub async fn keep_journal_draft(&self, mut draft: JournalDraft) -> Result<JournalDraft, StoreError> {
        draft.saved_at = micros_now();
        self.backend.put_journal_draft(&draft).await?;
        Ok(draft)
    }

    pub async fn journal_draft(&self, id: Uuid) -> Result<Option<JournalDraft>, StoreError> {
        self.backend.journal_draft(id).await
    }

    /// Every draft not yet saved or thrown away, the newest first.
    pub async fn journal_drafts(&self) -> Result<Vec<JournalDraft>, StoreError> {
        self.backend.journal_drafts().await
    }

    /// "Not this time" for the story card `story` beside a saved text (an
    /// item of `drawbridge_core::stories::ITEMS` and its id). Said twice, it
    /// is kept once; false then.
    pub async fn put_story_away(&self, item: &str, item_id: Uuid, story: &str) -> Result<bool, StoreError> {
        let a = drawbridge_core::stories::StoryAnswer {
            item: item.to_string(),
            item_id,
            story: story.to_string(),
            at: micros_now(),
        };
        self.backend.put_story_away(&a).await
    }

    /// Every "not this time", the oldest first.
    pub async fn story_answers(&self) -> Result<Vec<drawbridge_core::stories::StoryAnswer>, StoreError> {
        self.backend.story_answers().await
    }

    /// Throw a draft away. False if there was none.
    pub async fn delete_journal_draft(&self, id: Uuid) -> Result<bool, StoreError> {
        self.backend.delete_journal_draft(id).await
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.backend.setting(key).await
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.backend.set_setting(key, value).await
    }

    /// Store an instrument's TOML (already validated by the caller), replacing
    /// any stored one with the same id.
    pub async fn put_instrument(&self, id: &str, source: &str) -> Result<StoredInstrument, StoreError> {
        let stored = StoredInstrument {
            id: id.to_string(),
            source: source.to_string(),
            added_at: truncate_micros(OffsetDateTime::now_utc()),
        };
        self.backend.put_instrument(&stored).await?;
        Ok(stored)
    }

    pub async fn stored_instruments(&self) -> Result<Vec<StoredInstrument>, StoreError> {
        self.backend.stored_instruments().await
    }

    pub async fn remove_instrument(&self, id: &str) -> Result<bool, StoreError> {
        self.backend.remove_instrument(id).await
    }

    /// Every instrument: the bundled ones, with a stored copy taking the
    /// place of a bundled one of the same id, then the ones the person added.
    pub async fn instruments(&self, catalog: &Catalog) -> Result<Vec<Instrument>, StoreError> {
        let mut all: Vec<Instrument> = catalog.instruments().clone();
        for s in self.stored_instruments().await? {
            match Instrument::parse(&format!("stored instrument {}", s.id), &s.source) {
                Ok(inst) => match all.iter_mut().find(|i| i.id == inst.id) {
                    Some(slot) => *slot = inst,
                    None => all.push(inst),
                },
                Err(e) => tracing::warn!(instrument = %s.id, error = %e, "a stored instrument no longer parses; skipped"),
            }
        }
        Ok(all)
    }

    pub async fn instrument(&self, catalog: &Catalog, id: &str) -> Result<Option<Instrument>, StoreError> {
        Ok(self.instruments(catalog).await?.into_iter().find(|i| i.id == id))
    }

    /// Begin an attempt, saved with no answers yet.
    pub async fn start_quiz(&self, instrument: &Instrument, label: Option<String>) -> Result<QuizResult, StoreError> {
        let r = QuizResult::start(instrument, label, micros_now());
        self.backend.insert_quiz(&r, false).await?;
        Ok(r)
    }

    /// The newest unfinished attempt at an instrument, to resume.
    pub async fn quiz_in_progress(&self, instrument: &str) -> Result<Option<QuizResult>, StoreError> {
        self.backend.quiz_in_progress(instrument).await
    }

    /// Replace an unfinished attempt's answers. False if it is gone or finished.
    pub async fn save_quiz_answers(&self, id: Uuid, answers: &Answers) -> Result<bool, StoreError> {
        self.backend.save_quiz_answers(id, answers, micros_now()).await
    }

    /// Finish an attempt with its scores. False if it is gone or finished.
    pub async fn finish_quiz(&self, id: Uuid, scores: &Scores) -> Result<bool, StoreError> {
        self.backend.finish_quiz(id, scores, micros_now()).await
    }

    /// Save a complete result in one go (scripted scoring, the terminal quiz).
    pub async fn save_quiz_result(&self, result: &QuizResult) -> Result<(), StoreError> {
        self.backend.insert_quiz(result, false).await.map(drop)
    }

    /// Remove an attempt (used to discard an unfinished one).
    pub async fn discard_quiz(&self, id: Uuid) -> Result<bool, StoreError> {
        self.backend.delete_quiz(id).await
    }

    pub async fn quiz_result(&self, id: Uuid) -> Result<Option<QuizResult>, StoreError> {
        self.backend.quiz(id).await
    }

    /// Finished results, oldest first; all instruments or one.
    pub async fn quiz_results(&self, instrument: Option<&str>) -> Result<Vec<QuizResult>, StoreError> {
        self.backend.quiz_results(instrument).await
    }

    /// Plan an experiment.
    pub async fn plan_experiment(&self, plan: Plan) -> Result<Record, StoreError> {
        let rec = Record {
            id: Uuid::now_v7(),
            created_at: micros_now(),
            plan,
            done_at: None,
            result: None,
        };
        self.backend.insert_record(&rec).await?;
        self.link_record_by_name(&rec).await?;
        Ok(rec)
    }

    /// An experiment "with" someone who is a person here is linked to them.
    async fn link_record_by_name(&self, rec: &Record) -> Result<(), StoreError> {
        if rec.plan.with_whom.is_some() {
            self.relink_by_name(
                drawbridge_core::people::LinkKind::Experiment,
                rec.id,
                None,
                rec.plan.with_whom.as_deref(),
            )
            .await?;
        }
        Ok(())
    }

    /// Record how a planned experiment went. A record followed up already is
    /// left as it is ([`FollowUp::AlreadyDone`]): use [`Store::edit_experiment`].
    pub async fn complete_experiment(&self, id: Uuid, result: &PracticeResult, done_at: OffsetDateTime) -> Result<FollowUp, StoreError> {
        self.backend.complete_record(id, result, truncate_micros(done_at)).await
    }

    /// Change a record's words; the words each changed field held are kept
    /// as earlier versions. False if there is no such record.
    /// Its link to a person follows the name in "with".
    pub async fn edit_experiment(&self, id: Uuid, edit: &RecordEdit) -> Result<bool, StoreError> {
        let Some(new) = &edit.with_whom else {
            return self.backend.edit_record(id, edit, micros_now()).await;
        };
        let old = self.backend.record(id).await?.and_then(|r| r.plan.with_whom);
        let done = self.backend.edit_record(id, edit, micros_now()).await?;
        if done && old != *new {
            self.relink_by_name(drawbridge_core::people::LinkKind::Experiment, id, old.as_deref(), new.as_deref())
                .await?;
        }
        Ok(done)
    }

    /// Earlier versions of an item's words (an urge, an experiment, a
    /// program run, a safety plan section), newest first.
    pub async fn versions(&self, item: &str, item_id: &str) -> Result<Vec<TextVersion>, StoreError> {
        self.backend.versions(item, item_id).await
    }

    /// Earlier versions of every item of one kind, newest first.
    pub async fn versions_of_kind(&self, item: &str) -> Result<Vec<TextVersion>, StoreError> {
        self.backend.versions_of_kind(item).await
    }

    /// Plan and follow up at once (an experiment done already).
    pub async fn log_experiment(&self, plan: Plan, result: PracticeResult, done_at: OffsetDateTime) -> Result<Record, StoreError> {
        let rec = Record {
            id: Uuid::now_v7(),
            created_at: micros_now(),
            plan,
            done_at: Some(truncate_micros(done_at)),
            result: Some(result),
        };
        self.backend.insert_record(&rec).await?;
        self.link_record_by_name(&rec).await?;
        Ok(rec)
    }

    pub async fn experiment_record(&self, id: Uuid) -> Result<Option<Record>, StoreError> {
        self.backend.record(id).await
    }

    /// Records whose id starts with `prefix`: hex digits, with or without
    /// hyphens (as `drawbridge today` prints short ids). At most 2, which is
    /// enough to tell one match from several.
    pub async fn experiment_ids_starting_with(&self, prefix: &str) -> Result<Vec<Uuid>, StoreError> {
        self.backend.record_ids_with_prefix(&hyphenated(prefix), 2).await
    }

    /// Journal entries whose id starts with `prefix`, as for records: at most 2.
    pub async fn journal_ids_starting_with(&self, prefix: &str) -> Result<Vec<Uuid>, StoreError> {
        self.backend.journal_ids_with_prefix(&hyphenated(prefix), 2).await
    }

    pub async fn delete_experiment_record(&self, id: Uuid) -> Result<bool, StoreError> {
        self.backend.delete_record(id).await
    }

    /// Records planned on or after `since` (all when None), newest first.
    pub async fn experiment_records(&self, since: Option<Date>, limit: u32) -> Result<Vec<Record>, StoreError> {
        self.backend.records(since, limit).await
    }

    /// Records from `since` on, plus the latest finished one: what pacing reads.
    pub async fn pacing_records(&self, since: Date) -> Result<Vec<Record>, StoreError> {
        self.backend.pacing_records(since).await
    }

    /// Planned experiments not yet followed up, due on or before `today`.
    pub async fn follow_ups(&self, today: Date) -> Result<Vec<Record>, StoreError> {
        self.backend.follow_ups(today).await
    }

    /// Outcome counts per stage (stages 1-4), from finished experiments.
    pub async fn ledger_counts(&self) -> Result<Vec<StageTally>, StoreError> {
        self.backend.ledger_counts().await
    }

    pub async fn belief_by_month(&self) -> Result<Vec<BeliefMonth>, StoreError> {
        self.backend.belief_by_month().await
    }

    /// The person's "what I learned" lines, newest first.
    pub async fn learned(&self, limit: u32) -> Result<Vec<(Date, String)>, StoreError> {
        self.backend.learned(limit).await
    }

    /// (times marked "I flooded", counted up to two, which is all a window
    /// proposal needs; the lowest peak then).
    pub async fn flood_peaks(&self) -> Result<(u32, Option<u8>), StoreError> {
        self.backend.flood_peaks().await
    }

    /// The pacing settings, or None before the calibration.
    pub async fn pacing(&self) -> Result<Option<Pacing>, StoreError> {
        let stage = self
            .setting(STAGE_SETTING)
            .await?
            .and_then(|s| drawbridge_core::practice::Stage::parse(&s))
            .map(drawbridge_core::practice::Stage::get);
        let window = self
            .setting(WINDOW_SETTING)
            .await?
            .and_then(|s| s.parse::<u8>().ok())
            .unwrap_or(drawbridge_core::practice::DEFAULT_WINDOW);
        Ok(stage.map(|stage| Pacing { stage, window }))
    }

    /// Move to `to`, remembering the change (for "one step a week").
    pub async fn set_stage(&self, to: u8) -> Result<(), StoreError> {
        let from = self.pacing().await?.map(|p| p.stage).unwrap_or(0);
        self.set_setting(STAGE_SETTING, &to.to_string()).await?;
        if from != to {
            self.backend
                .add_stage_change(&StageChange {
                    at: micros_now(),
                    from,
                    to,
                })
                .await?;
        }
        Ok(())
    }

    pub async fn set_window(&self, window: u8) -> Result<(), StoreError> {
        self.set_setting(WINDOW_SETTING, &window.to_string()).await
    }

    pub async fn stage_changes(&self) -> Result<Vec<StageChange>, StoreError> {
        self.backend.stage_changes().await
    }

    /// The daily reminder time for the calendar feed (default 19:00).
    pub async fn reminder_time(&self) -> Result<Time, StoreError> {
        Ok(self
            .setting(REMINDER_SETTING)
            .await?
            .and_then(|s| Time::parse(&s, time::macros::format_description!("[hour]:[minute]")).ok())
            .unwrap_or(time::macros::time!(19:00)))
    }

    pub async fn start_program(&self, program: &str, started_on: Date) -> Result<ProgramRun, StoreError> {
        let run = ProgramRun {
            stopped_on: None,
            id: Uuid::now_v7(),
            program: program.to_string(),
            started_on,
            entries: Vec::new(),
        };
        self.backend.put_program_run(&run).await?;
        Ok(run)
    }

    pub async fn save_program_run(&self, run: &ProgramRun) -> Result<(), StoreError> {
        self.backend.put_program_run(run).await
    }

    /// Every run, oldest first.
    pub async fn program_runs(&self) -> Result<Vec<ProgramRun>, StoreError> {
        self.backend.program_runs().await
    }

    /// Record a pause. Its length is capped at an hour: a pause left open in
    /// a tab is not a long pause.
    pub async fn add_pause(&self, protocol: &str, seconds: u32, completed: bool) -> Result<PauseRecord, StoreError> {
        let p = PauseRecord {
            id: Uuid::now_v7(),
            at: micros_now(),
            protocol: protocol.to_string(),
            seconds: seconds.min(drawbridge_core::moment::PAUSE_SECONDS_MAX),
            completed,
        };
        self.backend.add_pause(&p).await?;
        Ok(p)
    }

    /// Pauses, newest first.
    pub async fn pauses(&self, limit: i64) -> Result<Vec<PauseRecord>, StoreError> {
        self.backend.pauses(limit).await
    }

    pub async fn add_reset(&self, entry: ResetEntry) -> Result<Reset, StoreError> {
        let r = Reset {
            id: Uuid::now_v7(),
            at: micros_now(),
            entry,
        };
        self.backend.add_reset(&r).await?;
        Ok(r)
    }

    /// Resets, newest first.
    pub async fn resets(&self, limit: i64) -> Result<Vec<Reset>, StoreError> {
        self.backend.resets(limit).await
    }

    /// One reset, to read again.
    pub async fn reset(&self, id: Uuid) -> Result<Option<Reset>, StoreError> {
        self.backend.reset(id).await
    }

    /// The resets written after one experiment, newest first.
    pub async fn resets_for_record(&self, record: Uuid) -> Result<Vec<Reset>, StoreError> {
        self.backend.resets_for_record(record).await
    }

    /// The person's safety plan (empty until they write one).
    pub async fn safety_plan(&self) -> Result<SafetyPlan, StoreError> {
        self.backend.safety_plan().await
    }

    /// Save the whole plan at once; sections left blank are cleared.
    pub async fn set_safety_plan(&self, plan: &SafetyPlan) -> Result<SafetyPlan, StoreError> {
        self.backend.set_safety_plan(plan, micros_now()).await?;
        self.safety_plan().await
    }

    /// Check every page of the database (SQLite's `quick_check`): the
    /// problems found, in SQLite's words, or none.
    pub async fn check(&self) -> Result<Vec<String>, StoreError> {
        self.backend.quick_check().await
    }

    /// The person every row of this store belongs to. A local database has
    /// exactly one owner, made when the database is.
    pub fn owner(&self) -> Uuid {
        self.backend.owner().unwrap_or_else(Uuid::nil)
    }

    /// Make a new owner in the same database, whose words are sealed with
    /// `key` on PostgreSQL, and a store that reads and writes only theirs.
    /// (What server mode does for each new account. A local SQLite file
    /// keeps one owner: opened again as a local file, a database with two
    /// is refused, as a server's.)
    pub async fn new_owner(&self, key: &DataKey) -> Result<Store, StoreError> {
        let owner = Uuid::now_v7();
        self.backend.add_owner(owner, OffsetDateTime::now_utc(), key).await?;
        Ok(self.for_owner(owner, key))
    }

    /// A store on the same database and connections for the owner `owner`,
    /// whose words are sealed with `key`. Every statement it runs names that
    /// owner, so it never reads or writes another's rows.
    pub fn for_owner(&self, owner: Uuid, key: &DataKey) -> Store {
        Store {
            backend: self.backend.for_owner(owner, key),
        }
    }

    /// Remove everything this store's owner has, in every table, and the
    /// owner, in one transaction: nothing is left half-deleted. (Account
    /// deletion in server mode.)
    pub async fn delete_owner_and_everything(&self) -> Result<(), StoreError> {
        self.backend.delete_owner().await
    }

    /// Which library encrypts the pages: "rustcrypto" in a build made in
    /// this workspace (see `cipher`).
    pub async fn cipher_provider(&self) -> Result<String, StoreError> {
        self.backend.cipher_provider().await
    }

    /// Everything, as one document. The database is checked first, so a
    /// damaged one is named as such instead of failing half-way.
    pub async fn export(&self) -> Result<ExportDoc, StoreError> {
        let problems = self.check().await?;
        if !problems.is_empty() {
            return Err(StoreError::Damaged {
                path: self.backend.path().to_path_buf(),
                detail: format!(
                    "a check of every page found {} problem{}",
                    problems.len(),
                    if problems.len() == 1 { "" } else { "s" }
                ),
            });
        }
        let all = self.backend.export_all().await?;
        Ok(ExportDoc::new(all))
    }

    /// Import a checked document in one transaction: all or nothing. What is
    /// new is added and what is the same is left alone, so importing twice
    /// adds nothing. What differs is a conflict, named in the report: the
    /// database keeps its own, unless `prefer_file`, and then the words it
    /// replaces are kept as earlier versions.
    pub async fn import(&self, doc: &ExportDoc, prefer_file: bool, catalog: &Catalog) -> Result<ImportReport, StoreError> {
        self.backend.import_all(doc, prefer_file, catalog).await
    }

    /// Keep a signed-in browser's session until `expires`.
    pub async fn keep_web_session(&self, id: &str, csrf: &str, expires: OffsetDateTime) -> Result<(), StoreError> {
        self.backend
            .keep_web_session(id, csrf, micros_now(), truncate_micros(expires))
            .await
    }

    /// A kept session's CSRF token, while it has not expired.
    pub async fn web_session(&self, id: &str) -> Result<Option<String>, StoreError> {
        self.backend.web_session(id, micros_now()).await
    }

    /// Sign out one browser (`Some(id)`) or every browser (`None`).
    pub async fn end_web_sessions(&self, id: Option<&str>) -> Result<u64, StoreError> {
        self.backend.end_web_sessions(id).await
    }

    /// Whether the database answers now (for a readiness check): a trivial
    /// query, which reads nothing a person wrote.
    pub async fn answers(&self) -> Result<(), StoreError> {
        self.backend.answers().await
    }

    /// For a server on PostgreSQL: its pool's connections and how many are
    /// idle. None for an engine without a pool.
    pub fn pool_use(&self) -> Option<(u32, usize)> {
        self.backend.pool_use()
    }

    /// Close connections cleanly (checkpointing the write-ahead log).
    pub async fn close(&self) {
        self.backend.close().await;
    }
}

/// Make an empty database file readable by its owner only, in a folder only
/// its owner can enter (when we create the folder). SQLite gives its WAL
/// and shared-memory files the same permissions as the database.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| StoreError::Io { path: p, source: e }
    };
    if let Some(dir) = path.parent() {
        create_private_dir(dir).map_err(io(dir))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map(drop).map_err(io(path))?;
    sync_folder_of(path);
    Ok(())
}

/// Make a new file's name in its folder survive a power cut (best effort:
/// a folder that cannot be opened is left as it is).
pub(crate) fn sync_folder_of(file: &Path) {
    let dir = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Create a folder (and its parents) that only its owner can enter. An
/// existing folder is left as it is.
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() || dir.exists() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

pub const STAGE_SETTING: &str = "practice.stage";
pub const WINDOW_SETTING: &str = "practice.window";
pub const CALIBRATION_SETTING: &str = "practice.calibration";
pub const REMINDER_SETTING: &str = "practice.reminder";
pub const CALENDAR_TOKEN_SETTING: &str = "calendar.token";

/// A UTC time as RFC 3339 text.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn micros_now() -> OffsetDateTime {
    truncate_micros(OffsetDateTime::now_utc())
}

/// Times are kept to the microsecond, in UTC.
pub fn truncate_micros(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}
