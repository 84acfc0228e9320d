//! Search over everything a person wrote: journal entries, resets, urge
//! notes, experiments (prediction, what happened, what I learned) and
//! program reflections.
//!
//! This module is the engine-free half: the words of a text as search sees
//! them ([`tokens`]: case and accents folded, word forms brought together by
//! the inflection steps of Porter's stemmer), the query language people know
//! from other tools ([`Query::parse`]), whether a text matches
//! ([`Query::matches`]), an ordering by how well it matches, and the short
//! snippet shown with each hit. Every engine matches through these same
//! functions, so one query gives the same hits on each.

use time::{Date, OffsetDateTime, UtcOffset};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use uuid::Uuid;

use crate::journal::JournalEntry;
use crate::moment::Reset;
use crate::practice::{ProgramRun, Record};
use crate::urge::Urge;

/// What kind of record a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Journal,
    Reset,
    Urge,
    Experiment,
    Reflection,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Journal, Kind::Reset, Kind::Urge, Kind::Experiment, Kind::Reflection];

    /// The name used in `kind:` and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Journal => "journal",
            Kind::Reset => "reset",
            Kind::Urge => "urge",
            Kind::Experiment => "experiment",
            Kind::Reflection => "reflection",
        }
    }

    /// The kind as a person reads it beside a hit.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Journal => "Journal entry",
            Kind::Reset => "Reset",
            Kind::Urge => "Urge",
            Kind::Experiment => "Experiment",
            Kind::Reflection => "Program reflection",
        }
    }

    /// A kind by its name (any case; a plural or "record" for an
    /// experiment is understood too).
    pub fn parse(s: &str) -> Option<Kind> {
        let s = s.trim().to_lowercase();
        let s = s.strip_suffix('s').unwrap_or(&s);
        match s {
            "journal" | "entry" | "entrie" => Some(Kind::Journal),
            "reset" => Some(Kind::Reset),
            "urge" => Some(Kind::Urge),
            "experiment" | "record" => Some(Kind::Experiment),
            "reflection" => Some(Kind::Reflection),
            _ => None,
        }
    }
}

/// One part of a record that holds words, with its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub label: &'static str,
    pub text: String,
}

/// A record as search reads it: its kind, id, time, tags and the fields
/// that hold the person's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub kind: Kind,
    pub id: Uuid,
    pub at: OffsetDateTime,
    pub tags: Vec<String>,
    pub fields: Vec<Field>,
}

fn fields<'a>(pairs: impl IntoIterator<Item = (&'static str, Option<&'a str>)>) -> Vec<Field> {
    pairs
        .into_iter()
        .filter_map(|(label, text)| text.filter(|t| !t.trim().is_empty()).map(|t| (label, t)))
        .map(|(label, text)| Field {
            label,
            text: text.to_string(),
        })
        .collect()
}

impl Doc {
    /// A journal entry: its title, then its words (the order the story
    /// cards read them in).
    pub fn journal(e: &JournalEntry) -> Doc {
        Doc {
            kind: Kind::Journal,
            id: e.id,
            at: e.at,
            tags: e.text.tags.clone(),
            fields: fields([("title", e.text.title.as_deref()), ("entry", Some(e.text.body.as_str()))]),
        }
    }

    /// A reset: its three columns, then its thought record, in the order
    /// the story cards read them.
    pub fn reset(r: &Reset) -> Doc {
        let e = &r.entry;
        let t = &e.thought;
        let columns = [
            ("what happened", e.happened.as_deref()),
            ("what it felt like", e.felt.as_deref()),
            ("what is true", e.truth.as_deref()),
        ];
        let feelings = t.feelings.iter().map(|f| ("feeling", Some(f.name.as_str())));
        Doc {
            kind: Kind::Reset,
            id: r.id,
            at: r.at,
            tags: Vec::new(),
            fields: fields(columns.into_iter().chain(feelings).chain([
                ("hot thought", t.hot_thought.as_deref()),
                ("evidence", t.evidence.as_deref()),
                ("another view", t.another_view.as_deref()),
                ("about then", t.then_note.as_deref()),
            ])),
        }
    }

    /// An urge's words: who it was about and its note. None when it has
    /// neither.
    pub fn urge(u: &Urge) -> Option<Doc> {
        let f = fields([("about", u.entry.about.as_deref()), ("note", u.entry.note.as_deref())]);
        (!f.is_empty()).then(|| Doc {
            kind: Kind::Urge,
            id: u.id,
            at: u.at,
            tags: Vec::new(),
            fields: f,
        })
    }

