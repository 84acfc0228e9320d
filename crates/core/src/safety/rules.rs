//! The scanner's rules as data: the pattern syntax of
//! `content/safety/scan.toml` (described in `scan.rs`), parsed into patterns
//! and the index of the words each pattern can start with.
//!
//! Every part is a `&'static` slice, so `build.rs` can write the shipped
//! rules out as Rust statics and the binary loads them without parsing
//! anything. This file is compiled twice, into the crate and into `build.rs`
//! (which writes the statics), so it uses nothing but `std`, `serde`, `toml`
//! and its sibling `tables.rs`. A mistake in the rules file fails the build
//! with its line.
//!
//! Rules parsed at run time (a test's own rules, or content files given to
//! [`crate::Catalog::from_files`]) are leaked to get the same `'static`
//! form: a process parses a rules file at most a few times.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use super::tables::Problem;

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
    pub const ALL: [Topic; 4] = [Topic::Suicide, Topic::SelfHarm, Topic::NotHere, Topic::Danger];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Suicide => "suicide",
            Topic::SelfHarm => "self-harm",
            Topic::NotHere => "not-here",
            Topic::Danger => "danger",
        }
    }
}

/// One step of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem {
    /// A word, or (`prefix`) any word starting with it.
    Word { text: &'static str, prefix: bool },
    /// Any one word.
    Any,
    /// Up to this many words of anything.
    Gap(usize),
    /// One of the options, or (`optional`) none of them. The options of a
    /// word class are made once and shared by every pattern that names it.
    Alt {
        options: &'static [&'static [Elem]],
        optional: bool,
    },
}

/// One parsed pattern and the text it was written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pattern {
    pub source: &'static str,
    pub elems: &'static [Elem],
}

/// A signal pattern and the topic it signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub topic: Topic,
    pub pattern: Pattern,
    /// A mention is evidence for the word model, not a verdict on its own.
    pub mention: bool,
}

/// How much an ignore pattern sets aside.
#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// The words the match overlaps.
    #[default]
    Overlap,
    /// The whole sentence (a joke that says it is one).
    Sentence,
}

/// An ignore pattern: a figure of speech, a denial, reading about a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ignore {
    pub pattern: Pattern,
    pub scope: Scope,
}

/// Patterns by the words they can start with, so a sentence tries only the
/// patterns that can match at each of its words instead of every pattern at
/// every word. A pattern that can start with any word is always tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstWords {
    /// Whole first words in byte order, each with its patterns in order.
    pub exact: &'static [(&'static str, &'static [usize])],
    /// First words written with `*`, and the pattern each starts.
    pub prefix: &'static [(&'static str, usize)],
    pub always: &'static [usize],
}

/// The whole rules file, ready to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub signals: &'static [Rule],
    pub ignores: &'static [Ignore],
    pub signal_index: FirstWords,
    pub ignore_index: FirstWords,
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
    #[serde(default)]
    scope: Scope,
    patterns: Vec<String>,
}

fn leak<T>(v: Vec<T>) -> &'static [T] {
    v.leak()
}

fn leak_str(s: &str) -> &'static str {
    s.to_string().leak()
}

/// The 1-based line number of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
}

fn problem(line: Option<usize>, reason: String) -> Problem {
    Problem { line, reason }
}

impl Rules {
    /// Parse a rules file; every error names the line of the class or
    /// pattern at fault.
    pub fn parse(text: &str) -> Result<Rules, Problem> {
        let file: ScanFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            problem(line, e.message().trim().to_string())
        })?;
        let classes = parse_classes(&file.classes).map_err(|(name, why)| {
            let line = text.find(&format!("\n{name} =")).map(|at| line_of(text, at + 1));
            problem(line, format!("word class \"@{name}\": {why}"))
        })?;
        let compile = |source: &str| -> Result<Pattern, Problem> {
            // The line is looked up only for an error.
            let fail = |why: String| {
                let line = text.find(&format!("\"{source}\"")).map(|at| line_of(text, at));
                problem(line, format!("pattern \"{source}\": {why}"))
            };
            let elems = parse_pattern(source, &classes).map_err(fail)?;
            Ok(Pattern {
                source: leak_str(source),
                elems: leak(elems),
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
                ignores.push(Ignore {
                    pattern: compile(p)?,
                    scope: group.scope,
                });
            }
        }
        if !signals.iter().any(|r| !r.mention) {
            return Err(problem(
                None,
                "there are no signal patterns; the scanner would never respond".into(),
            ));
        }
        for topic in Topic::ALL {
            if !signals.iter().any(|r| r.topic == topic && !r.mention) {
                return Err(problem(
                    None,
                    format!("no patterns for the topic \"{}\"; every topic needs at least one", topic.as_str()),
                ));
            }
        }
        Ok(Rules {
            signal_index: FirstWords::new(signals.iter().map(|r| r.pattern.elems)),
            ignore_index: FirstWords::new(ignores.iter().map(|i| i.pattern.elems)),
            signals: leak(signals),
            ignores: leak(ignores),
        })
    }
}

