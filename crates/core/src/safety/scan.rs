//! The crisis-language scanner: on-device, deterministic, explainable.
//!
//! Text is split into sentences and words. Words are lower-cased and lose
//! their apostrophes, so "don't", "dont" and "DON'T" are the same word.
//! Each rule in `content/safety/scan.toml` is a small pattern over words:
//!
//! | syntax       | matches                                              |
//! |--------------|------------------------------------------------------|
//! | `kill`       | the word "kill"                                      |
//! | `kill*`      | any word starting with "kill" (kill, killing, killed)|
//! | `*`          | any one word                                         |
//! | `..`         | up to three words of anything (`..5`: up to five)    |
//! | `(a b|c)`    | either "a b" or "c"                                  |
//! | `[a|b]`      | optionally "a" or "b"                                |
//! | `@name`      | any entry of the word class `name` under `[classes]` |
//!
//! A signal rule that matches shows the panel, unless an `ignore` rule (a
//! figure of speech such as "this deadline is killing me") matches words that
//! overlap it, or the word model (`super::model`) is all but sure the text is
//! not about that topic. Gaps never cross a sentence end, so two harmless sentences do
//! not combine into an alarming one.

use super::model::{self, Clusters, Feature, Model, Word};
pub use super::rules::Topic;
use super::rules::{Elem, Rules, Scope};
use crate::source::{ContentError, Source};

/// The rules in `content/safety/scan.toml` as `build.rs` compiled them.
mod compiled {
    include!(concat!(env!("OUT_DIR"), "/scanner_rules.rs"));
}

/// The rules, with the word model and clusters behind them.
#[derive(Debug, Clone)]
pub struct Scanner {
    rules: Rules,
    model: Option<Model>,
    clusters: Option<Clusters>,
}

/// One signal found in a text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Match {
    pub topic: Topic,
    /// The words of the person's text that matched, as they wrote them.
    pub phrase: String,
    /// The rule that matched, as written in the content file, or the word
    /// model and how sure it was.
    pub rule: String,
    /// Where the phrase starts in the text, in bytes.
    #[serde(skip)]
    pub at: usize,
}

/// The verdict on a text.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Scan {
    /// Whether the calm crisis panel should be offered.
    pub show_panel: bool,
    pub matches: Vec<Match>,
}

impl Scanner {
    /// The scanner as the app runs it: the rules in `content/safety/scan.toml`
    /// with the word model and clusters compiled into the binary. The rules
    /// shipped in the binary were compiled by `build.rs` and are not parsed
    /// again; any other text is parsed.
    pub fn load(src: Source) -> Result<Scanner, ContentError> {
        let rules = if src.text == compiled::SOURCE {
            compiled::RULES
        } else {
            parse_rules(src.path, src.text)?
        };
        Ok(Scanner {
            rules,
            model: Some(Model::embedded()),
            clusters: Some(Clusters::embedded()),
        })
    }

    /// Parse a rules file, without the word model; every error names the
    /// line of the pattern.
    pub fn parse(path: &str, text: &str) -> Result<Scanner, ContentError> {
        Ok(Scanner {
            rules: parse_rules(path, text)?,
            model: None,
            clusters: None,
        })
    }

    /// count as evidence where only "pills" was ever seen in training.
    pub fn with_clusters(mut self, clusters: Clusters) -> Scanner {
        self.clusters = Some(clusters);
        self
    }

    /// Put the word model behind the rules.
    pub fn with_model(mut self, model: Model) -> Scanner {
        self.model = Some(model);
        self
    }

    /// The model behind the rules, if one is loaded.
    pub fn model(&self) -> Option<&Model> {
        self.model.as_ref()
    }

    /// The word model's features of a text: what is left once the ignore
    /// rules have taken out figures of speech, denials and the like.
    pub fn features(&self, text: &str) -> Vec<Feature> {
        self.read(text).features()
    }

