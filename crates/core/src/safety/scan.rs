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

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Deserialize;

use super::model::{self, Clusters, Feature, Model, Word};
use crate::source::{ContentError, Source, line_of, parse_toml};

/// What a signal is about. Shown to no one but the person and the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Topic {
    Suicide,
    SelfHarm,
    NotHere,
    Danger,
}

impl Topic {
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Suicide => "suicide",
            Topic::SelfHarm => "self-harm",
            Topic::NotHere => "not-here",
            Topic::Danger => "danger",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Elem {
    Word {
        text: String,
        prefix: bool,
    },
    Any,
    Gap(usize),
    /// The options of a word class are parsed once and shared by every
    /// pattern that names it.
    Alt {
        options: Arc<[Vec<Elem>]>,
        optional: bool,
    },
}

/// One parsed pattern and the text it was written as.
#[derive(Debug, Clone)]
struct Pattern {
    source: String,
    elems: Vec<Elem>,
}

#[derive(Debug, Clone)]
struct Rule {
    topic: Topic,
    pattern: Pattern,
    /// A mention is evidence for the word model, not a verdict on its own.
    mention: bool,
}

/// The compiled rules.
#[derive(Debug, Clone)]
pub struct Scanner {
    signals: Vec<Rule>,
    ignores: Vec<(Pattern, Scope)>,
    /// Which signal and which ignore patterns can start at a given word.
    signal_index: FirstWords,
    ignore_index: FirstWords,
    model: Option<Model>,
    clusters: Option<Clusters>,
}

/// Patterns by the words they can start with, so a sentence tries only the
/// patterns that can match at each of its words instead of every pattern at
/// every word. A pattern that can start with any word is always tried.
#[derive(Debug, Clone, Default)]
struct FirstWords {
    exact: std::collections::HashMap<String, Vec<usize>>,
    prefix: Vec<(String, usize)>,
    always: Vec<usize>,
}

impl FirstWords {
    fn new<'a>(patterns: impl Iterator<Item = &'a [Elem]>) -> FirstWords {
        let mut index = FirstWords::default();
        for (i, elems) in patterns.enumerate() {
            match first_words(elems) {
                None => index.always.push(i),
                Some(words) => {
                    for (w, prefix) in words {
                        if prefix {
                            index.prefix.push((w, i));
                        } else {
                            let at = index.exact.entry(w).or_default();
                            if at.last() != Some(&i) {
                                at.push(i);
                            }
                        }
                    }
                }
            }
        }
        index
    }

