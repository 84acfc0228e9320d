//! The journal: what a person writes when they reflect, with the prompt it
//! answers, tags of their own, how their body felt, and links to the urge,
//! experiment or reset it is about. Drafts are kept as they are typed, so a
//! closed tab loses nothing; an edit keeps the words it replaces.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// The longest title, in characters.
pub const TITLE_MAX: usize = 200;
/// The longest entry, in characters: about a hundred pages.
pub const BODY_MAX: usize = 200_000;
/// The longest tag, in characters.
pub const TAG_MAX: usize = 40;
/// The most tags an entry may carry.
pub const TAGS_MAX: usize = 20;

/// What an entry says, apart from its id and times.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalText {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub body: String,
    /// As the person wrote them, without a leading `#`; no two the same
    /// apart from case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The id of the prompt it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// A body signal, one of the urge log's (content/urges.toml).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_signal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urge: Option<Uuid>,
    /// An experiment record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset: Option<Uuid>,
}

/// A saved entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalEntry {
    pub id: Uuid,
    /// When it was first saved.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// When it was last changed, if ever.
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<OffsetDateTime>,
    #[serde(flatten)]
    pub text: JournalText,
}

/// Words being written, kept exactly as typed (nothing checked, nothing
/// changed) until they are saved as an entry or thrown away. `id` is the
/// entry it will become, or the entry it edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalDraft {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub saved_at: OffsetDateTime,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// The tags field as typed.
    #[serde(default)]
    pub tags: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
}

impl JournalDraft {
    /// Whether there is nothing in it worth keeping.
    pub fn is_blank(&self) -> bool {
        self.title.trim().is_empty() && self.body.trim().is_empty() && self.tags.trim().is_empty()
    }

    /// Whether it is larger than an entry could ever be.
    pub fn too_large(&self) -> bool {
        self.body.len() > BODY_MAX * 4 || self.title.len() > TITLE_MAX * 4 || self.tags.len() > TAG_MAX * TAGS_MAX * 8
    }
}

/// Why an entry could not be saved, in words that say what to do. Nothing
/// is lost: the draft keeps what was typed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JournalError {
    #[error("The entry is empty. Write something, even one line, before saving.")]
    Empty,
    #[error("The entry is {0} characters; it can hold up to {BODY_MAX}. You could split it into two entries.")]
    BodyTooLong(usize),
    #[error("The title is {0} characters; it can hold up to {TITLE_MAX}, so please shorten it.")]
    TitleTooLong(usize),
    #[error("The tag \"{0}\" has a space in it. A tag is one word: letters and numbers, joined by - or _ if you like (\"{1}\").")]
    TagSpace(String, String),
    #[error("The tag \"{0}\" can only hold letters, numbers, - and _.")]
    TagChars(String),
    #[error("The tag \"{0}\" is longer than {TAG_MAX} characters.")]
    TagTooLong(String),
    #[error("An entry can carry up to {TAGS_MAX} tags; this one has {0}.")]
    TooManyTags(usize),
    #[error("There is no prompt \"{0}\". `drawbridge prompts` lists them.")]
    UnknownPrompt(String),
    #[error("\"{0}\" is not one of the body signals. `drawbridge urge --help` lists them.")]
    UnknownBody(String),
}

impl JournalError {
    /// The form field the problem is in.
    pub fn field(&self) -> &'static str {
        match self {
            JournalError::Empty | JournalError::BodyTooLong(_) => "body",
            JournalError::TitleTooLong(_) => "title",
            JournalError::TagSpace(..) | JournalError::TagChars(_) | JournalError::TagTooLong(_) | JournalError::TooManyTags(_) => "tags",
            JournalError::UnknownPrompt(_) => "prompt",
            JournalError::UnknownBody(_) => "body_signal",
        }
    }
}

/// The key a tag is compared by: lower case.
pub fn tag_key(tag: &str) -> String {
    tag.to_lowercase()
}

/// One tag as typed, checked: a leading `#` is only the way people write
/// tags, so it is not part of the tag.
fn check_tag(raw: &str) -> Result<String, JournalError> {
    let tag = raw.trim().trim_start_matches('#');
    if tag.chars().count() > TAG_MAX {
        return Err(JournalError::TagTooLong(tag.to_string()));
    }
    if !tag.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
        return Err(JournalError::TagChars(tag.to_string()));
    }
    Ok(tag.to_string())
}

