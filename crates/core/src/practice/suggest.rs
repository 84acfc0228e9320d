//! One suggestion a day, with one sentence on why.
//!
//! Candidates are library experiments at the person's current stage (or below
//! when everything there was tried this week), never one tried or planned in
//! the last 7 days. Each scores 1, plus 3 if it builds one of the two
//! capacities to build first, plus 3 if it works with one of the two strongest
//! protective strategies (from the latest quiz profile; without one,
//! capacities follow a sensible default order and strategies are not weighed).
//! Among the best, the day picks: the suggestion is stable for a whole day.

use serde::Serialize;
use time::Date;

use super::content::{CAPACITY_DEFAULT_ORDER, Experiment};
use crate::assess::Profile;

/// Why this experiment was chosen; the words come from content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "because", rename_all = "kebab-case")]
pub enum Why {
    /// It builds a capacity to build first.
    Capacity { capacity: String },
    /// It works with a strong protective strategy.
    Strategy { strategy: String },
    /// It fits the stage and has not been tried this week.
    Stage { stage: u8 },
    /// After a hard experiment: its smaller variation.
    Smaller,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub experiment: String,
    pub why: Why,
    /// Suggest the smaller variation (after a flood).
    pub smaller: bool,
}

/// `recent`: (experiment id, day) of everything tried or planned lately.
pub fn suggest(
    library: &[Experiment],
    stage: u8,
    profile: Option<&Profile>,
    recent: &[(String, Date)],
    today: Date,
    smaller: bool,
) -> Option<Suggestion> {
    let week_ago = today - time::Duration::days(7);
    let fresh = |e: &&Experiment| !recent.iter().any(|(id, d)| *id == e.id && *d > week_ago);
    let capacities: Vec<String> = match profile {
        Some(p) if !p.capacities.is_empty() => p.capacities.iter().take(2).map(|c| c.id.clone()).collect(),
        _ => CAPACITY_DEFAULT_ORDER.iter().take(2).map(|c| c.to_string()).collect(),
    };
    let strategies: Vec<String> = profile
        .map(|p| p.strategies.iter().take(2).map(|s| s.id.clone()).collect())
        .unwrap_or_default();
    // The current stage first; if all of it was tried this week, the stages below.
    let pool: Vec<&Experiment> = (1..=stage)
        .rev()
        .map(|s| library.iter().filter(|e| e.stage == s).filter(fresh).collect::<Vec<_>>())
        .find(|v| !v.is_empty())?;
    let score = |e: &Experiment| {
        let cap = capacities.iter().position(|c| e.capacities.contains(c));
        let strat = strategies.iter().position(|s| e.strategies.contains(s));
        (1 + cap.map_or(0, |_| 3) + strat.map_or(0, |_| 3), cap, strat)
    };
    let best = pool.iter().map(|e| score(e).0).max()?;
    let top: Vec<&&Experiment> = pool.iter().filter(|e| score(e).0 == best).collect();
    let pick = top[(today.to_julian_day().unsigned_abs() as usize) % top.len()];
    let (_, cap, strat) = score(pick);
    let why = if smaller {
        Why::Smaller
    } else if let Some(i) = cap {
        Why::Capacity {
            capacity: capacities[i].clone(),
        }
    } else if let Some(i) = strat {
        Why::Strategy {
            strategy: strategies[i].clone(),
        }
    } else {
        Why::Stage { stage: pick.stage }
    };
    Some(Suggestion {
        experiment: pick.id.clone(),
        why,
        smaller,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;
    use crate::assess::{Answers, Profile};
    use proptest::prelude::*;
    use time::macros::date;

    fn library() -> &'static [Experiment] {
        Catalog::embedded().experiments()
    }

    #[test]
    fn the_suggestion_is_at_the_current_stage_and_stable_for_the_day() {
        let today = date!(2026 - 11 - 21);
        let a = suggest(library(), 2, None, &[], today, false).expect("one");
        let b = suggest(library(), 2, None, &[], today, false).expect("one");
        assert_eq!(a, b);
        let e = library().iter().find(|e| e.id == a.experiment).expect("in library");
        assert_eq!(e.stage, 2);
        assert!(matches!(a.why, Why::Capacity { .. }), "defaults favour the first capacities");
    }

    #[test]
    fn the_quiz_profile_steers_towards_capacities_and_strategies() {
        let c = Catalog::embedded();
        let inst = c.instrument("patterns").expect("patterns");
        let mut answers = Answers::new();
        for s in &inst.scales {
            let v = match s.id.as_str() {
                "tell-alarms" => 1,
                "ask-space" => 2,
                "control" => 7,
                _ => 4,
            };
            for i in &s.items {
                answers.insert(i.clone(), if s.reverse.contains(i) { 8 - v } else { v });
            }
        }
        let p = Profile::new(inst, &inst.score(&answers));
        let s = suggest(library(), 3, Some(&p), &[], date!(2026 - 11 - 21), false).expect("one");
        let e = library().iter().find(|e| e.id == s.experiment).expect("in library");
        assert!(e.capacities.iter().any(|c| c == "tell-alarms" || c == "ask-space"), "{e:?}");
    }

    #[test]
    fn after_a_flood_the_smaller_variation_is_the_reason() {
        let s = suggest(library(), 1, None, &[], date!(2026 - 11 - 21), true).expect("one");
        assert_eq!(s.why, Why::Smaller);
        assert!(s.smaller);
    }

    #[test]
    fn when_the_stage_is_used_up_this_week_it_reaches_lower_not_higher() {
        let today = date!(2026 - 11 - 21);
        let recent: Vec<(String, Date)> = library().iter().filter(|e| e.stage == 2).map(|e| (e.id.clone(), today)).collect();
        let s = suggest(library(), 2, None, &recent, today, false).expect("one");
        assert_eq!(library().iter().find(|e| e.id == s.experiment).map(|e| e.stage), Some(1));
        let all: Vec<(String, Date)> = library().iter().map(|e| (e.id.clone(), today)).collect();
        assert_eq!(suggest(library(), 2, None, &all, today, false), None);
    }

    proptest! {
        #[test]
        fn never_the_same_experiment_twice_in_seven_days(stage in 1u8..=4, day in 0i64..400, tried in proptest::collection::vec((0usize..64, 0i64..14), 0..30)) {
            let today = date!(2026 - 01 - 01) + time::Duration::days(day);
            let lib = library();
            let recent: Vec<(String, Date)> = tried.iter().map(|(i, ago)| (lib[i % lib.len()].id.clone(), today - time::Duration::days(*ago))).collect();
            if let Some(s) = suggest(lib, stage, None, &recent, today, false) {
                let e = lib.iter().find(|e| e.id == s.experiment).expect("in library");
                prop_assert!(e.stage <= stage, "never above the current stage");
                prop_assert!(!recent.iter().any(|(id, d)| *id == s.experiment && *d > today - time::Duration::days(7)));
            }
        }
    }
}