    /// An experiment: the prediction, who with, what happened and what was
    /// learned. Its time is when it was followed up, or when planned.
    pub fn experiment(r: &Record) -> Doc {
        let res = r.result.as_ref();
        Doc {
            kind: Kind::Experiment,
            id: r.id,
            at: r.done_at.unwrap_or(r.created_at),
            tags: Vec::new(),
            fields: fields([
                ("prediction", Some(r.plan.prediction.as_str())),
                ("with", r.plan.with_whom.as_deref()),
                ("what happened", res.and_then(|x| x.what_happened.as_deref())),
                ("what I learned", res.and_then(|x| x.learned.as_deref())),
            ]),
        }
    }

    /// A program run's reflections, one field per day written. None when
    /// no day has one. Its time is the last reflection's.
    pub fn reflection(run: &ProgramRun) -> Option<Doc> {
        let written: Vec<_> = run
            .entries
            .iter()
            .filter(|e| e.reflection.as_deref().is_some_and(|t| !t.trim().is_empty()))
            .collect();
        let last = written.iter().map(|e| e.done_at).max()?;
        Some(Doc {
            kind: Kind::Reflection,
            id: run.id,
            at: last,
            tags: Vec::new(),
            fields: written
                .iter()
                .map(|e| Field {
                    label: "reflection",
                    text: e.reflection.clone().unwrap_or_default(),
                })
                .collect(),
        })
    }

    /// The doc's words for matching, each field's apart from the next.
    pub fn terms(&self) -> Terms {
        let mut stems = Vec::new();
        let mut words = Vec::new();
        for (i, f) in self.fields.iter().enumerate() {
            if i > 0 {
                stems.push(FIELD_BREAK.to_string());
                words.push(FIELD_BREAK.to_string());
            }
            for t in tokens(&f.text) {
                stems.push(t.stem);
                words.push(t.word);
            }
        }
        Terms {
            stems,
            words,
            tags: self.tags.iter().map(|t| tag_token(t)).filter(|t| !t.is_empty()).collect(),
        }
    }
}

/// What stands between two fields in [`Terms`]: never a word's token, so
/// no phrase runs from one field into the next.
pub const FIELD_BREAK: &str = "|";

/// A doc's words as search matches them: each word's stem and its folded
/// form, in order, with [`FIELD_BREAK`] between fields, and its tags.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Terms {
    pub stems: Vec<String>,
    pub words: Vec<String>,
    pub tags: Vec<String>,
}

