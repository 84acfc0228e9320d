//! Journal prompts: questions to write from, grouped by theme, one file a
//! theme in `content/prompts/`, with `why.toml` holding the sentence that
//! says why Today chose the day's prompt. The choice is a rule over what
//! happened lately (a flood, an experiment, a rupture, an urge), never
//! chance, so the same day shows the same prompt and says why.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use time::Date;

use crate::source::{ContentError, Source, line_of_value, parse_toml};

/// Every theme, in the order the quiet days turn through them. A prompt's
/// theme is its file's name.
pub const THEMES: [&str; 8] = [
    "noticing",
    "parts",
    "trade-off",
    "grief",
    "gratitude",
    "after-experiment",
    "after-rupture",
    "gentle",
];

/// The themes a quiet day turns through: the ones that ask nothing about a
/// particular event.
const QUIET_THEMES: [&str; 6] = ["noticing", "parts", "trade-off", "grief", "gratitude", "gentle"];

/// The longest prompt and hint, in characters.
const TEXT_MAX: usize = 200;
const HINT_MAX: usize = 160;
const WHY_MAX: usize = 160;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prompt {
    pub id: String,
    pub theme: String,
    pub text: String,
    pub hint: String,
}

/// Why Today chose its prompt. The ids are the keys of `[why]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    AfterFlood,
    AfterRupture,
    AfterHardExperiment,
    AfterGoodExperiment,
    AfterUrge,
    QuietDay,
}

impl Reason {
    pub const ALL: [Reason; 6] = [
        Reason::AfterFlood,
        Reason::AfterRupture,
        Reason::AfterHardExperiment,
        Reason::AfterGoodExperiment,
        Reason::AfterUrge,
        Reason::QuietDay,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Reason::AfterFlood => "after-flood",
            Reason::AfterRupture => "after-rupture",
            Reason::AfterHardExperiment => "after-hard-experiment",
            Reason::AfterGoodExperiment => "after-good-experiment",
            Reason::AfterUrge => "after-urge",
            Reason::QuietDay => "quiet-day",
        }
    }

    /// The themes a prompt for this reason comes from.
    fn themes(self) -> &'static [&'static str] {
        match self {
            Reason::AfterFlood => &["gentle"],
            Reason::AfterRupture => &["after-rupture"],
            Reason::AfterHardExperiment => &["after-experiment", "gentle"],
            Reason::AfterGoodExperiment => &["noticing", "after-experiment"],
            Reason::AfterUrge => &["parts"],
            Reason::QuietDay => &QUIET_THEMES,
        }
    }
}

/// The words of Today's prompt card.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromptLabels {
    pub heading: String,
    pub write: String,
    pub another: String,
    pub all_prompts: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhyFile {
    why: BTreeMap<String, String>,
    labels: PromptLabels,
    themes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    prompts: Vec<Prompt>,
}

/// What happened lately, as the days it last happened (in the person's own
/// time zone). Each is None when it has not happened in the window the rule
/// looks at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lately {
    /// An experiment where the person was flooded (past their window).
    pub flood: Option<Date>,
    /// The after-a-rupture support (a reset) used.
    pub rupture: Option<Date>,
    /// An experiment that went as feared or worse.
    pub hard_experiment: Option<Date>,
    /// An experiment that went better than feared.
    pub good_experiment: Option<Date>,
    /// An urge to pull away logged.
    pub urge: Option<Date>,
}

/// How many days back each kind of event still shapes the prompt: three for
/// what happened in practice, two for an urge.
pub const EVENT_DAYS: i64 = 3;
pub const URGE_DAYS: i64 = 2;

