//! The content catalog: every word list the app shows, parsed from the TOML
//! files in `content/`, which are compiled into the binary so the app works
//! with nothing beside it. Parsing is strict (unknown fields are refused) and
//! every error names the file and line, so a clinician editing a file without
//! knowing Rust is told exactly what to fix.

use std::sync::OnceLock;

use serde::de::DeserializeOwned;

use crate::assess::{Instrument, ProfileText};
use crate::crisis::{CrisisDirectory, Region};
use crate::moment::{AfterText, PauseText, Protocol, Scripts};
use crate::practice::{Experiment, PracticeText, Program};
use crate::safety::{SafetyText, Scanner};
use crate::urge::UrgeCatalog;

/// The files compiled into the binary, by their path under `content/`.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("urges.toml", include_str!("../../../content/urges.toml")),
    ("profile.toml", include_str!("../../../content/profile.toml")),
    ("practice.toml", include_str!("../../../content/practice.toml")),
    (
        "experiments/stage-1.toml",
        include_str!("../../../content/experiments/stage-1.toml"),
    ),
    (
        "experiments/stage-2.toml",
        include_str!("../../../content/experiments/stage-2.toml"),
    ),
    (
        "experiments/stage-3.toml",
        include_str!("../../../content/experiments/stage-3.toml"),
    ),
    (
        "experiments/stage-4.toml",
        include_str!("../../../content/experiments/stage-4.toml"),
    ),
    (
        "programs/connection-7.toml",
        include_str!("../../../content/programs/connection-7.toml"),
    ),
    ("programs/ladder-4w.toml", include_str!("../../../content/programs/ladder-4w.toml")),
    (
        "instruments/patterns.toml",
        include_str!("../../../content/instruments/patterns.toml"),
    ),
    (
        "instruments/ecr-r.key.toml",
        include_str!("../../../content/instruments/ecr-r.key.toml"),
    ),
    (
        "instruments/ecr-rs.key.toml",
        include_str!("../../../content/instruments/ecr-rs.key.toml"),
    ),
    ("pause.toml", include_str!("../../../content/pause.toml")),
    ("protocols/pause.toml", include_str!("../../../content/protocols/pause.toml")),
    ("protocols/short.toml", include_str!("../../../content/protocols/short.toml")),
    (
        "protocols/grounding.toml",
        include_str!("../../../content/protocols/grounding.toml"),
    ),
    ("protocols/parts.toml", include_str!("../../../content/protocols/parts.toml")),
    ("scripts.toml", include_str!("../../../content/scripts.toml")),
    ("after.toml", include_str!("../../../content/after.toml")),
    ("safety.toml", include_str!("../../../content/safety.toml")),
    ("safety/scan.toml", include_str!("../../../content/safety/scan.toml")),
    ("safety/scan-model.txt", include_str!("../../../content/safety/scan-model.txt")),
    (
        "safety/word-clusters.txt",
        include_str!("../../../content/safety/word-clusters.txt"),
    ),
    ("crisis/us.toml", include_str!("../../../content/crisis/us.toml")),
    ("crisis/uk.toml", include_str!("../../../content/crisis/uk.toml")),
    ("crisis/ie.toml", include_str!("../../../content/crisis/ie.toml")),
    ("crisis/ca.toml", include_str!("../../../content/crisis/ca.toml")),
    ("crisis/au.toml", include_str!("../../../content/crisis/au.toml")),
    ("crisis/de.toml", include_str!("../../../content/crisis/de.toml")),
    ("crisis/fr.toml", include_str!("../../../content/crisis/fr.toml")),
    ("crisis/in.toml", include_str!("../../../content/crisis/in.toml")),
    ("crisis/intl.toml", include_str!("../../../content/crisis/intl.toml")),
];

/// A problem in a content file: which file, which line, and what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("content/{file}{}: {reason}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
pub struct ContentError {
    pub file: String,
    pub line: Option<usize>,
    pub reason: String,
}

impl ContentError {
    pub fn new(file: &str, line: Option<usize>, reason: impl Into<String>) -> Self {
        ContentError {
            file: file.to_string(),
            line,
            reason: reason.into(),
        }
    }
}

