//! The crisis directory behind "Get help now": lines people can call or text,
//! by region, each with the date someone last checked it. The data lives in
//! `content/crisis/`, one file a region, so it can be kept current without
//! touching code.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::source::{ContentError, Source, line_of_value, parse_toml};

/// Regions the help page must always be able to show.
pub const REQUIRED_REGIONS: &[&str] = &["US", "UK", "IE", "CA", "AU", "DE", "FR", "IN", "INTL"];
/// The setting (in the store) that holds the person's chosen region.
/// A phone number as a `tel:` link wants it (digits and a leading +), or
/// None when the text is not a phone number.
pub fn dialable(text: &str) -> Option<String> {
    let t = text.trim();
    let ok =
        !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-')) && t.chars().any(|c| c.is_ascii_digit());
    ok.then(|| t.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect())
}

pub const REGION_SETTING: &str = "region";
/// The region shown first when none has been chosen.
pub const DEFAULT_REGION: &str = "INTL";

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub emergency: String,
    pub order: u32,
    /// Country codes (as in a locale such as en_GB) that suggest this region.
    #[serde(default)]
    pub countries: Vec<String>,
    /// Time zone names (as in Europe/London) that suggest this region.
    #[serde(default)]
    pub time_zones: Vec<String>,
    pub lines: Vec<CrisisLine>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CrisisLine {
    pub name: String,
    pub contact: String,
    pub tel: Option<String>,
    pub sms: Option<String>,
    pub web: Option<String>,
    pub hours: String,
    pub about: String,
    pub languages: Option<String>,
    pub last_verified: toml::value::Datetime,
}

impl CrisisLine {
    /// The last-verified date as written (YYYY-MM-DD).
    pub fn verified_on(&self) -> String {
        self.last_verified.date.map(|d| d.to_string()).unwrap_or_default()
    }
}

impl Region {
    /// The emergency number in a form a `tel:` link can dial, when the
    /// region has one ("999", "112"); None for words such as "your local
    /// emergency number", which must never become a link.
    pub fn emergency_dial(&self) -> Option<String> {
        dialable(&self.emergency)
    }

    pub(crate) fn validate(&self, path: &str, text: &str) -> Result<(), ContentError> {
        let at = |value: &str| line_of_value(text, "name", value);
        if self.code.is_empty() || !self.code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ContentError::new(
                path,
                line_of_value(text, "code", &self.code),
                "code should be upper-case letters, such as \"UK\"",
            ));
        }
        if self.lines.is_empty() {
            return Err(ContentError::new(path, None, "a region needs at least one [[lines]] entry"));
        }
        for line in &self.lines {
            // The line is looked up only for an error.
            let l = || at(&line.name);
            for (field, value) in [
                ("name", &line.name),
                ("contact", &line.contact),
                ("hours", &line.hours),
                ("about", &line.about),
            ] {
                if value.trim().is_empty() {
                    return Err(ContentError::new(path, l(), format!("\"{}\" has an empty {field}", line.name)));
                }
            }
            for (field, number) in [("tel", &line.tel), ("sms", &line.sms)] {
                if let Some(n) = number {
                    let ok = !n.is_empty() && n.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == '+'));
                    if !ok {
                        return Err(ContentError::new(
                            path,
                            l(),
                            format!("{field} \"{n}\" should be digits only (a leading + is fine), so phones can dial it"),
                        ));
                    }
                }
            }
            if let Some(web) = &line.web
                && !web.starts_with("https://")
            {
                return Err(ContentError::new(path, l(), format!("web \"{web}\" should start with https://")));
            }
            let d = &line.last_verified;
            if d.date.is_none() || d.time.is_some() {
                return Err(ContentError::new(
                    path,
                    l(),
                    "last_verified should be a plain date such as 2026-11-21",
                ));
            }
        }
        Ok(())
    }
}

/// All regions, in picker order.
#[derive(Debug, Clone)]
pub struct CrisisDirectory {
    regions: Vec<Region>,
}

impl CrisisDirectory {
    /// Parse and check one file a region under `content/crisis/`.
    pub fn load(files: &[Source]) -> Result<CrisisDirectory, ContentError> {
        let mut regions = Vec::with_capacity(files.len());
        for src in files {
            let region: Region = parse_toml(src.path, src.text)?;
            region.validate(src.path, src.text)?;
            regions.push(region);
        }
        CrisisDirectory::new(regions)
    }

