//! Practice: micro-experiments on the needs gradient, run as behavioural
//! experiments, dosed by the pacing engine, and summed up in the evidence
//! ledger.
//!
//! Everything here is a pure function over the person's record history, so
//! every rule is unit- and property-tested and every decision can say why.
//! The library, the programs and the words live in `content/experiments/`,
//! `content/programs/` and `content/practice.toml`.

mod calendar;
mod content;
mod ledger;
mod pacing;
mod program;
mod stage;
mod suggest;

pub use calendar::{CalendarEvent, ics};
pub use content::{CAPACITY_DEFAULT_ORDER, CHANNELS, CONTEXTS, Experiment, PracticeText, Program, ProgramDay, StageText};
pub use content::{load_experiments, load_programs};
pub use ledger::{Ledger, StageTally, ledger};
pub use pacing::{Advice, DEFAULT_WINDOW, MAX_STAGE, Pacing, StageChange, advise, proposed_window, start_stage};
pub use program::{ProgramEntry, ProgramRun, program_day, program_experiment};
pub use stage::Stage;
pub use suggest::{Suggestion, Why, suggest};

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// How the experiment went against the feared prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    AsFeared,
    Better,
    Worse,
    Mixed,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [Outcome::AsFeared, Outcome::Better, Outcome::Worse, Outcome::Mixed];

    pub fn id(self) -> &'static str {
        match self {
            Outcome::AsFeared => "as-feared",
            Outcome::Better => "better",
            Outcome::Worse => "worse",
            Outcome::Mixed => "mixed",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.id() == s)
    }

    /// The feared outcome did not happen as feared.
    pub fn disconfirms(self) -> bool {
        matches!(self, Outcome::Better | Outcome::Mixed)
    }
}

/// The plan half of a behavioural experiment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// A library experiment id, or None for one the person wrote.
    pub experiment: Option<String>,
    /// The person's own experiment, when not from the library.
    pub custom: Option<String>,
    /// The stage it counts towards.
    pub stage: u8,
    pub with_whom: Option<String>,
    /// The day it is planned for (the person's local date).
    pub planned_for: Date,
    /// The feared prediction, in the person's words.
    pub prediction: String,
    /// How strongly the prediction is believed, 0-100%.
    pub belief_before: u8,
    /// How much the person wants this closeness (the pull), 0-100.
    pub want: u8,
    /// How much distress they expect (the push), 0-100.
    pub expect: u8,
}

/// The follow-up half.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Result {
    pub what_happened: Option<String>,
    /// Peak distress during, 0-100.
    pub peak: u8,
    /// Distress afterwards, 0-100.
    pub after: u8,
    pub outcome: Outcome,
    /// "I did this at __% of my capacity": no pass or fail.
    pub capacity: u8,
    pub learned: Option<String>,
    /// The belief in the feared prediction, re-rated, 0-100%.
    pub belief_after: u8,
    /// The person shut down, panicked or had to leave.
    pub flooded: bool,
}

/// One experiment: planned, and once done, followed up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub plan: Plan,
    #[serde(with = "time::serde::rfc3339::option")]
    pub done_at: Option<OffsetDateTime>,
    pub result: Option<Result>,
}

impl Record {
    /// The day that counts for pacing: when it was done, else planned.
    pub fn day(&self, offset: time::UtcOffset) -> Date {
        self.done_at.map(|t| t.to_offset(offset).date()).unwrap_or(self.plan.planned_for)
    }

    /// A flood: the person marked it, the peak went above the window, or it
    /// went worse than feared.
    pub fn flooded(&self, window: u8) -> bool {
        self.result
            .as_ref()
            .is_some_and(|r| r.flooded || r.peak > window || r.outcome == Outcome::Worse)
    }
}

/// A percentage or 0-100 rating, refused with its name when out of range.
pub fn rating(name: &'static str, value: i64) -> core::result::Result<u8, String> {
    u8::try_from(value)
        .ok()
        .filter(|v| *v <= 100)
        .ok_or_else(|| format!("{name} is a number from 0 to 100; {value} is outside that."))
}
