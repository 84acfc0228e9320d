//! Import's rules, the same for every engine: an export file merged into what
//! the store holds, decided here and carried out by the engine in one
//! transaction.
//!
//! What is new is added. What is the same in both is left alone. What differs
//! (the same urge, record or plan section with other words, a setting with
//! another value) is a conflict: the store keeps its own unless the person
//! asked for the file's (`prefer_file`), and then the words replaced are kept
//! as earlier versions. Every conflict is reported in words, so an import
//! never changes anything without saying so.
//!
//! An engine reads everything it holds inside its write transaction
//! ([`crate::export::ExportAll`]), calls [`plan`], and applies each
//! [`Change`] in order, so what was compared is what is changed.

use std::collections::HashMap;

use drawbridge_core::Catalog;
use drawbridge_core::assess::QuizResult;
use drawbridge_core::journal::{JournalDraft, JournalEntry};
use drawbridge_core::moment::{PauseRecord, Reset};
use drawbridge_core::people::{Contact, PastRelationship, Person, PersonLink, Reply, SafeMark};
use drawbridge_core::practice::{ProgramRun, Record, StageChange};
use drawbridge_core::stories::StoryAnswer;
use drawbridge_core::urge::Urge;
use drawbridge_core::versions::{self as kinds, TextVersion};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::export::{ExportAll, ExportDoc, ImportReport};
use crate::{RecordField, StoredInstrument};

/// One thing an import writes. `replace` means a row with the same id is
/// there and takes the file's values; otherwise the row is new.
#[derive(Debug)]
pub(crate) enum Change<'a> {
    Setting {
        key: &'a str,
        value: &'a str,
    },
    Urge {
        urge: Urge,
        replace: bool,
    },
    /// Added, or written over the stored one with the same id.
    Instrument(&'a StoredInstrument),
    Quiz {
        result: &'a QuizResult,
        replace: bool,
    },
    Record {
        record: &'a Record,
        replace: bool,
    },
    /// The whole history of stage changes, in place of the stored one.
    StageChanges(&'a [StageChange]),
    Program {
        run: &'a ProgramRun,
        replace: bool,
    },
    Pause {
        pause: &'a PauseRecord,
        replace: bool,
    },
    Reset {
        reset: &'a Reset,
        replace: bool,
    },
    /// A plan section, written (new or over the stored one) as of `at`.
    PlanSection {
        section: &'a str,
        text: &'a str,
        at: OffsetDateTime,
    },
    Journal {
        entry: &'a JournalEntry,
        replace: bool,
    },
    /// A draft, added or written over the stored one with the same id.
    Draft(&'a JournalDraft),
    /// A "not this time" the store does not have yet.
    StoryAnswer(&'a StoryAnswer),
    /// A person: added, or written over the stored one with the same id.
    /// Owned, as a name the store has already is given a new one.
    Person {
        person: Person,
        replace: bool,
    },
    /// A checklist mark, added or over the stored one.
    SafeMark(&'a SafeMark),
    /// A link from a record to a person (new, or kept through a record
    /// the import writes over).
    Link(PersonLink),
    Contact {
        contact: &'a Contact,
        replace: bool,
    },
    Reply {
        reply: &'a Reply,
        replace: bool,
    },
    Past {
        past: &'a PastRelationship,
        replace: bool,
    },
    /// Earlier words: kept by this import, or carried in the file.
    Version(TextVersion),
}

/// What an import will write, and what it will say.
#[derive(Debug)]
pub(crate) struct Plan<'a> {
    pub changes: Vec<Change<'a>>,
    pub report: ImportReport,
}

/// Decide how `doc` merges into `have`, as of `now`.
pub(crate) fn plan<'a>(have: &ExportAll, doc: &'a ExportDoc, prefer_file: bool, now: OffsetDateTime, catalog: &Catalog) -> Plan<'a> {
    let mut m = Merge {
        plan: Plan {
            changes: Vec::new(),
            report: ImportReport::default(),
        },
        prefer_file,
        now,
    };
    m.settings(have, doc);
    m.urges(have, doc);
    m.instruments(have, doc);
    m.quiz(have, doc);
    m.records(have, doc);
    m.stage_changes(have, doc);
    m.programs(have, doc);
    m.pauses(have, doc);
    m.resets(have, doc);
    m.safety_plan(have, doc, catalog);
    m.journal(have, doc);
    m.drafts(have, doc);
    m.people(have, doc);
    // An answer is the same answer whenever it was given: the earlier
    // time stays.
    for a in &doc.story_answers {
        if have
            .story_answers
            .iter()
            .any(|h| h.item == a.item && h.item_id == a.item_id && h.story == a.story)
        {
            m.plan.report.already_present += 1;
        } else {
            m.plan.report.added += 1;
            m.plan.changes.push(Change::StoryAnswer(a));
        }
    }
    // A record written over goes and comes back: the links to it that the
    // store has come back with it.
    let replaced: std::collections::HashSet<Uuid> = m
        .plan
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Urge { urge, replace: true } => Some(urge.id),
            Change::Record { record, replace: true } => Some(record.id),
            Change::Journal { entry, replace: true } => Some(entry.id),
            Change::Reset { reset, replace: true } => Some(reset.id),
            _ => None,
        })
        .collect();
    for l in &have.person_links {
        if replaced.contains(&l.item) {
            m.plan.changes.push(Change::Link(*l));
        }
    }
    let known: std::collections::HashSet<Uuid> = have.text_versions.iter().map(|v| v.id).collect();
    for v in &doc.text_versions {
        if known.contains(&v.id) {
            m.plan.report.already_present += 1;
        } else {
            m.plan.report.added += 1;
            m.plan.changes.push(Change::Version(v.clone()));
        }
    }
    m.plan
}

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
    crate::sqlite::day_str(at.date())
}

