//! People: who is in the person's life, how safe each one has shown
//! themselves (earned from evidence, never assumed), replies owed, staying in
//! touch, and the person's own pattern across past relationships.
//!
//! Everything here is pure: the store hands over rows, this module checks
//! them and works out what they show. The words it says are content
//! (`content/people.toml`, [`PeopleText`]); numbers in a sentence are
//! computed from the same numbers the sentence describes.

mod pattern;
mod text;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::practice::{Outcome, Record};
use crate::urge::Urge;

pub use pattern::{Nearing, NearingWhy, Pattern, PatternFound, find_pattern, nearing};
pub use text::PeopleText;

/// The longest name or nickname, in characters.
pub const NAME_MAX: usize = 100;
/// The longest notes about a person, or about a past relationship.
pub const NOTES_MAX: usize = 10_000;
/// The longest "what about" of a reply owed.
pub const ABOUT_MAX: usize = 500;
/// The longest stay-in-touch interval, in days (ten years).
pub const INTERVAL_MAX: u16 = 3650;
/// The highest stage of the needs gradient.
pub const STAGE_MAX: u8 = 4;

/// What kind of person they are in your life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Partner,
    Friend,
    Family,
    Colleague,
    Acquaintance,
    Other,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Partner,
        Kind::Friend,
        Kind::Family,
        Kind::Colleague,
        Kind::Acquaintance,
        Kind::Other,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Kind::Partner => "partner",
            Kind::Friend => "friend",
            Kind::Family => "family",
            Kind::Colleague => "colleague",
            Kind::Acquaintance => "acquaintance",
            Kind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.id() == s.trim().to_lowercase())
    }
}

/// Someone in the person's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<OffsetDateTime>,
    #[serde(flatten)]
    pub details: PersonDetails,
    /// Kept for the record (a past relationship), not shown among the
    /// people in your life now.
    #[serde(default)]
    pub archived: bool,
}

/// What the person says about someone: everything but the id and times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonDetails {
    pub name: String,
    pub kind: Kind,
    /// Since when you have known them, or been together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Date>,
    /// The stage you say you have reached with them (0 to 4); experiments
    /// with them can only raise what is shown ([`Standing::stage`]).
    #[serde(default)]
    pub stage: u8,
    /// Be in touch at least this often, ideally (days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ideal_days: Option<u16>,
    /// And at most this long between contacts (days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_days: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// Why details could not be saved, in words that say what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonError {
    #[error("A person needs a name or a nickname. Anything that tells you who they are will do.")]
    NoName,
    #[error("The name is {0} characters; it can hold up to {NAME_MAX}, so please shorten it.")]
    NameTooLong(usize),
    #[error("The notes are {0} characters; they can hold up to {NOTES_MAX}. You could keep the rest in a journal entry.")]
    NotesTooLong(usize),
    #[error("\"{0}\" is not a kind of person here. Choose partner, friend, family, colleague, acquaintance or other.")]
    Kind(String),
    #[error("The stage is a number from 0 to {STAGE_MAX}; {0} is outside that.")]
    Stage(i64),
    #[error("An interval is a number of days from 1 to {INTERVAL_MAX}; {0} is outside that.")]
    Interval(i64),
    #[error("The longest gap ({max} days) is shorter than the ideal one ({ideal} days). Make the longest gap at least as long.")]
    MaxBelowIdeal { ideal: u16, max: u16 },
    #[error("The date they came into your life ({0}) is in the future. Use today or an earlier day.")]
    SinceFuture(Date),
    #[error("There is already someone called \"{0}\". Give this person a name you can tell apart, such as \"{0} (work)\".")]
    Taken(String),
}

impl PersonError {
    /// The form field the problem is in.
    pub fn field(&self) -> &'static str {
        match self {
            PersonError::NoName | PersonError::NameTooLong(_) | PersonError::Taken(_) => "name",
            PersonError::NotesTooLong(_) => "notes",
            PersonError::Kind(_) => "kind",
            PersonError::Stage(_) => "stage",
            PersonError::Interval(_) | PersonError::MaxBelowIdeal { .. } => "max_days",
            PersonError::SinceFuture(_) => "since",
        }
    }
}

/// A stage from a number the person gave.
pub fn stage(n: i64) -> Result<u8, PersonError> {
    u8::try_from(n).ok().filter(|s| *s <= STAGE_MAX).ok_or(PersonError::Stage(n))
}

