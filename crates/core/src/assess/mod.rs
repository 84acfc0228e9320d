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
    AnswerError, Answers, Change, Instrument, Item, Method, ResponseScale, Scale, ScaleScore, Scores, Section, load_instruments,
    reliable_change,
};
pub use profile::{CAPACITY_IDS, CapacityText, Profile, ProfileText, REGION_IDS, Ranked, RegionId, RegionText, STRATEGY_IDS, StrategyText};

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

impl QuizResult {
    /// A new attempt at `instrument`, with no answers yet.
    pub fn start(instrument: &Instrument, label: Option<String>, now: OffsetDateTime) -> QuizResult {
        QuizResult {
            id: Uuid::now_v7(),
            instrument: instrument.id.clone(),
            instrument_version: instrument.version,
            started_at: now,
            updated_at: now,
            finished_at: None,
            answers: Answers::new(),
            scores: None,
            label,
        }
    }

    /// A finished result: `answers` scored by `instrument` at `now`.
    pub fn finished(instrument: &Instrument, answers: Answers, label: Option<String>, now: OffsetDateTime) -> QuizResult {
        QuizResult {
            finished_at: Some(now),
            scores: Some(instrument.score(&answers)),
            answers,
            ..QuizResult::start(instrument, label, now)
        }
    }
}

/// One scale across a person's results of one instrument.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleHistory {
    pub scale: String,
    pub title: String,
    /// Scores oldest first; None where that result had too few answers.
    pub values: Vec<Option<f64>>,
    /// From the first scored result to the latest.
    pub since_first: Option<Change>,
    /// From the previous scored result to the latest.
    pub since_last: Option<Change>,
}

/// The history of every scale over `results` (finished, oldest first).
/// Changes need at least two scored results.
pub fn history(instrument: &Instrument, results: &[QuizResult]) -> Vec<ScaleHistory> {
    instrument
        .scales
        .iter()
        .map(|s| {
            let values: Vec<Option<f64>> = results
                .iter()
                .map(|r| r.scores.as_ref().and_then(|sc| sc.get(&s.id)).and_then(|v| v.value()))
                .collect();
            let scored: Vec<f64> = values.iter().flatten().copied().collect();
            let (since_first, since_last) = match scored.as_slice() {
                [.., prev, last] => (Some(reliable_change(scored[0], *last, s)), Some(reliable_change(*prev, *last, s))),
                _ => (None, None),
            };
            ScaleHistory {
                scale: s.id.clone(),
                title: s.title.clone(),
                values,
                since_first,
                since_last,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;

    fn result(av: Option<i64>) -> QuizResult {
        let inst = Catalog::embedded().instrument("ecr-rs").expect("ecr-rs");
        let answers: Answers = match av {
            Some(v) => (1..=9).map(|n| (n.to_string(), if n <= 4 { 8 - v } else { v })).collect(),
            None => Answers::new(),
        };
        QuizResult::finished(inst, answers, None, OffsetDateTime::now_utc())
    }

    #[test]
    fn history_compares_the_latest_with_the_first_and_the_previous_scored_result() {
        let inst = Catalog::embedded().instrument("ecr-rs").expect("ecr-rs");
        let rs = [result(Some(6)), result(None), result(Some(5)), result(Some(3))];
        let h = history(inst, &rs);
        let av = h.iter().find(|s| s.scale == "avoidance").expect("avoidance");
        assert_eq!(av.values, vec![Some(6.0), None, Some(5.0), Some(3.0)]);
        assert_eq!(av.since_first.map(|c| c.delta), Some(-3.0));
        assert_eq!(av.since_last.map(|c| c.delta), Some(-2.0));
        assert_eq!(av.since_last.and_then(|c| c.reliable), None, "no reliability figures: not judged");
        let one = history(inst, &rs[..1]);
        assert!(one.iter().all(|s| s.since_first.is_none()), "one result has no change");
    }
}
