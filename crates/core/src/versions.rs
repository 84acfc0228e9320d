//! Earlier versions of text a person edited. Nothing a person wrote is
//! replaced silently: when a saved text changes, the words it had are kept as
//! a version, readable again next to the item, exported and imported with it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// What kind of thing the text belongs to.
pub const URGE: &str = "urge";
pub const EXPERIMENT: &str = "experiment";
pub const PROGRAM_RUN: &str = "program-run";
pub const RESET: &str = "reset";
pub const SAFETY_PLAN: &str = "safety-plan";
pub const JOURNAL: &str = "journal";
pub const PERSON: &str = "person";
pub const REPLY: &str = "reply";
pub const PAST: &str = "past-relationship";
pub const ITEMS: [&str; 9] = [URGE, EXPERIMENT, PROGRAM_RUN, RESET, SAFETY_PLAN, JOURNAL, PERSON, REPLY, PAST];

/// The words a field held before it was changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextVersion {
    pub id: Uuid,
    /// One of [`ITEMS`].
    pub item: String,
    /// The item's id (for the safety plan, the section).
    pub item_id: String,
    /// Which field: "note", "prediction", "day 3 reflection"...
    pub field: String,
    pub text: String,
    /// When these words were replaced.
    #[serde(with = "time::serde::rfc3339")]
    pub replaced_at: OffsetDateTime,
}

/// The version to keep when `old` is replaced by `new`: only real words that
/// actually change are kept (clearing a field keeps what it said).
pub fn replaced(old: Option<&str>, new: Option<&str>) -> Option<String> {
    let old = old.map(str::trim).filter(|s| !s.is_empty())?;
    (Some(old) != new.map(str::trim)).then(|| old.to_string())
}

impl TextVersion {
    /// The version to keep when `item`'s `field` goes from `old` to `new`
    /// at `at`, if that change replaces real words (see [`replaced`]).
    pub fn on_change(
        (item, item_id, field): (&str, &str, &str),
        old: Option<&str>,
        new: Option<&str>,
        at: OffsetDateTime,
    ) -> Option<TextVersion> {
        Some(TextVersion {
            id: uuid::Uuid::now_v7(),
            item: item.to_string(),
            item_id: item_id.to_string(),
            field: field.to_string(),
            text: replaced(old, new)?,
            replaced_at: at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_words_are_kept() {
        assert_eq!(replaced(Some("first words"), Some("second")), Some("first words".into()));
        assert_eq!(replaced(Some("first words"), None), Some("first words".into()));
        assert_eq!(replaced(Some("same"), Some("same")), None);
        assert_eq!(replaced(Some("same"), Some(" same ")), None);
        assert_eq!(replaced(None, Some("new")), None);
        assert_eq!(replaced(Some("  "), Some("new")), None);
    }
}