fn outcome(prefer_file: bool, words: bool) -> &'static str {
    match (prefer_file, words) {
        (false, _) => "kept yours",
        (true, true) => "took the file's, and kept your words as an earlier version",
        (true, false) => "took the file's",
    }
}

/// The stored rows, by id.
fn by_id<T>(rows: &[T], id: impl Fn(&T) -> Uuid) -> HashMap<Uuid, &T> {
    rows.iter().map(|r| (id(r), r)).collect()
}

/// How a stored row compares with the file's one of the same id.
enum Seen<'s, T> {
    New,
    Same,
    Differs(&'s T),
}

fn seen<'s, T: PartialEq>(stored: &HashMap<Uuid, &'s T>, id: Uuid, theirs: &T) -> Seen<'s, T> {
    match stored.get(&id) {
        None => Seen::New,
        Some(old) if *old == theirs => Seen::Same,
        Some(old) => Seen::Differs(old),
    }
}

struct Merge<'a> {
    plan: Plan<'a>,
    prefer_file: bool,
    now: OffsetDateTime,
}

impl<'a> Merge<'a> {
    fn conflict(&mut self, what: String, words: bool) {
        let said = format!("{what}: {}", outcome(self.prefer_file, words));
        self.plan.report.conflicts.push(said);
        if self.prefer_file {
            self.plan.report.replaced += 1;
        }
    }

    /// Count a row that is new or the same; true when it differs, which the
    /// caller reports.
    fn tally<T>(&mut self, s: &Seen<'_, T>) -> bool {
        match s {
            Seen::New => {
                self.plan.report.added += 1;
                false
            }
            Seen::Same => {
                self.plan.report.already_present += 1;
                false
            }
            Seen::Differs(_) => true,
        }
    }

    /// Keep, as earlier versions, the words of each (field, old, new) the
    /// file's row replaces.
    fn keep(&mut self, item: &str, item_id: &str, fields: &[(&str, Option<&str>, Option<&str>)]) {
        for (field, old, new) in fields {
            if let Some(v) = TextVersion::on_change((item, item_id, field), *old, *new, self.now) {
                self.plan.changes.push(Change::Version(v));
            }
        }
    }