/// A word of a text: where it is (bytes), its folded form (lower case,
/// accents and apostrophes gone) and its stem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub word: String,
    pub stem: String,
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// A word folded: compatibility-decomposed, marks dropped, lower case.
pub fn fold(word: &str) -> String {
    word.nfkd()
        .filter(|c| !is_combining_mark(*c) && !is_apostrophe(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The words of a text. A word is a run of letters and digits; an
/// apostrophe inside one ("don't") keeps it whole.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(at, c)) in chars.iter().enumerate() {
        let inside_apostrophe = is_apostrophe(c) && start.is_some() && chars.get(i + 1).is_some_and(|(_, n)| n.is_alphanumeric());
        if c.is_alphanumeric() || inside_apostrophe {
            start.get_or_insert(at);
        } else if let Some(s) = start.take() {
            push_token(&mut out, text, s, at);
        }
    }
    if let Some(s) = start {
        push_token(&mut out, text, s, text.len());
    }
    out
}

fn push_token(out: &mut Vec<Token>, text: &str, start: usize, end: usize) {
    let word = fold(&text[start..end]);
    if word.is_empty() {
        return;
    }
    let stem = stem(&word);
    out.push(Token { start, end, word, stem });
}

/// A tag as search compares it: folded, without `#`, letters and digits only.
pub fn tag_token(tag: &str) -> String {
    fold(tag.trim().trim_start_matches('#'))
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

fn is_vowel_at(w: &[u8], i: usize) -> bool {
    match w[i] {
        b'a' | b'e' | b'i' | b'o' | b'u' => true,
        b'y' => i > 0 && !is_vowel_at(w, i - 1),
        _ => false,
    }
}

/// Porter's measure: how many vowel-consonant sequences `w` has.
fn measure(w: &[u8]) -> usize {
    let mut m = 0;
    let mut prev_vowel = false;
    for i in 0..w.len() {
        let v = is_vowel_at(w, i);
        if prev_vowel && !v {
            m += 1;
        }
        prev_vowel = v;
    }
    m
}

fn has_vowel(w: &[u8]) -> bool {
    (0..w.len()).any(|i| is_vowel_at(w, i))
}

/// Consonant-vowel-consonant at the end, the last not w, x or y.
fn ends_cvc(w: &[u8]) -> bool {
    let n = w.len();
    n >= 3 && !is_vowel_at(w, n - 3) && is_vowel_at(w, n - 2) && !is_vowel_at(w, n - 1) && !matches!(w[n - 1], b'w' | b'x' | b'y')
}

/// A word's stem: Porter's steps 1a to 1c (plurals, -ed, -ing, a final y)
/// and 5a (a final e),
/// which bring together the forms of a word (stay, stays, stayed, staying)
/// and leave words of different meaning apart. Words with letters outside
/// a to z are left as they are.
pub fn stem(word: &str) -> String {
    if word.len() <= 2 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return word.to_string();
    }
    let mut w: Vec<u8> = word.as_bytes().to_vec();
    // 1a
    if w.ends_with(b"sses") || w.ends_with(b"ies") || w.ends_with(b"ches") || w.ends_with(b"shes") || w.ends_with(b"xes") {
        // (-ches, -shes and -xes lose their e as well, as Porter's last
        // step would: reaches and reach meet.)
        w.truncate(w.len() - 2);
    } else if w.ends_with(b"s") && !w.ends_with(b"ss") {
        w.pop();
    }
    // 1b
    let mut tidy = false;
    if w.ends_with(b"eed") {
        if measure(&w[..w.len() - 3]) > 0 {
            w.pop();
        }
    } else if w.ends_with(b"ed") && has_vowel(&w[..w.len() - 2]) {
        w.truncate(w.len() - 2);
        tidy = true;
    } else if w.ends_with(b"ing") && has_vowel(&w[..w.len() - 3]) {
        w.truncate(w.len() - 3);
        tidy = true;
    }
    if tidy {
        let n = w.len();
        if w.ends_with(b"at") || w.ends_with(b"bl") || w.ends_with(b"iz") {
            w.push(b'e');
        } else if n >= 2 && w[n - 1] == w[n - 2] && !is_vowel_at(&w, n - 1) && !matches!(w[n - 1], b'l' | b's' | b'z') {
            w.pop();
        } else if measure(&w) == 1 && ends_cvc(&w) {
            w.push(b'e');
        }
    }
    // 1c
    if w.ends_with(b"y") && has_vowel(&w[..w.len() - 1]) {
        let n = w.len();
        w[n - 1] = b'i';
    }
    // 5a, so that a word and its -ed and -ing forms meet (argue, argued;
    // leave, leaving): a final e goes unless the word is short and ends
    // consonant-vowel-consonant before it (hope, care, share keep theirs).
    if w.ends_with(b"e") {
        let head = &w[..w.len() - 1];
        let m = measure(head);
        if m > 1 || (m == 1 && !ends_cvc(head)) {
            w.pop();
        }
    }
    String::from_utf8(w).unwrap_or_else(|_| word.to_string())
}

/// Something to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// One word, in any of its forms (by stem).
    Word(String),
    /// Words one after another, in any of their forms (by stem).
    Phrase(Vec<String>),
    /// Any word beginning so (folded, not stemmed).
    Prefix(String),
}

/// Which order hits come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    Newest,
    /// Where the words come most often for the length, then newest.
    Best,
}

impl Order {
    pub fn parse(s: &str) -> Option<Order> {
        match s.trim().to_lowercase().as_str() {
            "newest" | "new" | "date" => Some(Order::Newest),
            "best" | "relevance" => Some(Order::Best),
            _ => None,
        }
    }
}

/// A parsed search.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    /// All of these must be there.
    pub include: Vec<Part>,
    /// None of these may be.
    pub exclude: Vec<Part>,
    /// Tags the record must have (as [`tag_token`] gives them).
    pub tags: Vec<String>,
    /// Stories whose card must be beside the text (journal entries and
    /// resets carry cards).
    pub stories: Vec<&'static str>,
    /// Kinds to look in; empty means every kind.
    pub kinds: Vec<Kind>,
    /// From this moment on (inclusive).
    pub from: Option<OffsetDateTime>,
    /// Before this moment.
    pub until: Option<OffsetDateTime>,
}