/// Everything the app shows that is not code.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub urges: UrgeCatalog,
    pub crisis: CrisisDirectory,
    /// The bundled instruments: the Patterns Quiz first, then scoring keys.
    pub instruments: Vec<Instrument>,
    pub profile: ProfileText,
    /// The experiment library, stage 1 first.
    pub experiments: Vec<Experiment>,
    pub programs: Vec<Program>,
    pub practice: PracticeText,
    /// The guided protocols, in menu order.
    pub protocols: Vec<Protocol>,
    pub pause: PauseText,
    pub scripts: Scripts,
    pub after: AfterText,
    pub safety: SafetyText,
    pub scanner: Scanner,
}

impl Catalog {
    /// Parse and validate a set of content files given as (path, text) pairs.
    pub fn from_files(files: &[(&str, &str)]) -> Result<Catalog, ContentError> {
        let mut urges = None;
        let mut profile = None;
        let mut regions = Vec::new();
        let mut instruments: Vec<Instrument> = Vec::new();
        let mut experiments = Vec::new();
        let mut experiment_ids = std::collections::HashSet::new();
        let mut programs: Vec<Program> = Vec::new();
        let mut practice = None;
        let mut protocols: Vec<Protocol> = Vec::new();
        let mut pause = None;
        let mut scripts = None;
        let mut after = None;
        let mut safety = None;
        let mut scanner = None;
        let mut model = None;
        let mut clusters = None;
        for (path, text) in files {
            if *path == "urges.toml" {
                let catalog: UrgeCatalog = parse_toml(path, text)?;
                catalog.validate(path, text)?;
                urges = Some(catalog);
            } else if *path == "practice.toml" {
                let p: PracticeText = parse_toml(path, text)?;
                p.validate(path)?;
                practice = Some(p);
            } else if *path == "pause.toml" {
                pause = Some(parse_toml::<PauseText>(path, text)?);
            } else if path.starts_with("protocols/") {
                let p = Protocol::parse(path, text)?;
                if protocols.iter().any(|q| q.id == p.id) {
                    return Err(ContentError::new(
                        path,
                        None,
                        format!("protocol id \"{}\" is used by another file", p.id),
                    ));
                }
                protocols.push(p);
            } else if *path == "scripts.toml" {
                scripts = Some(Scripts::parse(path, text)?);
            } else if *path == "after.toml" {
                let a: AfterText = parse_toml(path, text)?;
                a.validate(path)?;
                after = Some(a);
            } else if *path == "safety.toml" {
                let s: SafetyText = parse_toml(path, text)?;
                s.validate(path)?;
                safety = Some(s);
            } else if *path == "safety/scan.toml" {
                scanner = Some(Scanner::parse(path, text)?);
            } else if *path == "safety/scan-model.txt" {
                model = Some(crate::safety::model::Model::parse(path, text)?);
            } else if *path == "safety/word-clusters.txt" {
                clusters = Some(crate::safety::model::Clusters::parse(path, text)?);
            } else if path.starts_with("experiments/") {
                experiments.extend(crate::practice::parse_experiments(path, text, &mut experiment_ids)?);
            } else if path.starts_with("programs/") {
                let p = crate::practice::parse_program(path, text)?;
                if programs.iter().any(|q| q.id == p.id) {
                    return Err(ContentError::new(
                        path,
                        None,
                        format!("program id \"{}\" is used by another file", p.id),
                    ));
                }
                programs.push(p);
            } else if *path == "profile.toml" {
                let p: ProfileText = parse_toml(path, text)?;
                p.validate(path)?;
                profile = Some(p);
            } else if path.starts_with("instruments/") {
                let inst = Instrument::parse(path, text)?;
                if instruments.iter().any(|i| i.id == inst.id) {
                    return Err(ContentError::new(
                        path,
                        None,
                        format!("instrument id \"{}\" is used by another file", inst.id),
                    ));
                }
                instruments.push(inst);
            } else if path.starts_with("crisis/") {
                let region: Region = parse_toml(path, text)?;
                region.validate(path, text)?;
                regions.push(region);
            } else {
                return Err(ContentError::new(path, None, "this file is not part of any known content set"));
            }
        }
        let urges = urges.ok_or_else(|| ContentError::new("urges.toml", None, "the urge kinds file is missing"))?;
        let crisis = CrisisDirectory::new(regions)?;
        let profile = profile.ok_or_else(|| ContentError::new("profile.toml", None, "the profile wording file is missing"))?;
        let practice = practice.ok_or_else(|| ContentError::new("practice.toml", None, "the practice wording file is missing"))?;
        experiments.sort_by_key(|e: &Experiment| e.stage);
        protocols.sort_by_key(|p| p.order);
        for id in crate::moment::PROTOCOLS {
            if !protocols.iter().any(|p| p.id == *id) {
                return Err(ContentError::new(
                    &format!("protocols/{id}.toml"),
                    None,
                    "this protocol file is missing",
                ));
            }
        }
        let missing = |file: &str, what: &str| ContentError::new(file, None, format!("the {what} file is missing"));
        let pause = pause.ok_or_else(|| missing("pause.toml", "in-the-moment wording"))?;
        let scripts = scripts.ok_or_else(|| missing("scripts.toml", "scripts"))?;
        let after = after.ok_or_else(|| missing("after.toml", "after-it-goes-badly wording"))?;
        let safety = safety.ok_or_else(|| missing("safety.toml", "safety plan wording"))?;
        let scanner = scanner.ok_or_else(|| missing("safety/scan.toml", "crisis-language rules"))?;
        let model = model.ok_or_else(|| missing("safety/scan-model.txt", "crisis-language word model"))?;
        let clusters = clusters.ok_or_else(|| missing("safety/word-clusters.txt", "word clusters"))?;
        let scanner = scanner.with_model(model).with_clusters(clusters);
        Ok(Catalog {
            urges,
            crisis,
            instruments,
            profile,
            experiments,
            programs,
            practice,
            protocols,
            pause,
            scripts,
            after,
            safety,
            scanner,
        })
    }