    fn settings(&mut self, have: &ExportAll, doc: &'a ExportDoc) {
        for (k, v) in &doc.settings {
            match have.settings.get(k) {
                None => self.plan.report.added += 1,
                Some(h) if h == v => {
                    self.plan.report.already_present += 1;
                    continue;
                }
                Some(h) => {
                    // The calendar link is a secret: its value is not repeated.
                    let values = if k == crate::CALENDAR_TOKEN_SETTING {
                        String::new()
                    } else {
                        format!(" ({h}, the file says {v})")
                    };
                    self.conflict(format!("your {}{values} differs from the file's", setting_name(k)), false);
                    if !self.prefer_file {
                        continue;
                    }
                }
            }
            self.plan.changes.push(Change::Setting { key: k, value: v });
        }
    }

    fn urges(&mut self, have: &ExportAll, doc: &'a ExportDoc) {
        let stored = by_id(&have.urges, |u| u.id);
        for u in doc.domain_urges() {
            let s = seen(&stored, u.id, &u);
            if !self.tally(&s) {
                if matches!(s, Seen::New) {
                    self.plan.changes.push(Change::Urge { urge: u, replace: false });
                }
                continue;
            }
            let Seen::Differs(old) = s else { continue };
            self.conflict(format!("the urge of {} differs from the file's", day(old.at)), true);
            if self.prefer_file {
                let id = u.id.to_string();
                self.keep(
                    kinds::URGE,
                    &id,
                    &[
                        ("about", old.entry.about.as_deref(), u.entry.about.as_deref()),
                        ("note", old.entry.note.as_deref(), u.entry.note.as_deref()),
                    ],
                );
                self.plan.changes.push(Change::Urge { urge: u, replace: true });
            }
        }
    }

    fn instruments(&mut self, have: &ExportAll, doc: &'a ExportDoc) {
        let stored: HashMap<&str, &StoredInstrument> = have.instruments.iter().map(|i| (i.id.as_str(), i)).collect();
        for i in &doc.instruments {
            match stored.get(i.id.as_str()) {
                None => self.plan.report.added += 1,
                Some(old) if *old == i => {
                    self.plan.report.already_present += 1;
                    continue;
                }
                Some(_) => {
                    self.conflict(format!("your questionnaire \"{}\" differs from the file's", i.id), false);
                    if !self.prefer_file {
                        continue;
                    }
                }
            }
            self.plan.changes.push(Change::Instrument(i));
        }
    }

    fn quiz(&mut self, have: &ExportAll, doc: &'a ExportDoc) {
        let stored = by_id(&have.quiz_results, |r| r.id);
        for r in &doc.quiz_results {
            let s = seen(&stored, r.id, r);
            if !self.tally(&s) {
                if matches!(s, Seen::New) {
                    self.plan.changes.push(Change::Quiz { result: r, replace: false });
                }
                continue;
            }
            let Seen::Differs(old) = s else { continue };
            self.conflict(
                format!("the quiz started on {} differs from the file's", day(old.started_at)),
                false,
            );
            if self.prefer_file {
                self.plan.changes.push(Change::Quiz { result: r, replace: true });
            }
        }
    }

    fn records(&mut self, have: &ExportAll, doc: &'a ExportDoc) {
        let stored = by_id(&have.experiment_records, |r| r.id);
        for r in &doc.experiment_records {
            let s = seen(&stored, r.id, r);
            if !self.tally(&s) {
                if matches!(s, Seen::New) {
                    self.plan.changes.push(Change::Record { record: r, replace: false });
                }
                continue;
            }
            let Seen::Differs(old) = s else { continue };
            self.conflict(
                format!(
                    "the experiment planned for {} differs from the file's",
                    crate::sqlite::day_str(old.plan.planned_for)
                ),
                true,
            );
            if self.prefer_file {
                let (o, n) = (old.result.as_ref(), r.result.as_ref());
                self.keep(
                    kinds::EXPERIMENT,
                    &r.id.to_string(),
                    &[
                        (
                            RecordField::Prediction.label(),
                            Some(old.plan.prediction.as_str()),
                            Some(r.plan.prediction.as_str()),
                        ),
                        (
                            RecordField::WithWhom.label(),
                            old.plan.with_whom.as_deref(),
                            r.plan.with_whom.as_deref(),
                        ),
                        (
                            RecordField::WhatHappened.label(),
                            o.and_then(|x| x.what_happened.as_deref()),
                            n.and_then(|x| x.what_happened.as_deref()),
                        ),
                        (
                            RecordField::Learned.label(),
                            o.and_then(|x| x.learned.as_deref()),
                            n.and_then(|x| x.learned.as_deref()),
                        ),
                    ],
                );
                self.plan.changes.push(Change::Record { record: r, replace: true });
            }
        }
    }

