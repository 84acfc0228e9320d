//! The protective-story detector: on-device, deterministic, explainable.
//!
//! It reads a saved text the way the crisis scanner does (sentences of
//! lower-cased words without apostrophes, see `crate::safety::scan`) and
//! uses the same pattern syntax, with two more marks: a pattern starting
//! with `^` matches only at the start of a sentence, one ending with `$`
//! only at its end. The rules live in `content/story-rules.toml`:
//!
//! - `[[stories]]`: the patterns that tell one story.
//! - `[[ignore]]`: what only looks like a story. Each group sets aside the
//!   story matches its words overlap (`overlap`), every match in the same
//!   sentence (`sentence`) or in the whole text (`text`), for every story or
//!   only the ones it lists: a change of heart ("I used to think"), the
//!   healthy third way ("I'll call you tomorrow"), an ordinary use ("done
//!   with this essay").
//! - `[reporting]`: someone else's words. A reporting verb ("said",
//!   "told me") sets aside the story matches after it in its sentence,
//!   or any story match that runs into them, unless the words just before
//!   it are the person's own ("I said", "part of me said"), only small
//!   words ("going to say") or a thing ("which tells me"). The reach ends
//!   at a word that turns the sentence ("but") or the next speaker.
//! - `[questions]`: a sentence that ends with "?" asks, and tells no story,
//!   unless it opens like a question that is not one ("why would I need
//!   anyone").
//!
//! A text that calls for the crisis panel shows no story card: the safety
//! net speaks first (see [`crate::Catalog::stories_in`]).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::STORIES;
use crate::safety::rules::{Classes, Elem, FirstWords, parse_classes, parse_pattern};
use crate::safety::scan::{ends_of, sentences, span_at};
use crate::source::{ContentError, Source};

/// One story found in a text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Spotted {
    /// The story's id, one of [`STORIES`].
    pub story: &'static str,
    /// The person's words that told it, as they wrote them.
    pub phrase: String,
    /// The rule that matched, as written in the rules file.
    pub rule: String,
    /// Where the phrase starts in the text, in bytes.
    #[serde(skip)]
    pub at: usize,
}

/// What the rules made of a text: the stories found, whether any match was
/// set aside, and which stories an ignore rule spoke for.
#[derive(Debug, Clone)]
pub struct RulesReading {
    pub found: Vec<Spotted>,
    pub set_aside: bool,
    ignored: Mask,
}

impl RulesReading {
    /// Whether the word model may add this story (by index in [`STORIES`]):
    /// not where the rules set a match aside, nor where an ignore rule for
    /// that story fired ("done with this report").
    pub fn leaves_room_for(&self, story: usize) -> bool {
        !self.set_aside && self.ignored & (1 << story) == 0
    }
}

