//! The export format: all of a person's data as one versioned JSON document.
//!
//! The format is documented by `docs/export.schema.json`. Import is strict:
//! the whole document is checked before anything is written, and the first
//! bad field is named by its path (for example `urges[3].kind`), so a person
//! can fix it and try again without losing anything.

use std::collections::BTreeMap;

use drawbridge_core::Catalog;
use drawbridge_core::assess::{Instrument, QuizResult};
use drawbridge_core::journal::{JournalDraft, JournalEntry, JournalInput, JournalText};
use drawbridge_core::moment::{PauseRecord, Reset};
use drawbridge_core::practice::{ProgramRun, Record, StageChange};
use drawbridge_core::safety::SafetyPlan;
use drawbridge_core::stories::{self, StoryAnswer};
use drawbridge_core::urge::{Urge, UrgeDraft};
use drawbridge_core::versions::{ITEMS, TextVersion};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use drawbridge_core::people::{Contact, PastRelationship, Person, PersonLink, Reply, SafeMark};

use crate::StoredInstrument;
use crate::error::StoreError;

/// Everything read from the store for an export.
pub(crate) struct ExportAll {
    pub settings: BTreeMap<String, String>,
    pub urges: Vec<Urge>,
    pub instruments: Vec<StoredInstrument>,
    pub quiz_results: Vec<QuizResult>,
    pub experiment_records: Vec<Record>,
    pub stage_changes: Vec<StageChange>,
    pub program_runs: Vec<ProgramRun>,
    pub pauses: Vec<PauseRecord>,
    pub resets: Vec<Reset>,
    pub safety_plan: SafetyPlan,
    pub text_versions: Vec<TextVersion>,
    pub journal: Vec<JournalEntry>,
    pub journal_drafts: Vec<JournalDraft>,
    pub story_answers: Vec<StoryAnswer>,
    pub people: Vec<Person>,
    pub safe_marks: Vec<SafeMark>,
    pub person_links: Vec<PersonLink>,
    pub contacts: Vec<Contact>,
    pub replies: Vec<Reply>,
    pub past_relationships: Vec<PastRelationship>,
}

pub const FORMAT: &str = "drawbridge-export";
/// Version 2 added `text_versions`, version 3 `journal` and
/// `journal_drafts`, version 4 the fuller reset (its thought record),
/// version 5 `story_answers`, version 6 people (`people`, `safe_marks`,
/// `person_links`, `contacts`, `replies`, `past_relationships`);
/// earlier files are still read. A drawbridge that knows only an earlier
/// version refuses a newer file rather than drop its words.
pub const VERSION: u32 = 6;

/// A full export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportDoc {
    pub format: String,
    pub version: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub exported_at: OffsetDateTime,
    pub settings: BTreeMap<String, String>,
    pub urges: Vec<ExportUrge>,
    /// Instruments the person added or gave wording to (TOML source).
    #[serde(default)]
    pub instruments: Vec<StoredInstrument>,
    /// Quiz attempts, finished and in progress.
    #[serde(default)]
    pub quiz_results: Vec<QuizResult>,
    /// Behavioural experiments, planned and done.
    #[serde(default)]
    pub experiment_records: Vec<Record>,
    /// Every change of practice stage.
    #[serde(default)]
    pub stage_changes: Vec<StageChange>,
    /// Runs through programs such as the 7-day challenge.
    #[serde(default)]
    pub program_runs: Vec<ProgramRun>,
    /// Pauses taken in the moment (which protocol, how long).
    #[serde(default)]
    pub pauses: Vec<PauseRecord>,
    /// Three-column resets after something went badly.
    #[serde(default)]
    pub resets: Vec<Reset>,
    /// The personal safety plan, section by section.
    #[serde(default)]
    pub safety_plan: SafetyPlan,
    /// Earlier versions of edited text (version 2 on).
    #[serde(default)]
    pub text_versions: Vec<TextVersion>,
    /// Journal entries (version 3 on).
    #[serde(default)]
    pub journal: Vec<JournalEntry>,
    /// Journal words being written and not yet saved (version 3 on).
    #[serde(default)]
    pub journal_drafts: Vec<JournalDraft>,
    /// "Not this time" answers to story cards (version 5 on).
    #[serde(default)]
    pub story_answers: Vec<StoryAnswer>,
    /// The people in your life, archived ones too (version 6 on).
    #[serde(default)]
    pub people: Vec<Person>,
    /// Safety checklist marks, per person and item (version 6 on).
    #[serde(default)]
    pub safe_marks: Vec<SafeMark>,
    /// Which urges, experiments, journal entries and resets are about whom (version 6 on).
    #[serde(default)]
    pub person_links: Vec<PersonLink>,
    /// Plain "we were in touch" days (version 6 on).
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// Replies owed, and replied (version 6 on).
    #[serde(default)]
    pub replies: Vec<Reply>,
    /// Past relationships and friendships (version 6 on).
    #[serde(default)]
    pub past_relationships: Vec<PastRelationship>,
}

