//! In the moment: the guided protocols (the five-minute pause, the short
//! version, grounding, a parts check-in), the scripts, and the words for
//! after something goes badly. All of it is data from `content/`.

use serde::Deserialize;

use crate::source::{ContentError, Source, parse_each, parse_toml};

/// The protocols every catalog has, by id, in menu order.
pub const PROTOCOLS: &[&str] = &["pause", "short", "grounding", "parts"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    pub id: String,
    pub order: u32,
    pub title: String,
    pub menu: String,
    pub intro: String,
    pub done: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    Timer,
    Breath,
    Questions,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub title: String,
    pub seconds: u32,
    pub kind: StepKind,
    pub prompt: String,
    #[serde(default)]
    pub questions: Vec<String>,
    #[serde(default)]
    pub breaths: u32,
    #[serde(default)]
    pub inhale: u32,
    #[serde(default)]
    pub exhale: u32,
}

/// Breathing paces the person can choose, as (inhale, exhale) seconds.
pub const PACES: &[(&str, u32, u32)] = &[("quicker", 3, 4), ("steady", 4, 6), ("slower", 5, 7)];

impl Step {
    /// How long this step runs at a breathing pace (or its own length).
    pub fn seconds_at(&self, pace: Option<(u32, u32)>) -> u32 {
        match (self.kind, pace) {
            (StepKind::Breath, Some((i, e))) => self.breaths * (i + e),
            _ => self.seconds,
        }
    }
}

/// Parse and check the guided protocols, one file each under
/// `content/protocols/`, in menu order; every protocol the app offers must be
/// there.
pub fn load_protocols(files: &[Source]) -> Result<Vec<Protocol>, ContentError> {
    let mut protocols = parse_each(files, Protocol::parse, |p| &p.id, "protocol")?;
    protocols.sort_by_key(|p| p.order);
    for id in PROTOCOLS {
        if !protocols.iter().any(|p| p.id == *id) {
            return Err(ContentError::new(
                &format!("protocols/{id}.toml"),
                None,
                "this protocol file is missing",
            ));
        }
    }
    Ok(protocols)
}

impl Protocol {
    pub fn parse(path: &str, text: &str) -> Result<Protocol, ContentError> {
        let p: Protocol = parse_toml(path, text)?;
        p.validate(path)?;
        Ok(p)
    }