/// A stay-in-touch interval from a number the person gave.
pub fn interval(n: i64) -> Result<u16, PersonError> {
    u16::try_from(n)
        .ok()
        .filter(|d| (1..=INTERVAL_MAX).contains(d))
        .ok_or(PersonError::Interval(n))
}

impl PersonDetails {
    /// The details as they will be kept: the name and notes trimmed, and
    /// everything checked. `today` is the person's local date.
    pub fn checked(mut self, today: Date) -> Result<PersonDetails, PersonError> {
        self.name = self.name.trim().to_string();
        if self.name.is_empty() {
            return Err(PersonError::NoName);
        }
        let n = self.name.chars().count();
        if n > NAME_MAX {
            return Err(PersonError::NameTooLong(n));
        }
        self.notes = self.notes.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        if let Some(notes) = &self.notes {
            let n = notes.chars().count();
            if n > NOTES_MAX {
                return Err(PersonError::NotesTooLong(n));
            }
        }
        stage(i64::from(self.stage))?;
        for d in [self.ideal_days, self.max_days].into_iter().flatten() {
            interval(i64::from(d))?;
        }
        if let (Some(ideal), Some(max)) = (self.ideal_days, self.max_days)
            && max < ideal
        {
            return Err(PersonError::MaxBelowIdeal { ideal, max });
        }
        if let Some(since) = self.since
            && since > today
        {
            return Err(PersonError::SinceFuture(since));
        }
        Ok(self)
    }
}

/// Two names are the same person's when they match apart from case and
/// surrounding space ("Sam" and "sam ").
pub fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// The five signs that someone has shown themselves safe to be close to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SafeItem {
    Consistent,
    RespectsSpace,
    Kind,
    Repairs,
    Private,
}

impl SafeItem {
    pub const ALL: [SafeItem; 5] = [
        SafeItem::Consistent,
        SafeItem::RespectsSpace,
        SafeItem::Kind,
        SafeItem::Repairs,
        SafeItem::Private,
    ];

    pub fn id(self) -> &'static str {
        match self {
            SafeItem::Consistent => "consistent",
            SafeItem::RespectsSpace => "respects-space",
            SafeItem::Kind => "kind",
            SafeItem::Repairs => "repairs",
            SafeItem::Private => "private",
        }
    }

    pub fn parse(s: &str) -> Option<SafeItem> {
        SafeItem::ALL.into_iter().find(|i| i.id() == s.trim().to_lowercase())
    }
}

/// What the person said about one item: yes, they have shown it, or no,
/// not (yet). Saying it again replaces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafeMark {
    pub person: Uuid,
    pub item: SafeItem,
    pub yes: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// What kind of record points to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkKind {
    Urge,
    Experiment,
    Journal,
    Reset,
}

impl LinkKind {
    pub const ALL: [LinkKind; 4] = [LinkKind::Urge, LinkKind::Experiment, LinkKind::Journal, LinkKind::Reset];

    pub fn id(self) -> &'static str {
        match self {
            LinkKind::Urge => "urge",
            LinkKind::Experiment => "experiment",
            LinkKind::Journal => "journal",
            LinkKind::Reset => "reset",
        }
    }

    pub fn parse(s: &str) -> Option<LinkKind> {
        LinkKind::ALL.into_iter().find(|k| k.id() == s)
    }
}

/// A record that is about, or with, a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonLink {
    pub person: Uuid,
    pub kind: LinkKind,
    pub item: Uuid,
}

/// A plain "we were in touch" on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub id: Uuid,
    pub person: Uuid,
    pub on: Date,
    #[serde(with = "time::serde::rfc3339")]
    pub logged_at: OffsetDateTime,
}

/// "I owe them a reply", and once replied, when and how it felt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    pub id: Uuid,
    pub person: Uuid,
    /// Since when the reply has been owed.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub replied_at: Option<OffsetDateTime>,
    /// How replying felt, 0 (easy) to 100 (the hardest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub felt: Option<u8>,
}

/// Who ended a relationship, or whether it cooled by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EndedBy {
    Me,
    Them,
    Both,
    Drifted,
}

impl EndedBy {
    pub const ALL: [EndedBy; 4] = [EndedBy::Me, EndedBy::Them, EndedBy::Both, EndedBy::Drifted];

