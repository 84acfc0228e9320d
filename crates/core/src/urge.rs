//! The urge log: catching the withdrawal reflex, the first capacity.
//!
//! An urge is one moment when the pull to get away showed up. Only its kind is
//! required, so that logging one is a single tap or a single command; intensity,
//! where it was felt, who it was about, what the person did and a note are all
//! optional. The kinds, body signals and "what I did" answers are content
//! (`content/urges.toml`); this module checks entries against them and sums
//! them up without judging.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::source::{ContentError, Source, is_valid_id, line_of_value, parse_toml};

/// The longest "about" (who it was about) we keep, in characters.
pub const ABOUT_MAX: usize = 200;
/// The longest note we keep, in characters.
pub const NOTE_MAX: usize = 10_000;
/// Intensity is rated 0 (barely there) to 10 (overwhelming).
pub const INTENSITY_MAX: u8 = 10;

/// The kind ids the command line documents. Content may add more, but never
/// drop these.
pub const REQUIRED_KINDS: &[&str] = &[
    "fight",
    "busy",
    "go-quiet",
    "find-flaw",
    "delay-reply",
    "cancel",
    "deflect",
    "numb",
    "leave-first",
];
pub const REQUIRED_BODY: &[&str] = &[
    "racing-heart",
    "tight-chest",
    "tense-shoulders",
    "locked-jaw",
    "shallow-breath",
    "stomach",
    "numb",
    "other",
];
pub const REQUIRED_DID: &[&str] = &["acted", "paused", "stayed", "third-way"];

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UrgeKind {
    pub id: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BodySignal {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DidChoice {
    pub id: String,
    pub name: String,
    /// Whether this answer means the urge was caught before it was acted on.
    pub caught: bool,
}

/// The urge kinds, body signals and answers to "what did I do", as content.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UrgeCatalog {
    pub kinds: Vec<UrgeKind>,
    pub body: Vec<BodySignal>,
    pub did: Vec<DidChoice>,
}

/// A value that is not one of the allowed ones, with the allowed ones listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("\"{value}\" is not a known {what}. Use one of: {}.", valid.join(", "))]
    Unknown {
        field: &'static str,
        what: &'static str,
        value: String,
        valid: Vec<String>,
    },
    #[error("Intensity is a number from 0 to {INTENSITY_MAX}; {0} is outside that.")]
    Intensity(i64),
    #[error("The {field} is {len} characters long; please keep it under {max}.")]
    TooLong { field: &'static str, len: usize, max: usize },
}

impl EntryError {
    /// The name of the field the error is about, as used in forms and JSON.
    pub fn field(&self) -> &'static str {
        match self {
            EntryError::Unknown { field, .. } | EntryError::TooLong { field, .. } => field,
            EntryError::Intensity(_) => "intensity",
        }
    }
}

/// What the person typed or tapped, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct UrgeDraft {
    pub kind: String,
    pub intensity: Option<i64>,
    pub body: Option<String>,
    pub about: Option<String>,
    pub did: Option<String>,
    pub note: Option<String>,
}

/// A checked urge entry: every value known, every text trimmed and bounded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrgeEntry {
    pub kind: String,
    pub intensity: Option<u8>,
    pub body: Option<String>,
    pub about: Option<String>,
    pub did: Option<String>,
    pub note: Option<String>,
}

/// A saved urge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Urge {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(flatten)]
    pub entry: UrgeEntry,
}

/// How the last days went, in counts only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UrgeSummary {
    /// Urges logged in the window.
    pub total: u64,
    /// Of those, how many were caught before acting (paused, stayed, third way).
    pub caught: u64,
}

impl UrgeCatalog {
    /// Parse and check `content/urges.toml`.
    pub fn load(src: Source) -> Result<UrgeCatalog, ContentError> {
        let catalog: UrgeCatalog = parse_toml(src.path, src.text)?;
        catalog.validate(src.path, src.text)?;
        Ok(catalog)
    }

    pub fn kind(&self, id: &str) -> Option<&UrgeKind> {
        self.kinds.iter().find(|k| k.id == id)
    }
    pub fn body_signal(&self, id: &str) -> Option<&BodySignal> {
        self.body.iter().find(|b| b.id == id)
    }
    pub fn did_choice(&self, id: &str) -> Option<&DidChoice> {
        self.did.iter().find(|d| d.id == id)
    }

