//! Protective stories: the eight stories the old protection tells ("I'm
//! better off alone", "they'll let me down"), as content from
//! `content/stories.toml`: each named gently, with a reality check and one
//! question, for the card shown beside a saved text.

pub mod detect;
pub mod model;

use serde::Deserialize;

pub use detect::{RulesReading, Spotted, StoryRules};
pub use model::StoryModel;

use crate::Catalog;
use crate::source::{ContentError, Source, line_of_value, parse_toml};

/// Every story id, in the order cards are shown.
pub const STORIES: [&str; 8] = crate::safety::tables::STORY_NAMES;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Story {
    pub id: String,
    pub name: String,
    pub card: String,
    pub check: String,
    pub question: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoryLabels {
    pub heading: String,
    pub check_label: String,
    pub question_label: String,
    pub not_this_time: String,
    pub dismissed: String,
    pub why: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoryText {
    pub labels: StoryLabels,
    pub stories: Vec<Story>,
}

impl StoryText {
    pub fn load(src: Source) -> Result<StoryText, ContentError> {
        let t: StoryText = parse_toml(src.path, src.text)?;
        let ids: Vec<&str> = t.stories.iter().map(|s| s.id.as_str()).collect();
        if ids != STORIES {
            return Err(ContentError::new(
                src.path,
                None,
                format!("the stories must be exactly {}, in that order", STORIES.join(", ")),
            ));
        }
        for s in &t.stories {
            let at = line_of_value(src.text, "id", &s.id);
            for (what, text, max) in [
                ("name", &s.name, 60),
                ("card", &s.card, 260),
                ("check", &s.check, 260),
                ("question", &s.question, 160),
            ] {
                let n = text.chars().count();
                if text.trim().is_empty() || n > max {
                    return Err(ContentError::new(
                        src.path,
                        at,
                        format!("story \"{}\" needs a {what} of 1 to {max} characters (it has {n})", s.id),
                    ));
                }
            }
            if s.question.matches('?').count() != 1 || !s.question.ends_with('?') {
                return Err(ContentError::new(
                    src.path,
                    at,
                    format!("story \"{}\" asks exactly one question, ending with \"?\"", s.id),
                ));
            }
            if [&s.card, &s.check, &s.question].iter().any(|t| t.contains('!')) {
                return Err(ContentError::new(
                    src.path,
                    at,
                    format!("story \"{}\" has an exclamation mark; keep it calm", s.id),
                ));
            }
        }
        Ok(t)
    }

    pub fn story(&self, id: &str) -> Option<&Story> {
        self.stories.iter().find(|s| s.id == id)
    }
}

impl Catalog {
    /// The word model behind the story rules, compiled into the binary.
    pub fn story_model(&self) -> &'static StoryModel {
        static MODEL: std::sync::OnceLock<StoryModel> = std::sync::OnceLock::new();
        MODEL.get_or_init(StoryModel::embedded)
    }

    /// The protective stories a saved text tells, for the cards beside it.
    ///
    /// A text that calls for the crisis panel gets no card: the safety net
    /// speaks first, and a card that reads "no one would care anyway" as a
    /// story to test would be the wrong answer to someone in danger.
    /// Otherwise the rules speak, and the word model behind them
    /// (`content/story-model.txt`) sets aside a rule's story it is all but
    /// sure the text does not tell, and, where the rules found nothing and
    /// set nothing aside, adds a story it is sure of.
    pub fn stories_in(&self, text: &str) -> Vec<Spotted> {
        if self.scanner().scan(text).show_panel {
            return Vec::new();
        }
        self.stories_detected(text)
    }

    /// What the detector alone makes of a text, rules and word model,
    /// before the crisis panel has its say (for measuring it).
    pub fn stories_detected(&self, text: &str) -> Vec<Spotted> {
        self.stories_detected_with(self.story_model(), text)
    }

    /// The detector with another word model (one being trained or measured).
    pub fn stories_detected_with(&self, model: &StoryModel, text: &str) -> Vec<Spotted> {
        let rules = self.story_rules().read_aside(text);
        let features = model::text_features(text, &crate::safety::model::Clusters::embedded());
        let p = model.probabilities(&features);
        let at = |id: &str| STORIES.iter().position(|s| *s == id).unwrap_or(0);
        if !rules.found.is_empty() {
            return rules.found.into_iter().filter(|s| p[at(s.story)] >= model.veto).collect();
        }
        (0..STORIES.len())
            .filter(|&i| p[i] >= model.threshold && rules.leaves_room_for(i))
            .map(|i| {
                let (phrase, at) = model
                    .strongest(i, &features)
                    .map_or((String::new(), 0), |f| (text[f.from..f.to].to_string(), f.from));
                Spotted {
                    story: STORIES[i],
                    phrase,
                    rule: format!("word model, {:.0}% sure", p[i] * 100.0),
                    at,
                }
            })
            .collect()
    }

    /// The stories in several texts saved together (a journal entry's title
    /// and body, a reset's parts), read as one text.
    pub fn stories_in_all<'t>(&self, texts: impl IntoIterator<Item = &'t str>) -> Vec<Spotted> {
        let joined: Vec<&str> = texts.into_iter().filter(|t| !t.trim().is_empty()).collect();
        self.stories_in(&joined.join("\n\n"))
    }
}

/// What a person said to a card: "not this time" for one story beside one
/// saved text. Kept so the card stays away, and counted as a miss.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoryAnswer {
    /// What the text is: [`ITEM_JOURNAL`] or [`ITEM_RESET`].
    pub item: String,
    pub item_id: uuid::Uuid,
    /// One of [`STORIES`].
    pub story: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
}

/// The kinds of saved text a card can stand beside.
pub const ITEM_JOURNAL: &str = "journal";
pub const ITEM_RESET: &str = "reset";
pub const ITEMS: [&str; 2] = [ITEM_JOURNAL, ITEM_RESET];

/// The cards to show: the stories found, less those put away.
pub fn shown(found: Vec<Spotted>, item: &str, id: uuid::Uuid, answers: &[StoryAnswer]) -> Vec<Spotted> {
    found
        .into_iter()
        .filter(|s| !answers.iter().any(|a| a.item == item && a.item_id == id && a.story == s.story))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_story_has_a_gentle_card_a_check_and_one_question() {
        let t = crate::Catalog::embedded().stories();
        assert_eq!(t.stories.len(), STORIES.len());
        let mut checks: Vec<&str> = t.stories.iter().map(|s| s.check.as_str()).collect();
        checks.sort();
        checks.dedup();
        assert_eq!(checks.len(), STORIES.len(), "no two checks the same");
        let bad = "[labels]\nheading = \"h\"\ncheck_label = \"c\"\nquestion_label = \"q\"\nnot_this_time = \"n\"\ndismissed = \"d\"\nwhy = \"w\"\n";
        let err = StoryText::load(Source {
            path: "stories.toml",
            text: bad,
        })
        .unwrap_err();
        assert!(err.reason.contains("missing field") || err.reason.contains("exactly"), "{err}");
    }
}