/// The tags typed in one field, separated by commas (`#` before each is
/// fine, and spaces between `#tags` too): checked, with repeats (apart from
/// case) left out.
pub fn parse_tags(field: &str) -> Result<Vec<String>, JournalError> {
    let mut parts: Vec<String> = Vec::new();
    for piece in field.split(',') {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        let words: Vec<&str> = piece.split_whitespace().collect();
        if words.len() > 1 {
            if words.iter().all(|w| w.starts_with('#')) {
                parts.extend(words.iter().map(|w| w.to_string()));
                continue;
            }
            let joined = words.join("-");
            return Err(JournalError::TagSpace(piece.to_string(), joined));
        }
        parts.push(piece.to_string());
    }
    tags_of(parts.iter().map(String::as_str))
}

/// Tags given one by one (the command line's `--tag`), checked.
pub fn tags_of<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Vec<String>, JournalError> {
    let mut out: Vec<String> = Vec::new();
    for r in raw {
        if r.trim().contains(char::is_whitespace) {
            let joined = r.split_whitespace().collect::<Vec<_>>().join("-");
            return Err(JournalError::TagSpace(r.trim().to_string(), joined));
        }
        let t = check_tag(r)?;
        if !t.is_empty() && !out.iter().any(|o| tag_key(o) == tag_key(&t)) {
            out.push(t);
        }
    }
    if out.len() > TAGS_MAX {
        return Err(JournalError::TooManyTags(out.len()));
    }
    Ok(out)
}

/// What a person gave, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct JournalInput<'a> {
    pub title: Option<&'a str>,
    pub body: &'a str,
    pub tags: Vec<String>,
    pub prompt: Option<&'a str>,
    pub body_signal: Option<&'a str>,
    pub urge: Option<Uuid>,
    pub record: Option<Uuid>,
    pub reset: Option<Uuid>,
}

impl JournalText {
    /// The words as saved, the title (if any) first, then the body: what is
    /// read for crisis language and for protective stories.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.title.as_deref().into_iter().chain([self.body.as_str()])
    }

    /// A checked entry: `prompt_known` and `body_known` say whether a
    /// prompt or body signal id exists. The body keeps its line breaks and
    /// inner spacing; only blank lines at its ends are left out.
    pub fn check(
        input: JournalInput<'_>,
        prompt_known: impl Fn(&str) -> bool,
        body_known: impl Fn(&str) -> bool,
    ) -> Result<JournalText, JournalError> {
        let body = input.body.trim_matches(|c: char| c == '\n' || c == '\r');
        if body.trim().is_empty() {
            return Err(JournalError::Empty);
        }
        let n = body.chars().count();
        if n > BODY_MAX {
            return Err(JournalError::BodyTooLong(n));
        }
        let title = input.title.map(str::trim).filter(|t| !t.is_empty());
        if let Some(t) = title {
            let n = t.chars().count();
            if n > TITLE_MAX {
                return Err(JournalError::TitleTooLong(n));
            }
        }
        // Repeats are left out before the tags are counted.
        let tags = tags_of(input.tags.iter().map(String::as_str))?;
        let prompt = input.prompt.map(str::trim).filter(|p| !p.is_empty());
        if let Some(p) = prompt
            && !prompt_known(p)
        {
            return Err(JournalError::UnknownPrompt(p.to_string()));
        }
        let body_signal = input.body_signal.map(str::trim).filter(|b| !b.is_empty());
        if let Some(b) = body_signal
            && !body_known(b)
        {
            return Err(JournalError::UnknownBody(b.to_string()));
        }
        Ok(JournalText {
            title: title.map(String::from),
            body: body.to_string(),
            tags,
            prompt: prompt.map(String::from),
            body_signal: body_signal.map(String::from),
            urge: input.urge,
            record: input.record,
            reset: input.reset,
        })
    }

    /// The tags as one text, a line each: how an edit of them is kept.
    pub fn tags_text(&self) -> Option<String> {
        (!self.tags.is_empty()).then(|| self.tags.join("\n"))
    }

    /// Whether it carries `tag` (any case).
    pub fn has_tag(&self, tag: &str) -> bool {
        let key = tag_key(tag.trim_start_matches('#'));
        self.tags.iter().any(|t| tag_key(t) == key)
    }

    /// The fields whose words an edit to `new` replaces: (field, old, new).
    pub fn replaced_by<'a>(&'a self, new: &'a JournalText) -> [(&'static str, Option<String>, Option<String>); 3] {
        [
            ("title", self.title.clone(), new.title.clone()),
            ("body", Some(self.body.clone()), Some(new.body.clone())),
            ("tags", self.tags_text(), new.tags_text()),
        ]
    }
}