    /// Stage changes are one history: taken whole, or kept whole.
    fn stage_changes(&mut self, have: &ExportAll, doc: &'a ExportDoc) {
        let key = |s: &StageChange| (s.at.unix_timestamp_nanos() / 1000, s.from, s.to);
        let ours: Vec<_> = have.stage_changes.iter().map(key).collect();
        let theirs: Vec<_> = doc.stage_changes.iter().map(key).collect();
        let take = if ours.is_empty() {
            self.plan.report.added += theirs.len() as u64;
            true
        } else if ours == theirs || theirs.is_empty() {
            self.plan.report.already_present += theirs.len() as u64;
            false
        } else {
            self.conflict("your history of stage changes differs from the file's".into(), false);
            self.prefer_file
        };
        if take && !theirs.is_empty() {
            self.plan.changes.push(Change::StageChanges(&doc.stage_changes));
        }
    }

    fn programs(&mut self, have: &ExportAll, doc: &'a ExportDoc) {
        let stored = by_id(&have.program_runs, |r| r.id);
        for run in &doc.program_runs {
            let s = seen(&stored, run.id, run);
            if !self.tally(&s) {
                if matches!(s, Seen::New) {
                    self.plan.changes.push(Change::Program { run, replace: false });
                }
                continue;
            }
            let Seen::Differs(old) = s else { continue };
            self.conflict(
                format!(
                    "the program you started on {} differs from the file's",
                    crate::sqlite::day_str(old.started_on)
                ),
                true,
            );
            if self.prefer_file {
                let id = run.id.to_string();
                for (field, was, now) in old.reflections_replaced_by(run) {
                    self.keep(kinds::PROGRAM_RUN, &id, &[(field.as_str(), was, now)]);
                }
                self.plan.changes.push(Change::Program { run, replace: true });
            }
        }
    }

    fn pauses(&mut self, have: &ExportAll, doc: &'a ExportDoc) {
        let stored = by_id(&have.pauses, |p| p.id);
        for p in &doc.pauses {
            let s = seen(&stored, p.id, p);
            if !self.tally(&s) {
                if matches!(s, Seen::New) {
                    self.plan.changes.push(Change::Pause { pause: p, replace: false });
                }
                continue;
            }
            self.conflict(format!("the pause of {} differs from the file's", day(p.at)), false);
            if self.prefer_file {
                self.plan.changes.push(Change::Pause { pause: p, replace: true });
            }
        }
    }

    fn resets(&mut self, have: &ExportAll, doc: &'a ExportDoc) {
        let stored = by_id(&have.resets, |r| r.id);
        for r in &doc.resets {
            let s = seen(&stored, r.id, r);
            if !self.tally(&s) {
                if matches!(s, Seen::New) {
                    self.plan.changes.push(Change::Reset { reset: r, replace: false });
                }
                continue;
            }
            let Seen::Differs(old) = s else { continue };
            self.conflict(format!("the reset of {} differs from the file's", day(old.at)), true);
            if self.prefer_file {
                self.keep(
                    kinds::RESET,
                    &r.id.to_string(),
                    &[
                        ("what happened", old.entry.happened.as_deref(), r.entry.happened.as_deref()),
                        ("what it felt like", old.entry.felt.as_deref(), r.entry.felt.as_deref()),
                        ("what is actually true", old.entry.truth.as_deref(), r.entry.truth.as_deref()),
                    ],
                );
                self.plan.changes.push(Change::Reset { reset: r, replace: true });
            }
        }
    }

