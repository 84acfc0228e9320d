//! The pacing engine: where to start, when to offer the next stage, when to
//! hold or step back. It only ever offers; the person decides, and can
//! always choose another stage.
//!
//! Rules (each has a test):
//! - Start at the highest stage whose example was rated 40 or below for
//!   expected distress (stage 1 if none).
//! - The window of tolerance is 70 unless the person sets it. Once they have
//!   marked "I flooded" at least twice, the lowest flooded peak is proposed.
//! - Ready to step up: at the current stage, at least 3 experiments done in
//!   the last 21 days; the last 3 all with peak distress within the window and
//!   none a flood; in at least 2 of them the feared outcome did not happen as
//!   feared. At most one step up in 7 days; never above stage 4.
//! - After a flood (marked, peak above the window, or worse than feared):
//!   hold, offer after-rupture support, suggest the smaller variation.
//!   Two floods within 14 days: offer one stage down.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime, UtcOffset};

use super::Record;

pub const MAX_STAGE: u8 = 4;
pub const DEFAULT_WINDOW: u8 = 70;
/// Expected distress at or below this makes a stage a starting place.
pub const START_THRESHOLD: u8 = 40;
const READY_COUNT: usize = 3;
const READY_DAYS: i64 = 21;
const STEP_UP_GAP_DAYS: i64 = 7;
const FLOOD_PAIR_DAYS: i64 = 14;

/// The person's pacing settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pacing {
    pub stage: u8,
    pub window: u8,
}

/// A change of stage, kept so "one step a week" can be honoured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageChange {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub from: u8,
    pub to: u8,
}

/// What the engine offers today, with what it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "advice", rename_all = "kebab-case")]
pub enum Advice {
    /// Ready: offer the next stage. `not_as_feared` is how many of the last
    /// three experiments at this stage did not go as feared (2 or 3).
    StepUp { to: u8, not_as_feared: usize },
    /// Keep going here: `done` of the 3 needed so far.
    NotYet { done: usize, needed: usize },
    /// Ready, but a step up happened in the last 7 days.
    RecentStep { days_ago: i64 },
    /// The last experiment was a flood: hold, support, go smaller.
    Flood,
    /// Two floods within 14 days: offer one stage down.
    StepDown { to: u8 },
    /// At the top of the gradient.
    Top,
}

impl Advice {
    pub fn offers_step_up(&self) -> bool {
        matches!(self, Advice::StepUp { .. })
    }
    pub fn suggests_smaller(&self) -> bool {
        matches!(self, Advice::Flood | Advice::StepDown { .. })
    }
}

/// The starting stage from the calibration ratings of stages 1-4.
pub fn start_stage(expected_distress: [u8; 4]) -> u8 {
    (1..=MAX_STAGE)
        .rev()
        .find(|s| expected_distress[usize::from(s - 1)] <= START_THRESHOLD)
        .unwrap_or(1)
}

/// The window the engine proposes from the person's own floods: the lowest
/// flooded peak, once they have marked "I flooded" at least twice.
pub fn proposed_window(records: &[Record]) -> Option<u8> {
    let peaks: Vec<u8> = records
        .iter()
        .filter_map(|r| r.result.as_ref())
        .filter(|r| r.flooded)
        .map(|r| r.peak)
        .collect();
    if peaks.len() >= 2 { peaks.into_iter().min() } else { None }
}