/// An urge as written in the export file. Same fields as the domain type,
/// spelled out so the file format cannot change by accident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportUrge {
    pub id: uuid::Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub kind: String,
    pub intensity: Option<u8>,
    pub body: Option<String>,
    pub about: Option<String>,
    pub did: Option<String>,
    pub note: Option<String>,
}

impl From<Urge> for ExportUrge {
    fn from(u: Urge) -> Self {
        ExportUrge {
            id: u.id,
            at: u.at,
            kind: u.entry.kind,
            intensity: u.entry.intensity,
            body: u.entry.body,
            about: u.entry.about,
            did: u.entry.did,
            note: u.entry.note,
        }
    }
}

/// What an import did: how many entries (records, settings, plan sections)
/// were added, how many were already here just the same, and each conflict
/// in words ("your practice stage (3, the file says 1) differs from the
/// file's: kept yours"), of which `replaced` took the file's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub added: u64,
    pub already_present: u64,
    pub conflicts: Vec<String>,
    pub replaced: u64,
}

impl ImportReport {
    /// What was added and what was already there, counted from the report.
    pub fn counted(&self) -> String {
        let plural = |n: u64, one: &'static str, many: &'static str| if n == 1 { one } else { many };
        format!(
            "Added {} new entr{}; {} {} already here just the same.",
            self.added,
            plural(self.added, "y", "ies"),
            self.already_present,
            plural(self.already_present, "was", "were"),
        )
    }

    /// What happened to the things that differed (none: says so), and how
    /// to take the file's instead (`prefer_hint`, in the words of the place
    /// the import was made).
    pub fn differences(&self, prefer_file: bool, prefer_hint: &str) -> String {
        let n = self.conflicts.len();
        if n == 0 {
            return "Nothing in the file differed from what is here.".into();
        }
        let things = if n == 1 { "thing is" } else { "things are" };
        let outcome = if prefer_file {
            format!(
                "Took the file's for {} of {}; every word replaced is kept as an earlier version.",
                self.replaced,
                if self.replaced == 1 { "it" } else { "them" }
            )
        } else {
            format!("Kept yours for each. {prefer_hint}")
        };
        format!("{n} {things} different in the file and here (listed below). {outcome}")
    }
}

impl ExportDoc {
    pub(crate) fn new(all: ExportAll) -> ExportDoc {
        ExportDoc {
            format: FORMAT.into(),
            version: VERSION,
            exported_at: crate::truncate_micros(OffsetDateTime::now_utc()),
            settings: all.settings,
            urges: all.urges.into_iter().map(ExportUrge::from).collect(),
            instruments: all.instruments,
            quiz_results: all.quiz_results,
            experiment_records: all.experiment_records,
            stage_changes: all.stage_changes,
            program_runs: all.program_runs,
            pauses: all.pauses,
            resets: all.resets,
            safety_plan: all.safety_plan,
            text_versions: all.text_versions,
            journal: all.journal,
            journal_drafts: all.journal_drafts,
            story_answers: all.story_answers,
            people: all.people,
            safe_marks: all.safe_marks,
            person_links: all.person_links,
            contacts: all.contacts,
            replies: all.replies,
            past_relationships: all.past_relationships,
        }
    }