    /// Every (pattern, start) worth trying in a sentence, in pattern order and
    /// then word order: the order a pattern-by-pattern pass would find them.
    fn candidates(&self, words: &[&str]) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        for (start, w) in words.iter().enumerate() {
            if let Some(rules) = self.exact.get(*w) {
                out.extend(rules.iter().map(|&r| (r, start)));
            }
            out.extend(
                self.prefix
                    .iter()
                    .filter(|(p, _)| w.starts_with(p.as_str()))
                    .map(|&(_, r)| (r, start)),
            );
            out.extend(self.always.iter().map(|&r| (r, start)));
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The words (each exact, or a prefix) a pattern's match can start with, or
/// None when it can start with any word.
fn first_words(elems: &[Elem]) -> Option<Vec<(String, bool)>> {
    let mut out = Vec::new();
    firsts_into(elems, &[], &mut out)?;
    Some(out)
}

/// The first words of `seq` followed by the sequences in `then`, added to
/// `out`; None when that can start with any word.
fn firsts_into(seq: &[Elem], then: &[&[Elem]], out: &mut Vec<(String, bool)>) -> Option<()> {
    let Some((first, rest)) = seq.split_first() else {
        let (next, more) = then.split_first()?;
        return firsts_into(next, more, out);
    };
    match first {
        Elem::Word { text, prefix } => {
            out.push((text.clone(), *prefix));
            Some(())
        }
        Elem::Any | Elem::Gap(_) => None,
        Elem::Alt { options, optional } => {
            let mut after: Vec<&[Elem]> = Vec::with_capacity(then.len() + 1);
            after.push(rest);
            after.extend_from_slice(then);
            for opt in options.iter() {
                firsts_into(opt, &after, out)?;
            }
            if *optional {
                firsts_into(rest, then, out)?;
            }
            Some(())
        }
    }
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanFile {
    /// Named word classes, used in patterns as `@name`.
    #[serde(default)]
    classes: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    signals: Vec<SignalGroup>,
    #[serde(default)]
    ignore: Vec<IgnoreGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignalGroup {
    topic: Topic,
    /// Words that are crisis language in one sentence and a news report or a
    /// lecture in the next ("suicide", "self-harm"): they do not show the
    /// panel alone, but tell the word model they were there.
    #[serde(default)]
    mention: bool,
    patterns: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreGroup {
    /// A note for editors on what the group covers.
    #[serde(default)]
    #[allow(dead_code)]
    about: String,
    /// `"sentence"`: a match sets aside its whole sentence, not only the
    /// words it overlaps (a joke that says it is one).
    #[serde(default)]
    scope: Scope,
    patterns: Vec<String>,
}

#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "kebab-case")]
enum Scope {
    #[default]
    Overlap,
    Sentence,
}

impl Scanner {
    /// The scanner as the app runs it: the rules in `content/safety/scan.toml`
    /// with the word model and clusters compiled into the binary.
    pub fn load(src: Source) -> Result<Scanner, ContentError> {
        Ok(Scanner::parse(src.path, src.text)?
            .with_model(Model::embedded())
            .with_clusters(Clusters::embedded()))
    }

    /// Parse the rules file; every error names the line of the pattern.
    pub fn parse(path: &str, text: &str) -> Result<Scanner, ContentError> {
        let file: ScanFile = parse_toml(path, text)?;
        let classes = parse_classes(&file.classes).map_err(|(name, why)| {
            let line = text.find(&format!("\n{name} =")).map(|at| line_of(text, at + 1));
            ContentError::new(path, line, format!("word class \"@{name}\": {why}"))
        })?;
        let compile = |source: &str| -> Result<Pattern, ContentError> {
            // The line is looked up only for an error: finding every pattern
            // in the file on every load made start-up slow.
            let fail = |why: String| {
                let line = text.find(&format!("\"{source}\"")).map(|at| line_of(text, at));
                ContentError::new(path, line, format!("pattern \"{source}\": {why}"))
            };
            let elems = parse_pattern(source, &classes).map_err(fail)?;
            Ok(Pattern {
                source: source.to_string(),
                elems,
            })
        };
        let mut signals = Vec::new();
        for group in &file.signals {
            for p in &group.patterns {
                signals.push(Rule {
                    topic: group.topic,
                    pattern: compile(p)?,
                    mention: group.mention,
                });
            }
        }
        let mut ignores = Vec::new();
        for group in &file.ignore {
            for p in &group.patterns {
                ignores.push((compile(p)?, group.scope));
            }
        }
        if !signals.iter().any(|r| !r.mention) {
            return Err(ContentError::new(
                path,
                None,
                "there are no signal patterns; the scanner would never respond",
            ));
        }
        for topic in [Topic::Suicide, Topic::SelfHarm, Topic::NotHere, Topic::Danger] {
            if !signals.iter().any(|r| r.topic == topic && !r.mention) {
                return Err(ContentError::new(
                    path,
                    None,
                    format!("no patterns for the topic \"{}\"; every topic needs at least one", topic.as_str()),
                ));
            }
        }
        Ok(Scanner {
            signal_index: FirstWords::new(signals.iter().map(|r| r.pattern.elems.as_slice())),
            ignore_index: FirstWords::new(ignores.iter().map(|(p, _)| p.elems.as_slice())),
            signals,
            ignores,
            model: None,
            clusters: None,
        })
    }

    /// Give the word model the clusters of similar words, so "tablets" can
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
            for (r, start) in self.signal_index.candidates(&words) {
                let rule = &self.signals[r];
                if let Some(end) = span_at(&rule.pattern.elems, &words, start) {
                    if ignored.iter().any(|&(s, e)| s < end && start < e) {
                        continue;
                    }
                    let at = sentence[start].from;
                    let phrase = text[at..sentence[end - 1].to].to_string();
                    if !reading.matches.iter().any(|(m, _)| m.phrase == phrase && m.topic == rule.topic) {
                        let m = Match {
                            topic: rule.topic,
                            phrase,
                            rule: rule.pattern.source.clone(),
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
        (self.signals.len(), self.ignores.len())
    }
}

impl Scanner {
    /// The word spans the ignore rules set aside in one sentence.
    fn ignored(&self, words: &[&str]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (i, start) in self.ignore_index.candidates(words) {
            let (p, scope) = &self.ignores[i];
            if let Some(end) = span_at(&p.elems, words, start) {
                match scope {
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
struct Token {
    norm: String,
    from: usize,
    to: usize,
}

const APOSTROPHES: [char; 4] = ['\'', '\u{2019}', '\u{2018}', '`'];

/// Split into sentences of tokens. Apostrophes inside a word are dropped.
fn sentences(text: &str) -> Vec<Vec<Token>> {
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
fn span_at(elems: &[Elem], words: &[&str], start: usize) -> Option<usize> {
    let mut ends = Vec::new();
    ends_of(elems, words, start, &mut ends);
    ends.into_iter().filter(|&e| e > start).min()
}

/// All positions where `elems` can finish when started at `at`.
fn ends_of(elems: &[Elem], words: &[&str], at: usize, out: &mut Vec<usize>) {
    let Some((first, rest)) = elems.split_first() else {
        out.push(at);
        return;
    };
    match first {
        Elem::Word { text, prefix } => {
            if let Some(w) = words.get(at)
                && (if *prefix { w.starts_with(text.as_str()) } else { *w == text })
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

/// Word classes by name, each parsed once into its options.
type Classes = HashMap<String, Arc<[Vec<Elem>]>>;

/// Parse every class under `[classes]`: each entry is a short pattern of its
/// own (words, `*`, choices), naming no other class.
fn parse_classes(raw: &BTreeMap<String, Vec<String>>) -> Result<Classes, (String, String)> {
    let none = Classes::new();
    let mut out = Classes::with_capacity(raw.len());
    for (name, entries) in raw {
        if entries.is_empty() || entries.iter().any(|w| w.contains('@')) {
            return Err((name.clone(), "it must list words, without other classes".into()));
        }
        let mut options = Vec::with_capacity(entries.len());
        for entry in entries {
            let mut chars = entry.chars().peekable();
            let (elems, closer) = parse_seq(&mut chars, 1, &none).map_err(|why| (name.clone(), format!("\"{entry}\": {why}")))?;
            if elems.is_empty() || closer.is_some() {
                return Err((
                    name.clone(),
                    format!("\"{entry}\" should be words, without a bare \"|\" or closing bracket"),
                ));
            }
            options.push(elems);
        }
        out.insert(name.clone(), options.into());
    }
    Ok(out)
}

/// Parse the pattern syntax described at the top of this file.
fn parse_pattern(source: &str, classes: &Classes) -> Result<Vec<Elem>, String> {
    let mut chars = source.chars().peekable();
    let (elems, closer) = parse_seq(&mut chars, 0, classes)?;
    if let Some(c) = closer {
        return Err(format!("\"{c}\" has no opening bracket"));
    }
    if elems.is_empty() {
        return Err("it is empty".into());
    }
    if matches!(elems.first(), Some(Elem::Gap(_))) || matches!(elems.last(), Some(Elem::Gap(_))) {
        return Err("a pattern cannot start or end with \"..\"".into());
    }
    Ok(elems)
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// Parse until a closing bracket or "|" (returned) or the end (None).
fn parse_seq(chars: &mut Chars, depth: usize, classes: &Classes) -> Result<(Vec<Elem>, Option<char>), String> {
    let mut elems = Vec::new();
    let mut word = String::new();
    let push_word = |word: &mut String, elems: &mut Vec<Elem>| -> Result<(), String> {
        if word.is_empty() {
            return Ok(());
        }
        let w = std::mem::take(word);
        if let Some(name) = w.strip_prefix('@') {
            let options = classes
                .get(name)
                .ok_or_else(|| format!("there is no word class \"@{name}\"; define it under [classes]"))?;
            elems.push(Elem::Alt {
                options: Arc::clone(options),
                optional: false,
            });
        } else if w == "*" {
            elems.push(Elem::Any);
        } else if let Some(n) = w.strip_prefix("..") {
            let n = if n.is_empty() {
                3
            } else {
                n.parse().map_err(|_| format!("\"{w}\" needs a number after \"..\""))?
            };
            if !(1..=8).contains(&n) {
                return Err(format!("\"{w}\": a gap can be 1 to 8 words"));
            }
            elems.push(Elem::Gap(n));
        } else {
            let stem = w.strip_suffix('*').unwrap_or(&w);
            if stem.is_empty() || !stem.chars().all(|c| c.is_alphanumeric()) {
                return Err(format!(
                    "\"{w}\" should be letters or digits, written without apostrophes (\"dont\", not \"don't\")"
                ));
            }
            if stem.chars().any(char::is_uppercase) {
                return Err(format!("\"{w}\" should be lower case"));
            }
            let (text, prefix) = match w.strip_suffix('*') {
                Some(t) => (t.to_string(), true),
                None => (w, false),
            };
            elems.push(Elem::Word { text, prefix });
        }
        Ok(())
    };
    while let Some(c) = chars.next() {
        match c {
            ' ' => push_word(&mut word, &mut elems)?,
            '(' | '[' => {
                push_word(&mut word, &mut elems)?;
                if depth > 4 {
                    return Err("brackets nest too deeply".into());
                }
                let close = if c == '(' { ')' } else { ']' };
                let mut options = Vec::new();
                loop {
                    let (opt, end) = parse_seq(chars, depth + 1, classes)?;
                    if opt.is_empty() {
                        return Err(format!("an empty choice inside \"{c}{close}\""));
                    }
                    options.push(opt);
                    match end {
                        Some('|') => continue,
                        Some(e) if e == close => break,
                        Some(e) => return Err(format!("\"{c}\" is closed by \"{e}\"")),
                        None => return Err(format!("\"{c}\" is never closed")),
                    }
                }
                elems.push(Elem::Alt {
                    options: options.into(),
                    optional: c == '[',
                });
            }
            ')' | ']' | '|' => {
                push_word(&mut word, &mut elems)?;
                if depth == 0 {
                    return Err(format!("\"{c}\" outside any brackets"));
                }
                return Ok((elems, Some(c)));
            }
            other => word.push(other),
        }
    }
    push_word(&mut word, &mut elems)?;
    Ok((elems, None))
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
                    (&s.signal_index, s.signals.iter().map(|r| &r.pattern).collect::<Vec<_>>()),
                    (&s.ignore_index, s.ignores.iter().map(|(p, _)| p).collect()),
                ] {
                    let tried = index.candidates(&words);
                    for (i, p) in patterns.iter().enumerate() {
                        for start in 0..words.len() {
                            if span_at(&p.elems, &words, start).is_some() {
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
