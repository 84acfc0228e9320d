//! The evidence ledger: how often the feared prediction came true, overall
//! and per stage; belief before and after over time; the person's own lines
//! of what they learned. The page that shows the old equation changing.

use serde::Serialize;
use time::{Date, UtcOffset};

use super::{Outcome, Record};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StageTally {
    pub stage: u8,
    pub done: u32,
    pub as_feared: u32,
    pub better: u32,
    pub mixed: u32,
    pub worse: u32,
}

impl StageTally {
    /// The sum over several stages.
    pub fn total(stages: &[StageTally]) -> StageTally {
        stages.iter().fold(StageTally::default(), |mut t, s| {
            t.done += s.done;
            t.as_feared += s.as_feared;
            t.better += s.better;
            t.mixed += s.mixed;
            t.worse += s.worse;
            t
        })
    }

    /// Times the feared outcome did not happen as feared.
    pub fn not_as_feared(&self) -> u32 {
        self.better + self.mixed
    }
    fn add(&mut self, o: Outcome) {
        self.done += 1;
        match o {
            Outcome::AsFeared => self.as_feared += 1,
            Outcome::Better => self.better += 1,
            Outcome::Mixed => self.mixed += 1,
            Outcome::Worse => self.worse += 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BeliefPoint {
    pub day: Date,
    pub before: u8,
    pub after: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ledger {
    pub overall: StageTally,
    pub stages: Vec<StageTally>,
    /// Oldest first.
    pub belief: Vec<BeliefPoint>,
    pub mean_before: Option<f64>,
    pub mean_after: Option<f64>,
    /// (day, line), newest first.
    pub learned: Vec<(Date, String)>,
}

pub fn ledger(records: &[Record], offset: UtcOffset) -> Ledger {
    let mut done: Vec<&Record> = records.iter().filter(|r| r.result.is_some()).collect();
    done.sort_by_key(|r| (r.day(offset), r.created_at));
    let mut overall = StageTally::default();
    let mut stages: Vec<StageTally> = super::Stage::all()
        .map(|s| StageTally {
            stage: s.get(),
            ..Default::default()
        })
        .collect();
    let mut belief = Vec::with_capacity(done.len());
    let mut learned = Vec::new();
    for r in &done {
        let Some(res) = &r.result else { continue };
        overall.add(res.outcome);
        if let Some(t) = stages.get_mut(usize::from(r.plan.stage.max(1) - 1)) {
            t.add(res.outcome);
        }
        belief.push(BeliefPoint {
            day: r.day(offset),
            before: r.plan.belief_before,
            after: res.belief_after,
        });
        if let Some(l) = &res.learned {
            learned.push((r.day(offset), l.clone()));
        }
    }
    learned.reverse();
    let mean =
        |f: fn(&BeliefPoint) -> u8| (!belief.is_empty()).then(|| belief.iter().map(|b| f64::from(f(b))).sum::<f64>() / belief.len() as f64);
    Ledger {
        overall,
        stages,
        mean_before: mean(|b| b.before),
        mean_after: mean(|b| b.after),
        belief,
        learned,
    }
}

#[cfg(test)]
mod tests {
    use super::super::pacing::tests::rec;
    use super::*;

    #[test]
    fn the_ledger_counts_predictions_overall_and_per_stage() {
        let mut a = rec(1, 5, 40, Outcome::Better, false);
        if let Some(r) = a.result.as_mut() {
            r.learned = Some("They were glad I asked.".into());
        }
        let rs = vec![
            a,
            rec(1, 4, 40, Outcome::AsFeared, false),
            rec(2, 2, 60, Outcome::Mixed, false),
            rec(2, 1, 80, Outcome::Worse, true),
        ];
        let l = ledger(&rs, UtcOffset::UTC);
        assert_eq!(
            (l.overall.done, l.overall.as_feared, l.overall.not_as_feared(), l.overall.worse),
            (4, 1, 2, 1)
        );
        assert_eq!(l.stages[0].done, 2);
        assert_eq!(l.stages[1].not_as_feared(), 1);
        assert_eq!(l.belief.len(), 4);
        assert_eq!(l.mean_before, Some(70.0));
        assert_eq!(l.mean_after, Some(40.0));
        assert_eq!(l.learned.len(), 1);
        let empty = ledger(&[], UtcOffset::UTC);
        assert_eq!(empty.mean_before, None);
    }
}