    /// Parse and check an export file. Nothing is written here.
    pub fn parse(json: &str, catalog: &Catalog) -> Result<ExportDoc, StoreError> {
        // A newer file is named as such before its fields are read: its
        // fields may be ones this version has never heard of.
        match serde_json::from_str::<serde_json::Value>(json) {
            Ok(serde_json::Value::Object(o)) => {
                if let Some(v) = o.get("version").and_then(serde_json::Value::as_u64)
                    && v > u64::from(VERSION)
                {
                    return Err(StoreError::NewerExport {
                        found: u32::try_from(v).unwrap_or(u32::MAX),
                        known: VERSION,
                    });
                }
            }
            Ok(_) => {
                return Err(StoreError::Import {
                    at: "the whole file".into(),
                    reason: "this is not a drawbridge export: it should be a JSON object made by `drawbridge export`".into(),
                });
            }
            Err(_) => {}
        }
        let de = &mut serde_json::Deserializer::from_str(json);
        let doc: ExportDoc = serde_path_to_error::deserialize(de).map_err(|e| {
            let at = e.path().to_string();
            let inner = e.into_inner();
            StoreError::Import {
                at: if at == "." { format!("line {}", inner.line()) } else { at },
                reason: plain_reason(&inner),
            }
        })?;
        doc.check(catalog)?;
        Ok(doc)
    }

    fn check(&self, catalog: &Catalog) -> Result<(), StoreError> {
        let bad = |at: String, reason: String| Err(StoreError::Import { at, reason });
        if self.format != FORMAT {
            return bad("format".into(), format!("expected \"{FORMAT}\""));
        }
        if self.version > VERSION {
            return Err(StoreError::NewerExport {
                found: self.version,
                known: VERSION,
            });
        }
        if self.version == 0 {
            return bad("version".into(), "there is no export version 0".into());
        }
        let mut seen = std::collections::HashSet::new();
        for (i, u) in self.urges.iter().enumerate() {
            if !seen.insert(u.id) {
                return bad(format!("urges[{i}].id"), "this id appears twice in the file".into());
            }
            if u.at.nanosecond() % 1000 != 0 {
                return bad(
                    format!("urges[{i}].at"),
                    "times are kept to the microsecond; use at most 6 decimal places".into(),
                );
            }
            let draft = UrgeDraft {
                kind: u.kind.clone(),
                intensity: u.intensity.map(i64::from),
                body: u.body.clone(),
                about: u.about.clone(),
                did: u.did.clone(),
                note: u.note.clone(),
            };
            match catalog.urges().check(draft) {
                Err(e) => return bad(format!("urges[{i}].{}", e.field()), e.to_string()),
                // Import keeps text exactly as exported: refuse what the app
                // would itself have trimmed, rather than silently change it.
                Ok(entry) => {
                    let same = entry.kind == u.kind
                        && entry.body == u.body
                        && entry.about == u.about
                        && entry.did == u.did
                        && entry.note == u.note;
                    if !same {
                        return bad(
                            format!("urges[{i}]"),
                            "text fields must not be empty or start or end with spaces".into(),
                        );
                    }
                }
            }
        }
        self.check_quiz(catalog)?;
        self.check_practice(catalog)?;
        self.check_moment(catalog)?;
        self.check_journal(catalog)?;
        self.check_people(catalog)?;
        self.check_versions()
    }