    /// Check a draft against the catalog. Empty text counts as not given.
    pub fn check(&self, draft: UrgeDraft) -> Result<UrgeEntry, EntryError> {
        let kind = draft.kind.trim().to_string();
        if self.kind(&kind).is_none() {
            return Err(EntryError::Unknown {
                field: "kind",
                what: "urge kind",
                value: kind,
                valid: self.kinds.iter().map(|k| k.id.clone()).collect(),
            });
        }
        let intensity = match draft.intensity {
            None => None,
            Some(n) if (0..=i64::from(INTENSITY_MAX)).contains(&n) => u8::try_from(n).ok(),
            Some(n) => return Err(EntryError::Intensity(n)),
        };
        let body = match non_empty(draft.body) {
            None => None,
            Some(b) if self.body_signal(&b).is_some() => Some(b),
            Some(b) => {
                return Err(EntryError::Unknown {
                    field: "body",
                    what: "body signal",
                    value: b,
                    valid: self.body.iter().map(|b| b.id.clone()).collect(),
                });
            }
        };
        let did = match non_empty(draft.did) {
            None => None,
            Some(d) if self.did_choice(&d).is_some() => Some(d),
            Some(d) => {
                return Err(EntryError::Unknown {
                    field: "did",
                    what: "answer to \"what did you do\"",
                    value: d,
                    valid: self.did.iter().map(|d| d.id.clone()).collect(),
                });
            }
        };
        let about = bounded("about", non_empty(draft.about), ABOUT_MAX)?;
        let note = bounded("note", non_empty(draft.note), NOTE_MAX)?;
        Ok(UrgeEntry {
            kind,
            intensity,
            body,
            about,
            did,
            note,
        })
    }