    /// Scan a text. Deterministic: the same text always gives the same result.
    pub fn scan(&self, text: &str) -> Scan {
        let reading = self.read(text);
        let mut matches = reading.verdicts();
        if let Some(m) = &self.model {
            let features = reading.features();
            let sure = m.probabilities(&features);
            let sure: Vec<(Topic, f64)> = model::TOPICS.into_iter().zip(sure).collect();
            // A rule match stands unless the model, reading the whole text,
            // is all but sure it is not about that topic: "years ago he hit
            // me; I left and I've been safe since" matches a danger rule.
            matches.retain(|x| sure.iter().all(|(t, p)| *t != x.topic || *p >= m.veto));
            for &(topic, p) in &sure {
                if p < m.threshold || matches.iter().any(|x| x.topic == topic) {
                    continue;
                }
                if let Some((at, phrase)) = heard(m, topic, &features, text) {
                    matches.push(Match {
                        topic,
                        phrase,
                        rule: format!("word model, {:.0}% sure", p * 100.0),
                        at,
                    });
                }
            }
        }
        Scan {
            show_panel: !matches.is_empty(),
            matches,
        }
    }

    /// Only the hand-written rules' verdict, without the word model.
    pub fn scan_rules(&self, text: &str) -> Scan {
        let matches = self.read(text).verdicts();
        Scan {
            show_panel: !matches.is_empty(),
            matches,
        }
    }

    /// One pass over the sentences: every unignored rule match, and the runs
    /// of words the word model may read.
    fn read(&self, text: &str) -> Reading {
        let mut reading = Reading::default();
        for sentence in sentences(text) {
            let words: Vec<&str> = sentence.iter().map(|t| t.norm.as_str()).collect();
            let ignored = self.ignored(&words);
            for (r, start) in self.rules.signal_index.candidates(&words) {
                let rule = &self.rules.signals[r];
                if let Some(end) = span_at(rule.pattern.elems, &words, start) {
                    if ignored.iter().any(|&(s, e)| s < end && start < e) {
                        continue;
                    }
                    let at = sentence[start].from;
                    let phrase = text[at..sentence[end - 1].to].to_string();
                    if !reading.matches.iter().any(|(m, _)| m.phrase == phrase && m.topic == rule.topic) {
                        let m = Match {
                            topic: rule.topic,
                            phrase,
                            rule: rule.pattern.source.to_string(),
                            at,
                        };
                        reading.matches.push((m, rule.mention));
                    }
                }
            }
            let mut run = Vec::new();
            for (i, t) in sentence.iter().enumerate() {
                let near_ignored = ignored
                    .iter()
                    .any(|&(s, e)| s.saturating_sub(IGNORE_REACH) <= i && i < e + IGNORE_REACH);
                if near_ignored {
                    if !run.is_empty() {
                        reading.runs.push(std::mem::take(&mut run));
                    }
                    continue;
                }
                run.push(Word {
                    stem: model::stem(&t.norm),
                    from: t.from,
                    to: t.to,
                    cluster: self.clusters.as_ref().and_then(|c| c.get(&t.norm)),
                });
            }
            if !run.is_empty() {
                reading.runs.push(run);
            }
        }
        reading
    }

    /// How many rules of each kind, for `drawbridge scan --json` and docs.
    pub fn rule_counts(&self) -> (usize, usize) {
        (self.rules.signals.len(), self.rules.ignores.len())
    }
}

impl Scanner {
    /// The word spans the ignore rules set aside in one sentence.
    fn ignored(&self, words: &[&str]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (i, start) in self.rules.ignore_index.candidates(words) {
            let ignore = &self.rules.ignores[i];
            if let Some(end) = span_at(ignore.pattern.elems, words, start) {
                match ignore.scope {
                    Scope::Overlap => out.push((start, end)),
                    Scope::Sentence => out.push((0, words.len())),
                }
            }
        }
        out
    }
}

/// What one pass over a text found.
#[derive(Default)]
struct Reading {
    /// Unignored rule matches, each with whether its rule is a mention.
    matches: Vec<(Match, bool)>,
    /// Runs of words left for the word model.
    runs: Vec<Vec<Word>>,
}