/// Today's advice. `records` in any order; only finished ones count.
pub fn advise(p: Pacing, records: &[Record], changes: &[StageChange], now: OffsetDateTime, offset: UtcOffset) -> Advice {
    let today = now.to_offset(offset).date();
    let mut done: Vec<&Record> = records.iter().filter(|r| r.result.is_some()).collect();
    done.sort_by_key(|r| (r.done_at, r.created_at));
    let within = |r: &Record, days: i64| today - r.day(offset) < Duration::days(days);

    // Floods first: safety before progress.
    let floods: Vec<&&Record> = done.iter().filter(|r| r.flooded(p.window) && within(r, FLOOD_PAIR_DAYS)).collect();
    if floods.len() >= 2 && p.stage > 1 {
        return Advice::StepDown { to: p.stage - 1 };
    }
    if done.last().is_some_and(|r| r.flooded(p.window)) {
        return Advice::Flood;
    }
    if p.stage >= MAX_STAGE {
        return Advice::Top;
    }
    let at_stage: Vec<&&Record> = done.iter().filter(|r| r.plan.stage == p.stage && within(r, READY_DAYS)).collect();
    let last3: Vec<&&&Record> = at_stage.iter().rev().take(READY_COUNT).collect();
    let not_as_feared = last3
        .iter()
        .filter(|r| r.result.as_ref().is_some_and(|x| x.outcome.disconfirms()))
        .count();
    let ready = last3.len() == READY_COUNT && last3.iter().all(|r| !r.flooded(p.window)) && not_as_feared >= 2;
    if !ready {
        let good = last3.iter().filter(|r| !r.flooded(p.window)).count();
        return Advice::NotYet {
            done: good.min(READY_COUNT),
            needed: READY_COUNT,
        };
    }
    // Setting the first stage (from 0) is a start, not a step.
    if let Some(last_up) = changes.iter().filter(|c| c.from >= 1 && c.to > c.from).map(|c| c.at).max() {
        let days = (now - last_up).whole_days();
        if days < STEP_UP_GAP_DAYS {
            return Advice::RecentStep { days_ago: days };
        }
    }
    Advice::StepUp {
        to: p.stage + 1,
        not_as_feared,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::{Outcome, Plan, Result as Res};
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;
    use uuid::Uuid;

    pub(crate) const NOW: OffsetDateTime = datetime!(2026-11-21 18:00 UTC);

    pub(crate) fn rec(stage: u8, days_ago: i64, peak: u8, outcome: Outcome, flooded: bool) -> Record {
        let at = NOW - Duration::days(days_ago);
        Record {
            id: Uuid::now_v7(),
            created_at: at,
            plan: Plan {
                experiment: Some("x".into()),
                custom: None,
                stage,
                with_whom: None,
                planned_for: at.date(),
                prediction: "they will pull a face".into(),
                belief_before: 70,
                want: 60,
                expect: 40,
            },
            done_at: Some(at),
            result: Some(Res {
                what_happened: None,
                peak,
                after: 20,
                outcome,
                capacity: 50,
                learned: None,
                belief_after: 40,
                flooded,
            }),
        }
    }

    const P2: Pacing = Pacing { stage: 2, window: 70 };

    fn advise_now(p: Pacing, r: &[Record], c: &[StageChange]) -> Advice {
        advise(p, r, c, NOW, UtcOffset::UTC)
    }

    #[test]
    fn starts_at_the_highest_stage_rated_40_or_below() {
        assert_eq!(start_stage([20, 35, 60, 90]), 2);
        assert_eq!(start_stage([50, 60, 70, 90]), 1, "none at or below 40: stage 1");
        assert_eq!(start_stage([10, 10, 40, 41]), 3, "40 itself counts");
        assert_eq!(start_stage([0, 0, 0, 0]), 4);
    }

    #[test]
    fn three_calm_experiments_with_two_surprises_offer_the_next_stage() {
        let r = vec![
            rec(2, 9, 50, Outcome::Better, false),
            rec(2, 5, 60, Outcome::AsFeared, false),
            rec(2, 1, 40, Outcome::Mixed, false),
        ];
        assert_eq!(advise_now(P2, &r, &[]), Advice::StepUp { to: 3, not_as_feared: 2 });
    }

    #[test]
    fn not_yet_with_too_few_too_old_or_too_confirming() {
        let two = vec![rec(2, 3, 50, Outcome::Better, false), rec(2, 1, 50, Outcome::Better, false)];
        assert_eq!(advise_now(P2, &two, &[]), Advice::NotYet { done: 2, needed: 3 });
        let old = vec![
            rec(2, 30, 50, Outcome::Better, false),
            rec(2, 3, 50, Outcome::Better, false),
            rec(2, 1, 50, Outcome::Better, false),
        ];
        assert!(
            matches!(advise_now(P2, &old, &[]), Advice::NotYet { .. }),
            "only the last 21 days count"
        );
        let confirmed = vec![
            rec(2, 3, 50, Outcome::AsFeared, false),
            rec(2, 2, 50, Outcome::AsFeared, false),
            rec(2, 1, 50, Outcome::Better, false),
        ];
        assert!(matches!(advise_now(P2, &confirmed, &[]), Advice::NotYet { .. }));
        let other_stage = vec![
            rec(1, 3, 50, Outcome::Better, false),
            rec(1, 2, 50, Outcome::Better, false),
            rec(1, 1, 50, Outcome::Better, false),
        ];
        assert!(matches!(advise_now(P2, &other_stage, &[]), Advice::NotYet { done: 0, .. }));
    }

    #[test]
    fn a_peak_above_the_window_is_a_flood_and_holds_the_stage() {
        let r = vec![
            rec(2, 9, 50, Outcome::Better, false),
            rec(2, 5, 40, Outcome::Better, false),
            rec(2, 1, 85, Outcome::Better, false),
        ];
        assert_eq!(advise_now(P2, &r, &[]), Advice::Flood);
        let wider = Pacing { stage: 2, window: 90 };
        assert_eq!(
            advise_now(wider, &r, &[]),
            Advice::StepUp { to: 3, not_as_feared: 3 },
            "within a wider window it is not a flood"
        );
        let marked = vec![rec(2, 1, 30, Outcome::Better, true)];
        assert_eq!(advise_now(P2, &marked, &[]), Advice::Flood);
        let worse = vec![rec(2, 1, 30, Outcome::Worse, false)];
        assert_eq!(advise_now(P2, &worse, &[]), Advice::Flood, "it went badly");
    }

    #[test]
    fn two_floods_in_two_weeks_offer_a_stage_down() {
        let r = vec![rec(3, 10, 90, Outcome::AsFeared, false), rec(3, 2, 50, Outcome::Better, true)];
        let p = Pacing { stage: 3, window: 70 };
        assert_eq!(advise_now(p, &r, &[]), Advice::StepDown { to: 2 });
        let apart = vec![rec(3, 20, 90, Outcome::AsFeared, false), rec(3, 2, 50, Outcome::Better, true)];
        assert_eq!(advise_now(p, &apart, &[]), Advice::Flood, "floods 18 days apart are not a pair");
        assert_eq!(
            advise_now(Pacing { stage: 1, window: 70 }, &r, &[]),
            Advice::Flood,
            "nothing below stage 1"
        );
    }

    #[test]
    fn one_step_up_a_week_at_most() {
        let r = vec![
            rec(2, 3, 50, Outcome::Better, false),
            rec(2, 2, 50, Outcome::Better, false),
            rec(2, 1, 50, Outcome::Better, false),
        ];
        let recent = [StageChange {
            at: NOW - Duration::days(4),
            from: 1,
            to: 2,
        }];
        assert_eq!(advise_now(P2, &r, &recent), Advice::RecentStep { days_ago: 4 });
        let older = [StageChange {
            at: NOW - Duration::days(8),
            from: 1,
            to: 2,
        }];
        assert_eq!(advise_now(P2, &r, &older), Advice::StepUp { to: 3, not_as_feared: 3 });
        let down = [StageChange {
            at: NOW - Duration::days(1),
            from: 3,
            to: 2,
        }];
        assert_eq!(
            advise_now(P2, &r, &down),
            Advice::StepUp { to: 3, not_as_feared: 3 },
            "a step down does not block"
        );
    }

    #[test]
    fn the_top_stage_offers_nothing_higher() {
        let r = vec![
            rec(4, 3, 50, Outcome::Better, false),
            rec(4, 2, 50, Outcome::Better, false),
            rec(4, 1, 50, Outcome::Better, false),
        ];
        assert_eq!(advise_now(Pacing { stage: 4, window: 70 }, &r, &[]), Advice::Top);
    }

    #[test]
    fn the_window_proposal_waits_for_two_marked_floods() {
        assert_eq!(proposed_window(&[rec(2, 1, 80, Outcome::Better, true)]), None);
        let r = vec![
            rec(2, 9, 80, Outcome::Better, true),
            rec(2, 3, 65, Outcome::Worse, true),
            rec(2, 1, 40, Outcome::Better, false),
        ];
        assert_eq!(proposed_window(&r), Some(65));
    }

    fn arb_record() -> impl Strategy<Value = Record> {
        (1u8..=4, 0i64..40, 0u8..=100, 0usize..4, any::<bool>()).prop_map(|(s, d, p, o, f)| rec(s, d, p, Outcome::ALL[o], f))
    }

    proptest! {
        #[test]
        fn never_a_step_up_right_after_a_flood(mut records in proptest::collection::vec(arb_record(), 0..12), stage in 1u8..=4, window in 30u8..=100) {
            let p = Pacing { stage, window };
            let mut last = rec(stage, 0, 95, Outcome::AsFeared, true);
            last.done_at = Some(NOW);
            records.push(last);
            prop_assert!(!advise_now(p, &records, &[]).offers_step_up());
        }

        #[test]
        fn never_two_steps_up_within_a_week(records in proptest::collection::vec(arb_record(), 0..12), stage in 1u8..=4, days in 0i64..7) {
            let p = Pacing { stage, window: 70 };
            let change = [StageChange { at: NOW - Duration::days(days), from: 1, to: 2 }];
            prop_assert!(!advise_now(p, &records, &change).offers_step_up());
        }

        #[test]
        fn a_step_up_is_always_exactly_one_stage_and_never_past_four(records in proptest::collection::vec(arb_record(), 0..15), stage in 1u8..=4) {
            match advise_now(Pacing { stage, window: 70 }, &records, &[]) {
                Advice::StepUp { to, not_as_feared } => prop_assert!(to == stage + 1 && to <= MAX_STAGE && (2..=3).contains(&not_as_feared)),
                Advice::StepDown { to } => prop_assert!(to + 1 == stage && to >= 1),
                _ => {}
            }
        }
    }
}