    pub fn id(self) -> &'static str {
        match self {
            EndedBy::Me => "me",
            EndedBy::Them => "them",
            EndedBy::Both => "both",
            EndedBy::Drifted => "drifted",
        }
    }

    pub fn parse(s: &str) -> Option<EndedBy> {
        EndedBy::ALL.into_iter().find(|e| e.id() == s.trim().to_lowercase())
    }

    /// Whether an ending like this one counts as the person pulling away:
    /// every ending but one the other person chose alone.
    pub fn pulled_away(self) -> bool {
        self != EndedBy::Them
    }
}

/// A relationship or friendship that ended or cooled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PastRelationship {
    pub id: Uuid,
    pub person: Uuid,
    pub began: Date,
    pub ended: Date,
    pub ended_by: EndedBy,
    /// The stage reached with them, if the person knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<u8>,
    /// The kinds of urge that came before the end (urge kind ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urges: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
}

/// Why a past relationship could not be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PastError {
    #[error("It ended ({ended}) before it began ({began}). Check the two dates.")]
    EndsBeforeStart { began: Date, ended: Date },
    #[error("The end date ({0}) is in the future. Use today or an earlier day.")]
    EndFuture(Date),
    #[error("\"{0}\" is not one of the urge kinds. `drawbridge urge --help` lists them.")]
    UnknownUrge(String),
    #[error("\"{0}\" is not an answer to who ended it: me, them, both or drifted.")]
    EndedBy(String),
    #[error("The note is {0} characters; it can hold up to {NOTES_MAX}.")]
    NoteTooLong(usize),
    #[error(transparent)]
    Stage(#[from] PersonError),
}

impl PastRelationship {
    /// Check a past relationship: dates in order and not ahead, urge kinds
    /// from the catalog, the note trimmed.
    pub fn checked(mut self, today: Date, kinds: &[&str]) -> Result<PastRelationship, PastError> {
        if self.ended < self.began {
            return Err(PastError::EndsBeforeStart {
                began: self.began,
                ended: self.ended,
            });
        }
        if self.ended > today {
            return Err(PastError::EndFuture(self.ended));
        }
        if let Some(s) = self.stage {
            stage(i64::from(s))?;
        }
        let mut urges: Vec<String> = Vec::new();
        for u in &self.urges {
            let u = u.trim().to_lowercase();
            if !kinds.contains(&u.as_str()) {
                return Err(PastError::UnknownUrge(u));
            }
            if !urges.contains(&u) {
                urges.push(u);
            }
        }
        self.urges = urges;
        self.note = self.note.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        if let Some(n) = &self.note {
            let len = n.chars().count();
            if len > NOTES_MAX {
                return Err(PastError::NoteTooLong(len));
            }
        }
        Ok(self)
    }

    /// How long it lasted, in days.
    pub fn days(&self) -> i64 {
        (self.ended - self.began).whole_days()
    }
}

/// What the store knows about one linked record, without its words: enough
/// to tell the stage reached, the last contact and the evidence of safety.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedFact {
    pub kind: LinkKind,
    pub item: Uuid,
    /// When it happened: an urge's or reset's time, an entry's, an
    /// experiment's follow-up (or, not done yet, when it was planned).
    pub at: OffsetDateTime,
    /// An experiment's stage.
    pub stage: Option<u8>,
    /// A followed-up experiment's outcome.
    pub outcome: Option<Outcome>,
    /// What the person did with an urge.
    pub did: Option<String>,
    /// Whether an experiment was followed up.
    pub done: bool,
}

impl LinkedFact {
    pub fn of_urge(u: &Urge) -> LinkedFact {
        LinkedFact {
            kind: LinkKind::Urge,
            item: u.id,
            at: u.at,
            stage: None,
            outcome: None,
            did: u.entry.did.clone(),
            done: false,
        }
    }

    pub fn of_record(r: &Record) -> LinkedFact {
        LinkedFact {
            kind: LinkKind::Experiment,
            item: r.id,
            at: r.done_at.unwrap_or(r.created_at),
            stage: Some(r.plan.stage),
            outcome: r.result.as_ref().map(|x| x.outcome),
            did: None,
            done: r.done_at.is_some(),
        }
    }

    /// Whether this record means the two of you were in touch: an
    /// experiment done with them, or an urge about them where you stayed.
    pub fn is_contact(&self) -> bool {
        match self.kind {
            LinkKind::Experiment => self.done,
            LinkKind::Urge => self.did.as_deref() == Some("stayed"),
            LinkKind::Journal | LinkKind::Reset => false,
        }
    }
}

