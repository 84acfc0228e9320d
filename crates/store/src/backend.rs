//! The seam between [`crate::Store`] and a storage engine: one trait per
//! area, in domain types only. `Store` holds an engine as `dyn Backend` and
//! never names one; each engine lives in a folder of its own (`sqlite/`),
//! with a file per area, and implements every trait here.
//!
//! Every method returns a boxed future, so an engine may be asynchronous (a
//! pooled network database) or synchronous (SQLite, whose work is done when
//! the method is called and whose future is ready at once). Every method acts
//! for the engine's one owner: no method reads or writes another's rows.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use drawbridge_core::Catalog;
use drawbridge_core::assess::{Answers, QuizResult, Scores};
use drawbridge_core::journal::{JournalDraft, JournalEntry, JournalText};
use drawbridge_core::moment::{PauseRecord, Reset};
use drawbridge_core::people::{Contact, LinkedFact, PastRelationship, Person, PersonDetails, PersonLink, Reply, SafeMark};
use drawbridge_core::practice::{ProgramRun, Record, Result as Outcomes, StageChange, StageTally};
use drawbridge_core::safety::SafetyPlan;
use drawbridge_core::stories::StoryAnswer;
use drawbridge_core::urge::{Urge, UrgeEntry};
use drawbridge_core::versions::TextVersion;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::accounts::{Account, AccountRow, Invitation};
use crate::error::StoreError;
use crate::export::{ExportAll, ExportDoc, ImportReport};
use crate::keys::DataKey;
use crate::{BeliefMonth, FollowUp, JournalFilter, RecordEdit, StoredInstrument, UrgeFilter};

