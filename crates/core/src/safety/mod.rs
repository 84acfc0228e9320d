//! Safety underneath everything: the crisis-language scanner and the
//! personal safety plan.

pub mod model;
pub(crate) mod rules;
pub mod scan;
pub mod tables;

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::source::{ContentError, Source, parse_toml};
pub use scan::{Match, Scan, Scanner, Topic};

/// The words of the safety plan, the crisis panel and the help page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SafetyText {
    pub plan_title: String,
    pub plan_intro: String,
    pub plan_saved: String,
    pub plan_empty: String,
    pub panel_title: String,
    pub panel_text: String,
    pub panel_plan: String,
    pub panel_dismiss: String,
    pub help_plan_link: String,
    pub help_hope: String,
    pub sections: Vec<PlanSection>,
}

/// One part of the safety plan, in the spirit of the Stanley-Brown plan.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSection {
    pub id: String,
    pub title: String,
    pub prompt: String,
    pub example: String,
}

/// The sections every plan has, in order.
pub const PLAN_SECTIONS: &[&str] = &[
    "warning-signs",
    "on-my-own",
    "people-places",
    "ask-for-help",
    "professionals",
    "safer-surroundings",
    "matters-most",
];

/// Longest text one plan section keeps.
pub const PLAN_SECTION_MAX: usize = 4000;

impl SafetyText {
    pub fn load(src: Source) -> Result<SafetyText, ContentError> {
        let s: SafetyText = parse_toml(src.path, src.text)?;
        s.validate(src.path)?;
        Ok(s)
    }

    pub fn validate(&self, path: &str) -> Result<(), ContentError> {
        let ids: Vec<&str> = self.sections.iter().map(|s| s.id.as_str()).collect();
        if ids != PLAN_SECTIONS {
            return Err(ContentError::new(
                path,
                None,
                format!(
                    "the plan sections must be, in order: {}; found: {}",
                    PLAN_SECTIONS.join(", "),
                    ids.join(", ")
                ),
            ));
        }
        for s in &self.sections {
            if s.title.trim().is_empty() || s.prompt.trim().is_empty() {
                return Err(ContentError::new(
                    path,
                    None,
                    format!("section \"{}\" needs a title and a prompt", s.id),
                ));
            }
        }
        Ok(())
    }

    pub fn section(&self, id: &str) -> Option<&PlanSection> {
        self.sections.iter().find(|s| s.id == id)
    }
}

/// A person's safety plan: their own words per section. Empty sections are
/// simply absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SafetyPlan {
    pub sections: BTreeMap<String, String>,
    /// When the plan was last changed (RFC 3339, UTC), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// Why a plan edit was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("there is no safety plan section called \"{0}\"; the sections are: {list}", list = PLAN_SECTIONS.join(", "))]
    UnknownSection(String),
    #[error("the \"{section}\" section is {len} characters; it can hold up to {PLAN_SECTION_MAX}, so please shorten it")]
    TooLong { section: String, len: usize },
}

impl SafetyPlan {
    /// Set one section; blank text clears it. Text is trimmed.
    pub fn set(&mut self, section: &str, text: &str) -> Result<(), PlanError> {
        if !PLAN_SECTIONS.contains(&section) {
            return Err(PlanError::UnknownSection(section.to_string()));
        }
        let text = text.trim();
        let len = text.chars().count();
        if len > PLAN_SECTION_MAX {
            return Err(PlanError::TooLong {
                section: section.to_string(),
                len,
            });
        }
        if text.is_empty() {
            self.sections.remove(section);
        } else {
            self.sections.insert(section.to_string(), text.to_string());
        }
        Ok(())
    }

    pub fn get(&self, section: &str) -> Option<&str> {
        self.sections.get(section).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }

    /// Check a plan read from an import or the database.
    pub fn check(&self) -> Result<(), PlanError> {
        for (k, v) in &self.sections {
            let mut copy = SafetyPlan::default();
            copy.set(k, v)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_keeps_trimmed_text_and_blank_clears_a_section() {
        let mut p = SafetyPlan::default();
        p.set("warning-signs", "  I stop answering messages \n").expect("set");
        assert_eq!(p.get("warning-signs"), Some("I stop answering messages"));
        p.set("warning-signs", "   ").expect("clear");
        assert!(p.is_empty());
    }

    #[test]
    fn unknown_sections_and_overlong_text_are_refused_with_what_to_do() {
        let mut p = SafetyPlan::default();
        let e = p.set("hobbies", "x").expect_err("unknown");
        assert!(e.to_string().contains("warning-signs, on-my-own"), "{e}");
        let e = p.set("on-my-own", &"a".repeat(PLAN_SECTION_MAX + 1)).expect_err("long");
        assert!(e.to_string().contains("shorten"), "{e}");
        assert!(p.is_empty(), "nothing half-saved");
    }
}