    fn validate(&self, path: &str) -> Result<(), ContentError> {
        let err = |why: String| Err(ContentError::new(path, None, why));
        if !PROTOCOLS.contains(&self.id.as_str()) {
            return err(format!("protocol id \"{}\" is not one of {}", self.id, PROTOCOLS.join(", ")));
        }
        if self.steps.is_empty() {
            return err("a protocol needs at least one step".into());
        }
        let mut seen = std::collections::HashSet::new();
        for s in &self.steps {
            if !seen.insert(s.id.as_str()) {
                return err(format!("step id \"{}\" is used twice", s.id));
            }
            if !(5..=300).contains(&s.seconds) {
                return err(format!("step \"{}\" lasts {} seconds; a step lasts 5 to 300", s.id, s.seconds));
            }
            if s.prompt.trim().is_empty() || s.title.trim().is_empty() {
                return err(format!("step \"{}\" needs a title and a prompt", s.id));
            }
            match s.kind {
                StepKind::Questions if s.questions.is_empty() || s.questions.len() > 4 => {
                    return err(format!("step \"{}\" asks questions, so it needs 1 to 4 of them", s.id));
                }
                StepKind::Breath if s.breaths == 0 || s.inhale == 0 || s.exhale == 0 => {
                    return err(format!("breathing step \"{}\" needs breaths, inhale and exhale", s.id));
                }
                StepKind::Breath if s.breaths * (s.inhale + s.exhale) != s.seconds => {
                    return err(format!(
                        "breathing step \"{}\": {} breaths of {}+{} seconds is {} seconds, but seconds = {}",
                        s.id,
                        s.breaths,
                        s.inhale,
                        s.exhale,
                        s.breaths * (s.inhale + s.exhale),
                        s.seconds
                    ));
                }
                StepKind::Timer | StepKind::Breath if !s.questions.is_empty() => {
                    return err(format!("step \"{}\" has questions, so its kind should be \"questions\"", s.id));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The whole protocol's length in seconds, at a breathing pace.
    pub fn total_seconds(&self, pace: Option<(u32, u32)>) -> u32 {
        self.steps.iter().map(|s| s.seconds_at(pace)).sum()
    }

    pub fn step(&self, id: &str) -> Option<(usize, &Step)> {
        self.steps.iter().enumerate().find(|(_, s)| s.id == id)
    }
}

/// The chooser and the shared words of the in-the-moment pages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseText {
    pub title: String,
    pub intro: String,
    pub scripts_choice: String,
    pub scripts_menu: String,
    pub after_choice: String,
    pub after_menu: String,
    pub letter_choice: String,
    pub letter_menu: String,
    /// The line that leads to Get help now under the choices.
    pub help_note: String,
    pub stop: String,
    pub stopped: String,
    pub log_offer: String,
    pub next: String,
    pub begin: String,
    pub pace_label: String,
    pub pace_help: String,
}

impl PauseText {
    pub fn load(src: Source) -> Result<PauseText, ContentError> {
        parse_toml(src.path, src.text)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptGroup {
    pub id: String,
    pub order: u32,
    pub title: String,
    pub intro: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    pub id: String,
    pub group: String,
    pub text: String,
    pub when: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scripts {
    pub groups: Vec<ScriptGroup>,
    pub scripts: Vec<Script>,
}

/// The script groups every catalog has.
pub const SCRIPT_GROUPS: &[&str] = &[
    "name-the-urge",
    "space-and-connected",
    "repair",
    "stay-with-tender",
    "for-people-around",
];

/// Longest script, so one always fits a text message or two.
pub const SCRIPT_MAX: usize = 300;

impl Scripts {
    pub fn load(src: Source) -> Result<Scripts, ContentError> {
        Scripts::parse(src.path, src.text)
    }

    pub fn parse(path: &str, text: &str) -> Result<Scripts, ContentError> {
        let mut s: Scripts = parse_toml(path, text)?;
        s.groups.sort_by_key(|g| g.order);
        let ids: Vec<&str> = s.groups.iter().map(|g| g.id.as_str()).collect();
        if ids != SCRIPT_GROUPS {
            return Err(ContentError::new(
                path,
                None,
                format!(
                    "the script groups must be, in order: {}; found: {}",
                    SCRIPT_GROUPS.join(", "),
                    ids.join(", ")
                ),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for sc in &s.scripts {
            let line = text.find(&format!("id = \"{}\"", sc.id)).map(|at| crate::source::line_of(text, at));
            if !seen.insert(sc.id.as_str()) {
                return Err(ContentError::new(path, line, format!("script id \"{}\" is used twice", sc.id)));
            }
            if !SCRIPT_GROUPS.contains(&sc.group.as_str()) {
                return Err(ContentError::new(
                    path,
                    line,
                    format!(
                        "script \"{}\" is in group \"{}\", which is not one of {}",
                        sc.id,
                        sc.group,
                        SCRIPT_GROUPS.join(", ")
                    ),
                ));
            }
            if sc.text.trim().is_empty() || sc.text.chars().count() > SCRIPT_MAX {
                return Err(ContentError::new(
                    path,
                    line,
                    format!("script \"{}\" should have 1 to {SCRIPT_MAX} characters", sc.id),
                ));
            }
        }
        Ok(s)
    }

    /// The scripts of one group, in file order.
    pub fn in_group<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Script> + 'a {
        self.scripts.iter().filter(move |s| s.group == group)
    }

    pub fn group(&self, id: &str) -> Option<&ScriptGroup> {
        self.groups.iter().find(|g| g.id == id)
    }
}

/// The words for after an experiment, or a moment, goes badly.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AfterText {
    pub title: String,
    pub intro: String,
    pub capacity_label: String,
    pub capacity_help: String,
    pub capacity_sentence: String,
    pub capacity_after: String,
    /// Words for the ends and middle of the 0-100 capacity slider.
    pub capacity_low: String,
    pub capacity_mid: String,
    pub capacity_high: String,
    pub reset_title: String,
    pub reset_intro: String,
    pub happened_label: String,
    pub happened_help: String,
    pub felt_label: String,
    pub felt_help: String,
    pub true_label: String,
    pub true_help: String,
    pub saved: String,
    pub feelings_label: String,
    pub feelings_help: String,
    pub feeling_name: String,
    pub feeling_strength: String,
    pub hot_label: String,
    pub hot_help: String,
    pub belief_label: String,
    pub evidence_label: String,
    pub evidence_help: String,
    pub another_label: String,
    pub another_help: String,
    pub hot_reminder: String,
    pub rerate_label: String,
    pub rerate_lower: String,
    pub rerate_same: String,
    pub rerate_higher: String,
    pub then_label: String,
    pub then_help: String,
    pub then_now: String,
    pub then_then: String,
    pub then_both: String,
    pub then_not_sure: String,
    pub then_note_label: String,
    pub rituals_title: String,
    pub rituals_intro: String,
    pub letter_title: String,
    pub letter_intro: String,
    pub letter_label: String,
    pub letter_help: String,
    pub letter_release: String,
    pub letter_released: String,
    pub rituals: Vec<Ritual>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ritual {
    pub id: String,
    pub title: String,
    pub text: String,
}

impl AfterText {
    pub fn load(src: Source) -> Result<AfterText, ContentError> {
        let a: AfterText = parse_toml(src.path, src.text)?;
        a.validate(src.path)?;
        Ok(a)
    }

    pub fn validate(&self, path: &str) -> Result<(), ContentError> {
        if !self.capacity_sentence.contains("{capacity}") {
            return Err(ContentError::new(
                path,
                None,
                "capacity_sentence must contain {capacity}, where the number goes",
            ));
        }
        if self.rituals.len() < 3 {
            return Err(ContentError::new(path, None, "list at least three calming rituals"));
        }
        for (key, s) in [
            ("rerate_lower", &self.rerate_lower),
            ("rerate_same", &self.rerate_same),
            ("rerate_higher", &self.rerate_higher),
        ] {
            if !s.contains("{before}") || !s.contains("{after}") {
                return Err(ContentError::new(
                    path,
                    None,
                    format!("{key} must contain {{before}} and {{after}}"),
                ));
            }
        }
        Ok(())
    }

    /// What the re-rating says, from its two numbers: None unless both
    /// were given.
    pub fn rerate_sentence(&self, t: &ThoughtRecord) -> Option<String> {
        let (before, after) = (t.belief?, t.rerated?);
        let s = match after.cmp(&before) {
            std::cmp::Ordering::Less => &self.rerate_lower,
            std::cmp::Ordering::Equal => &self.rerate_same,
            std::cmp::Ordering::Greater => &self.rerate_higher,
        };
        Some(s.replace("{before}", &before.to_string()).replace("{after}", &after.to_string()))
    }

    /// The words for an answer to "about now or then".
    pub fn now_or_then_label(&self, n: NowOrThen) -> &str {
        match n {
            NowOrThen::Now => &self.then_now,
            NowOrThen::Then => &self.then_then,
            NowOrThen::Both => &self.then_both,
            NowOrThen::NotSure => &self.then_not_sure,
        }
    }

    /// "I took a risk at 60% of my capacity."
    pub fn capacity_sentence(&self, capacity: u8) -> String {
        self.capacity_sentence.replace("{capacity}", &capacity.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEP: &str = "id = \"short\"\norder = 2\ntitle = \"t\"\nmenu = \"m\"\nintro = \"i\"\ndone = \"d\"\n";

    #[test]
    fn a_breathing_step_must_add_up() {
        let bad = format!(
            "{STEP}[[steps]]\nid = \"b\"\ntitle = \"t\"\nseconds = 40\nkind = \"breath\"\nprompt = \"p\"\nbreaths = 5\ninhale = 4\nexhale = 6\n"
        );
        let e = Protocol::parse("protocols/short.toml", &bad).expect_err("40 != 50");
        assert!(e.reason.contains("is 50 seconds"), "{e}");
        let good = bad.replace("seconds = 40", "seconds = 50");
        let p = Protocol::parse("protocols/short.toml", &good).expect("valid");
        assert_eq!(p.total_seconds(None), 50);
        assert_eq!(p.total_seconds(Some((5, 7))), 60, "a slower pace makes the step longer");
    }

    #[test]
    fn a_question_step_needs_questions_and_ids_are_unique() {
        let q = format!("{STEP}[[steps]]\nid = \"q\"\ntitle = \"t\"\nseconds = 30\nkind = \"questions\"\nprompt = \"p\"\n");
        assert!(Protocol::parse("p.toml", &q).expect_err("none").reason.contains("1 to 4"));
        let twice =
            format!("{q}questions = [\"a\"]\n[[steps]]\nid = \"q\"\ntitle = \"t\"\nseconds = 30\nkind = \"timer\"\nprompt = \"p\"\n");
        assert!(Protocol::parse("p.toml", &twice).expect_err("dup").reason.contains("used twice"));
    }

    #[test]
    fn the_capacity_sentence_fills_in_the_number() {
        let c = crate::Catalog::embedded();
        let s = c.after().capacity_sentence(60);
        assert!(s.contains("60"), "{s}");
        assert!(!s.contains('{'), "{s}");
    }
}

/// A pause that was run to the end (or stopped early), for insights.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PauseRecord {
    pub id: uuid::Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
    /// Which protocol: one of [`PROTOCOLS`].
    pub protocol: String,
    /// How long it took, in seconds.
    pub seconds: u32,
    /// Whether every step was reached.
    pub completed: bool,
}

/// Longest pause we record: a pause left open in a tab is not a six-hour pause.
pub const PAUSE_SECONDS_MAX: u32 = 3600;

/// Longest text in one column of a reset.
pub const RESET_TEXT_MAX: usize = 10_000;

/// A three-column reset after something went badly, with the capacity
/// sentence's number. Every part is optional except that something is said.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ResetEntry {
    /// The experiment record this reset follows, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<uuid::Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub happened: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub felt: Option<String>,
    /// What is actually true.
    #[serde(default, rename = "true", skip_serializing_if = "Option::is_none")]
    pub truth: Option<String>,
    /// The fuller thought record: feelings, the hot thought, the evidence,
    /// another view, the re-rating, and whether it was about now or then.
    #[serde(flatten)]
    pub thought: ThoughtRecord,
}

/// The most feelings one reset names.
pub const FEELINGS_MAX: usize = 8;
/// The longest name of a feeling.
pub const FEELING_NAME_MAX: usize = 60;

/// A feeling and how strong it was, 0 to 100.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feeling {
    pub name: String,
    pub strength: u8,
}

/// "Is this about now, or about then?"
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NowOrThen {
    Now,
    Then,
    Both,
    NotSure,
}

impl NowOrThen {
    pub const ALL: [NowOrThen; 4] = [NowOrThen::Now, NowOrThen::Then, NowOrThen::Both, NowOrThen::NotSure];

    pub fn id(self) -> &'static str {
        match self {
            NowOrThen::Now => "now",
            NowOrThen::Then => "then",
            NowOrThen::Both => "both",
            NowOrThen::NotSure => "not-sure",
        }
    }

    pub fn parse(s: &str) -> Option<NowOrThen> {
        NowOrThen::ALL.into_iter().find(|n| n.id() == s.trim())
    }
}

/// The fuller three columns: what it felt like (feelings 0-100, the hot
/// thought and how much it was believed 0-100), what is actually true (the
/// evidence, another view), the hot thought believed again, and whether it
/// was about now or about then. Every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ThoughtRecord {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feelings: Vec<Feeling>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hot_thought: Option<String>,
    /// How much the hot thought was believed, 0-100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub belief: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub another_view: Option<String>,
    /// How much the hot thought is believed after looking at it, 0-100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rerated: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now_or_then: Option<NowOrThen>,
    /// What "then" it echoes, in the person's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub then_note: Option<String>,
}

/// A thought record as typed, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct ThoughtInput<'a> {
    /// (name, strength) as typed; a row with neither is left out.
    pub feelings: Vec<(&'a str, &'a str)>,
    pub hot_thought: Option<&'a str>,
    pub belief: Option<&'a str>,
    pub evidence: Option<&'a str>,
    pub another_view: Option<&'a str>,
    pub rerated: Option<&'a str>,
    pub now_or_then: Option<&'a str>,
    pub then_note: Option<&'a str>,
}

fn column(field: &'static str, v: Option<&str>) -> Result<Option<String>, ResetError> {
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let len = v.chars().count();
    if len > RESET_TEXT_MAX {
        return Err(ResetError::TooLong { field, len });
    }
    Ok(Some(v.to_string()))
}

/// A 0-100 number as typed ("" is none).
fn percent(what: &'static str, v: Option<&str>) -> Result<Option<u8>, ResetError> {
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let v = v.trim_end_matches('%').trim();
    match v.parse::<i64>() {
        Ok(n) if (0..=100).contains(&n) => Ok(u8::try_from(n).ok()),
        _ => Err(ResetError::Percent {
            what,
            typed: v.to_string(),
        }),
    }
}

impl ThoughtRecord {
    pub fn check(input: ThoughtInput<'_>) -> Result<ThoughtRecord, ResetError> {
        let mut feelings = Vec::new();
        for (name, strength) in input.feelings {
            let (name, strength) = (name.trim(), strength.trim());
            if name.is_empty() && strength.is_empty() {
                continue;
            }
            if name.is_empty() {
                return Err(ResetError::FeelingNameless(strength.to_string()));
            }
            if name.chars().count() > FEELING_NAME_MAX {
                return Err(ResetError::TooLong {
                    field: "feeling",
                    len: name.chars().count(),
                });
            }
            let Some(strength) = percent("how strong it was", Some(strength))? else {
                return Err(ResetError::FeelingStrength(name.to_string()));
            };
            feelings.push(Feeling {
                name: name.to_string(),
                strength,
            });
        }
        if feelings.len() > FEELINGS_MAX {
            return Err(ResetError::TooManyFeelings(feelings.len()));
        }
        let now_or_then = match input.now_or_then.map(str::trim).filter(|v| !v.is_empty()) {
            None => None,
            Some(v) => Some(NowOrThen::parse(v).ok_or_else(|| ResetError::NowOrThen(v.to_string()))?),
        };
        let t = ThoughtRecord {
            feelings,
            hot_thought: column("the hot thought", input.hot_thought)?,
            belief: percent("how much you believe it", input.belief)?,
            evidence: column("the evidence", input.evidence)?,
            another_view: column("another view", input.another_view)?,
            rerated: percent("how much you believe it now", input.rerated)?,
            now_or_then,
            then_note: column("about then", input.then_note)?,
        };
        if t.hot_thought.is_none() && (t.belief.is_some() || t.rerated.is_some()) {
            return Err(ResetError::RatingWithoutThought);
        }
        Ok(t)
    }

    pub fn is_empty(&self) -> bool {
        *self == ThoughtRecord::default()
    }

    /// This record checked again as if typed (a file read back in): the
    /// same record when every part is as the app would have saved it.
    pub fn recheck(&self) -> Result<ThoughtRecord, ResetError> {
        let strengths: Vec<String> = self.feelings.iter().map(|f| f.strength.to_string()).collect();
        let (belief, rerated) = (self.belief.map(|b| b.to_string()), self.rerated.map(|b| b.to_string()));
        ThoughtRecord::check(ThoughtInput {
            feelings: self
                .feelings
                .iter()
                .zip(&strengths)
                .map(|(f, n)| (f.name.as_str(), n.as_str()))
                .collect(),
            hot_thought: self.hot_thought.as_deref(),
            belief: belief.as_deref(),
            evidence: self.evidence.as_deref(),
            another_view: self.another_view.as_deref(),
            rerated: rerated.as_deref(),
            now_or_then: self.now_or_then.map(NowOrThen::id),
            then_note: self.then_note.as_deref(),
        })
    }

    fn texts(&self) -> impl Iterator<Item = &str> {
        self.feelings.iter().map(|f| f.name.as_str()).chain(
            [&self.hot_thought, &self.evidence, &self.another_view, &self.then_note]
                .into_iter()
                .flatten()
                .map(String::as_str),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reset {
    pub id: uuid::Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
    #[serde(flatten)]
    pub entry: ResetEntry,
}

/// Why a reset could not be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResetError {
    #[error("Capacity is a number from 0 to 100; {0} is outside that.")]
    Capacity(i64),
    #[error("The \"{field}\" column is {len} characters; it can hold up to {RESET_TEXT_MAX}, so please shorten it.")]
    TooLong { field: &'static str, len: usize },
    #[error("Write something in at least one column, or choose a capacity, before saving.")]
    Empty,
    #[error("For {what}, use a number from 0 to 100; \"{typed}\" is not one.")]
    Percent { what: &'static str, typed: String },
    #[error("A feeling needs its name beside how strong it was ({0}).")]
    FeelingNameless(String),
    #[error("How strong was \"{0}\"? Give it a number from 0 to 100.")]
    FeelingStrength(String),
    #[error("A reset can name up to {FEELINGS_MAX} feelings; this one has {0}.")]
    TooManyFeelings(usize),
    #[error("\"{0}\" is not one of the answers to \"about now or then\": now, then, both or not-sure.")]
    NowOrThen(String),
    #[error("How much you believe it is about the hot thought: write the thought too, or leave the numbers out.")]
    RatingWithoutThought,
}

impl ResetEntry {
    /// Build a checked reset from raw input; blank text counts as absent.
    pub fn new(
        record: Option<uuid::Uuid>,
        capacity: Option<i64>,
        happened: Option<&str>,
        felt: Option<&str>,
        truth: Option<&str>,
    ) -> Result<ResetEntry, ResetError> {
        ResetEntry::with_thought(record, capacity, happened, felt, truth, ThoughtRecord::default())
    }

    /// A checked reset with its fuller thought record.
    pub fn with_thought(
        record: Option<uuid::Uuid>,
        capacity: Option<i64>,
        happened: Option<&str>,
        felt: Option<&str>,
        truth: Option<&str>,
        thought: ThoughtRecord,
    ) -> Result<ResetEntry, ResetError> {
        let capacity = match capacity {
            None => None,
            Some(n) if (0..=100).contains(&n) => u8::try_from(n).ok(),
            Some(n) => return Err(ResetError::Capacity(n)),
        };
        let entry = ResetEntry {
            record,
            capacity,
            happened: column("what happened", happened)?,
            felt: column("what it felt like", felt)?,
            truth: column("what is actually true", truth)?,
            thought,
        };
        if entry.capacity.is_none() && entry.happened.is_none() && entry.felt.is_none() && entry.truth.is_none() && entry.thought.is_empty()
        {
            return Err(ResetError::Empty);
        }
        Ok(entry)
    }

    /// The words a list names the reset by: the hot thought, else the first
    /// column written.
    pub fn first_words(&self) -> Option<&str> {
        [&self.thought.hot_thought, &self.happened, &self.felt, &self.truth]
            .into_iter()
            .flatten()
            .next()
            .map(String::as_str)
    }

    /// The free text of the reset, for the safety scanner.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        [&self.happened, &self.felt, &self.truth]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .chain(self.thought.texts())
    }
}

#[cfg(test)]
mod record_tests {
    use super::*;

    #[test]
    fn a_reset_needs_something_and_keeps_bounds() {
        assert_eq!(ResetEntry::new(None, None, Some("  "), None, None), Err(ResetError::Empty));
        assert_eq!(ResetEntry::new(None, Some(101), None, None, None), Err(ResetError::Capacity(101)));
        let long = "x".repeat(RESET_TEXT_MAX + 1);
        assert!(matches!(
            ResetEntry::new(None, None, None, Some(&long), None),
            Err(ResetError::TooLong { .. })
        ));
        let r = ResetEntry::new(None, Some(70), Some(" I went quiet "), None, Some("They asked again")).expect("valid");
        assert_eq!(r.capacity, Some(70));
        assert_eq!(r.happened.as_deref(), Some("I went quiet"));
        assert_eq!(r.texts().count(), 2);
    }

    #[test]
    fn a_thought_record_checks_its_numbers_and_names_what_to_fix() {
        let t = ThoughtRecord::check(ThoughtInput {
            feelings: vec![("Ashamed", "80"), ("", ""), ("lonely ", "45%")],
            hot_thought: Some(" They are done with me "),
            belief: Some("90"),
            rerated: Some("40"),
            now_or_then: Some("then"),
            ..Default::default()
        })
        .expect("valid");
        assert_eq!(t.feelings.len(), 2);
        assert_eq!((t.feelings[1].name.as_str(), t.feelings[1].strength), ("lonely", 45));
        assert_eq!((t.belief, t.rerated, t.now_or_then), (Some(90), Some(40), Some(NowOrThen::Then)));
        let only = ResetEntry::with_thought(None, None, None, None, None, t).expect("a thought alone is a reset");
        assert!(only.texts().any(|x| x == "They are done with me"));
        let bad = |i: ThoughtInput<'static>| ThoughtRecord::check(i).expect_err("refused").to_string();
        assert!(
            bad(ThoughtInput {
                feelings: vec![("", "70")],
                ..Default::default()
            })
            .contains("name")
        );
        assert!(
            bad(ThoughtInput {
                feelings: vec![("Scared", "")],
                ..Default::default()
            })
            .contains("Scared")
        );
        assert!(
            bad(ThoughtInput {
                belief: Some("120"),
                hot_thought: Some("x"),
                ..Default::default()
            })
            .contains("120")
        );
        assert!(
            bad(ThoughtInput {
                belief: Some("50"),
                ..Default::default()
            })
            .contains("hot thought")
        );
        assert!(
            bad(ThoughtInput {
                now_or_then: Some("later"),
                ..Default::default()
            })
            .contains("not-sure")
        );
    }
}