impl Reading {
    /// The matches that show the panel on their own: every one but mentions.
    fn verdicts(&self) -> Vec<Match> {
        self.matches
            .iter()
            .filter(|(_, mention)| !mention)
            .map(|(m, _)| m.clone())
            .collect()
    }

    /// The model's features: the words' features and one per topic a rule
    /// matched ("rule:danger") or a mention named ("mention:suicide").
    fn features(&self) -> Vec<Feature> {
        let mut out = model::features(&self.runs);
        for (m, mention) in &self.matches {
            let kind = if *mention { "mention" } else { "rule" };
            let key = format!("{kind}:{}", m.topic.as_str());
            if !out.iter().any(|f| f.key == key) {
                out.push(Feature {
                    key,
                    from: m.at,
                    to: m.at + m.phrase.len(),
                });
            }
        }
        out
    }
}

/// The words that weighed most for a head, in the order they were written,
/// so the person can see what was heard: where they start, and the phrase.
fn heard(model: &Model, topic: Topic, features: &[Feature], text: &str) -> Option<(usize, String)> {
    let mut spans: Vec<(usize, usize)> = model.strongest(topic, features, 3).into_iter().map(|f| (f.from, f.to)).collect();
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (from, to) in spans {
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    let &(at, _) = merged.first()?;
    let phrase: Vec<&str> = merged.iter().map(|&(a, b)| &text[a..b]).collect();
    Some((at, phrase.join(" … ")))
}

/// How many words either side of an ignored phrase the word model also
/// leaves out: "he said he'd never hurt me" should not leave "he said he'd"
/// behind as evidence.
const IGNORE_REACH: usize = 6;

/// A word of the input: its normal form and where it sits in the original.
pub(crate) struct Token {
    pub(crate) norm: String,
    pub(crate) from: usize,
    pub(crate) to: usize,
}

const APOSTROPHES: [char; 4] = ['\'', '\u{2019}', '\u{2018}', '`'];

/// Split into sentences of tokens. Apostrophes inside a word are dropped.
pub(crate) fn sentences(text: &str) -> Vec<Vec<Token>> {
    let mut out = Vec::new();
    let mut current: Vec<Token> = Vec::new();
    let mut word_start: Option<usize> = None;
    let flush_word = |current: &mut Vec<Token>, from: usize, to: usize| {
        let norm: String = text[from..to]
            .chars()
            .filter(|c| !APOSTROPHES.contains(c))
            .flat_map(char::to_lowercase)
            .collect();
        if !norm.is_empty() {
            current.push(Token { norm, from, to });
        }
    };
    for (i, c) in text.char_indices() {
        let in_word = c.is_alphanumeric() || (APOSTROPHES.contains(&c) && word_start.is_some());
        match (in_word, word_start) {
            (true, None) => word_start = Some(i),
            (false, Some(s)) => {
                flush_word(&mut current, s, i);
                word_start = None;
            }
            _ => {}
        }
        if matches!(c, '.' | '!' | '?' | '\n' | ';') && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if let Some(s) = word_start {
        flush_word(&mut current, s, text.len());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Where the shortest match of the pattern that starts at `start` ends.
pub(crate) fn span_at(elems: &[Elem], words: &[&str], start: usize) -> Option<usize> {
    let mut ends = Vec::new();
    ends_of(elems, words, start, &mut ends);
    ends.into_iter().filter(|&e| e > start).min()
}

/// All positions where `elems` can finish when started at `at`.
pub(crate) fn ends_of(elems: &[Elem], words: &[&str], at: usize, out: &mut Vec<usize>) {
    let Some((first, rest)) = elems.split_first() else {
        out.push(at);
        return;
    };
    match first {
        Elem::Word { text, prefix } => {
            if let Some(w) = words.get(at)
                && (if *prefix { w.starts_with(*text) } else { *w == *text })
            {
                ends_of(rest, words, at + 1, out);
            }
        }
        Elem::Any => {
            if at < words.len() {
                ends_of(rest, words, at + 1, out);
            }
        }
        Elem::Gap(n) => {
            for skip in 0..=*n {
                if at + skip > words.len() {
                    break;
                }
                ends_of(rest, words, at + skip, out);
            }
        }
        Elem::Alt { options, optional } => {
            if *optional {
                ends_of(rest, words, at, out);
            }
            for opt in options.iter() {
                let mut mid = Vec::new();
                ends_of(opt, words, at, &mut mid);
                mid.sort_unstable();
                mid.dedup();
                for m in mid {
                    ends_of(rest, words, m, out);
                }
            }
        }
    }
}

fn parse_rules(path: &str, text: &str) -> Result<Rules, ContentError> {
    Rules::parse(text).map_err(|p| ContentError::new(path, p.line, p.reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first-word index may only skip (pattern, start) pairs where the
    /// pattern cannot match: checked for every shipped pattern at every word
    /// of a development set's texts.
    #[test]
    fn the_first_word_index_never_skips_a_match() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../content/safety/scan.toml");
        let s = Scanner::parse("safety/scan.toml", &std::fs::read_to_string(dir).expect("rules")).expect("valid");
        let cases = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/scan-app-a.toml");
        let cases = super::model::parse_cases("scan-app-a.toml", &std::fs::read_to_string(cases).expect("cases")).expect("valid");
        let mut checked = 0;
        for (text, _) in &cases {
            for sentence in sentences(text) {
                let words: Vec<&str> = sentence.iter().map(|t| t.norm.as_str()).collect();
                for (index, patterns) in [
                    (
                        &s.rules.signal_index,
                        s.rules.signals.iter().map(|r| &r.pattern).collect::<Vec<_>>(),
                    ),
                    (&s.rules.ignore_index, s.rules.ignores.iter().map(|i| &i.pattern).collect()),
                ] {
                    let tried = index.candidates(&words);
                    for (i, p) in patterns.iter().enumerate() {
                        for start in 0..words.len() {
                            if span_at(p.elems, &words, start).is_some() {
                                checked += 1;
                                assert!(tried.contains(&(i, start)), "\"{}\" skipped at \"{}\"", p.source, words[start]);
                            }
                        }
                    }
                }
            }
        }
        assert!(checked > 100, "the set has matches to check ({checked})");
    }

    /// The rules the binary ships are the rules in the file: build.rs's
    /// statics, compared part by part with the file parsed now.
    #[test]
    fn the_compiled_rules_are_the_rules_in_the_file() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../content/safety/scan.toml");
        let text = std::fs::read_to_string(path).expect("rules");
        assert_eq!(text, compiled::SOURCE, "build.rs compiled the file in content/");
        let parsed = Rules::parse(&text).expect("valid");
        assert_eq!(parsed, compiled::RULES);
        assert!(compiled::RULES.signals.len() > 100 && compiled::RULES.ignores.len() > 50);
        let loaded = Scanner::load(Source {
            path: "safety/scan.toml",
            text: &text,
        })
        .expect("loads");
        assert!(
            std::ptr::eq(loaded.rules.signals, compiled::RULES.signals),
            "the shipped text is not parsed again"
        );
        let changed = text.replace("\"kms\",", "\"kms\", \"kmn\",");
        let other = Scanner::load(Source {
            path: "safety/scan.toml",
            text: &changed,
        })
        .expect("loads");
        assert_eq!(other.rules.signals.len(), compiled::RULES.signals.len() + 1, "other text is parsed");
        assert!(other.scan("kmn").show_panel);
    }

    fn scanner(toml: &str) -> Scanner {
        Scanner::parse("safety/scan.toml", toml).expect("valid rules")
    }

    const BASE: &str = r#"
[classes]
partner = ["he", "she", "my (partner|ex)"]

[[signals]]
topic = "suicide"
patterns = ["kill* myself", "(want|wanna) [to] die", "end .. life"]
[[signals]]
topic = "self-harm"
patterns = ["hurt* myself"]
[[signals]]
topic = "not-here"
patterns = ["dont want to be here"]
[[signals]]
topic = "danger"
patterns = ["@partner .. (kill|hurt) me"]
[[ignore]]
about = "figures of speech"
patterns = ["(is|are) killing me"]
"#;

    #[test]
    fn words_prefixes_options_and_gaps_match() {
        let s = scanner(BASE);
        assert!(s.scan("Sometimes I think about KILLING myself.").show_panel);
        assert!(s.scan("i wanna die").show_panel);
        assert!(s.scan("I want to die").show_panel);
        assert!(s.scan("I want to end it, end my whole life").show_panel);
        assert!(s.scan("I don't want to be here").show_panel, "apostrophes are dropped");
        assert!(s.scan("I don\u{2019}t want to be here").show_panel, "curly apostrophes too");
        assert!(!s.scan("I want to dine out").show_panel, "whole words only");
    }

    #[test]
    fn the_match_names_the_topic_and_the_words_as_written() {
        let s = scanner(BASE);
        let r = s.scan("Long day. Honestly I Want To Die, I think.");
        assert_eq!(r.matches.len(), 1);
        assert_eq!(r.matches[0].topic, Topic::Suicide);
        assert_eq!(r.matches[0].phrase, "Want To Die");
        assert_eq!(r.matches[0].rule, "(want|wanna) [to] die");
    }

    #[test]
    fn an_overlapping_figure_of_speech_cancels_the_signal() {
        let s = scanner(BASE);
        assert!(!s.scan("She said the deadline is killing me").show_panel);
        assert!(s.scan("She said she would kill me").show_panel);
    }

    #[test]
    fn gaps_stay_inside_one_sentence() {
        let s = scanner(BASE);
        assert!(
            !s.scan("He left early. Then the kids made me laugh. Kill me, I said, I'm so tired")
                .show_panel
        );
        assert!(s.scan("he said he would kill me").show_panel);
    }

    #[test]
    fn the_same_text_always_gives_the_same_answer() {
        let s = scanner(BASE);
        let t = "I want to die. I want to hurt myself.";
        assert_eq!(s.scan(t), s.scan(t));
        assert_eq!(s.scan(t).matches.len(), 2);
    }

    #[test]
    fn bad_patterns_are_refused_with_the_line() {
        let bad = BASE.replace("\"hurt* myself\"", "\"hurt* (myself\"");
        let err = Scanner::parse("safety/scan.toml", &bad).expect_err("unclosed");
        assert_eq!(err.line, Some(10));
        assert!(err.reason.contains("never closed"), "{err}");
        let err = Scanner::parse("safety/scan.toml", &BASE.replace("\"hurt* myself\"", "\"Hurt myself\"")).expect_err("case");
        assert!(err.reason.contains("lower case"), "{err}");
        let err = Scanner::parse("safety/scan.toml", &BASE.replace("\"hurt* myself\"", "\"don't hurt\"")).expect_err("apostrophe");
        assert!(err.reason.contains("without apostrophes"), "{err}");
        let err = Scanner::parse("safety/scan.toml", &BASE.replace("\"hurt* myself\"", "\"@nobody myself\"")).expect_err("class");
        assert!(err.reason.contains("@nobody"), "{err}");
        let err = Scanner::parse("safety/scan.toml", &BASE.replace("\"hurt* myself\"", "\".. hurt\"")).expect_err("gap");
        assert!(err.reason.contains("start or end"), "{err}");
        let no_danger = BASE.replace("topic = \"danger\"", "topic = \"suicide\"");
        let err = Scanner::parse("safety/scan.toml", &no_danger).expect_err("topic missing");
        assert!(err.reason.contains("danger"), "{err}");
    }

    #[test]
    fn a_mention_alone_is_not_a_verdict_but_the_model_hears_it() {
        let rules = format!("{BASE}\n[[signals]]\ntopic = \"suicide\"\nmention = true\npatterns = [\"suicid*\"]\n");
        let s = scanner(&rules);
        assert!(!s.scan("We had a training day on suicide prevention").show_panel);
        let keys: Vec<String> = s.features("a talk on suicide").into_iter().map(|f| f.key).collect();
        assert!(keys.contains(&"mention:suicide".to_string()), "{keys:?}");
        let only_mentions = rules.replace(
            "patterns = [\"kill* myself\", \"(want|wanna) [to] die\", \"end .. life\"]",
            "mention = true\npatterns = [\"end .. life\"]",
        );
        let err = Scanner::parse("safety/scan.toml", &only_mentions).expect_err("a topic of mentions only");
        assert!(err.reason.contains("suicide"), "{err}");
    }

    #[test]
    fn the_model_reads_what_the_ignore_rules_leave_and_names_its_strongest_words() {
        let s = scanner(BASE);
        let keys: Vec<String> = s.features("the deadline is killing me").into_iter().map(|f| f.key).collect();
        assert!(
            !keys.iter().any(|k| k.contains("kill")),
            "a figure of speech is invisible: {keys:?}"
        );
        let keys: Vec<String> = s.features("Cutting again").into_iter().map(|f| f.key).collect();
        assert_eq!(keys, ["cut", "cut again", "again"]);
        let weights =
            "threshold 0.5\nveto 0.01\nhead suicide -3\nhead self-harm -3\nrazor\t2\ndrawer\t1.5\nhead not-here -3\nhead danger -3\n";
        let s = scanner(BASE).with_model(Model::parse("m", weights).expect("model"));
        let r = s.scan("The razor is in my drawer.");
        assert!(r.show_panel);
        assert_eq!(r.matches[0].topic, Topic::SelfHarm);
        assert_eq!(r.matches[0].phrase, "razor … drawer", "the words that weighed most, in order");
        assert!(r.matches[0].rule.starts_with("word model"), "{}", r.matches[0].rule);
        assert!(!s.scan("The razor is blunt.").show_panel, "one word is not enough here");
        assert!(!s.scan_rules("The razor is in my drawer.").show_panel, "the rules alone stay quiet");
    }

    #[test]
    fn a_rule_match_stands_unless_the_model_is_all_but_sure_it_is_not_crisis() {
        let weights =
            "threshold 0.5\nveto 0.05\nhead suicide -1\nrule:suicide\t0.5\nago\t-6\nhead self-harm -1\nhead not-here -1\nhead danger -1\n";
        let s = scanner(BASE).with_model(Model::parse("m", weights).expect("model"));
        // The model is unsure (38%): below its own threshold, but the rule stands.
        let r = s.scan("I want to die");
        assert!(r.show_panel);
        assert_eq!(r.matches.len(), 1);
        assert_eq!(r.matches[0].phrase, "want to die");
        assert!(!r.matches[0].rule.starts_with("word model"), "{}", r.matches[0].rule);
        // Here it is all but sure the words are in the past: set aside.
        assert!(!s.scan("Years ago I tried to kill myself").show_panel);
        assert!(
            s.scan_rules("Years ago I tried to kill myself").show_panel,
            "the rules alone still match"
        );
    }

    #[test]
    fn clustered_words_share_a_feature_with_their_neighbours() {
        let clusters = model::Clusters::parse("c", "sizes 2 4\npills\t1 3\ntablets\t1 3\nbread\t0 0\n").expect("clusters");
        let s = scanner(BASE).with_clusters(clusters);
        let keys = |t: &str| -> Vec<String> { s.features(t).into_iter().map(|f| f.key).collect() };
        assert!(
            keys("saving my tablets").contains(&"c:3".to_string()),
            "{:?}",
            keys("saving my tablets")
        );
        assert!(keys("saving my pills").contains(&"c:3".to_string()));
        assert!(keys("saving my pills").contains(&"k:1".to_string()));
        assert!(!keys("saving my bread").contains(&"c:3".to_string()));
        assert!(
            !keys("saving my crumbs").iter().any(|k| k.starts_with("c:")),
            "unknown words have no cluster"
        );
    }

    #[test]
    fn odd_input_never_panics() {
        let s = scanner(BASE);
        for t in [
            "",
            "   ",
            "...",
            "'''",
            "\u{2019}",
            "kill",
            "myself kill",
            "a\u{0301}b kill myself \u{1F600}",
            "é'",
        ] {
            let _ = s.scan(t);
        }
    }
}