/// What every engine method returns: the work, done or to await.
pub(crate) type Fut<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Declares one area's trait, and implements it for the SQLite engine, whose
/// methods of the same names do the work synchronously.
macro_rules! area {
    ($(#[$doc:meta])* $area:ident {
        $( $(#[$fdoc:meta])* fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty; )*
    }) => {
        $(#[$doc])*
        pub(crate) trait $area: Send + Sync {
            $( $(#[$fdoc])* fn $name<'a>(&'a self $(, $arg: $ty)*) -> Fut<'a, $ret>; )*
        }

        impl $area for crate::sqlite::SqliteStore {
            $(
                fn $name<'a>(&'a self $(, $arg: $ty)*) -> Fut<'a, $ret> {
                    Box::pin(std::future::ready(crate::sqlite::SqliteStore::$name(self $(, $arg)*)))
                }
            )*
        }
    };
}

area! {
    /// The log of urges.
    Urges {
        fn insert_urge(&self, u: &'a Urge) -> ();
        fn urge(&self, id: Uuid) -> Option<Urge>;
        /// Change an urge; its earlier "about" and note are kept as versions.
        fn update_urge(&self, id: Uuid, e: &'a UrgeEntry, at: OffsetDateTime) -> bool;
        fn delete_urge(&self, id: Uuid) -> bool;
        fn urges(&self, f: &'a UrgeFilter) -> Vec<Urge>;
        fn urge_counts_by_did(&self, since: OffsetDateTime) -> Vec<(Option<String>, u64)>;
    }
}

area! {
    /// Settings, and the questionnaires the person added.
    Settings {
        fn setting(&self, key: &'a str) -> Option<String>;
        fn set_setting(&self, key: &'a str, value: &'a str) -> ();
        fn put_instrument(&self, i: &'a StoredInstrument) -> ();
        fn stored_instruments(&self) -> Vec<StoredInstrument>;
        fn remove_instrument(&self, id: &'a str) -> bool;
    }
}

area! {
    /// Quiz attempts and results.
    Quiz {
        fn insert_quiz(&self, r: &'a QuizResult, ignore_existing: bool) -> bool;
        fn quiz_in_progress(&self, instrument: &'a str) -> Option<QuizResult>;
        fn save_quiz_answers(&self, id: Uuid, answers: &'a Answers, now: OffsetDateTime) -> bool;
        fn finish_quiz(&self, id: Uuid, scores: &'a Scores, now: OffsetDateTime) -> bool;
        fn delete_quiz(&self, id: Uuid) -> bool;
        fn quiz(&self, id: Uuid) -> Option<QuizResult>;
        fn quiz_results(&self, instrument: Option<&'a str>) -> Vec<QuizResult>;
    }
}

area! {
    /// Experiments, the ledger's sums, stage changes and program runs.
    Practice {
        fn insert_record(&self, rec: &'a Record) -> ();
        /// Follow a planned experiment up; one followed up already is left.
        fn complete_record(&self, id: Uuid, r: &'a Outcomes, done_at: OffsetDateTime) -> FollowUp;
        /// Change a record's words, keeping the words each change replaces.
        fn edit_record(&self, id: Uuid, edit: &'a RecordEdit, at: OffsetDateTime) -> bool;
        fn record(&self, id: Uuid) -> Option<Record>;
        fn record_ids_with_prefix(&self, prefix: &'a str, limit: u32) -> Vec<Uuid>;
        fn delete_record(&self, id: Uuid) -> bool;
        fn records(&self, since: Option<Date>, limit: u32) -> Vec<Record>;
        fn pacing_records(&self, since: Date) -> Vec<Record>;
        fn follow_ups(&self, today: Date) -> Vec<Record>;
        fn ledger_counts(&self) -> Vec<StageTally>;
        fn belief_by_month(&self) -> Vec<BeliefMonth>;
        fn learned(&self, limit: u32) -> Vec<(Date, String)>;
        fn flood_peaks(&self) -> (u32, Option<u8>);
        fn add_stage_change(&self, c: &'a StageChange) -> ();
        fn stage_changes(&self) -> Vec<StageChange>;
        /// Save a run, new or changed, keeping any reflection it replaces.
        fn put_program_run(&self, run: &'a ProgramRun) -> ();
        fn program_runs(&self) -> Vec<ProgramRun>;
    }
}

area! {
    /// Pauses, resets and the safety plan.
    Moments {
        fn add_pause(&self, p: &'a PauseRecord) -> ();
        fn pauses(&self, limit: i64) -> Vec<PauseRecord>;
        fn add_reset(&self, r: &'a Reset) -> ();
        fn resets(&self, limit: i64) -> Vec<Reset>;
        fn reset(&self, id: Uuid) -> Option<Reset>;
        /// Remove a reset and the earlier words of it.
        fn delete_reset(&self, id: Uuid) -> bool;
        fn resets_for_record(&self, record: Uuid) -> Vec<Reset>;
        fn safety_plan(&self) -> SafetyPlan;
        /// Replace the plan, keeping the words of each section it changes.
        fn set_safety_plan(&self, plan: &'a SafetyPlan, at: OffsetDateTime) -> ();
    }
}

area! {
    /// The journal and its drafts.
    Journal {
        /// Save a new entry and drop its draft; false when already saved.
        fn insert_journal(&self, e: &'a JournalEntry) -> bool;
        fn journal_entry(&self, id: Uuid) -> Option<JournalEntry>;
        /// Change an entry, keeping the words replaced; false when gone.
        fn edit_journal(&self, id: Uuid, text: &'a JournalText, at: OffsetDateTime) -> bool;
        fn delete_journal(&self, id: Uuid) -> bool;
        fn journal(&self, f: &'a JournalFilter) -> Vec<JournalEntry>;
        /// Entry ids starting with `prefix` (hyphenated as a UUID is), at most `limit`.
        fn journal_ids_with_prefix(&self, prefix: &'a str, limit: u32) -> Vec<Uuid>;
        fn put_journal_draft(&self, d: &'a JournalDraft) -> ();
        fn journal_draft(&self, id: Uuid) -> Option<JournalDraft>;
        fn journal_drafts(&self) -> Vec<JournalDraft>;
        fn delete_journal_draft(&self, id: Uuid) -> bool;
        /// "Not this time" for a story beside a text; false when said already.
        fn put_story_away(&self, a: &'a StoryAnswer) -> bool;
        fn story_answers(&self) -> Vec<StoryAnswer>;
    }
}

area! {
    /// People, and what points to them.
    People {
        /// Add a person; false when one with its id is here already.
        fn insert_person(&self, p: &'a Person) -> bool;
        /// Change a person's details, keeping the name and notes replaced.
        fn edit_person(&self, id: Uuid, d: &'a PersonDetails, at: OffsetDateTime) -> bool;
        fn set_person_archived(&self, id: Uuid, archived: bool) -> bool;
        fn people(&self) -> Vec<Person>;
        /// Remove a person and what is theirs alone; linked records stay.
        fn delete_person(&self, id: Uuid) -> bool;
        /// Mark a checklist item, over an earlier mark; false when the person is gone.
        fn put_safe_mark(&self, m: &'a SafeMark) -> bool;
        fn safe_marks(&self) -> Vec<SafeMark>;
        /// Link a record; false when linked already, or either is gone.
        fn put_link(&self, l: &'a PersonLink) -> bool;
        fn delete_link(&self, l: &'a PersonLink) -> bool;
        fn person_links(&self) -> Vec<PersonLink>;
        /// What each linked record is, without its words (one person's, or everyone's).
        fn person_facts(&self, person: Option<Uuid>) -> Vec<(Uuid, LinkedFact)>;
        fn add_contact(&self, c: &'a Contact) -> ();
        fn contacts(&self) -> Vec<Contact>;
        fn insert_reply(&self, r: &'a Reply) -> ();
        /// Close a reply owed; one closed already is left.
        fn close_reply(&self, id: Uuid, at: OffsetDateTime, felt: Option<u8>) -> FollowUp;
        fn replies(&self) -> Vec<Reply>;
        fn insert_past(&self, p: &'a PastRelationship) -> ();
        fn past_relationships(&self) -> Vec<PastRelationship>;
        fn delete_past(&self, id: Uuid) -> bool;
    }
}

area! {
    /// Search's index, where the engine keeps one.
    Search {
        /// The records matching a query but for `story:`, with their terms
        /// when asked; None when the engine keeps no index (then search reads
        /// every record and matches in memory).
        fn search_candidates(&self, q: &'a drawbridge_core::search::Query, with_terms: bool) -> Option<Vec<crate::search::Candidate>>;
        /// A mark that changes whenever a record search reads changes, for
        /// an engine without an index (None for one with).
        fn texts_changed(&self) -> Option<i64>;
    }
}

area! {
    /// Signed-in browsers.
    Sessions {
        fn keep_web_session(&self, id: &'a str, csrf: &'a str, now: OffsetDateTime, expires: OffsetDateTime) -> ();
        fn web_session(&self, id: &'a str, now: OffsetDateTime) -> Option<String>;
        fn end_web_sessions(&self, id: Option<&'a str>) -> u64;
    }
}

area! {
    /// Earlier words of edited text.
    Versions {
        fn versions(&self, item: &'a str, item_id: &'a str) -> Vec<TextVersion>;
        fn versions_of_kind(&self, item: &'a str) -> Vec<TextVersion>;
    }
}

area! {
    /// Everything at once: export as one snapshot, import in one transaction.
    Transfer {
        fn export_all(&self) -> ExportAll;
        fn import_all(&self, doc: &'a ExportDoc, prefer_file: bool, catalog: &'a Catalog) -> ImportReport;
    }
}

area! {
    /// Checking the engine and saying what it is.
    Upkeep {
        /// Problems found reading every page, in the engine's words.
        fn quick_check(&self) -> Vec<String>;
        /// Which library encrypts the data.
        fn cipher_provider(&self) -> String;
    }
}

/// Opening and closing: what differs most between engines.
pub(crate) trait Lifecycle: Send + Sync {
    /// The person every row belongs to.
    fn owner(&self) -> Option<Uuid>;
    /// Where the data is, for messages.
    fn path(&self) -> &Path;
    /// Close cleanly; later calls say the store is closed.
    fn close(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
    /// Whether the database answers a trivial query now.
    fn answers(&self) -> Fut<'_, ()>;
    /// The same database, for another owner whose words are sealed with `key`.
    fn for_owner(&self, owner: Uuid, key: &DataKey) -> Arc<dyn Backend>;
    /// Make another owner in this database (its key check sealed with `key`).
    fn add_owner<'a>(&'a self, owner: Uuid, at: OffsetDateTime, key: &'a DataKey) -> Fut<'a, ()>;
    /// Remove every row of this handle's owner, and the owner, at once.
    fn delete_owner(&self) -> Fut<'_, ()>;
    /// A pool's connections and how many are idle, for an engine that pools.
    fn pool_use(&self) -> Option<(u32, usize)>;
}

impl Lifecycle for crate::sqlite::SqliteStore {
    fn owner(&self) -> Option<Uuid> {
        crate::sqlite::SqliteStore::owner(self)
    }
    fn path(&self) -> &Path {
        crate::sqlite::SqliteStore::path(self)
    }
    fn close(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(crate::sqlite::SqliteStore::close(self))
    }
    fn answers(&self) -> Fut<'_, ()> {
        let answered = self.with(|c| Ok(c.query_row("SELECT 1", [], |_| Ok(()))?));
        Box::pin(std::future::ready(answered))
    }
    fn for_owner(&self, owner: Uuid, _key: &DataKey) -> Arc<dyn Backend> {
        // The file is encrypted whole; there is nothing to seal per owner.
        Arc::new(crate::sqlite::SqliteStore::for_owner(self, owner))
    }
    fn add_owner<'a>(&'a self, owner: Uuid, at: OffsetDateTime, _key: &'a DataKey) -> Fut<'a, ()> {
        Box::pin(std::future::ready(crate::sqlite::SqliteStore::add_owner(self, owner, at)))
    }
    fn delete_owner(&self) -> Fut<'_, ()> {
        Box::pin(std::future::ready(crate::sqlite::SqliteStore::delete_owner(self)))
    }
    fn pool_use(&self) -> Option<(u32, usize)> {
        // One connection, no pool.
        None
    }
}

area! {
    /// Accounts (server mode). An account is found by its name before any
    /// owner is known, so these name their owner, or none, themselves.
    Accounts {
        /// The account and its owner, in one transaction (on PostgreSQL the
        /// owner's key check sealed under `key`); `NameTaken` for a name in use.
        /// With `invitation` (its token's hash), the invitation is used in
        /// the same transaction, or `InvitationInvalid` and nothing is made.
        fn add_account(&self, row: &'a AccountRow, name_key: &'a str, key: &'a DataKey, invitation: Option<&'a str>) -> ();
        fn account_by_name(&self, name_key: &'a str) -> Option<AccountRow>;
        fn account_row(&self, owner: Uuid) -> Option<AccountRow>;
        fn accounts(&self) -> Vec<Account>;
        /// The key wrapped under a new password; false for no such account.
        fn set_account_key(&self, owner: Uuid, key_by_password: &'a str) -> bool;
        /// Disabling (`at` given) also withdraws the open invitations the
        /// account made.
        fn set_account_disabled(&self, owner: Uuid, at: Option<OffsetDateTime>) -> bool;
        fn touch_account(&self, owner: Uuid, at: OffsetDateTime) -> ();
        fn add_invitation(&self, inv: &'a Invitation, token_hash: &'a str) -> ();
        fn invitation_by_hash(&self, token_hash: &'a str) -> Option<Invitation>;
        fn invitations(&self) -> Vec<Invitation>;
        /// Remove an invitation not yet used.
        fn delete_invitation(&self, id: Uuid) -> bool;
    }
}

/// A whole engine: every area.
pub(crate) trait Backend:
    Urges + Settings + Quiz + Practice + Moments + Journal + People + Search + Sessions + Versions + Transfer + Upkeep + Accounts + Lifecycle
{
}

impl<
    T: Urges
        + Settings
        + Quiz
        + Practice
        + Moments
        + Journal
        + People
        + Search
        + Sessions
        + Versions
        + Transfer
        + Upkeep
        + Accounts
        + Lifecycle,
> Backend for T
{
}