/// Why a search could not be read, in words that say what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("Type a word to look for, or a filter such as kind:journal or tag:work.")]
    Empty,
    #[error("\"{0}\" is not a kind of record. Use one of: journal, reset, urge, experiment, reflection.")]
    Kind(String),
    #[error("\"{0}\" is not a story's name. Use one of: {1}.")]
    Story(String, String),
    #[error("{0} needs a date written like 2026-03-14; \"{1}\" is not one.")]
    Date(&'static str, String),
    #[error("A quotation mark was opened and not closed. Close it, like \"the phrase\".")]
    OpenQuote,
    #[error("A * goes at the end of one word, like stay*; \"{0}\" is not that.")]
    Prefix(String),
    #[error("\"{0}\" filter is empty: write what it is after the colon, like {0}:something.")]
    EmptyFilter(&'static str),
    #[error("The search only leaves words out. Add a word to look for, or a filter such as kind:journal.")]
    OnlyExclusions,
}

fn day(name: &'static str, value: &str) -> Result<Date, QueryError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(value.trim(), &format).map_err(|_| QueryError::Date(name, value.to_string()))
}

/// The start of a day at `offset`, as a moment.
fn start_of(d: Date, offset: UtcOffset) -> OffsetDateTime {
    d.midnight().assume_offset(offset).to_offset(UtcOffset::UTC)
}

/// Pieces of a query: bare words and quoted phrases, each maybe excluded.
fn pieces(q: &str) -> Result<Vec<(bool, bool, String)>, QueryError> {
    // (excluded, quoted, text)
    let mut out = Vec::new();
    let mut chars = q.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut excluded = false;
        if c == '-' {
            chars.next();
            excluded = true;
        }
        if chars.peek().is_some_and(|c| *c == '"' || *c == '\u{201c}') {
            chars.next();
            let mut text = String::new();
            let mut closed = false;
            for c in chars.by_ref() {
                if c == '"' || c == '\u{201d}' {
                    closed = true;
                    break;
                }
                text.push(c);
            }
            if !closed {
                return Err(QueryError::OpenQuote);
            }
            out.push((excluded, true, text));
        } else {
            let mut text = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                text.push(c);
                chars.next();
            }
            if !text.is_empty() {
                out.push((excluded, false, text));
            }
        }
    }
    Ok(out)
}

impl Query {
    /// Read a search as typed. `stories` are the story ids known; dates in
    /// `from:`/`to:` are days at `offset`, `to:` taking in all of its day.
    pub fn parse(q: &str, stories: &[&'static str], offset: UtcOffset) -> Result<Query, QueryError> {
        let mut out = Query::default();
        for (excluded, quoted, text) in pieces(q)? {
            let part = if quoted {
                let stems: Vec<String> = tokens(&text).into_iter().map(|t| t.stem).collect();
                match stems.len() {
                    0 => continue,
                    1 => stems.into_iter().next().map(Part::Word),
                    _ => Some(Part::Phrase(stems)),
                }
            } else if let Some((name, value)) = text.split_once(':').filter(|(n, _)| !n.is_empty()) {
                let name_l = name.to_lowercase();
                let filter: Option<&'static str> = match name_l.as_str() {
                    "tag" => Some("tag"),
                    "story" => Some("story"),
                    "kind" => Some("kind"),
                    "from" | "since" => Some("from"),
                    "to" | "until" => Some("to"),
                    _ => None,
                };
                match filter {
                    Some(f) if value.trim().is_empty() => return Err(QueryError::EmptyFilter(f)),
                    Some("tag") => {
                        out.tags.push(tag_token(value));
                        continue;
                    }
                    Some("story") => {
                        let v = value.trim().to_lowercase();
                        let Some(s) = stories.iter().find(|s| **s == v) else {
                            return Err(QueryError::Story(value.to_string(), stories.join(", ")));
                        };
                        out.stories.push(s);
                        continue;
                    }
                    Some("kind") => {
                        for k in value.split(',').filter(|k| !k.trim().is_empty()) {
                            let kind = Kind::parse(k).ok_or_else(|| QueryError::Kind(k.to_string()))?;
                            if !out.kinds.contains(&kind) {
                                out.kinds.push(kind);
                            }
                        }
                        continue;
                    }
                    Some("from") => {
                        out.from = Some(start_of(day("from:", value)?, offset));
                        continue;
                    }
                    Some("to") => {
                        let d = day("to:", value)?;
                        out.until = d.next_day().map(|n| start_of(n, offset));
                        continue;
                    }
                    _ => Query::bare(&text)?,
                }
            } else {
                Query::bare(&text)?
            };
            let Some(part) = part else { continue };
            if excluded { out.exclude.push(part) } else { out.include.push(part) }
        }
        if out.include.is_empty()
            && out.tags.is_empty()
            && out.stories.is_empty()
            && out.kinds.is_empty()
            && out.from.is_none()
            && out.until.is_none()
        {
            return Err(if out.exclude.is_empty() {
                QueryError::Empty
            } else {
                QueryError::OnlyExclusions
            });
        }
        Ok(out)
    }