    fn check_journal(&self, catalog: &Catalog) -> Result<(), StoreError> {
        let bad = |at: String, reason: String| Err(StoreError::Import { at, reason });
        let micro = "times are kept to the microsecond; use at most 6 decimal places";
        let mut seen = std::collections::HashSet::new();
        for (i, e) in self.journal.iter().enumerate() {
            if !seen.insert(e.id) {
                return bad(format!("journal[{i}].id"), "this id appears twice in the file".into());
            }
            if !e.at.nanosecond().is_multiple_of(1000) || e.edited_at.is_some_and(|t| !t.nanosecond().is_multiple_of(1000)) {
                return bad(format!("journal[{i}].at"), micro.into());
            }
            let t = &e.text;
            let input = JournalInput {
                title: t.title.as_deref(),
                body: &t.body,
                tags: t.tags.clone(),
                prompt: t.prompt.as_deref(),
                body_signal: t.body_signal.as_deref(),
                urge: t.urge,
                record: t.record,
                reset: t.reset,
            };
            // A prompt taken out of the content since keeps its id: the
            // entry still answers it.
            match JournalText::check(input, |_| true, |b| catalog.urges().body_signal(b).is_some()) {
                Err(err) => return bad(format!("journal[{i}].{}", err.field()), err.to_string()),
                // Kept exactly as exported: refuse what the app would have
                // changed, rather than silently change it.
                Ok(checked) if checked != *t => {
                    return bad(
                        format!("journal[{i}]"),
                        "text fields must not be empty, start or end with spaces or blank lines, or repeat a tag".into(),
                    );
                }
                Ok(_) => {}
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (i, d) in self.journal_drafts.iter().enumerate() {
            if !seen.insert(d.id) {
                return bad(format!("journal_drafts[{i}].id"), "this id appears twice in the file".into());
            }
            if !d.saved_at.nanosecond().is_multiple_of(1000) {
                return bad(format!("journal_drafts[{i}].saved_at"), micro.into());
            }
            if d.too_large() {
                return bad(
                    format!("journal_drafts[{i}]"),
                    "this draft is larger than any entry could be".into(),
                );
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (i, a) in self.story_answers.iter().enumerate() {
            if !stories::ITEMS.contains(&a.item.as_str()) {
                return bad(
                    format!("story_answers[{i}].item"),
                    format!("\"{}\" is not one of {}", a.item, stories::ITEMS.join(", ")),
                );
            }
            if !stories::STORIES.contains(&a.story.as_str()) {
                return bad(
                    format!("story_answers[{i}].story"),
                    format!("\"{}\" is not one of {}", a.story, stories::STORIES.join(", ")),
                );
            }
            if !seen.insert((&a.item, a.item_id, &a.story)) {
                return bad(format!("story_answers[{i}]"), "this answer appears twice in the file".into());
            }
            if !a.at.nanosecond().is_multiple_of(1000) {
                return bad(format!("story_answers[{i}].at"), micro.into());
            }
        }
        Ok(())
    }

    /// People: each id once, names unique and as the app keeps them, every
    /// mark, contact, reply and past relationship naming a person in the
    /// file, and every link a person and a record in the file.
    fn check_people(&self, catalog: &Catalog) -> Result<(), StoreError> {
        use drawbridge_core::people::{self, LinkKind};
        let bad = |at: String, reason: String| Err(StoreError::Import { at, reason });
        let micro = "times are kept to the microsecond; use at most 6 decimal places";
        let fine = |t: OffsetDateTime| t.nanosecond().is_multiple_of(1000);
        let mut ids = std::collections::HashSet::new();
        let mut names: Vec<String> = Vec::new();
        for (i, p) in self.people.iter().enumerate() {
            if !ids.insert(p.id) {
                return bad(format!("people[{i}].id"), "this id appears twice in the file".into());
            }
            if !fine(p.added_at) || p.edited_at.is_some_and(|t| !fine(t)) {
                return bad(format!("people[{i}].added_at"), micro.into());
            }
            // Checked against the far future: a "since" is only refused
            // when the app is used, not when a file is moved.
            match p.details.clone().checked(time::Date::MAX) {
                Err(e) => return bad(format!("people[{i}].{}", e.field()), e.to_string()),
                Ok(d) if d != p.details => {
                    return bad(
                        format!("people[{i}]"),
                        "text fields must not be empty or start or end with spaces".into(),
                    );
                }
                Ok(_) => {}
            }
            let lower = p.details.name.to_lowercase();
            if names.contains(&lower) {
                return bad(
                    format!("people[{i}].name"),
                    format!("\"{}\" is the name of two people in the file", p.details.name),
                );
            }
            names.push(lower);
        }
        let person = |at: String, id: uuid::Uuid| -> Result<(), StoreError> {
            if ids.contains(&id) {
                Ok(())
            } else {
                Err(StoreError::Import {
                    at,
                    reason: "this names a person who is not in the file's people".into(),
                })
            }
        };
        let mut seen = std::collections::HashSet::new();
        for (i, m) in self.safe_marks.iter().enumerate() {
            person(format!("safe_marks[{i}].person"), m.person)?;
            if !seen.insert((m.person, m.item)) {
                return bad(format!("safe_marks[{i}]"), "this mark appears twice in the file".into());
            }
            if !fine(m.at) {
                return bad(format!("safe_marks[{i}].at"), micro.into());
            }
        }
        let records: std::collections::HashSet<(LinkKind, uuid::Uuid)> = self
            .urges
            .iter()
            .map(|u| (LinkKind::Urge, u.id))
            .chain(self.experiment_records.iter().map(|r| (LinkKind::Experiment, r.id)))
            .chain(self.journal.iter().map(|e| (LinkKind::Journal, e.id)))
            .chain(self.resets.iter().map(|r| (LinkKind::Reset, r.id)))
            .collect();
        let mut seen = std::collections::HashSet::new();
        for (i, l) in self.person_links.iter().enumerate() {
            person(format!("person_links[{i}].person"), l.person)?;
            if !records.contains(&(l.kind, l.item)) {
                return bad(
                    format!("person_links[{i}].item"),
                    format!("there is no {} with this id in the file", l.kind.id()),
                );
            }
            if !seen.insert(*l) {
                return bad(format!("person_links[{i}]"), "this link appears twice in the file".into());
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (i, c) in self.contacts.iter().enumerate() {
            person(format!("contacts[{i}].person"), c.person)?;
            if !seen.insert(c.id) {
                return bad(format!("contacts[{i}].id"), "this id appears twice in the file".into());
            }
            if !fine(c.logged_at) {
                return bad(format!("contacts[{i}].logged_at"), micro.into());
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (i, r) in self.replies.iter().enumerate() {
            person(format!("replies[{i}].person"), r.person)?;
            if !seen.insert(r.id) {
                return bad(format!("replies[{i}].id"), "this id appears twice in the file".into());
            }
            if !fine(r.since) || r.replied_at.is_some_and(|t| !fine(t)) {
                return bad(format!("replies[{i}].since"), micro.into());
            }
            if r.felt.is_some_and(|f| f > 100) {
                return bad(format!("replies[{i}].felt"), "how it felt is a number from 0 to 100".into());
            }
            if let Some(a) = &r.about
                && (a.trim() != a || a.is_empty() || a.chars().count() > people::ABOUT_MAX)
            {
                return bad(
                    format!("replies[{i}].about"),
                    format!(
                        "what it is about must be 1 to {} characters, without spaces at either end",
                        people::ABOUT_MAX
                    ),
                );
            }
        }
        let kinds: Vec<&str> = catalog.urges().kinds.iter().map(|k| k.id.as_str()).collect();
        let mut seen = std::collections::HashSet::new();
        for (i, p) in self.past_relationships.iter().enumerate() {
            person(format!("past_relationships[{i}].person"), p.person)?;
            if !seen.insert(p.id) {
                return bad(format!("past_relationships[{i}].id"), "this id appears twice in the file".into());
            }
            if !fine(p.added_at) {
                return bad(format!("past_relationships[{i}].added_at"), micro.into());
            }
            match p.clone().checked(time::Date::MAX, &kinds) {
                Err(e) => return bad(format!("past_relationships[{i}]"), e.to_string()),
                Ok(c) if c != *p => {
                    return bad(
                        format!("past_relationships[{i}]"),
                        "urge kinds must be listed once each, in lower case, and the note without spaces at either end".into(),
                    );
                }
                Ok(_) => {}
            }
        }
        Ok(())
    }

    fn check_versions(&self) -> Result<(), StoreError> {
        let bad = |at: String, reason: String| Err(StoreError::Import { at, reason });
        let mut seen = std::collections::HashSet::new();
        for (n, v) in self.text_versions.iter().enumerate() {
            if !seen.insert(v.id) {
                return bad(format!("text_versions[{n}].id"), "this id appears twice in the file".into());
            }
            if !ITEMS.contains(&v.item.as_str()) {
                return bad(
                    format!("text_versions[{n}].item"),
                    format!("\"{}\" is not one of {}", v.item, ITEMS.join(", ")),
                );
            }
            if v.text.trim().is_empty() {
                return bad(
                    format!("text_versions[{n}].text"),
                    "an earlier version holds words; this one is empty".into(),
                );
            }
            if !v.replaced_at.nanosecond().is_multiple_of(1000) {
                return bad(
                    format!("text_versions[{n}].replaced_at"),
                    "times are kept to the microsecond; use at most 6 decimal places".into(),
                );
            }
        }
        Ok(())
    }

    fn check_moment(&self, catalog: &Catalog) -> Result<(), StoreError> {
        let bad = |at: String, reason: String| Err(StoreError::Import { at, reason });
        let micro = |t: OffsetDateTime| t.nanosecond().is_multiple_of(1000);
        let mut seen = std::collections::HashSet::new();
        for (n, p) in self.pauses.iter().enumerate() {
            if !seen.insert(p.id) {
                return bad(format!("pauses[{n}].id"), "this id appears twice in the file".into());
            }
            if catalog.protocol(&p.protocol).is_none() {
                let known: Vec<&str> = catalog.protocols().iter().map(|p| p.id.as_str()).collect();
                return bad(
                    format!("pauses[{n}].protocol"),
                    format!("\"{}\" is not one of {}", p.protocol, known.join(", ")),
                );
            }
            if p.seconds > drawbridge_core::moment::PAUSE_SECONDS_MAX {
                return bad(format!("pauses[{n}].seconds"), "a pause is recorded as at most 3600 seconds".into());
            }
            if !micro(p.at) {
                return bad(
                    format!("pauses[{n}].at"),
                    "times are kept to the microsecond; use at most 6 decimal places".into(),
                );
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (n, r) in self.resets.iter().enumerate() {
            if !seen.insert(r.id) {
                return bad(format!("resets[{n}].id"), "this id appears twice in the file".into());
            }
            let e = &r.entry;
            let thought = match e.thought.recheck() {
                Ok(t) => t,
                Err(err) => return bad(format!("resets[{n}]"), err.to_string()),
            };
            match drawbridge_core::moment::ResetEntry::with_thought(
                e.record,
                e.capacity.map(i64::from),
                e.happened.as_deref(),
                e.felt.as_deref(),
                e.truth.as_deref(),
                thought,
            ) {
                Err(err) => return bad(format!("resets[{n}]"), err.to_string()),
                Ok(same) if same != *e => {
                    return bad(
                        format!("resets[{n}]"),
                        "text fields must not be empty or start or end with spaces".into(),
                    );
                }
                Ok(_) => {}
            }
            if !micro(r.at) {
                return bad(
                    format!("resets[{n}].at"),
                    "times are kept to the microsecond; use at most 6 decimal places".into(),
                );
            }
        }
        if let Err(e) = self.safety_plan.check() {
            return bad("safety_plan.sections".into(), e.to_string());
        }
        if self.safety_plan.sections.values().any(|v| v.trim() != v || v.is_empty()) {
            return bad(
                "safety_plan.sections".into(),
                "text must not be empty or start or end with spaces".into(),
            );
        }
        if let Some(t) = &self.safety_plan.updated_at
            && OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).is_err()
        {
            return bad(
                "safety_plan.updated_at".into(),
                "use an RFC 3339 time such as 2026-11-21T09:30:00Z".into(),
            );
        }
        Ok(())
    }

    fn check_practice(&self, catalog: &Catalog) -> Result<(), StoreError> {
        let bad = |at: String, reason: String| Err(StoreError::Import { at, reason });
        let mut seen = std::collections::HashSet::new();
        for (n, r) in self.experiment_records.iter().enumerate() {
            let at = |f: &str| format!("experiment_records[{n}].{f}");
            if !seen.insert(r.id) {
                return bad(at("id"), "this id appears twice in the file".into());
            }
            let p = &r.plan;
            match (&p.experiment, &p.custom) {
                (Some(id), _) if catalog.experiment(id).is_none() => {
                    return bad(at("plan.experiment"), format!("\"{id}\" is not in the experiment library"));
                }
                (None, None) => return bad(at("plan"), "an experiment from the library or a custom one is needed".into()),
                _ => {}
            }
            if drawbridge_core::practice::Stage::new(p.stage).is_none() {
                return bad(
                    at("plan.stage"),
                    format!("stages run from {}", drawbridge_core::practice::Stage::range()),
                );
            }
            for (f, v) in [
                ("plan.belief_before", p.belief_before),
                ("plan.want", p.want),
                ("plan.expect", p.expect),
            ] {
                if v > 100 {
                    return bad(at(f), "ratings run from 0 to 100".into());
                }
            }
            if let Some(res) = &r.result {
                for (f, v) in [
                    ("result.peak", res.peak),
                    ("result.after", res.after),
                    ("result.capacity", res.capacity),
                    ("result.belief_after", res.belief_after),
                ] {
                    if v > 100 {
                        return bad(at(f), "ratings run from 0 to 100".into());
                    }
                }
            }
            if r.result.is_some() != r.done_at.is_some() {
                return bad(at("done_at"), "a done experiment has both done_at and result".into());
            }
        }
        for (n, run) in self.program_runs.iter().enumerate() {
            if catalog.program(&run.program).is_none() {
                return bad(
                    format!("program_runs[{n}].program"),
                    format!("\"{}\" is not a known program", run.program),
                );
            }
        }
        Ok(())
    }

    fn check_quiz(&self, catalog: &Catalog) -> Result<(), StoreError> {
        let bad = |at: String, reason: String| Err(StoreError::Import { at, reason });
        let micro = |t: &OffsetDateTime| t.nanosecond().is_multiple_of(1000);
        let mut known: Vec<Instrument> = catalog.instruments().clone();
        let mut ids = std::collections::HashSet::new();
        for (n, i) in self.instruments.iter().enumerate() {
            if !ids.insert(i.id.as_str()) {
                return bad(format!("instruments[{n}].id"), "this id appears twice in the file".into());
            }
            let inst = match Instrument::parse(&format!("instruments[{n}].source"), &i.source) {
                Ok(inst) => inst,
                Err(e) => return bad(format!("instruments[{n}].source"), e.to_string()),
            };
            if inst.id != i.id {
                return bad(
                    format!("instruments[{n}].id"),
                    format!("it says \"{}\" but the source defines \"{}\"", i.id, inst.id),
                );
            }
            if !micro(&i.added_at) {
                return bad(format!("instruments[{n}].added_at"), "times are kept to the microsecond".into());
            }
            known.retain(|k| k.id != inst.id);
            known.push(inst);
        }
        let mut seen = std::collections::HashSet::new();
        for (n, r) in self.quiz_results.iter().enumerate() {
            let at = |f: &str| format!("quiz_results[{n}].{f}");
            if !seen.insert(r.id) {
                return bad(at("id"), "this id appears twice in the file".into());
            }
            let Some(inst) = known.iter().find(|i| i.id == r.instrument) else {
                return bad(
                    at("instrument"),
                    format!("\"{}\" is not a bundled instrument or one in this file", r.instrument),
                );
            };
            if let Err(e) = inst.check_answers(&r.answers) {
                return bad(at("answers"), e.to_string());
            }
            if r.finished_at.is_some() != r.scores.is_some() {
                return bad(at("scores"), "a finished result has scores and an unfinished one has none".into());
            }
            for (f, t) in [
                ("started_at", Some(r.started_at)),
                ("updated_at", Some(r.updated_at)),
                ("finished_at", r.finished_at),
            ] {
                if t.is_some_and(|t| !micro(&t)) {
                    return bad(at(f), "times are kept to the microsecond".into());
                }
            }
        }
        Ok(())
    }

    /// The urges as domain values.
    pub fn domain_urges(&self) -> impl Iterator<Item = Urge> + '_ {
        self.urges.iter().map(|u| Urge {
            id: u.id,
            at: u.at,
            entry: drawbridge_core::urge::UrgeEntry {
                kind: u.kind.clone(),
                intensity: u.intensity,
                body: u.body.clone(),
                about: u.about.clone(),
                did: u.did.clone(),
                note: u.note.clone(),
            },
        })
    }
}

/// serde's words ("invalid type: string, expected u8") turned into a
/// person's: what the value should be.
fn plain_reason(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let raw = e.to_string();
    let raw = raw.split(" at line").next().unwrap_or_default();
    match e.classify() {
        Category::Syntax | Category::Eof => {
            return "this is not a complete JSON file (was it cut short or edited by hand?)".into();
        }
        Category::Io => return "the file could not be read".into(),
        Category::Data => {}
    }
    let got = raw
        .strip_prefix("invalid type: ")
        .or_else(|| raw.strip_prefix("invalid value: "))
        .and_then(|r| r.split(", expected").next());
    let expected = raw.split(", expected ").nth(1).unwrap_or_default();
    if raw.contains("expected struct ExportDoc") || raw.contains("expected a map") && raw.contains("struct ExportDoc") {
        return "this is not a drawbridge export: it should be a JSON object made by `drawbridge export`".into();
    }
    if let Some(field) = raw.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
        return format!("the \"{field}\" field is missing");
    }
    if let Some(field) = raw.strip_prefix("unknown field `").and_then(|r| r.split('`').next()) {
        return format!("\"{field}\" is not a field drawbridge knows here");
    }
    let what = match expected {
        "u8" | "u16" | "u32" | "u64" | "i64" | "a number" => "a whole number".to_string(),
        "f64" => "a number".to_string(),
        "a boolean" => "true or false".to_string(),
        "a string" => "text in double quotes".to_string(),
        x if x.contains("UUID") => "an id like 0193a3c2-6f1e-7cc0-8e2b-4f5a6b7c8d9e".to_string(),
        x if x.contains("sequence") => "a list in square brackets".to_string(),
        x if x.contains("map") || x.starts_with("struct") => "an object in curly braces".to_string(),
        x if x.contains("rfc3339") || x.contains("RFC3339") || raw.contains("date") || raw.contains("time") => {
            "a date and time such as 2026-11-03T18:20:00Z".to_string()
        }
        _ => String::new(),
    };
    match (got, what.is_empty()) {
        (Some(got), false) => format!("this should be {what}, and it is {got}"),
        (None, false) => format!("this should be {what}"),
        _ if raw.contains("out of range") || raw.contains("invalid value: integer") => "this number is out of range".into(),
        _ => format!("this value cannot be read ({raw})"),
    }
}