impl Lately {
    /// The reason for today's prompt: the most tender thing that happened
    /// lately comes first (a flood before a rupture before a hard
    /// experiment before a good one before an urge).
    pub fn reason(&self, today: Date) -> Reason {
        let recent = |d: Option<Date>, days: i64| d.is_some_and(|d| d <= today && (today - d).whole_days() < days);
        if recent(self.flood, EVENT_DAYS) {
            Reason::AfterFlood
        } else if recent(self.rupture, EVENT_DAYS) {
            Reason::AfterRupture
        } else if recent(self.hard_experiment, EVENT_DAYS) {
            Reason::AfterHardExperiment
        } else if recent(self.good_experiment, EVENT_DAYS) {
            Reason::AfterGoodExperiment
        } else if recent(self.urge, URGE_DAYS) {
            Reason::AfterUrge
        } else {
            Reason::QuietDay
        }
    }
}

/// Today's prompt, and why it was chosen.
#[derive(Debug, Clone, Serialize)]
pub struct DayPrompt<'a> {
    pub prompt: &'a Prompt,
    pub reason: Reason,
    /// The sentence that says why, from `why.toml`.
    pub why: &'a str,
    /// Which "show me another" this is (0 for the day's first).
    pub turn: u32,
}

#[derive(Debug, Clone)]
pub struct Prompts {
    /// Every prompt, theme by theme in [`THEMES`] order, as in its file.
    pub prompts: Vec<Prompt>,
    pub labels: PromptLabels,
    /// Each theme's name, by theme id.
    themes: BTreeMap<String, String>,
    why: BTreeMap<String, String>,
}