    /// A bare piece: a word, a prefix, or words joined by punctuation
    /// ("self-worth"), which are looked for as a phrase.
    fn bare(text: &str) -> Result<Option<Part>, QueryError> {
        if let Some(head) = text.strip_suffix('*') {
            let t = tokens(head);
            return match t.as_slice() {
                [one] if one.end == head.len() => Ok(Some(Part::Prefix(one.word.clone()))),
                [] if head.trim_end_matches('*').is_empty() => Ok(None),
                _ => Err(QueryError::Prefix(text.to_string())),
            };
        }
        let stems: Vec<String> = tokens(text).into_iter().map(|t| t.stem).collect();
        Ok(match stems.len() {
            0 => None,
            1 => stems.into_iter().next().map(Part::Word),
            _ => Some(Part::Phrase(stems)),
        })
    }

    /// Whether the query says anything about words (not only filters).
    pub fn has_words(&self) -> bool {
        !self.include.is_empty() || !self.exclude.is_empty()
    }

    /// Whether a record of this kind, time and terms matches everything
    /// but `story:` (which needs the story detector).
    pub fn matches(&self, kind: Kind, at: OffsetDateTime, terms: &Terms) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&kind))
            && self.from.is_none_or(|f| at >= f)
            && self.until.is_none_or(|u| at < u)
            && self.tags.iter().all(|t| terms.tags.contains(t))
            && self.include.iter().all(|p| count(p, terms) > 0)
            && !self.exclude.iter().any(|p| count(p, terms) > 0)
    }

    /// How well matching terms match: each part's count, damped and
    /// weighed against the record's length as BM25 does (k1 1.2, b 0.75),
    /// summed. `average` is the mean length of the records being ordered.
    pub fn score(&self, terms: &Terms, average: f64) -> f64 {
        let len = terms.stems.iter().filter(|s| *s != FIELD_BREAK).count() as f64;
        let norm = 1.2 * (0.25 + 0.75 * len / average.max(1.0));
        self.include
            .iter()
            .map(|p| {
                let n = count(p, terms) as f64;
                n * 2.2 / (n + norm)
            })
            .sum()
    }

    /// Whether one word of a text (its token) is one the query looks for,
    /// for marking it in a snippet.
    pub fn marks(&self, t: &Token) -> bool {
        self.include.iter().any(|p| match p {
            Part::Word(s) => t.stem == *s,
            Part::Phrase(ws) => ws.contains(&t.stem),
            Part::Prefix(p) => t.word.starts_with(p.as_str()),
        })
    }
}

/// How often a part is found in terms.
fn count(p: &Part, terms: &Terms) -> usize {
    match p {
        Part::Word(s) => terms.stems.iter().filter(|t| *t == s).count(),
        Part::Prefix(p) => terms
            .words
            .iter()
            .filter(|w| *w != FIELD_BREAK && w.starts_with(p.as_str()))
            .count(),
        Part::Phrase(ws) => terms.stems.windows(ws.len()).filter(|w| w == ws).count(),
    }
}

/// A short stretch of a record around the first words found, with where
/// those words are in it (byte ranges of `text`), to show them marked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Snippet {
    /// Which field it is from ("entry", "what happened", …).
    pub field: &'static str,
    pub text: String,
    pub marks: Vec<(usize, usize)>,
}

