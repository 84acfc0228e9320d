//! The words of People, from `content/people.toml`: the kinds of person,
//! the safety checklist, what each sign of safety rests on, drifting,
//! replies and the pattern across relationships. Each sentence with a
//! number names it with a placeholder the code fills from the same number.

use serde::Deserialize;

use super::{Drift, EndedBy, Kind, Nearing, NearingWhy, PatternFound, SafeItem, span_words};
use crate::source::{ContentError, Source, line_of_value, parse_toml};
use crate::words::count_word;

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
    pub pattern_found_few: String,
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
    ("pattern_found_few", &["{counted}", "{typical}", "{shortest}", "{longest}"]),
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
            "pattern_found_few" => &self.pattern_found_few,
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

    /// What the past relationships show, sentence by sentence.
    pub fn pattern_sentences(
        &self,
        found: &PatternFound,
        stage_name: &dyn Fn(u8) -> String,
        urge_name: &dyn Fn(&str) -> String,
    ) -> Vec<String> {
        let p = match found {
            PatternFound::TooFew { counted, needed } => {
                return vec![
                    self.pattern_too_few
                        .replace("{counted}", &count_word(*counted))
                        .replace("{needed}", &count_word(*needed)),
                ];
            }
            PatternFound::Found(p) => p,
        };
        let mut out = Vec::new();
        if p.wide {
            out.push(
                self.pattern_wide
                    .replace("{counted}", &count_word(p.counted))
                    .replace("{shortest}", &span_words(p.shortest_days as f64))
                    .replace("{longest}", &span_words(p.longest_days as f64)),
            );
        } else if p.counted < 4 {
            // Too few for a middle half: the shortest and the longest.
            let (short, long) = super::span_pair(p.shortest_days as f64, p.longest_days as f64);
            out.push(
                self.pattern_found_few
                    .replace("{counted}", &count_word(p.counted))
                    .replace("{typical}", &span_words(p.median_days))
                    .replace("{shortest}", &short)
                    .replace("{longest}", &long),
            );
        } else {
            let (q1, q3) = super::span_pair(p.q1_days, p.q3_days);
            out.push(
                self.pattern_found
                    .replace("{counted}", &count_word(p.counted))
                    .replace("{typical}", &span_words(p.median_days))
                    .replace("{q1}", &q1)
                    .replace("{q3}", &q3),
            );
        }
        if let Some(s) = p.stage {
            out.push(
                self.pattern_stage
                    .replace("{stage}", &s.to_string())
                    .replace("{stage_name}", &stage_name(s)),
            );
        }
        if !p.urges.is_empty() {
            let names: Vec<String> = p
                .urges
                .iter()
                .map(|(k, n)| format!("{} ({})", urge_name(k), super::times(*n)))
                .collect();
            out.push(self.pattern_urges.replace("{urges}", &names.join(", ")));
        }
        out
    }

    /// Today's words for a relationship near the point where others ended.
    pub fn nearing_sentence(&self, n: &Nearing, name: &str) -> String {
        match n.why {
            NearingWhy::Time { days_in, typical } => self
                .nearing_time
                .replace("{name}", name)
                .replace("{days_in}", &days_in.to_string())
                .replace("{typical}", &typical.to_string()),
            NearingWhy::Stage { stage } => self.nearing_stage.replace("{name}", name).replace("{stage}", &stage.to_string()),
        }
    }

    /// When you were last in touch, in words.
    pub fn last_sentence(&self, last: Option<time::Date>, days: i64) -> String {
        match last {
            None => self.never_in_touch.clone(),
            Some(d) => self
                .last_in_touch
                .replace("{date}", &d.to_string())
                .replace("{days}", &days.to_string()),
        }
    }

    /// How far someone has drifted, in words; None when they have not.
    pub fn drift_sentence(&self, drift: Drift, days: i64, ideal: Option<u16>, max: Option<u16>) -> Option<String> {
        match drift {
            Drift::None => None,
            Drift::Ideal => Some(
                self.drift_ideal
                    .replace("{days}", &days.to_string())
                    .replace("{ideal}", &ideal.map_or_else(String::new, |d| format!("{d} days"))),
            ),
            Drift::Max => Some(
                self.drift_max
                    .replace("{days}", &days.to_string())
                    .replace("{max}", &max.map_or_else(String::new, |d| format!("{d} days"))),
            ),
        }
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