impl FirstWords {
    pub(crate) fn new(patterns: impl Iterator<Item = &'static [Elem]>) -> FirstWords {
        let mut exact: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
        let mut prefix = Vec::new();
        let mut always = Vec::new();
        for (i, elems) in patterns.enumerate() {
            match first_words(elems) {
                None => always.push(i),
                Some(words) => {
                    for (w, is_prefix) in words {
                        if is_prefix {
                            prefix.push((w, i));
                        } else {
                            let at = exact.entry(w).or_default();
                            if at.last() != Some(&i) {
                                at.push(i);
                            }
                        }
                    }
                }
            }
        }
        FirstWords {
            exact: leak(exact.into_iter().map(|(w, rules)| (w, leak(rules))).collect()),
            prefix: leak(prefix),
            always: leak(always),
        }
    }

    /// Every (pattern, start) worth trying in a sentence, in pattern order and
    /// then word order: the order a pattern-by-pattern pass would find them.
    pub fn candidates(&self, words: &[&str]) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        for (start, w) in words.iter().enumerate() {
            if let Ok(at) = self.exact.binary_search_by(|(k, _)| k.cmp(w)) {
                out.extend(self.exact[at].1.iter().map(|&r| (r, start)));
            }
            out.extend(self.prefix.iter().filter(|(p, _)| w.starts_with(p)).map(|&(_, r)| (r, start)));
            out.extend(self.always.iter().map(|&r| (r, start)));
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The words (each exact, or a prefix) a pattern's match can start with, or
/// None when it can start with any word.
fn first_words(elems: &'static [Elem]) -> Option<Vec<(&'static str, bool)>> {
    let mut out = Vec::new();
    firsts_into(elems, &[], &mut out)?;
    Some(out)
}

/// The first words of `seq` followed by the sequences in `then`, added to
/// `out`; None when that can start with any word.
fn firsts_into(seq: &'static [Elem], then: &[&'static [Elem]], out: &mut Vec<(&'static str, bool)>) -> Option<()> {
    let Some((first, rest)) = seq.split_first() else {
        let (next, more) = then.split_first()?;
        return firsts_into(next, more, out);
    };
    match first {
        Elem::Word { text, prefix } => {
            out.push((text, *prefix));
            Some(())
        }
        Elem::Any | Elem::Gap(_) => None,
        Elem::Alt { options, optional } => {
            let mut after: Vec<&'static [Elem]> = Vec::with_capacity(then.len() + 1);
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

/// Word classes by name, each parsed once into its options.
pub(crate) type Classes = HashMap<String, &'static [&'static [Elem]]>;

/// Parse every class under `[classes]`: each entry is a short pattern of its
/// own (words, `*`, choices), naming no other class.
pub(crate) fn parse_classes(raw: &BTreeMap<String, Vec<String>>) -> Result<Classes, (String, String)> {
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
            options.push(leak(elems));
        }
        out.insert(name.clone(), leak(options));
    }
    Ok(out)
}

/// Parse one pattern.
pub(crate) fn parse_pattern(source: &str, classes: &Classes) -> Result<Vec<Elem>, String> {
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
            elems.push(Elem::Alt { options, optional: false });
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
            elems.push(Elem::Word {
                text: leak_str(stem),
                prefix: w.ends_with('*'),
            });
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
                    options.push(leak(opt));
                    match end {
                        Some('|') => continue,
                        Some(e) if e == close => break,
                        Some(e) => return Err(format!("\"{c}\" is closed by \"{e}\"")),
                        None => return Err(format!("\"{c}\" is never closed")),
                    }
                }
                elems.push(Elem::Alt {
                    options: leak(options),
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