/// Everything known about one person, gathered for working out where
/// things stand.
#[derive(Debug, Clone, Default)]
pub struct Evidence<'a> {
    pub facts: Vec<&'a LinkedFact>,
    pub contacts: Vec<&'a Contact>,
    pub replies: Vec<&'a Reply>,
    pub marks: Vec<&'a SafeMark>,
}

/// How far past the stay-in-touch interval a person is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Drift {
    None,
    Ideal,
    Max,
}

impl Drift {
    pub fn id(self) -> &'static str {
        match self {
            Drift::None => "none",
            Drift::Ideal => "ideal",
            Drift::Max => "max",
        }
    }
}

/// Where one checklist item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SafeState {
    /// You marked it: they have shown it.
    Yes,
    /// You marked it: not, or not yet.
    No,
    /// Not marked, and the evidence points to it.
    Suggested,
    /// Not marked, and nothing recorded says either way.
    Open,
}

/// One checklist item for one person, with what it rests on in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SafeView {
    pub item: SafeItem,
    pub state: SafeState,
    #[serde(with = "time::serde::rfc3339::option")]
    pub marked_at: Option<OffsetDateTime>,
    pub rests_on: Vec<String>,
}

/// Where things stand with one person now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standing {
    /// The highest stage reached: what you said, or an experiment done
    /// with them at a higher one.
    pub stage: u8,
    pub last_contact: Option<Date>,
    /// Days since the last contact (or, never in touch, since they were
    /// added).
    pub days_since: i64,
    pub drifting: Drift,
    pub owed: usize,
    pub safe: Vec<SafeView>,
}

/// The day a time falls on for the person.
fn day(at: OffsetDateTime, offset: UtcOffset) -> Date {
    at.to_offset(offset).date()
}

/// The last day you were in touch, from every kind of contact.
pub fn last_contact(e: &Evidence<'_>, offset: UtcOffset) -> Option<Date> {
    let facts = e.facts.iter().filter(|f| f.is_contact()).map(|f| day(f.at, offset));
    let contacts = e.contacts.iter().map(|c| c.on);
    let replies = e.replies.iter().filter_map(|r| r.replied_at).map(|t| day(t, offset));
    facts.chain(contacts).chain(replies).max()
}

/// The highest stage reached with someone: what you said, raised by any
/// experiment done with them.
pub fn stage_reached(p: &PersonDetails, e: &Evidence<'_>) -> u8 {
    e.facts
        .iter()
        .filter(|f| f.kind == LinkKind::Experiment && f.done)
        .filter_map(|f| f.stage)
        .chain(std::iter::once(p.stage))
        .max()
        .unwrap_or(0)
}

/// The stage over time: each day an experiment done with them reached a
/// stage higher than any before, oldest first.
pub fn stage_over_time(e: &Evidence<'_>, offset: UtcOffset) -> Vec<(Date, u8)> {
    let mut done: Vec<(OffsetDateTime, u8)> = e
        .facts
        .iter()
        .filter(|f| f.kind == LinkKind::Experiment && f.done)
        .filter_map(|f| f.stage.map(|s| (f.at, s)))
        .collect();
    done.sort();
    let mut out: Vec<(Date, u8)> = Vec::new();
    for (at, s) in done {
        if out.last().is_none_or(|(_, top)| s > *top) {
            out.push((day(at, offset), s));
        }
    }
    out
}

/// How far someone has drifted, `days` after the last contact.
pub fn drift(p: &PersonDetails, days: i64) -> Drift {
    if p.max_days.is_some_and(|m| days > i64::from(m)) {
        Drift::Max
    } else if p.ideal_days.is_some_and(|i| days > i64::from(i)) {
        Drift::Ideal
    } else {
        Drift::None
    }
}

/// Where things stand with `p`, as of `today`.
pub fn standing(p: &Person, e: &Evidence<'_>, today: Date, offset: UtcOffset, text: &PeopleText) -> Standing {
    let last = last_contact(e, offset);
    let from = last.unwrap_or_else(|| day(p.added_at, offset).min(today));
    let days_since = (today - from).whole_days().max(0);
    Standing {
        stage: stage_reached(&p.details, e),
        last_contact: last,
        days_since,
        drifting: if p.archived { Drift::None } else { drift(&p.details, days_since) },
        owed: e.replies.iter().filter(|r| r.replied_at.is_none()).count(),
        safe: safe_views(e, offset, text),
    }
}