/// How far an ignore pattern reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Reach {
    Overlap,
    Sentence,
    Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    classes: BTreeMap<String, Vec<String>>,
    stories: Vec<StoryGroup>,
    #[serde(default)]
    ignore: Vec<IgnoreGroup>,
    reporting: ReportingFile,
    questions: QuestionsFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoryGroup {
    story: String,
    patterns: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreGroup {
    /// A note for editors on what the group covers.
    #[allow(dead_code)]
    about: String,
    reach: Reach,
    /// The stories it sets aside; every story when empty.
    #[serde(default)]
    stories: Vec<String>,
    patterns: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportingFile {
    verbs: Vec<String>,
    own: Vec<String>,
    small: Vec<String>,
    things: Vec<String>,
    /// Words right before a verb that carry the last clause's speaker.
    carried: Vec<String>,
    /// Other people's pronouns, for a carried verb's speaker.
    people: Vec<String>,
    /// Words right after a verb that make it the person's own ("told myself").
    reflexive: Vec<String>,
    /// Words right after a verb that report nothing ("said sorry").
    empty: Vec<String>,
    turns: Vec<String>,
    /// Where the person takes the sentence back ("and I").
    resume: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionsFile {
    rhetorical: Vec<String>,
}

/// A parsed pattern with its anchors.
#[derive(Debug, Clone, Copy)]
struct Pat {
    source: &'static str,
    elems: &'static [Elem],
    at_start: bool,
    at_end: bool,
}

impl Pat {
    /// Where a match starting at `start` ends, if there is one.
    fn end_at(&self, words: &[&str], start: usize) -> Option<usize> {
        if self.at_start && start != 0 {
            return None;
        }
        if self.at_end {
            let mut ends = Vec::new();
            ends_of(self.elems, words, start, &mut ends);
            return ends.contains(&words.len()).then_some(words.len()).filter(|&e| e > start);
        }
        span_at(self.elems, words, start)
    }
}

/// A set of stories, one bit each.
type Mask = u16;
const ALL: Mask = (1 << STORIES.len()) - 1;

#[derive(Debug, Clone, Copy)]
struct Ignore {
    pat: Pat,
    reach: Reach,
    mask: Mask,
}

/// The rules, parsed and indexed by first word.
#[derive(Debug, Clone)]
pub struct StoryRules {
    signals: Vec<(usize, Pat)>,
    signal_index: FirstWords,
    ignores: Vec<Ignore>,
    ignore_index: FirstWords,
    verbs: Vec<Pat>,
    own: Vec<String>,
    small: Vec<String>,
    things: Vec<String>,
    carried: Vec<String>,
    people: Vec<String>,
    reflexive: Vec<String>,
    empty: Vec<String>,
    turns: Vec<String>,
    resume: Vec<Pat>,
    rhetorical: Vec<Pat>,
}

fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.find(needle).map(|at| text[..at].matches('\n').count() + 1)
}

fn leak<T>(v: Vec<T>) -> &'static [T] {
    v.leak()
}

impl StoryRules {
    pub fn load(src: Source) -> Result<StoryRules, ContentError> {
        let text = src.text;
        let fail = |line: Option<usize>, why: String| ContentError::new(src.path, line, why);
        let file: RulesFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            fail(line, e.message().trim().to_string())
        })?;
        let classes = parse_classes(&file.classes).map_err(|(name, why)| {
            fail(
                line_of(text, &format!("\n{name} =")).map(|l| l + 1),
                format!("word class \"@{name}\": {why}"),
            )
        })?;
        let compile = |source: &str| -> Result<Pat, ContentError> {
            compile(source, &classes).map_err(|why| fail(line_of(text, &format!("\"{source}\"")), format!("pattern \"{source}\": {why}")))
        };
        let story_of = |id: &str| -> Result<usize, ContentError> {
            STORIES.iter().position(|s| *s == id).ok_or_else(|| {
                fail(
                    line_of(text, &format!("\"{id}\"")),
                    format!("there is no story \"{id}\"; the stories are {}", STORIES.join(", ")),
                )
            })
        };
        let mut signals = Vec::new();
        for group in &file.stories {
            let story = story_of(&group.story)?;
            for p in &group.patterns {
                signals.push((story, compile(p)?));
            }
        }
        for (i, id) in STORIES.iter().enumerate() {
            if !signals.iter().any(|(s, _)| *s == i) {
                return Err(fail(
                    None,
                    format!("the story \"{id}\" has no patterns; every story needs at least one"),
                ));
            }
        }
        let mut ignores = Vec::new();
        for group in &file.ignore {
            let mut mask = 0;
            for id in &group.stories {
                mask |= 1 << story_of(id)?;
            }
            if mask == 0 {
                mask = ALL;
            }
            for p in &group.patterns {
                ignores.push(Ignore {
                    pat: compile(p)?,
                    reach: group.reach,
                    mask,
                });
            }
        }
        let words = |list: &[String], what: &str| -> Result<Vec<String>, ContentError> {
            for w in list {
                if w.is_empty() || !w.chars().all(|c| c.is_lowercase() || c.is_ascii_digit()) {
                    return Err(fail(
                        line_of(text, &format!("\"{w}\"")),
                        format!("\"{w}\" in [reporting] {what} should be one lower-case word without apostrophes"),
                    ));
                }
            }
            Ok(list.to_vec())
        };
        let verbs = file.reporting.verbs.iter().map(|p| compile(p)).collect::<Result<Vec<_>, _>>()?;
        let rhetorical = file
            .questions
            .rhetorical
            .iter()
            .map(|p| compile(p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(StoryRules {
            signal_index: FirstWords::new(signals.iter().map(|(_, p)| p.elems)),
            ignore_index: FirstWords::new(ignores.iter().map(|i| i.pat.elems)),
            signals,
            ignores,
            verbs,
            own: words(&file.reporting.own, "own")?,
            small: words(&file.reporting.small, "small")?,
            things: words(&file.reporting.things, "things")?,
            carried: words(&file.reporting.carried, "carried")?,
            people: words(&file.reporting.people, "people")?,
            reflexive: words(&file.reporting.reflexive, "reflexive")?,
            empty: words(&file.reporting.empty, "empty")?,
            resume: file.reporting.resume.iter().map(|p| compile(p)).collect::<Result<Vec<_>, _>>()?,
            turns: words(&file.reporting.turns, "turns")?,
            rhetorical,
        })
    }

    /// How many story patterns and ignore patterns there are.
    pub fn rule_counts(&self) -> (usize, usize) {
        (self.signals.len(), self.ignores.len())
    }

    /// The stories a text tells, at most one finding a story, in the order
    /// of [`STORIES`]. Deterministic. This reads the rules alone; the app
    /// asks [`crate::Catalog::stories_in`], which lets the crisis panel
    /// speak first.
    pub fn spot(&self, text: &str) -> Vec<Spotted> {
        self.read(text, None).found
    }

    /// The stories found, with what the rules set aside: the word model
    /// adds nothing to a text the rules read as a look-alike.
    pub fn read_aside(&self, text: &str) -> RulesReading {
        self.read(text, None)
    }

    /// Every story match in a text and what set it aside, for whoever edits
    /// the rules: a line each.
    pub fn trace(&self, text: &str) -> Vec<String> {
        let mut lines = Vec::new();
        self.read(text, Some(&mut lines));
        lines
    }

    /// One pass over the text; with `trace`, a line for every match is
    /// written there (only then are the lines made).
    fn read(&self, text: &str, mut trace: Option<&mut Vec<String>>) -> RulesReading {
        let mut set_aside = false;
        let mut ignored: Mask = 0;
        let sentences = sentences(text);
        let all_words: Vec<Vec<&str>> = sentences.iter().map(|s| s.iter().map(|t| t.norm.as_str()).collect()).collect();
        let mut text_mask: Mask = 0;
        let mut per_sentence = Vec::with_capacity(sentences.len());
        for words in &all_words {
            let mut overlap = Vec::new();
            let mut sentence_ignores: Vec<(usize, Mask)> = Vec::new();
            for (i, start) in self.ignore_index.candidates(words) {
                let ig = &self.ignores[i];
                if let Some(end) = ig.pat.end_at(words, start) {
                    if let Some(lines) = trace.as_deref_mut() {
                        lines.push(format!(
                            "ignore {:?} \"{}\" at \"{}\"",
                            ig.reach,
                            ig.pat.source,
                            words[start..end].join(" ")
                        ));
                    }
                    ignored |= ig.mask;
                    match ig.reach {
                        Reach::Overlap => overlap.push((start, end, ig.mask)),
                        Reach::Sentence => sentence_ignores.push((end, ig.mask)),
                        Reach::Text => text_mask |= ig.mask,
                    }
                }
            }
            per_sentence.push((overlap, sentence_ignores));
        }
        let mut found: Vec<Spotted> = Vec::new();
        for ((sentence, words), (overlap, sentence_ignores)) in sentences.iter().zip(&all_words).zip(&per_sentence) {
            let Some(last) = sentence.last() else { continue };
            let asks = self.asks(text, last.to, words);
            let reported = self.reported_from(words);
            for (r, start) in self.signal_index.candidates(words) {
                let (story, pat) = &self.signals[r];
                let bit: Mask = 1 << story;
                let Some(end) = pat.end_at(words, start) else { continue };
                let why = if asks {
                    Some("a question")
                } else if text_mask & bit != 0 {
                    Some("an ignore rule for the whole text")
                } else if sentence_ignores
                    .iter()
                    .any(|&(ig_end, m)| m & bit != 0 && !self.turned(words, ig_end, start))
                {
                    Some("an ignore rule for the sentence")
                } else if overlap.iter().any(|&(s, e, m)| m & bit != 0 && s < end && start < e) {
                    Some("an ignore rule over its words")
                } else if reported.iter().any(|&(from, to)| start < to && from < end) {
                    Some("someone else's words")
                } else {
                    None
                };
                if let Some(lines) = trace.as_deref_mut() {
                    lines.push(format!(
                        "{} \"{}\" at \"{}\": {}",
                        STORIES[*story],
                        pat.source,
                        words[start..end].join(" "),
                        why.unwrap_or("told")
                    ));
                }
                set_aside |= why.is_some();
                if why.is_some() || found.iter().any(|f| f.story == STORIES[*story]) {
                    continue;
                }
                let at = sentence[start].from;
                found.push(Spotted {
                    story: STORIES[*story],
                    phrase: text[at..sentence[end - 1].to].to_string(),
                    rule: pat.source.to_string(),
                    at,
                });
            }
        }
        found.sort_by_key(|f| STORIES.iter().position(|s| *s == f.story));
        RulesReading { found, set_aside, ignored }
    }

    /// Whether a word that turns the sentence ("but") stands between `from`
    /// and `to`: a change of heart before it does not reach the words after.
    fn turned(&self, words: &[&str], from: usize, to: usize) -> bool {
        (from..to.min(words.len())).any(|i| self.turns.iter().any(|t| t == words[i]))
    }

    /// Whether a sentence (ending at byte `end` of the text) is a question
    /// that tells no story.
    fn asks(&self, text: &str, end: usize, words: &[&str]) -> bool {
        let next = text[end..]
            .chars()
            .find(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '\u{2019}' | '\u{201d}' | ')' | '*' | '_'));
        next == Some('?') && !self.rhetorical.iter().any(|p| p.end_at(words, 0).is_some())
    }

    /// The word ranges of a sentence that report someone else's words: from
    /// each reporting verb whose speaker is someone else to the next word
    /// that turns the sentence, or its end.
    fn reported_from(&self, words: &[&str]) -> Vec<(usize, usize)> {
        let is = |list: &[String], w: &str| list.iter().any(|x| x == w);
        // Each reporting verb: where it starts and ends, and whether the
        // speaker is someone else.
        let mut verbs = Vec::new();
        for at in 0..words.len() {
            let Some(end) = self.verbs.iter().find_map(|p| p.end_at(words, at)) else {
                continue;
            };
            // The speaker: the nearest word before the verb that is not a
            // small one ("Dad used to say", "I'll just say").
            let speaker = words[at.saturating_sub(4)..at].iter().rev().find(|w| !is(&self.small, w));
            let next = words.get(end).copied().unwrap_or("");
            let own = match speaker {
                None => true,
                Some(w) => is(&self.own, w) || is(&self.things, w),
            } || is(&self.reflexive, next);
            // "Walked out and told Jas": the last clause's speaker, the
            // person unless a pronoun of someone else's stands there.
            let carried = at.checked_sub(1).is_some_and(|b| is(&self.carried, words[b]));
            let own = if carried {
                let back = &words[at.saturating_sub(7)..at - 1];
                !back
                    .iter()
                    .rev()
                    .find(|w| is(&self.people, w) || is(&self.own, w))
                    .is_some_and(|w| is(&self.people, w))
            } else {
                own
            };
            let reports = !is(&self.empty, next);
            verbs.push((at, end, !own && reports));
        }
        let mut out = Vec::new();
        for (i, &(_, end, other)) in verbs.iter().enumerate() {
            if !other {
                continue;
            }
            // The reach ends at a turning word, where the person takes the
            // sentence back ("and I"), or at the next speaker.
            let next = verbs[i + 1..].iter().map(|v| v.0).find(|&a| a >= end).unwrap_or(words.len());
            let to = (end..next)
                .find(|&i| is(&self.turns, words[i]) || self.resume.iter().any(|p| p.end_at(words, i).is_some()))
                .unwrap_or(next);
            out.push((end, to));
        }
        out
    }
}