    /// Sum up urges given as (what I did) per urge. An urge without an answer
    /// is counted but not as caught: we do not guess.
    pub fn summarise<'a>(&self, dids: impl IntoIterator<Item = (Option<&'a str>, u64)>) -> UrgeSummary {
        let mut summary = UrgeSummary::default();
        for (did, count) in dids {
            summary.total += count;
            if did.and_then(|d| self.did_choice(d)).is_some_and(|d| d.caught) {
                summary.caught += count;
            }
        }
        summary
    }

    pub(crate) fn validate(&self, path: &str, text: &str) -> Result<(), ContentError> {
        let sections: [(&str, Vec<&str>, &[&str]); 3] = [
            ("kinds", self.kinds.iter().map(|k| k.id.as_str()).collect(), REQUIRED_KINDS),
            ("body", self.body.iter().map(|b| b.id.as_str()).collect(), REQUIRED_BODY),
            ("did", self.did.iter().map(|d| d.id.as_str()).collect(), REQUIRED_DID),
        ];
        for (section, ids, required) in sections {
            let mut seen = HashSet::new();
            for id in &ids {
                // The line is looked up only for an error.
                let line = || line_of_value(text, "id", id);
                if !is_valid_id(id) {
                    return Err(ContentError::new(
                        path,
                        line(),
                        format!("[[{section}]] id \"{id}\" should be lower-case letters, digits and hyphens"),
                    ));
                }
                if !seen.insert(*id) {
                    return Err(ContentError::new(path, line(), format!("[[{section}]] id \"{id}\" appears twice")));
                }
            }
            for id in required {
                if !seen.contains(id) {
                    return Err(ContentError::new(
                        path,
                        None,
                        format!("[[{section}]] must include \"{id}\": the command line documents it"),
                    ));
                }
            }
        }
        let texts = self
            .kinds
            .iter()
            .flat_map(|k| [(&k.id, &k.name), (&k.id, &k.description)])
            .chain(self.body.iter().map(|b| (&b.id, &b.name)))
            .chain(self.did.iter().map(|d| (&d.id, &d.name)));
        for (id, t) in texts {
            if t.trim().is_empty() {
                return Err(ContentError::new(
                    path,
                    line_of_value(text, "id", id),
                    format!("\"{id}\" has an empty text"),
                ));
            }
        }
        Ok(())
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn bounded(field: &'static str, s: Option<String>, max: usize) -> Result<Option<String>, EntryError> {
    match s {
        Some(s) if s.chars().count() > max => Err(EntryError::TooLong {
            field,
            len: s.chars().count(),
            max,
        }),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;
    use proptest::prelude::*;

    fn catalog() -> &'static UrgeCatalog {
        Catalog::embedded().urges()
    }

    #[test]
    fn a_kind_alone_is_a_complete_entry() {
        let e = catalog()
            .check(UrgeDraft {
                kind: "go-quiet".into(),
                ..Default::default()
            })
            .expect("valid");
        assert_eq!(e.kind, "go-quiet");
        assert_eq!(e.intensity, None);
        assert_eq!(e.note, None);
    }

    #[test]
    fn unknown_kind_lists_the_valid_ones() {
        let err = catalog()
            .check(UrgeDraft {
                kind: "fly".into(),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(err.field(), "kind");
        let msg = err.to_string();
        assert!(msg.contains("\"fly\""), "{msg}");
        for id in REQUIRED_KINDS {
            assert!(msg.contains(id), "{msg} should list {id}");
        }
    }

    #[test]
    fn unknown_did_and_body_list_the_valid_ones() {
        let err = catalog()
            .check(UrgeDraft {
                kind: "busy".into(),
                did: Some("ran".into()),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(err.field(), "did");
        assert!(err.to_string().contains("acted, paused, stayed, third-way"), "{err}");
        let err = catalog()
            .check(UrgeDraft {
                kind: "busy".into(),
                body: Some("elbow".into()),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(err.field(), "body");
        assert!(err.to_string().contains("racing-heart"));
    }

    #[test]
    fn intensity_is_bounded() {
        for n in [-1, 11, 1000] {
            let err = catalog()
                .check(UrgeDraft {
                    kind: "busy".into(),
                    intensity: Some(n),
                    ..Default::default()
                })
                .unwrap_err();
            assert_eq!(err, EntryError::Intensity(n));
        }
    }

    #[test]
    fn blank_text_is_not_kept_and_text_is_trimmed() {
        let e = catalog()
            .check(UrgeDraft {
                kind: " busy ".into(),
                about: Some("   ".into()),
                note: Some("  a long day  ".into()),
                did: Some(String::new()),
                ..Default::default()
            })
            .expect("valid");
        assert_eq!(e.kind, "busy");
        assert_eq!(e.about, None);
        assert_eq!(e.did, None);
        assert_eq!(e.note.as_deref(), Some("a long day"));
    }

    #[test]
    fn overlong_text_is_refused_with_its_length() {
        let err = catalog()
            .check(UrgeDraft {
                kind: "busy".into(),
                about: Some("x".repeat(ABOUT_MAX + 1)),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(err.field(), "about");
    }

    #[test]
    fn caught_means_paused_stayed_or_third_way() {
        let s = catalog().summarise([
            (Some("acted"), 2),
            (Some("paused"), 1),
            (Some("stayed"), 3),
            (Some("third-way"), 1),
            (None, 4),
        ]);
        assert_eq!(s, UrgeSummary { total: 11, caught: 5 });
    }

    #[test]
    fn content_missing_a_documented_kind_is_refused() {
        let text = r#"
[[kinds]]
id = "fight"
name = "Pick a fight"
description = "x"
[[body]]
id = "other"
name = "Other"
[[did]]
id = "acted"
name = "Acted"
caught = false
"#;
        let err = Catalog::from_files(&[("urges.toml", text)]).unwrap_err();
        assert!(err.reason.contains("must include \"busy\""), "{err}");
    }

    #[test]
    fn duplicate_ids_name_the_line() {
        let mut text = String::from(include_str!("../../../content/urges.toml"));
        text.push_str("\n[[kinds]]\nid = \"fight\"\nname = \"Again\"\ndescription = \"x\"\n");
        let cat: UrgeCatalog = crate::source::parse_toml("urges.toml", &text).expect("parses");
        let err = cat.validate("urges.toml", &text).unwrap_err();
        assert!(err.reason.contains("appears twice"), "{err}");
        assert!(err.line.is_some());
    }

    proptest! {
        #[test]
        fn summary_never_counts_more_caught_than_total(
            counts in proptest::collection::vec((0usize..6, 0u64..50), 0..20)
        ) {
            let ids = [Some("acted"), Some("paused"), Some("stayed"), Some("third-way"), None, Some("nonsense")];
            let s = catalog().summarise(counts.iter().map(|(i, n)| (ids[*i], *n)));
            prop_assert!(s.caught <= s.total);
            prop_assert_eq!(s.total, counts.iter().map(|(_, n)| n).sum::<u64>());
        }
    }
}