/// The checklist for one person: each item marked, suggested by what the
/// records show, or open, with what it rests on.
pub fn safe_views(e: &Evidence<'_>, offset: UtcOffset, text: &PeopleText) -> Vec<SafeView> {
    let done: Vec<&LinkedFact> = e
        .facts
        .iter()
        .copied()
        .filter(|f| f.kind == LinkKind::Experiment && f.done)
        .collect();
    SafeItem::ALL
        .into_iter()
        .map(|item| {
            let (suggested, mut rests_on) = match item {
                SafeItem::Consistent => consistent(&done, offset, text),
                SafeItem::Kind => kind(&done, text),
                SafeItem::Repairs => repairs(e, offset, text),
                SafeItem::RespectsSpace | SafeItem::Private => (false, Vec::new()),
            };
            let mark = e.marks.iter().filter(|m| m.item == item).max_by_key(|m| m.at);
            let state = match mark {
                Some(m) if m.yes => SafeState::Yes,
                Some(_) => SafeState::No,
                None if suggested => SafeState::Suggested,
                None => SafeState::Open,
            };
            if let Some(m) = mark {
                let t = if m.yes { &text.marked_yes } else { &text.marked_no };
                rests_on.insert(0, t.replace("{date}", &day(m.at, offset).to_string()));
            }
            if rests_on.is_empty() {
                rests_on.extend(text.safe_item(item).map(|s| s.nothing_yet.clone()));
            }
            SafeView {
                item,
                state,
                marked_at: mark.map(|m| m.at),
                rests_on,
            }
        })
        .collect()
}

/// The units a length of time is said in, finest first: days per unit,
/// and its names.
const UNITS: [(f64, &str, &str); 4] = [
    (1.0, "day", "days"),
    (7.0, "week", "weeks"),
    (30.44, "month", "months"),
    (365.25, "year", "years"),
];

/// Which unit a length of time is said in: days under two weeks, then
/// weeks, then months, then years.
fn unit_for(days: f64) -> usize {
    match days {
        d if d < 14.0 => 0,
        d if d < 91.0 => 1,
        d if d < 730.0 => 2,
        _ => 3,
    }
}

fn in_unit(days: f64, unit: usize) -> String {
    let (per, one, many) = UNITS[unit];
    let n = days.max(0.0) / per;
    if unit == 3 && (n - n.round()).abs() >= 0.25 {
        return format!("{n:.1} years");
    }
    match n.round() as usize {
        1 => format!("one {one}"),
        n => format!("{} {many}", crate::words::count_word(n)),
    }
}

/// A length of time in days as a sentence says it ("three months").
pub fn span_words(days: f64) -> String {
    in_unit(days, unit_for(days))
}

/// Two lengths of time in one unit, the larger's, or a finer one when that
/// would say the same for both ("13 weeks" and "15 weeks", not "three
/// months" twice).
pub fn span_pair(a: f64, b: f64) -> (String, String) {
    let mut unit = unit_for(a.max(b));
    loop {
        let pair = (in_unit(a, unit), in_unit(b, unit));
        if pair.0 != pair.1 || unit == 0 || (a - b).abs() < 1.0 {
            return pair;
        }
        unit -= 1;
    }
}

/// "Once", "twice", "three times", "12 times".
pub fn times(n: usize) -> String {
    match n {
        1 => "once".into(),
        2 => "twice".into(),
        n => format!("{} times", crate::words::count_word(n)),
    }
}

fn consistent(done: &[&LinkedFact], offset: UtcOffset, text: &PeopleText) -> (bool, Vec<String>) {
    if done.is_empty() {
        return (false, Vec::new());
    }
    let worse = done.iter().filter(|f| f.outcome == Some(Outcome::Worse)).count();
    let first = done.iter().map(|f| day(f.at, offset)).min().unwrap_or(Date::MIN);
    let last = done.iter().map(|f| day(f.at, offset)).max().unwrap_or(Date::MIN);
    let weeks = ((last - first).whole_days() / 7).max(0) as usize;
    let t = if worse == 0 {
        &text.consistent_never_worse
    } else {
        &text.consistent_some_worse
    };
    let said = t
        .replace("{experiments}", &experiments(done.len()))
        .replace("{weeks}", &weeks_words(weeks))
        .replace("{worse}", &crate::words::count_word(worse));
    (done.len() >= 3 && worse == 0 && weeks >= 4, vec![said])
}