    fn journal(&mut self, have: &ExportAll, doc: &'a ExportDoc) {
        let stored = by_id(&have.journal, |e| e.id);
        for entry in &doc.journal {
            let s = seen(&stored, entry.id, entry);
            if !self.tally(&s) {
                if matches!(s, Seen::New) {
                    self.plan.changes.push(Change::Journal { entry, replace: false });
                }
                continue;
            }
            let Seen::Differs(old) = s else { continue };
            self.conflict(format!("the journal entry of {} differs from the file's", day(old.at)), true);
            if self.prefer_file {
                let id = entry.id.to_string();
                for (field, was, now) in old.text.replaced_by(&entry.text) {
                    self.keep(kinds::JOURNAL, &id, &[(field, was.as_deref(), now.as_deref())]);
                }
                self.plan.changes.push(Change::Journal { entry, replace: true });
            }
        }
    }

    /// Drafts: words not yet saved. One that differs is a conflict like any
    /// other; the words a taken draft replaces are kept as earlier versions.
    fn drafts(&mut self, have: &ExportAll, doc: &'a ExportDoc) {
        let stored = by_id(&have.journal_drafts, |d| d.id);
        for draft in &doc.journal_drafts {
            let s = seen(&stored, draft.id, draft);
            if !self.tally(&s) {
                if matches!(s, Seen::New) {
                    self.plan.changes.push(Change::Draft(draft));
                }
                continue;
            }
            let Seen::Differs(old) = s else { continue };
            self.conflict(format!("the journal draft of {} differs from the file's", day(old.saved_at)), true);
            if self.prefer_file {
                let id = draft.id.to_string();
                self.keep(
                    kinds::JOURNAL,
                    &id,
                    &[
                        ("draft title", Some(old.title.as_str()), Some(draft.title.as_str())),
                        ("draft", Some(old.body.as_str()), Some(draft.body.as_str())),
                        ("draft tags", Some(old.tags.as_str()), Some(draft.tags.as_str())),
                    ],
                );
                self.plan.changes.push(Change::Draft(draft));
            }
        }
    }