/// Parse one pattern, with its `^` and `$` anchors.
fn compile(source: &str, classes: &Classes) -> Result<Pat, String> {
    let trimmed = source.trim();
    let at_start = trimmed.starts_with('^');
    let at_end = trimmed.ends_with('$');
    let body = trimmed.trim_start_matches('^').trim_end_matches('$').trim();
    let elems = parse_pattern(body, classes)?;
    Ok(Pat {
        source: source.to_string().leak(),
        elems: leak(elems),
        at_start,
        at_end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = r#"
[classes]
me = ["i", "im"]

[[stories]]
story = "prefer-alone"
patterns = ["@me ..2 better off alone", "^alone$"]

[[stories]]
story = "will-disappoint"
patterns = ["let me down"]

[[stories]]
story = "need-nothing"
patterns = ["dont need anyone"]

[[stories]]
story = "just-who-i-am"
patterns = ["who i am"]

[[stories]]
story = "just-independent"
patterns = ["very private"]

[[stories]]
story = "need-space"
patterns = ["need space"]

[[stories]]
story = "dont-care"
patterns = ["dont care about me"]

[[stories]]
story = "done-with-this"
patterns = ["im done$"]

[[ignore]]
about = "change"
reach = "sentence"
patterns = ["used to"]

[[ignore]]
about = "a return"
reach = "text"
stories = ["need-space"]
patterns = ["call you tomorrow"]

[[ignore]]
about = "ordinary"
reach = "overlap"
patterns = ["need space (on|in)"]

[reporting]
verbs = ["said", "told me"]
own = ["i", "me"]
small = ["to", "going"]
things = ["which"]
carried = ["and"]
people = ["she"]
reflexive = ["myself"]
empty = ["sorry"]
resume = ["and i"]
turns = ["but"]

[questions]
rhetorical = ["why would"]
"#;

    fn rules() -> StoryRules {
        StoryRules::load(Source {
            path: "story-rules.toml",
            text: RULES,
        })
        .expect("valid")
    }

    fn ids(r: &StoryRules, text: &str) -> Vec<&'static str> {
        r.spot(text).into_iter().map(|s| s.story).collect()
    }

    #[test]
    fn each_kind_of_look_alike_is_set_aside() {
        let r = rules();
        assert_eq!(ids(&r, "Honestly I'm better off alone."), ["prefer-alone"]);
        assert_eq!(
            ids(&r, "I used to think I'm better off alone."),
            Vec::<&str>::new(),
            "a change of heart"
        );
        assert_eq!(ids(&r, "Am I better off alone?"), Vec::<&str>::new(), "a question");
        assert_eq!(ids(&r, "Why would I think I'm better off alone?"), ["prefer-alone"], "rhetorical");
        assert_eq!(ids(&r, "Sam said I'm better off alone"), Vec::<&str>::new(), "someone else's words");
        assert_eq!(ids(&r, "I said I'm better off alone"), ["prefer-alone"], "their own words");
        assert_eq!(
            ids(&r, "Sam said hi but I'm better off alone"),
            ["prefer-alone"],
            "the report ends at but"
        );
        assert_eq!(ids(&r, "I need space. I'll call you tomorrow."), Vec::<&str>::new(), "a return");
        assert_eq!(ids(&r, "I need space on my desk"), Vec::<&str>::new(), "ordinary");
        assert_eq!(
            ids(&r, "I'm done. They don't care about me"),
            ["dont-care", "done-with-this"],
            "story order"
        );
        assert_eq!(ids(&r, "I'm done with the essay"), Vec::<&str>::new(), "$ anchors the end");
        assert_eq!(ids(&r, "Alone."), ["prefer-alone"], "^ and $ together");
        let s = &r.spot("Well. I'm really better off alone")[0];
        assert_eq!(
            (s.phrase.as_str(), s.rule.as_str(), s.at),
            ("I'm really better off alone", "@me ..2 better off alone", 6)
        );
    }

    #[test]
    fn a_mistake_in_the_rules_names_its_line() {
        let bad = RULES.replace("\"very private\"", "\"very (private\"");
        let err = StoryRules::load(Source {
            path: "story-rules.toml",
            text: &bad,
        })
        .unwrap_err();
        assert_eq!(
            err.line,
            bad.lines().position(|l| l.contains("very (private")).map(|i| i + 1),
            "{err}"
        );
        let unknown = RULES.replace("story = \"need-space\"", "story = \"need-room\"");
        let err = StoryRules::load(Source {
            path: "story-rules.toml",
            text: &unknown,
        })
        .unwrap_err();
        assert!(err.reason.contains("no story \"need-room\""), "{err}");
        let missing = RULES.replace(
            "story = \"need-space\"\npatterns = [\"need space\"]",
            "story = \"dont-care\"\npatterns = [\"nah\"]",
        );
        let err = StoryRules::load(Source {
            path: "story-rules.toml",
            text: &missing,
        })
        .unwrap_err();
        assert!(err.reason.contains("\"need-space\" has no patterns"), "{err}");
    }
}