impl Prompts {
    pub fn load(files: &[Source]) -> Result<Prompts, ContentError> {
        let mut why = None;
        let mut by_theme: BTreeMap<&str, Vec<Prompt>> = BTreeMap::new();
        let mut seen = HashSet::new();
        for src in files {
            let name = src.path.trim_start_matches("prompts/").trim_end_matches(".toml");
            if name == "why" {
                let w: WhyFile = parse_toml(src.path, src.text)?;
                check_why(src, &w)?;
                why = Some(w);
                continue;
            }
            let Some(theme) = THEMES.iter().find(|t| **t == name) else {
                return Err(ContentError::new(
                    src.path,
                    None,
                    format!("\"{name}\" is not a prompt theme; the themes are {}", THEMES.join(", ")),
                ));
            };
            let f: ThemeFile = parse_toml(src.path, src.text)?;
            for p in &f.prompts {
                let at = line_of_value(src.text, "id", &p.id);
                let err = |why: String| Err(ContentError::new(src.path, at, why));
                if p.theme != *theme {
                    return err(format!("prompt \"{}\" says theme \"{}\" in the {theme} file", p.id, p.theme));
                }
                if !p.id.starts_with(&format!("{theme}-"))
                    || !p.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                {
                    return err(format!(
                        "prompt id \"{}\" should be lowercase letters, digits and hyphens, starting \"{theme}-\"",
                        p.id
                    ));
                }
                if !seen.insert(p.id.clone()) {
                    return err(format!("prompt id \"{}\" is used twice", p.id));
                }
                for (what, text, max) in [("text", &p.text, TEXT_MAX), ("hint", &p.hint, HINT_MAX)] {
                    let n = text.chars().count();
                    if text.trim().is_empty() || text.trim() != text {
                        return err(format!("prompt \"{}\" needs a {what} with no spaces at either end", p.id));
                    }
                    if n > max {
                        return err(format!("prompt \"{}\" has a {what} of {n} characters; at most {max}", p.id));
                    }
                }
            }
            if f.prompts.len() < 3 {
                return Err(ContentError::new(src.path, None, "a theme needs at least three prompts"));
            }
            by_theme.insert(theme, f.prompts);
        }
        let Some(why) = why else {
            return Err(ContentError::new(
                "prompts/why.toml",
                None,
                "the prompt-of-the-day wording file is missing",
            ));
        };
        let mut prompts = Vec::new();
        for theme in THEMES {
            match by_theme.remove(theme) {
                Some(mut p) => prompts.append(&mut p),
                None => {
                    return Err(ContentError::new(
                        &format!("prompts/{theme}.toml"),
                        None,
                        "this prompt theme's file is missing",
                    ));
                }
            }
        }
        Ok(Prompts {
            prompts,
            labels: why.labels,
            why: why.why,
            themes: why.themes,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Prompt> {
        self.prompts.iter().find(|p| p.id == id)
    }

    pub fn of_theme<'a>(&'a self, theme: &'a str) -> impl Iterator<Item = &'a Prompt> + 'a {
        self.prompts.iter().filter(move |p| p.theme == theme)
    }

    /// A theme's name, as people read it.
    pub fn theme_name<'a>(&'a self, theme: &'a str) -> &'a str {
        self.themes.get(theme).map_or(theme, String::as_str)
    }

    /// The sentence for a reason.
    pub fn why(&self, reason: Reason) -> &str {
        self.why.get(reason.id()).map_or("", String::as_str)
    }

    /// Today's prompt: from the themes the reason points to, the one the
    /// day's number lands on, so it stays the same all day; `turn` steps to
    /// the next one for "show me a different question", wrapping round.
    pub fn for_day(&self, today: Date, lately: &Lately, turn: u32) -> DayPrompt<'_> {
        let reason = lately.reason(today);
        let pool: Vec<&Prompt> = self
            .prompts
            .iter()
            .filter(|p| reason.themes().contains(&p.theme.as_str()))
            .collect();
        // Quiet days step through the themes day by day, and through each
        // theme's prompts as the weeks go by.
        let day = today.to_julian_day().unsigned_abs() as usize;
        let start = match reason {
            Reason::QuietDay => {
                let themes = QUIET_THEMES.len();
                let theme = QUIET_THEMES[day % themes];
                let in_theme: Vec<usize> = (0..pool.len()).filter(|i| pool[*i].theme == theme).collect();
                in_theme[(day / themes) % in_theme.len()]
            }
            _ => day % pool.len(),
        };
        let prompt = pool[(start + turn as usize) % pool.len()];
        DayPrompt {
            prompt,
            reason,
            why: self.why(reason),
            turn,
        }
    }
}

fn check_why(src: &Source, w: &WhyFile) -> Result<(), ContentError> {
    for r in Reason::ALL {
        match w.why.get(r.id()) {
            None => return Err(ContentError::new(src.path, None, format!("[why] needs the key \"{}\"", r.id()))),
            Some(s) if s.trim().is_empty() || s.chars().count() > WHY_MAX => {
                return Err(ContentError::new(
                    src.path,
                    None,
                    format!("[why] \"{}\" should be one sentence of at most {WHY_MAX} characters", r.id()),
                ));
            }
            Some(_) => {}
        }
    }
    if let Some(k) = w.why.keys().find(|k| !Reason::ALL.iter().any(|r| r.id() == k.as_str())) {
        return Err(ContentError::new(
            src.path,
            None,
            format!("[why] has a key \"{k}\" the app has no reason for"),
        ));
    }
    for t in THEMES {
        if w.themes.get(t).is_none_or(|n| n.trim().is_empty()) {
            return Err(ContentError::new(src.path, None, format!("[themes] needs a name for \"{t}\"")));
        }
    }
    if let Some(k) = w.themes.keys().find(|k| !THEMES.contains(&k.as_str())) {
        return Err(ContentError::new(
            src.path,
            None,
            format!("[themes] names \"{k}\", which is not a theme"),
        ));
    }
    let l = &w.labels;
    if [&l.heading, &l.write, &l.another, &l.all_prompts]
        .iter()
        .any(|s| s.trim().is_empty())
    {
        return Err(ContentError::new(src.path, None, "every [labels] entry needs words"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;
    use time::macros::date;

    fn prompts() -> &'static Prompts {
        Catalog::embedded().prompts()
    }

    #[test]
    fn there_are_at_least_forty_prompts_in_every_theme() {
        let p = prompts();
        assert!(p.prompts.len() >= 40, "{}", p.prompts.len());
        for t in THEMES {
            assert!(p.of_theme(t).count() >= 3, "{t}");
        }
        for r in Reason::ALL {
            assert!(!p.why(r).is_empty(), "{r:?}");
        }
    }

    #[test]
    fn the_day_decides_the_prompt_and_what_happened_decides_the_theme() {
        let p = prompts();
        let today = date!(2026 - 12 - 07);
        let quiet = p.for_day(today, &Lately::default(), 0);
        assert_eq!(quiet.reason, Reason::QuietDay);
        assert_eq!(
            p.for_day(today, &Lately::default(), 0).prompt.id,
            quiet.prompt.id,
            "the same all day"
        );
        assert!(QUIET_THEMES.contains(&quiet.prompt.theme.as_str()));
        let tomorrow = p.for_day(today.next_day().expect("day"), &Lately::default(), 0);
        assert_ne!(tomorrow.prompt.theme, quiet.prompt.theme, "quiet days turn through the themes");

        let flooded = Lately {
            flood: Some(today.previous_day().expect("day")),
            good_experiment: Some(today),
            ..Default::default()
        };
        let d = p.for_day(today, &flooded, 0);
        assert_eq!(
            (d.reason, d.prompt.theme.as_str()),
            (Reason::AfterFlood, "gentle"),
            "a flood comes first"
        );
        assert_eq!(d.why, p.why(Reason::AfterFlood));

        let good = Lately {
            good_experiment: Some(today),
            urge: Some(today),
            ..Default::default()
        };
        let d = p.for_day(today, &good, 0);
        assert_eq!(d.reason, Reason::AfterGoodExperiment);
        assert!(["noticing", "after-experiment"].contains(&d.prompt.theme.as_str()));

        let old = Lately {
            flood: Some(today - time::Duration::days(EVENT_DAYS)),
            urge: Some(today - time::Duration::days(URGE_DAYS)),
            ..Default::default()
        };
        assert_eq!(
            p.for_day(today, &old, 0).reason,
            Reason::QuietDay,
            "what is long past no longer decides"
        );
        let urge = Lately {
            urge: Some(today),
            ..Default::default()
        };
        assert_eq!(p.for_day(today, &urge, 0).prompt.theme, "parts");
    }

    #[test]
    fn another_steps_through_different_prompts_and_wraps() {
        let p = prompts();
        let today = date!(2026 - 12 - 07);
        let flooded = Lately {
            flood: Some(today),
            ..Default::default()
        };
        let gentle = p.of_theme("gentle").count() as u32;
        let ids: HashSet<&str> = (0..gentle).map(|t| p.for_day(today, &flooded, t).prompt.id.as_str()).collect();
        assert_eq!(ids.len() as u32, gentle, "every gentle prompt, once each");
        assert_eq!(
            p.for_day(today, &flooded, gentle).prompt.id,
            p.for_day(today, &flooded, 0).prompt.id
        );
    }

    #[test]
    fn a_bad_prompt_file_is_named_with_its_line() {
        let mut files: Vec<(&str, &str)> = crate::content::EMBEDDED.to_vec();
        let bad = "[[prompts]]\nid = \"noticing-a\"\ntheme = \"parts\"\ntext = \"A?\"\nhint = \"B.\"\n";
        for f in files.iter_mut() {
            if f.0 == "prompts/noticing.toml" {
                f.1 = bad;
            }
        }
        let err = Catalog::from_files(&files).unwrap_err();
        assert_eq!((err.file.as_str(), err.line), ("prompts/noticing.toml", Some(2)), "{err}");
        assert!(err.reason.contains("theme \"parts\""), "{err}");
        files.retain(|f| f.0 != "prompts/noticing.toml");
        let err = Catalog::from_files(&files).unwrap_err();
        assert!(err.reason.contains("file is missing"), "{err}");
    }
}