    fn people(&mut self, have: &ExportAll, doc: &'a ExportDoc) {
        let stored = by_id(&have.people, |p| p.id);
        let mut names: Vec<String> = have.people.iter().map(|p| p.details.name.to_lowercase()).collect();
        for p in &doc.people {
            let s = seen(&stored, p.id, p);
            if !self.tally(&s) {
                if matches!(s, Seen::New) {
                    let mut person = p.clone();
                    let name = person.details.name.clone();
                    if names.contains(&name.to_lowercase()) {
                        let mut n = 2;
                        while names.contains(&format!("{name} ({n})").to_lowercase()) {
                            n += 1;
                        }
                        person.details.name = format!("{name} ({n})");
                        self.plan.report.conflicts.push(format!(
                            "someone here is called \"{name}\" too: the file's \"{name}\" was added as \"{}\"",
                            person.details.name
                        ));
                    }
                    names.push(person.details.name.to_lowercase());
                    self.plan.changes.push(Change::Person { person, replace: false });
                }
                continue;
            }
            let Seen::Differs(old) = s else { continue };
            self.conflict(format!("your details of \"{}\" differ from the file's", old.details.name), true);
            if self.prefer_file {
                let id = p.id.to_string();
                self.keep(
                    kinds::PERSON,
                    &id,
                    &[
                        ("name", Some(old.details.name.as_str()), Some(p.details.name.as_str())),
                        ("notes", old.details.notes.as_deref(), p.details.notes.as_deref()),
                    ],
                );
                self.plan.changes.push(Change::Person {
                    person: p.clone(),
                    replace: true,
                });
            }
        }
        let name_of = |id: Uuid| {
            have.people
                .iter()
                .chain(doc.people.iter())
                .find(|p| p.id == id)
                .map_or_else(|| "someone".to_string(), |p| format!("\"{}\"", p.details.name))
        };
        for m in &doc.safe_marks {
            match have.safe_marks.iter().find(|h| h.person == m.person && h.item == m.item) {
                None => {
                    self.plan.report.added += 1;
                    self.plan.changes.push(Change::SafeMark(m));
                }
                Some(h) if h == m => self.plan.report.already_present += 1,
                Some(_) => {
                    self.conflict(
                        format!("your mark of \"{}\" for {} differs from the file's", m.item.id(), name_of(m.person)),
                        false,
                    );
                    if self.prefer_file {
                        self.plan.changes.push(Change::SafeMark(m));
                    }
                }
            }
        }
        let links: std::collections::HashSet<&PersonLink> = have.person_links.iter().collect();
        for l in &doc.person_links {
            if links.contains(l) {
                self.plan.report.already_present += 1;
            } else {
                self.plan.report.added += 1;
                self.plan.changes.push(Change::Link(*l));
            }
        }
        let stored = by_id(&have.contacts, |c| c.id);
        for c in &doc.contacts {
            let s = seen(&stored, c.id, c);
            if !self.tally(&s) {
                if matches!(s, Seen::New) {
                    self.plan.changes.push(Change::Contact {
                        contact: c,
                        replace: false,
                    });
                }
                continue;
            }
            self.conflict(
                format!("the contact with {} on {} differs from the file's", name_of(c.person), c.on),
                false,
            );
            if self.prefer_file {
                self.plan.changes.push(Change::Contact { contact: c, replace: true });
            }
        }
        let stored = by_id(&have.replies, |r| r.id);
        for r in &doc.replies {
            let s = seen(&stored, r.id, r);
            if !self.tally(&s) {
                if matches!(s, Seen::New) {
                    self.plan.changes.push(Change::Reply { reply: r, replace: false });
                }
                continue;
            }
            let Seen::Differs(old) = s else { continue };
            self.conflict(
                format!(
                    "the reply owed to {} since {} differs from the file's",
                    name_of(r.person),
                    day(old.since)
                ),
                true,
            );
            if self.prefer_file {
                self.keep(
                    kinds::REPLY,
                    &r.id.to_string(),
                    &[("about", old.about.as_deref(), r.about.as_deref())],
                );
                self.plan.changes.push(Change::Reply { reply: r, replace: true });
            }
        }
        let stored = by_id(&have.past_relationships, |p| p.id);
        for p in &doc.past_relationships {
            let s = seen(&stored, p.id, p);
            if !self.tally(&s) {
                if matches!(s, Seen::New) {
                    self.plan.changes.push(Change::Past { past: p, replace: false });
                }
                continue;
            }
            let Seen::Differs(old) = s else { continue };
            self.conflict(
                format!("the past relationship with {} differs from the file's", name_of(p.person)),
                true,
            );
            if self.prefer_file {
                self.keep(kinds::PAST, &p.id.to_string(), &[("note", old.note.as_deref(), p.note.as_deref())]);
                self.plan.changes.push(Change::Past { past: p, replace: true });
            }
        }
    }

    fn safety_plan(&mut self, have: &ExportAll, doc: &'a ExportDoc, catalog: &Catalog) {
        let at = doc
            .safety_plan
            .updated_at
            .as_deref()
            .and_then(|t| OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
            .map(crate::truncate_micros)
            .unwrap_or(self.now);
        for (section, text) in &doc.safety_plan.sections {
            let at = match have.safety_plan.sections.get(section) {
                None => {
                    self.plan.report.added += 1;
                    at
                }
                Some(h) if h == text => {
                    self.plan.report.already_present += 1;
                    continue;
                }
                Some(h) => {
                    let name = catalog
                        .safety()
                        .sections
                        .iter()
                        .find(|s| s.id == *section)
                        .map_or(section.as_str(), |s| s.title.as_str());
                    self.conflict(format!("your safety plan's \"{name}\" differs from the file's"), true);
                    if !self.prefer_file {
                        continue;
                    }
                    self.keep(
                        kinds::SAFETY_PLAN,
                        section,
                        &[(section.as_str(), Some(h.as_str()), Some(text.as_str()))],
                    );
                    self.now
                }
            };
            self.plan.changes.push(Change::PlanSection { section, text, at });
        }
    }
}
