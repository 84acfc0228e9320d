//! Assessment: instruments as data, scoring, reliable change and the profile.
//!
//! The engine knows nothing about any particular questionnaire. An instrument
//! is a TOML file (see `content/instruments/`): items, a response range, and
//! scales that name their items, the reverse-keyed ones and a method (mean or
//! sum). The bundled Patterns Quiz is one such file; a clinician can load the
//! scoring key of a licensed questionnaire the same way and supply its wording.

mod instrument;
mod profile;

pub use instrument::{
    AnswerError, Answers, Change, Instrument, Item, Method, ResponseScale, Scale, ScaleScore, Scores, Section, reliable_change,
};
pub use profile::{CapacityText, Profile, ProfileText, Ranked, RegionId, RegionText, StrategyText};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// One attempt at an instrument: in progress until `finished_at` is set, when
/// `scores` holds the scores computed from `answers` at that moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuizResult {
    pub id: Uuid,
    pub instrument: String,
    pub instrument_version: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    pub answers: Answers,
    pub scores: Option<Scores>,
    /// Which relationship the answers are about, for per-relationship
    /// questionnaires such as ECR-RS.
    pub label: Option<String>,
}
