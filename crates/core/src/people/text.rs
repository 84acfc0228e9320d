//! The words of People, from `content/people.toml`: the kinds of person,
//! the safety checklist, what each sign of safety rests on, drifting,
//! replies and the pattern across relationships. Each sentence with a
//! number names it with a placeholder the code fills from the same number.

use serde::Deserialize;

use super::{EndedBy, Kind, SafeItem};
use crate::source::{ContentError, Source, line_of_value, parse_toml};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// One item of the safety checklist.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafeText {
    pub id: String,
    /// The short name ("Keeps what I share private").
    pub name: String,
    /// A gentle question to ask yourself.
    pub question: String,
    /// What it rests on when nothing recorded says either way.
    pub nothing_yet: String,
}

/// One way of meeting the point where you pulled away before.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanStep {
    pub title: String,
    pub text: String,
    /// Where in the app it is: a path of the web app.
    pub href: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeopleText {
    pub intro: String,
    pub kinds: Vec<Named>,
    pub ended_by: Vec<Named>,
    pub safe_intro: String,
    pub safe: Vec<SafeText>,
    pub marked_yes: String,
    pub marked_no: String,
    pub consistent_never_worse: String,
    pub consistent_some_worse: String,
    pub kind_each_time: String,
    pub kind_some: String,
    pub repairs_fact: String,
    pub never_in_touch: String,
    pub last_in_touch: String,
    pub drift_ideal: String,
    pub drift_max: String,
    pub owed: String,
    pub replies_intro: String,
    pub pattern_intro: String,
    pub pattern_too_few: String,
    pub pattern_found: String,
    pub pattern_wide: String,
    pub pattern_stage: String,
    pub pattern_urges: String,
    pub nearing_time: String,
    pub nearing_stage: String,
    pub nearing_kind: String,
    pub nearing_plan: Vec<PlanStep>,
    pub delete_intro: String,
}

/// Each template and the placeholders it must carry.
const PLACEHOLDERS: &[(&str, &[&str])] = &[
    ("marked_yes", &["{date}"]),
    ("marked_no", &["{date}"]),
    ("consistent_never_worse", &["{experiments}", "{weeks}"]),
    ("consistent_some_worse", &["{experiments}", "{weeks}", "{worse}"]),
    ("kind_each_time", &["{times}"]),
    ("kind_some", &["{times}", "{better}"]),
    ("repairs_fact", &["{times}", "{back}"]),
    ("last_in_touch", &["{date}", "{days}"]),
    ("drift_ideal", &["{days}", "{ideal}"]),
    ("drift_max", &["{days}", "{max}"]),
    ("owed", &["{name}", "{waiting}"]),
    ("pattern_too_few", &["{counted}", "{needed}"]),
    ("pattern_found", &["{counted}", "{typical}", "{q1}", "{q3}"]),
    ("pattern_wide", &["{counted}", "{shortest}", "{longest}"]),
    ("pattern_stage", &["{stage}", "{stage_name}"]),
    ("pattern_urges", &["{urges}"]),
    ("nearing_time", &["{name}", "{days_in}", "{typical}"]),
    ("nearing_stage", &["{name}", "{stage}"]),
];

impl PeopleText {
    pub fn load(src: Source) -> Result<PeopleText, ContentError> {
        let t: PeopleText = parse_toml(src.path, src.text)?;
        t.validate(src)?;
        Ok(t)
    }

    fn template(&self, name: &str) -> &str {
        match name {
            "marked_yes" => &self.marked_yes,
            "marked_no" => &self.marked_no,
            "consistent_never_worse" => &self.consistent_never_worse,
            "consistent_some_worse" => &self.consistent_some_worse,
            "kind_each_time" => &self.kind_each_time,
            "kind_some" => &self.kind_some,
            "repairs_fact" => &self.repairs_fact,
            "last_in_touch" => &self.last_in_touch,
            "drift_ideal" => &self.drift_ideal,
            "drift_max" => &self.drift_max,
            "owed" => &self.owed,
            "pattern_too_few" => &self.pattern_too_few,
            "pattern_found" => &self.pattern_found,
            "pattern_wide" => &self.pattern_wide,
            "pattern_stage" => &self.pattern_stage,
            "pattern_urges" => &self.pattern_urges,
            "nearing_time" => &self.nearing_time,
            "nearing_stage" => &self.nearing_stage,
            _ => "",
        }
    }

    fn validate(&self, src: Source) -> Result<(), ContentError> {
        let at = |key: &str, value: &str| line_of_value(src.text, key, value);
        let kinds: Vec<&str> = self.kinds.iter().map(|k| k.id.as_str()).collect();
        let want: Vec<&str> = Kind::ALL.iter().map(|k| k.id()).collect();
        if kinds != want {
            return Err(ContentError::new(
                src.path,
                None,
                format!("the kinds must be, in order: {}; found: {}", want.join(", "), kinds.join(", ")),
            ));
        }
        let ended: Vec<&str> = self.ended_by.iter().map(|k| k.id.as_str()).collect();
        let want: Vec<&str> = EndedBy::ALL.iter().map(|k| k.id()).collect();
        if ended != want {
            return Err(ContentError::new(
                src.path,
                None,
                format!("ended_by must be, in order: {}; found: {}", want.join(", "), ended.join(", ")),
            ));
        }
        let safe: Vec<&str> = self.safe.iter().map(|k| k.id.as_str()).collect();
        let want: Vec<&str> = SafeItem::ALL.iter().map(|k| k.id()).collect();
        if safe != want {
            return Err(ContentError::new(
                src.path,
                None,
                format!(
                    "the safety items must be, in order: {}; found: {}",
                    want.join(", "),
                    safe.join(", ")
                ),
            ));
        }
        for s in &self.safe {
            if [&s.name, &s.question, &s.nothing_yet].iter().any(|t| t.trim().is_empty()) {
                return Err(ContentError::new(
                    src.path,
                    at("id", &s.id),
                    format!("the safety item \"{}\" needs a name, a question and nothing_yet", s.id),
                ));
            }
        }
        for (name, needs) in PLACEHOLDERS {
            let t = self.template(name);
            for p in *needs {
                if !t.contains(p) {
                    return Err(ContentError::new(
                        src.path,
                        None,
                        format!("{name} must say {p}, which the app fills in"),
                    ));
                }
            }
        }
        if self.nearing_plan.len() != 3 {
            return Err(ContentError::new(
                src.path,
                None,
                format!(
                    "nearing_plan has {} steps; it needs three: name it, a pause, a smaller step",
                    self.nearing_plan.len()
                ),
            ));
        }
        for p in &self.nearing_plan {
            if !p.href.starts_with('/') {
                return Err(ContentError::new(
                    src.path,
                    at("href", &p.href),
                    format!("the plan step \"{}\" needs an href inside the app, starting with /", p.title),
                ));
            }
        }
        Ok(())
    }

    pub fn kind_name(&self, k: Kind) -> &str {
        self.kinds.iter().find(|n| n.id == k.id()).map_or(k.id(), |n| n.name.as_str())
    }

    pub fn ended_by_name(&self, e: EndedBy) -> &str {
        self.ended_by.iter().find(|n| n.id == e.id()).map_or(e.id(), |n| n.name.as_str())
    }

    /// An item's words (every item has them once the file is checked).
    pub fn safe_item(&self, i: SafeItem) -> Option<&SafeText> {
        self.safe.iter().find(|s| s.id == i.id())
    }
}