/// Words kept before the first mark, and in all.
const BEFORE: usize = 8;
const WORDS: usize = 30;

/// The snippet of `doc` for `q`: from the first field with a word looked
/// for (or the first field), about thirty words, with an ellipsis where it
/// was cut.
pub fn snippet(doc: &Doc, q: &Query) -> Snippet {
    let mut chosen = None;
    for f in &doc.fields {
        let toks = tokens(&f.text);
        if let Some(first) = toks.iter().position(|t| q.marks(t)) {
            chosen = Some((f, toks, first));
            break;
        }
    }
    let (field, toks, first) = match chosen {
        Some(c) => c,
        None => match doc.fields.first() {
            Some(f) => (f, tokens(&f.text), 0),
            None => {
                return Snippet {
                    field: "",
                    text: String::new(),
                    marks: Vec::new(),
                };
            }
        },
    };
    if toks.is_empty() {
        return Snippet {
            field: field.label,
            text: field.text.trim().to_string(),
            marks: Vec::new(),
        };
    }
    let from_tok = first.saturating_sub(BEFORE);
    let to_tok = (from_tok + WORDS).min(toks.len());
    let start = if from_tok == 0 { 0 } else { toks[from_tok].start };
    let end = if to_tok == toks.len() {
        field.text.len()
    } else {
        toks[to_tok - 1].end
    };
    let body = &field.text[start..end];
    let lead = body.len() - body.trim_start().len();
    let body = body.trim();
    let prefix = if start > 0 { "…" } else { "" };
    let suffix = if end < field.text.len() { "…" } else { "" };
    let shift = prefix.len() as isize - (start + lead) as isize;
    let marks = toks[from_tok..to_tok]
        .iter()
        .filter(|t| q.marks(t))
        .map(|t| ((t.start as isize + shift) as usize, (t.end as isize + shift) as usize))
        .collect();
    Snippet {
        field: field.label,
        text: format!("{prefix}{body}{suffix}"),
        marks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORIES: [&str; 2] = ["prefer-alone", "need-space"];

    fn q(s: &str) -> Query {
        Query::parse(s, &STORIES, UtcOffset::UTC).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn doc(texts: &[&str], tags: &[&str]) -> Doc {
        Doc {
            kind: Kind::Journal,
            id: Uuid::nil(),
            at: OffsetDateTime::UNIX_EPOCH,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            fields: texts
                .iter()
                .map(|t| Field {
                    label: "entry",
                    text: t.to_string(),
                })
                .collect(),
        }
    }

    fn hit(query: &str, texts: &[&str]) -> bool {
        let d = doc(texts, &["work-life", "Family"]);
        q(query).matches(d.kind, d.at, &d.terms())
    }

    #[test]
    fn word_forms_meet_at_one_stem() {
        for (a, b) in [
            ("stay", "stayed"),
            ("stay", "staying"),
            ("stays", "stay"),
            ("hope", "hoped"),
            ("hoping", "hope"),
            ("worry", "worried"),
            ("worries", "worrying"),
            ("stop", "stopped"),
            ("share", "shared"),
            ("reach", "reaches"),
            ("text", "texted"),
            ("call", "calling"),
            ("argue", "argued"),
            ("leave", "leaving"),
            ("believe", "believed"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} / {b}");
        }
        for (a, b) in [("stay", "star"), ("care", "car"), ("need", "ned"), ("sing", "sign")] {
            assert_ne!(stem(a), stem(b), "{a} / {b}");
        }
    }

    #[test]
    fn case_accents_and_apostrophes_fold() {
        let t = tokens("Café  RÉSUMÉ don't naïve—Zoë’s");
        let words: Vec<_> = t.iter().map(|t| t.word.as_str()).collect();
        assert_eq!(words, ["cafe", "resume", "dont", "naive", "zoes"]);
        assert!(hit("cafe", &["We met at the Café."]));
        assert!(hit("CAFÉ", &["we met at the cafe"]));
        assert!(hit("dont", &["I don’t want to go"]));
    }

    #[test]
    fn every_word_must_be_there() {
        assert!(hit("stayed calm", &["I stay. I was calm."]));
        assert!(!hit("stayed calm", &["I stayed."]));
        assert!(hit("staying", &["She asked me to stay."]));
    }

    #[test]
    fn phrases_keep_their_order_and_stay_inside_one_field() {
        assert!(hit("\"reached out\"", &["I reached out to Sam."]));
        assert!(hit("\"reach out\"", &["I reached out to Sam."]));
        assert!(!hit("\"out reached\"", &["I reached out to Sam."]));
        assert!(!hit("\"reached out\"", &["I reached", "out of nowhere"]));
        assert!(hit("self-worth", &["my self worth"]));
    }

    #[test]
    fn prefixes_exclusions_and_tags() {
        assert!(hit("lonel*", &["So lonely tonight."]));
        assert!(hit("LONEL*", &["loneliness again"]));
        assert!(!hit("lonel*", &["alone tonight"]));
        assert!(hit("tonight -lonely", &["alone tonight"]));
        assert!(!hit("tonight -lonely", &["lonely tonight"]));
        assert!(!hit("tonight -\"so lonely\"", &["so lonely tonight"]));
        assert!(hit("tag:work-life", &["anything"]));
        assert!(hit("tag:#family", &["anything"]));
        assert!(!hit("tag:work", &["anything"]));
    }

    #[test]
    fn filters_by_kind_and_day() {
        let d = doc(&["a quiet day"], &[]);
        let at = time::macros::datetime!(2026-03-14 23:30 UTC);
        let t = d.terms();
        assert!(q("quiet kind:journal").matches(Kind::Journal, at, &t));
        assert!(!q("quiet kind:reset").matches(Kind::Journal, at, &t));
        assert!(q("kind:reset,journals").matches(Kind::Journal, at, &t));
        assert!(q("from:2026-03-14 to:2026-03-14").matches(Kind::Journal, at, &t));
        assert!(!q("from:2026-03-15").matches(Kind::Journal, at, &t));
        assert!(!q("to:2026-03-13").matches(Kind::Journal, at, &t));
        let east = Query::parse("to:2026-03-14", &STORIES, UtcOffset::from_hms(2, 0, 0).unwrap()).unwrap();
        assert!(!east.matches(Kind::Journal, at, &t), "23:30 UTC is the 15th two hours east");
    }

    #[test]
    fn bad_queries_say_what_to_write() {
        let err = |s: &str| Query::parse(s, &STORIES, UtcOffset::UTC).unwrap_err();
        assert_eq!(err(""), QueryError::Empty);
        assert_eq!(err("  !! "), QueryError::Empty);
        assert_eq!(err("-work"), QueryError::OnlyExclusions);
        assert_eq!(err("kind:diary"), QueryError::Kind("diary".into()));
        assert!(err("story:alone").to_string().contains("prefer-alone, need-space"));
        assert_eq!(err("from:march"), QueryError::Date("from:", "march".into()));
        assert_eq!(err("\"open"), QueryError::OpenQuote);
        assert_eq!(err("self-wor*"), QueryError::Prefix("self-wor*".into()));
        assert_eq!(err("tag:"), QueryError::EmptyFilter("tag"));
        assert_eq!(q("story:Need-Space").stories, ["need-space"]);
        assert_eq!(q("http://x").include.len(), 1, "a colon that is no filter is words");
    }

    #[test]
    fn snippets_mark_the_words_found() {
        let long = format!("{} I stayed with it and it passed. {}", "word ".repeat(40), "more ".repeat(40));
        let d = doc(&["Title here", &long], &[]);
        let s = snippet(&d, &q("stay"));
        assert!(s.text.starts_with('…') && s.text.ends_with('…'), "{}", s.text);
        assert_eq!(s.marks.len(), 1);
        let (a, b) = s.marks[0];
        assert_eq!(&s.text[a..b], "stayed");
        let plain = snippet(&doc(&["Café — she stayed, I stayed."], &[]), &q("stayed"));
        let marked: Vec<_> = plain.marks.iter().map(|(a, b)| &plain.text[*a..*b]).collect();
        assert_eq!(marked, ["stayed", "stayed"]);
        assert_eq!(snippet(&d, &q("kind:journal")).text, "Title here");
    }

    #[test]
    fn best_puts_the_denser_match_first() {
        let query = q("stay");
        let often = doc(&["stay stay stay and then more words"], &[]).terms();
        let once = doc(&["stay and then a great many more words than that"], &[]).terms();
        assert!(query.score(&often, 8.0) > query.score(&once, 8.0));
    }
}
