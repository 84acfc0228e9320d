//! The practice content: the experiment library, programs, and the words of
//! the practice pages (`content/practice.toml`).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::assess::{CAPACITY_IDS, STRATEGY_IDS};
use crate::source::{ContentError, Source, is_valid_id, line_of_value, parse_each, parse_toml};

pub const CONTEXTS: &[&str] = &["partner", "friend", "family", "colleague", "acquaintance"];
pub const CHANNELS: &[&str] = &["in-person", "message", "call"];
/// Without a quiz profile, capacities are built in this order: catching the
/// reflex comes first, because everything else starts with noticing.
pub const CAPACITY_DEFAULT_ORDER: &[&str] = &["catch-reflex", "stay-soft", "ask-space", "be-known", "tell-alarms"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    pub id: String,
    pub title: String,
    pub instructions: String,
    pub stage: u8,
    pub capacities: Vec<String>,
    pub strategies: Vec<String>,
    pub contexts: Vec<String>,
    pub channels: Vec<String>,
    pub minutes: u32,
    pub safety_behaviour: String,
    pub smaller: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExperimentFile {
    pub experiments: Vec<Experiment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramDay {
    pub day: u32,
    pub title: String,
    pub prompt: String,
    pub reflection: String,
    /// 0: at most the person's current stage; 1-4: at most that (and never above current).
    pub max_stage: u8,
    #[serde(default)]
    pub capacity: Option<String>,
    pub ghost: String,
    pub firefighter: String,
    pub architect: String,
    pub secure: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    pub id: String,
    pub title: String,
    pub about: String,
    pub summary: String,
    pub days: Vec<ProgramDay>,
}

impl Program {
    /// The length in days (the last day's number).
    pub fn length(&self) -> u32 {
        self.days.last().map(|d| d.day).unwrap_or(0)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageText {
    pub stage: u8,
    pub name: String,
    pub description: String,
    /// One example, rated in the calibration.
    pub example: String,
}

/// The words of the practice pages, with `{placeholders}` filled in by code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PracticeText {
    pub stages: Vec<StageText>,
    pub outcomes: Vec<OutcomeText>,
    pub why_capacity: String,
    pub why_strategy: String,
    pub why_stage: String,
    pub why_smaller: String,
    pub advice_step_up: String,
    pub advice_not_yet: String,
    pub advice_recent_step: String,
    pub advice_flood: String,
    pub advice_step_down: String,
    pub advice_top: String,
    pub advice_start: String,
    pub belief_down: String,
    pub belief_up: String,
    pub belief_same: String,
    pub window_proposal: String,
    pub scales: Scales,
}

/// The words at 0, 50 and 100 of each 0-100 scale.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scales {
    pub distress: [String; 3],
    pub belief: [String; 3],
    pub want: [String; 3],
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeText {
    pub id: String,
    pub name: String,
}

impl PracticeText {
    /// How belief in the prediction moved, in words chosen by the numbers.
    pub fn belief_change_sentence(&self, before: u8, after: u8) -> String {
        let words = match after.cmp(&before) {
            std::cmp::Ordering::Less => &self.belief_down,
            std::cmp::Ordering::Greater => &self.belief_up,
            std::cmp::Ordering::Equal => &self.belief_same,
        };
        words
            .replace("{before}", &before.to_string())
            .replace("{after}", &after.to_string())
    }

    /// The one sentence that says why a suggestion was chosen.
    pub fn why_sentence(&self, why: &super::Why, names: &crate::assess::ProfileText) -> String {
        match why {
            super::Why::Capacity { capacity } => {
                let name = names
                    .capacity(capacity)
                    .map(|c| c.name.to_lowercase())
                    .unwrap_or_else(|| capacity.clone());
                self.why_capacity.replace("{capacity}", &name)
            }
            super::Why::Strategy { strategy } => {
                let name = names
                    .strategy(strategy)
                    .map(|c| c.name.to_lowercase())
                    .unwrap_or_else(|| strategy.clone());
                self.why_strategy.replace("{strategy}", &name)
            }
            super::Why::Stage { stage } => self.why_stage.replace("{stage}", &stage.to_string()),
            super::Why::Smaller => self.why_smaller.clone(),
        }
    }

    /// The engine's advice in words.
    pub fn advice_sentence(&self, advice: &super::Advice) -> String {
        match advice {
            super::Advice::StepUp { to, not_as_feared } => self
                .advice_step_up
                .replace("{to}", &to.to_string())
                .replace("{not_as_feared}", &crate::words::count_word(*not_as_feared)),
            super::Advice::NotYet { done, needed } => self
                .advice_not_yet
                .replace("{done}", &done.to_string())
                .replace("{needed}", &needed.to_string()),
            super::Advice::RecentStep { days_ago } => self.advice_recent_step.replace("{days}", &days_ago.to_string()),
            super::Advice::Flood => self.advice_flood.clone(),
            super::Advice::StepDown { to } => self.advice_step_down.replace("{to}", &to.to_string()),
            super::Advice::Top => self.advice_top.clone(),
        }
    }

    pub fn stage(&self, n: u8) -> Option<&StageText> {
        self.stages.iter().find(|s| s.stage == n)
    }
    pub fn outcome(&self, id: &str) -> Option<&OutcomeText> {
        self.outcomes.iter().find(|o| o.id == id)
    }

    pub(crate) fn validate(&self, path: &str) -> Result<(), ContentError> {
        let stages: Vec<u8> = self.stages.iter().map(|s| s.stage).collect();
        if stages != [1, 2, 3, 4] {
            return Err(ContentError::new(path, None, "[[stages]] must be stages 1, 2, 3 and 4, in order"));
        }
        for (name, words) in [
            ("belief_down", &self.belief_down),
            ("belief_up", &self.belief_up),
            ("belief_same", &self.belief_same),
        ] {
            if !words.contains("{after}") {
                return Err(ContentError::new(path, None, format!("{name} must say the belief now, {{after}}")));
            }
        }
        let outcomes: HashSet<&str> = self.outcomes.iter().map(|o| o.id.as_str()).collect();
        for o in super::Outcome::ALL {
            if !outcomes.contains(o.id()) {
                return Err(ContentError::new(path, None, format!("[[outcomes]] needs \"{}\"", o.id())));
            }
        }
        Ok(())
    }
}

fn check_list(path: &str, text: &str, id: &str, field: &str, values: &[String], allowed: &[&str]) -> Result<(), ContentError> {
    if values.is_empty() {
        return Err(ContentError::new(
            path,
            line_of_value(text, "id", id),
            format!("experiment \"{id}\" needs at least one of {field}"),
        ));
    }
    for v in values {
        if !allowed.contains(&v.as_str()) {
            return Err(ContentError::new(
                path,
                line_of_value(text, "id", id),
                format!("experiment \"{id}\": {field} \"{v}\" is not one of {}", allowed.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Parse and check the experiment library, one file a stage under
/// `content/experiments/`, stage 1 first.
pub fn load_experiments(files: &[Source]) -> Result<Vec<Experiment>, ContentError> {
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    for src in files {
        all.extend(parse_experiments(src.path, src.text, &mut seen)?);
    }
    all.sort_by_key(|e: &Experiment| e.stage);
    Ok(all)
}

/// Parse and check the programs under `content/programs/`.
pub fn load_programs(files: &[Source]) -> Result<Vec<Program>, ContentError> {
    parse_each(files, parse_program, |p| &p.id, "program")
}

impl PracticeText {
    pub fn load(src: Source) -> Result<PracticeText, ContentError> {
        let p: PracticeText = parse_toml(src.path, src.text)?;
        p.validate(src.path)?;
        Ok(p)
    }
}

fn parse_experiments(path: &str, text: &str, seen: &mut HashSet<String>) -> Result<Vec<Experiment>, ContentError> {
    let file: ExperimentFile = parse_toml(path, text)?;
    for e in &file.experiments {
        // The line is looked up only for an error.
        let line = || line_of_value(text, "id", &e.id);
        if !is_valid_id(&e.id) || !seen.insert(e.id.clone()) {
            return Err(ContentError::new(
                path,
                line(),
                format!("experiment id \"{}\" is not a valid id or is used twice", e.id),
            ));
        }
        if super::Stage::new(e.stage).is_none() {
            return Err(ContentError::new(
                path,
                line(),
                format!("experiment \"{}\": stage must be {}", e.id, super::Stage::range()),
            ));
        }
        if !(1..=120).contains(&e.minutes) {
            return Err(ContentError::new(
                path,
                line(),
                format!("experiment \"{}\": minutes must be 1 to 120", e.id),
            ));
        }
        for (field, value) in [
            ("title", &e.title),
            ("instructions", &e.instructions),
            ("safety_behaviour", &e.safety_behaviour),
            ("smaller", &e.smaller),
        ] {
            if value.trim().is_empty() {
                return Err(ContentError::new(
                    path,
                    line(),
                    format!("experiment \"{}\" has an empty {field}", e.id),
                ));
            }
        }
        check_list(path, text, &e.id, "capacities", &e.capacities, CAPACITY_IDS)?;
        check_list(path, text, &e.id, "strategies", &e.strategies, STRATEGY_IDS)?;
        check_list(path, text, &e.id, "contexts", &e.contexts, CONTEXTS)?;
        check_list(path, text, &e.id, "channels", &e.channels, CHANNELS)?;
    }
    Ok(file.experiments)
}

fn parse_program(path: &str, text: &str) -> Result<Program, ContentError> {
    let p: Program = parse_toml(path, text)?;
    if !is_valid_id(&p.id) {
        return Err(ContentError::new(
            path,
            line_of_value(text, "id", &p.id),
            "the program id should be lower-case letters, digits and hyphens",
        ));
    }
    if p.days.is_empty() {
        return Err(ContentError::new(path, None, "a program needs at least one [[days]] entry"));
    }
    let mut last = 0;
    for d in &p.days {
        // The line is looked up only for an error.
        let line = || text.lines().position(|l| l.trim() == format!("day = {}", d.day)).map(|i| i + 1);
        if d.day <= last {
            return Err(ContentError::new(
                path,
                line(),
                format!("day {} comes after day {last}: days must increase", d.day),
            ));
        }
        last = d.day;
        if d.max_stage > super::MAX_STAGE {
            return Err(ContentError::new(
                path,
                line(),
                format!("day {}: max_stage is 0 (current stage) or 1 to 4", d.day),
            ));
        }
        if let Some(c) = &d.capacity
            && !CAPACITY_IDS.contains(&c.as_str())
        {
            return Err(ContentError::new(
                path,
                line(),
                format!("day {}: capacity \"{c}\" is not one of {}", d.day, CAPACITY_IDS.join(", ")),
            ));
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;

    #[test]
    fn the_library_covers_every_stage_capacity_strategy_context_and_channel() {
        let c = Catalog::embedded();
        let lib = &c.experiments();
        assert!(lib.len() >= 60, "at least 60 experiments, found {}", lib.len());
        for s in 1..=4 {
            assert!(lib.iter().filter(|e| e.stage == s).count() >= 10, "at least 10 at stage {s}");
        }
        let covered = |f: fn(&Experiment) -> &Vec<String>, all: &[&str]| {
            for v in all {
                assert!(lib.iter().any(|e| f(e).iter().any(|x| x == v)), "some experiment covers {v}");
            }
        };
        covered(|e| &e.capacities, CAPACITY_IDS);
        covered(|e| &e.strategies, STRATEGY_IDS);
        covered(|e| &e.contexts, CONTEXTS);
        covered(|e| &e.channels, CHANNELS);
    }

    #[test]
    fn every_reason_and_advice_reads_as_a_sentence_without_placeholders() {
        use super::super::{Advice, Why};
        let c = Catalog::embedded();
        let whys = [
            Why::Capacity {
                capacity: "be-known".into(),
            },
            Why::Strategy {
                strategy: "control".into(),
            },
            Why::Stage { stage: 2 },
            Why::Smaller,
        ];
        for w in &whys {
            let s = c.practice().why_sentence(w, c.profile());
            assert!(!s.contains('{') && s.ends_with('.'), "{s}");
        }
        assert!(
            c.practice()
                .why_sentence(&whys[0], c.profile())
                .contains("letting yourself be known")
        );
        let advice = [
            Advice::StepUp { to: 3, not_as_feared: 2 },
            Advice::NotYet { done: 1, needed: 3 },
            Advice::RecentStep { days_ago: 2 },
            Advice::Flood,
            Advice::StepDown { to: 1 },
            Advice::Top,
        ];
        for a in &advice {
            let s = c.practice().advice_sentence(a);
            assert!(!s.contains('{') && s.ends_with('.'), "{s}");
        }
        assert!(c.practice().window_proposal.contains("{window}"));
    }

    #[test]
    fn the_step_up_sentence_counts_what_the_rule_counted() {
        let c = crate::Catalog::embedded();
        let two = c
            .practice()
            .advice_sentence(&crate::practice::Advice::StepUp { to: 3, not_as_feared: 2 });
        assert!(two.contains("in two of them") && two.contains("Stage 3"), "{two}");
        let three = c
            .practice()
            .advice_sentence(&crate::practice::Advice::StepUp { to: 2, not_as_feared: 3 });
        assert!(three.contains("in three of them") && three.contains("Stage 2"), "{three}");
    }

    #[test]
    fn the_belief_sentence_says_the_way_the_numbers_moved() {
        let c = crate::Catalog::embedded();
        let down = c.practice().belief_change_sentence(70, 30);
        assert!(down.contains("30%") && down.contains("down from 70%"), "{down}");
        let up = c.practice().belief_change_sentence(70, 100);
        assert!(up.contains("100%") && up.contains("up from 70%") && !up.contains("down"), "{up}");
        let same = c.practice().belief_change_sentence(50, 50);
        assert!(
            same.contains("50%") && !same.contains("down") && !same.contains("up from"),
            "{same}"
        );
    }

    #[test]
    fn a_bad_reference_in_an_experiment_is_named() {
        let text = "[[experiments]]\nid = \"x1\"\ntitle = \"T\"\ninstructions = \"I\"\nstage = 1\ncapacities = [\"flying\"]\nstrategies = [\"control\"]\ncontexts = [\"friend\"]\nchannels = [\"call\"]\nminutes = 5\nsafety_behaviour = \"s\"\nsmaller = \"s\"\n";
        let err = parse_experiments("experiments/x.toml", text, &mut HashSet::new()).expect_err("refused");
        assert!(err.reason.contains("capacities \"flying\""), "{err}");
        assert_eq!(err.line, Some(2));
        let err =
            parse_experiments("experiments/x.toml", &text.replace("stage = 1", "stage = 5"), &mut HashSet::new()).expect_err("refused");
        assert!(err.reason.contains("stage must be 1 to 4"));
    }

    #[test]
    fn program_days_must_increase_and_name_real_capacities() {
        let base = "id = \"p\"\ntitle = \"P\"\nabout = \"a\"\nsummary = \"s\"\n";
        let day = |n: u32, cap: &str| {
            format!(
                "[[days]]\nday = {n}\ntitle = \"t\"\nprompt = \"p\"\nreflection = \"r\"\nmax_stage = 0\ncapacity = \"{cap}\"\nghost = \"g\"\nfirefighter = \"f\"\narchitect = \"a\"\nsecure = \"s\"\n"
            )
        };
        let err = parse_program("programs/p.toml", &format!("{base}{}{}", day(2, "be-known"), day(1, "be-known"))).expect_err("refused");
        assert!(err.reason.contains("days must increase"), "{err}");
        let err = parse_program("programs/p.toml", &format!("{base}{}", day(1, "juggling"))).expect_err("refused");
        assert!(err.reason.contains("\"juggling\""), "{err}");
    }
}