impl JournalEntry {
    /// Its title, or the start of its first line.
    pub fn heading(&self) -> String {
        if let Some(t) = &self.text.title {
            return t.clone();
        }
        let first = self.text.body.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
        let first = first.trim_start_matches('#').trim();
        if first.chars().count() <= 60 {
            return first.to_string();
        }
        let cut: String = first.chars().take(60).collect();
        let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a).to_string();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(body: &str) -> JournalInput<'_> {
        JournalInput {
            body,
            ..Default::default()
        }
    }

    #[test]
    fn an_entry_keeps_its_words_as_written_and_needs_some() {
        let t = JournalText::check(input("\n\n  First line\n\n    indented\n\n"), |_| true, |_| true).expect("ok");
        assert_eq!(t.body, "  First line\n\n    indented");
        assert_eq!(JournalText::check(input(" \n\t\n"), |_| true, |_| true), Err(JournalError::Empty));
        let long = "a".repeat(BODY_MAX + 1);
        let e = JournalText::check(input(&long), |_| true, |_| true).expect_err("too long");
        assert!(e.to_string().contains(&BODY_MAX.to_string()) && e.field() == "body", "{e}");
    }

    #[test]
    fn tags_are_words_without_repeats_and_a_space_is_explained_not_changed() {
        assert_eq!(parse_tags("Mum, #work ,mum,, walks").expect("ok"), ["Mum", "work", "walks"]);
        assert_eq!(parse_tags("#mum #work").expect("ok"), ["mum", "work"]);
        let e = parse_tags("big feelings").expect_err("space");
        assert_eq!(e, JournalError::TagSpace("big feelings".into(), "big-feelings".into()));
        assert!(e.to_string().contains("big-feelings"), "{e}");
        assert!(matches!(parse_tags("a/b"), Err(JournalError::TagChars(_))));
        assert_eq!(parse_tags("ökonomie, 家族").expect("any script"), ["ökonomie", "家族"]);
        let many = (0..=TAGS_MAX).map(|i| format!("t{i}")).collect::<Vec<_>>().join(",");
        assert_eq!(parse_tags(&many), Err(JournalError::TooManyTags(TAGS_MAX + 1)));
        assert!(matches!(tags_of(["two words"]), Err(JournalError::TagSpace(..))));
    }

    #[test]
    fn an_unknown_prompt_or_body_signal_is_named() {
        let mut i = input("words");
        i.prompt = Some("no-such");
        assert_eq!(
            JournalText::check(i, |p| p == "known", |_| true),
            Err(JournalError::UnknownPrompt("no-such".into()))
        );
        let mut i = input("words");
        i.body_signal = Some("tight-chest");
        let t = JournalText::check(i, |_| false, |b| b == "tight-chest").expect("known signal");
        assert_eq!(t.body_signal.as_deref(), Some("tight-chest"));
    }

    #[test]
    fn an_edit_names_each_field_whose_words_it_replaces() {
        let old = JournalText {
            title: Some("Tuesday".into()),
            body: "It went quiet.".into(),
            tags: vec!["work".into()],
            ..Default::default()
        };
        let new = JournalText {
            body: "It went quiet, then I wrote back.".into(),
            ..Default::default()
        };
        let kept: Vec<_> = old
            .replaced_by(&new)
            .into_iter()
            .filter_map(|(f, o, n)| crate::versions::replaced(o.as_deref(), n.as_deref()).map(|w| (f, w)))
            .collect();
        assert_eq!(
            kept,
            [
                ("title", "Tuesday".to_string()),
                ("body", "It went quiet.".to_string()),
                ("tags", "work".to_string())
            ]
        );
    }

    #[test]
    fn a_heading_is_the_title_or_the_start_of_the_first_line() {
        let mut e = JournalEntry {
            id: Uuid::nil(),
            at: OffsetDateTime::UNIX_EPOCH,
            edited_at: None,
            text: JournalText {
                body: "\n# A walk by the river with someone I trust more than I thought I could\nmore".into(),
                ..Default::default()
            },
        };
        assert_eq!(e.heading(), "A walk by the river with someone I trust more than I…");
        e.text.title = Some("River".into());
        assert_eq!(e.heading(), "River");
    }
}