    pub fn new(mut regions: Vec<Region>) -> Result<Self, ContentError> {
        let mut seen = HashSet::new();
        for r in &regions {
            if !seen.insert(r.code.clone()) {
                return Err(ContentError::new(
                    "crisis/",
                    None,
                    format!("region {} appears in two files", r.code),
                ));
            }
        }
        for code in REQUIRED_REGIONS {
            if !seen.contains(*code) {
                return Err(ContentError::new(
                    "crisis/",
                    None,
                    format!("region {code} is missing: the help page promises it"),
                ));
            }
        }
        regions.sort_by_key(|r| (r.order, r.code.clone()));
        Ok(CrisisDirectory { regions })
    }

    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// A region to suggest on first run, from the system's locale (such as
    /// "en_GB.UTF-8") or, failing that, its time zone ("Europe/London"). Only
    /// a suggestion: the person chooses, and nothing is saved until they do.
    pub fn suggest(&self, locale: Option<&str>, time_zone: Option<&str>) -> Option<&Region> {
        let country = locale.and_then(|l| {
            let l = l.split(['.', '@']).next().unwrap_or_default();
            let c = l.split(['_', '-']).nth(1)?;
            (c.len() == 2).then(|| c.to_ascii_uppercase())
        });
        country
            .and_then(|c| self.regions.iter().find(|r| r.countries.contains(&c)))
            .or_else(|| {
                let tz = time_zone?.trim();
                self.regions.iter().find(|r| r.time_zones.iter().any(|z| z == tz))
            })
    }

    /// The region with this code (case-insensitive), if there is one.
    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.code.eq_ignore_ascii_case(code))
    }

    /// The chosen region, or the international directory when none is chosen
    /// or the choice is unknown: there is always something to show.
    pub fn region_or_default(&self, code: Option<&str>) -> &Region {
        code.and_then(|c| self.region(c))
            .or_else(|| self.region(DEFAULT_REGION))
            .unwrap_or(&self.regions[0])
    }
}

#[cfg(test)]
mod tests {
    use crate::Catalog;
    use crate::source::parse_toml;

    use super::*;

    #[test]
    fn every_required_region_has_lines_with_a_verified_date() {
        let dir = &Catalog::embedded().crisis();
        for code in REQUIRED_REGIONS {
            let r = dir.region(code).expect("region present");
            assert!(!r.lines.is_empty());
            for l in &r.lines {
                assert_eq!(l.verified_on().len(), 10, "{} {}", code, l.name);
                assert!(
                    l.tel.is_some() || l.sms.is_some() || l.web.is_some(),
                    "{} has a way to reach it",
                    l.name
                );
            }
        }
    }

    #[test]
    fn a_region_is_suggested_from_the_locale_or_the_time_zone() {
        let dir = &Catalog::embedded().crisis();
        let code = |l: Option<&str>, t: Option<&str>| dir.suggest(l, t).map(|r| r.code.as_str());
        assert_eq!(code(Some("en_GB.UTF-8"), None), Some("UK"));
        assert_eq!(
            code(Some("fr_CA.UTF-8"), Some("Europe/Paris")),
            Some("CA"),
            "the locale's country first"
        );
        assert_eq!(code(Some("C.UTF-8"), Some("Europe/Dublin")), Some("IE"), "then the time zone");
        assert_eq!(code(Some("POSIX"), Some("Asia/Kolkata")), Some("IN"));
        assert_eq!(
            code(Some("pt_BR.UTF-8"), Some("America/Sao_Paulo")),
            None,
            "no guess beyond what is listed"
        );
        assert_eq!(code(None, None), None);
    }

    #[test]
    fn only_real_numbers_can_be_dialled() {
        let dir = &Catalog::embedded().crisis();
        assert_eq!(dir.region("UK").and_then(Region::emergency_dial).as_deref(), Some("999"));
        assert_eq!(dir.region("INTL").and_then(Region::emergency_dial), None);
        assert_eq!(dialable("+44 116 123"), Some("+44116123".into()));
        assert_eq!(dialable("your local emergency number"), None);
        assert_eq!(dialable(" - "), None);
        for r in &dir.regions {
            for l in &r.lines {
                for n in [&l.tel, &l.sms].into_iter().flatten() {
                    assert!(dialable(n).is_some(), "{}: {} dials", r.code, l.name);
                }
            }
        }
    }

    #[test]
    fn unknown_or_missing_choice_falls_back_to_international() {
        let dir = &Catalog::embedded().crisis();
        assert_eq!(dir.region_or_default(None).code, "INTL");
        assert_eq!(dir.region_or_default(Some("zz")).code, "INTL");
        assert_eq!(dir.region_or_default(Some("uk")).code, "UK");
    }

    #[test]
    fn bad_phone_numbers_are_refused_with_the_line() {
        let text = "code = \"XX\"\nname = \"X\"\nemergency = \"1\"\norder = 1\n[[lines]]\nname = \"A line\"\ncontact = \"c\"\ntel = \"call 123\"\nhours = \"h\"\nabout = \"a\"\nlast_verified = 2026-01-01\n";
        let region: Region = parse_toml("crisis/xx.toml", text).expect("parses");
        let err = region.validate("crisis/xx.toml", text).unwrap_err();
        assert!(err.reason.contains("digits only"), "{err}");
        assert_eq!(err.line, Some(6));
    }
}