fn experiments(n: usize) -> String {
    if n == 1 {
        "one experiment".into()
    } else {
        format!("{} experiments", crate::words::count_word(n))
    }
}

fn weeks_words(n: usize) -> String {
    match n {
        0 => "less than a week".into(),
        1 => "one week".into(),
        n => format!("{} weeks", crate::words::count_word(n)),
    }
}

fn kind(done: &[&LinkedFact], text: &PeopleText) -> (bool, Vec<String>) {
    let real: Vec<&&LinkedFact> = done.iter().filter(|f| f.stage.is_some_and(|s| s >= 3)).collect();
    if real.is_empty() {
        return (false, Vec::new());
    }
    let better = real.iter().filter(|f| f.outcome == Some(Outcome::Better)).count();
    let worse = real.iter().filter(|f| f.outcome == Some(Outcome::Worse)).count();
    let t = if better == real.len() {
        &text.kind_each_time
    } else {
        &text.kind_some
    };
    let said = t
        .replace("{times}", &times(real.len()))
        .replace("{better}", &crate::words::count_word(better));
    (better >= 2 && worse == 0, vec![said])
}

fn repairs(e: &Evidence<'_>, offset: UtcOffset, text: &PeopleText) -> (bool, Vec<String>) {
    let resets: Vec<OffsetDateTime> = e.facts.iter().filter(|f| f.kind == LinkKind::Reset).map(|f| f.at).collect();
    if resets.is_empty() {
        return (false, Vec::new());
    }
    let mut contacts: Vec<Date> = e.facts.iter().filter(|f| f.is_contact()).map(|f| day(f.at, offset)).collect();
    contacts.extend(e.contacts.iter().map(|c| c.on));
    contacts.extend(e.replies.iter().filter_map(|r| r.replied_at).map(|t| day(t, offset)));
    let back = resets
        .iter()
        .filter(|at| {
            let d = day(**at, offset);
            contacts.iter().any(|c| *c >= d && (*c - d).whole_days() <= 14)
        })
        .count();
    let said = text
        .repairs_fact
        .replace("{times}", &times(resets.len()))
        .replace("{back}", &crate::words::count_word(back));
    (back >= 2 && back == resets.len(), vec![said])
}

/// Replies in one month: how many were closed, and how many of those
/// within the hour and within a day of being owed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplyMonth {
    pub month: String,
    pub replied: usize,
    pub within_hour: usize,
    pub within_day: usize,
}

/// Replies closed, month by month (by the month they were owed in), oldest
/// first: the share within the hour and within a day, so a delay that
/// shrinks can be seen.
pub fn reply_months(replies: &[Reply], offset: UtcOffset) -> Vec<ReplyMonth> {
    let mut months: std::collections::BTreeMap<String, ReplyMonth> = std::collections::BTreeMap::new();
    for r in replies {
        let Some(done) = r.replied_at else { continue };
        let d = day(r.since, offset);
        let month = format!("{:04}-{:02}", d.year(), u8::from(d.month()));
        let m = months.entry(month.clone()).or_insert(ReplyMonth {
            month,
            replied: 0,
            within_hour: 0,
            within_day: 0,
        });
        let took = done - r.since;
        m.replied += 1;
        if took <= time::Duration::HOUR {
            m.within_hour += 1;
        }
        if took <= time::Duration::DAY {
            m.within_day += 1;
        }
    }
    months.into_values().collect()
}

/// How long a reply has been waiting, in plain words ("four days").
pub fn waiting(since: OffsetDateTime, now: OffsetDateTime) -> String {
    let d = (now - since).max(time::Duration::ZERO);
    let unit = |n: i64, one: &str, many: &str| {
        if n == 1 {
            format!("one {one}")
        } else {
            format!("{} {many}", crate::words::count_word(n as usize))
        }
    };
    if d < time::Duration::HOUR {
        "less than an hour".into()
    } else if d < time::Duration::DAY {
        unit(d.whole_hours(), "hour", "hours")
    } else if d < time::Duration::WEEK * 2 {
        unit(d.whole_days(), "day", "days")
    } else {
        unit(d.whole_weeks(), "week", "weeks")
    }
}

#[cfg(test)]
mod tests;
