//! Programs: sequences of practice days (the 7-day connection challenge, a
//! four-week ladder). Each day's experiment is chosen by rule: at most the
//! day's stage and never above the person's current stage, preferring the
//! day's capacity; the same run and day always give the same experiment.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::content::{Experiment, Program, ProgramDay};
use crate::assess::RegionId;

/// One check-off in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramEntry {
    pub day: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub done_at: OffsetDateTime,
    pub reflection: Option<String>,
}

/// A person's run through a program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramRun {
    pub id: Uuid,
    pub program: String,
    pub started_on: Date,
    pub entries: Vec<ProgramEntry>,
    /// The day the person stopped it early, if they did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_on: Option<Date>,
}

impl ProgramRun {
    /// The day number today (1 on the day it started).
    pub fn day_number(&self, today: Date) -> u32 {
        u32::try_from((today - self.started_on).whole_days() + 1).unwrap_or(0)
    }

    pub fn done(&self, day: u32) -> bool {
        self.entries.iter().any(|e| e.day == day)
    }

    /// Finished when every practice day is checked off, the last has
    /// passed, or the person stopped it.
    pub fn finished(&self, program: &Program, today: Date) -> bool {
        self.stopped_on.is_some() || program.days.iter().all(|d| self.done(d.day)) || self.day_number(today) > program.length()
    }

    /// What saving `next` over this run does to each reflection this run
    /// holds: the name the words are kept under as an earlier version
    /// ("day 3 reflection"), the words held now, and the words `next` has
    /// for that day (none when `next` clears it or lacks the day). The one
    /// rule every engine and import follows, so no reflection is replaced
    /// without its words being kept.
    pub fn reflections_replaced_by<'a>(
        &'a self,
        next: &'a ProgramRun,
    ) -> impl Iterator<Item = (String, Option<&'a str>, Option<&'a str>)> + 'a {
        self.entries.iter().map(move |was| {
            let now = next.entries.iter().find(|e| e.day == was.day).and_then(|e| e.reflection.as_deref());
            (format!("day {} reflection", was.day), was.reflection.as_deref(), now)
        })
    }

    /// Set (or, with blank text, clear) a checked-off day's reflection.
    /// False if that day is not checked off.
    pub fn set_reflection(&mut self, day: u32, reflection: Option<String>) -> bool {
        match self.entries.iter_mut().find(|e| e.day == day) {
            Some(e) => {
                e.reflection = reflection;
                true
            }
            None => false,
        }
    }
}

impl ProgramDay {
    /// The prompt variant for the person's leaning, or the general prompt.
    pub fn prompt_for(&self, leaning: Option<RegionId>) -> &str {
        match leaning {
            Some(RegionId::Ghost) => &self.ghost,
            Some(RegionId::Firefighter) => &self.firefighter,
            Some(RegionId::Architect) => &self.architect,
            Some(RegionId::Secure) => &self.secure,
            None => &self.prompt,
        }
    }
}

/// The program day for today, or the next practice day still to come.
pub fn program_day<'a>(program: &'a Program, run: &ProgramRun, today: Date) -> Option<&'a ProgramDay> {
    let n = run.day_number(today);
    program.days.iter().find(|d| d.day >= n)
}

/// The experiment for a program day, by rule.
pub fn program_experiment<'a>(day: &ProgramDay, library: &'a [Experiment], current_stage: u8, run: Uuid) -> Option<&'a Experiment> {
    let cap = if day.max_stage == 0 {
        current_stage
    } else {
        day.max_stage.min(current_stage)
    }
    .max(1);
    // The highest stage allowed that has experiments, then the day's capacity.
    let stage = (1..=cap).rev().find(|s| library.iter().any(|e| e.stage == *s))?;
    let at: Vec<&Experiment> = library.iter().filter(|e| e.stage == stage).collect();
    let preferred: Vec<&Experiment> = match &day.capacity {
        Some(c) => at.iter().copied().filter(|e| e.capacities.contains(c)).collect(),
        None => Vec::new(),
    };
    let pool = if preferred.is_empty() { at } else { preferred };
    let seed = run.as_u128().wrapping_add(u128::from(day.day)) as usize;
    pool.get(seed % pool.len().max(1)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;
    use time::macros::date;

    #[test]
    fn the_challenge_has_seven_days_and_never_chooses_above_the_current_stage() {
        let c = Catalog::embedded();
        let p = c.program("connection-7").expect("challenge");
        assert_eq!(p.days.len(), 7);
        assert_eq!(p.length(), 7);
        let run = Uuid::now_v7();
        for day in &p.days {
            for stage in 1..=4 {
                let e = program_experiment(day, c.experiments(), stage, run).expect("one");
                assert!(e.stage <= stage);
                if let Some(cap) = &day.capacity {
                    assert!(e.capacities.contains(cap), "prefers the day's capacity");
                }
                assert_eq!(
                    program_experiment(day, c.experiments(), stage, run).map(|e| &e.id),
                    Some(&e.id),
                    "stable"
                );
            }
        }
    }

    #[test]
    fn saving_a_run_again_names_every_reflection_it_would_replace() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let entry = |day, words: Option<&str>| ProgramEntry {
            day,
            done_at: at,
            reflection: words.map(String::from),
        };
        let old = ProgramRun {
            id: Uuid::now_v7(),
            program: "connection-7".into(),
            started_on: date!(2026 - 11 - 01),
            entries: vec![entry(1, Some("I stayed")), entry(2, Some("I called her")), entry(3, None)],
            stopped_on: None,
        };
        let mut next = old.clone();
        next.set_reflection(1, Some("I stayed, and it was all right".into()));
        next.entries.retain(|e| e.day != 2);
        let seen: Vec<_> = old.reflections_replaced_by(&next).collect();
        assert_eq!(
            seen,
            vec![
                (
                    "day 1 reflection".to_string(),
                    Some("I stayed"),
                    Some("I stayed, and it was all right")
                ),
                ("day 2 reflection".to_string(), Some("I called her"), None),
                ("day 3 reflection".to_string(), None, None),
            ]
        );
    }

    #[test]
    fn the_ladder_caps_each_week_and_waits_for_the_person() {
        let c = Catalog::embedded();
        let p = c.program("ladder-4w").expect("ladder");
        let last = p.days.last().expect("days");
        assert_eq!(last.max_stage, 4);
        let e = program_experiment(last, c.experiments(), 2, Uuid::now_v7()).expect("one");
        assert_eq!(e.stage, 2, "week four never pushes a stage-2 person to stage 4");
    }

    #[test]
    fn days_follow_the_calendar_and_variants_follow_the_leaning() {
        let c = Catalog::embedded();
        let p = c.program("ladder-4w").expect("ladder");
        let run = ProgramRun {
            stopped_on: None,
            id: Uuid::now_v7(),
            program: p.id.clone(),
            started_on: date!(2026 - 11 - 01),
            entries: vec![],
        };
        assert_eq!(run.day_number(date!(2026 - 11 - 02)), 2);
        assert_eq!(
            program_day(p, &run, date!(2026 - 11 - 02)).map(|d| d.day),
            Some(3),
            "the next practice day"
        );
        assert!(!run.finished(p, date!(2026 - 11 - 20)));
        assert!(run.finished(p, date!(2026 - 12 - 30)));
        let d = &p.days[0];
        assert_eq!(d.prompt_for(Some(RegionId::Ghost)), d.ghost);
        assert_eq!(d.prompt_for(None), d.prompt);
    }
}