    /// A bundled instrument by id.
    pub fn instrument(&self, id: &str) -> Option<&Instrument> {
        self.instruments.iter().find(|i| i.id == id)
    }

    pub fn experiment(&self, id: &str) -> Option<&Experiment> {
        self.experiments.iter().find(|e| e.id == id)
    }

    /// A record's title: its library experiment's title, or the person's own words.
    pub fn record_title(&self, r: &crate::practice::Record) -> String {
        match (&r.plan.experiment, &r.plan.custom) {
            (Some(id), _) => self.experiment(id).map(|e| e.title.clone()).unwrap_or_else(|| id.clone()),
            (None, Some(t)) => t.clone(),
            (None, None) => String::new(),
        }
    }

    pub fn protocol(&self, id: &str) -> Option<&Protocol> {
        self.protocols.iter().find(|p| p.id == id)
    }

    pub fn program(&self, id: &str) -> Option<&Program> {
        self.programs.iter().find(|p| p.id == id)
    }

    /// The catalog compiled into this binary. Parsed once per process.
    pub fn embedded() -> Result<&'static Catalog, ContentError> {
        static CATALOG: OnceLock<Result<Catalog, ContentError>> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog::from_files(EMBEDDED)).as_ref().map_err(Clone::clone)
    }
}

/// Parse one TOML file, turning a parse error into a file-and-line message.
pub fn parse_toml<T: DeserializeOwned>(path: &str, text: &str) -> Result<T, ContentError> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        ContentError::new(path, line, e.message().trim().to_string())
    })
}

/// The 1-based line number of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
}

/// The line on which `needle` first appears after `key = `, to point an error
/// at the offending entry rather than at the top of the file.
pub fn line_of_value(text: &str, key: &str, value: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.starts_with(key) && l.contains(&format!("\"{value}\""))
        })
        .map(|i| i + 1)
}

/// Ids are stable names used in files, URLs and the command line.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_content_is_valid() {
        let catalog = Catalog::embedded().expect("embedded content must parse");
        assert!(catalog.urges.kinds.len() >= 9);
    }

    #[test]
    fn parse_errors_name_the_file_and_line() {
        let err = parse_toml::<UrgeCatalog>("urges.toml", "[[kinds]]\nid = \"a\"\nname = 3\n").unwrap_err();
        assert_eq!(err.file, "urges.toml");
        assert_eq!(err.line, Some(3));
        assert!(err.to_string().starts_with("content/urges.toml, line 3:"), "{err}");
    }

    #[test]
    fn unknown_files_are_refused() {
        let err = Catalog::from_files(&[("stray.toml", "")]).unwrap_err();
        assert!(err.reason.contains("not part of any known content set"));
        let err = Catalog::from_files(&[("urges.toml", EMBEDDED[0].1), ("instruments/x.toml", "id = 3")]).unwrap_err();
        assert_eq!(err.file, "instruments/x.toml");
    }

    #[test]
    fn ids_are_lowercase_words_joined_by_hyphens() {
        assert!(is_valid_id("go-quiet"));
        assert!(is_valid_id("ecr-r2"));
        assert!(!is_valid_id("Go-Quiet"));
        assert!(!is_valid_id("-x"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("a b"));
    }
}
