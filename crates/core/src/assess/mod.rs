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
