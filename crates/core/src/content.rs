//! The content registry: every word list the app shows, from the files in
//! `content/`, which are compiled into the binary so the app works with
//! nothing beside it.
//!
//! One list, [`SETS`], names each content set: where its files are, what they
//! hold, and the domain function that parses and checks them. Nothing is
//! parsed at start: a set is read the first time something asks for it, so
//! `drawbridge urge go-quiet` pays for the urge kinds and nothing else.
//! Parsing is strict (unknown fields are refused) and every error names the
//! file and line, so a clinician editing a file without knowing Rust is told
//! exactly what to fix; the test suite loads every set, so a mistake fails
//! there, long before anyone runs the app.
//!
//! Adding a content area is one new line in `content_sets!` below and its
//! files under `content/` (`build.rs` finds them).
//!
//! The two large tables of the scanner (its word model and word clusters)
//! are not read here at all: `build.rs` turns them into the compact form of
//! `safety::tables` and the binary reads them where they lie.

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::account::{AccountText, CommonPasswords};
use crate::assess::{self, Instrument, ProfileText};
use crate::crisis::CrisisDirectory;
use crate::moment::{self, AfterText, PauseText, Protocol, Scripts};
use crate::people::PeopleText;
use crate::practice::{self, Experiment, PracticeText, Program};
use crate::prompts::Prompts;
use crate::safety::{SafetyText, Scanner};
pub use crate::source::{ContentError, Source};
use crate::stories::{StoryRules, StoryText};
use crate::urge::UrgeCatalog;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
pub use generated::{COMPILED, EMBEDDED};

/// Where a set's files are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Files {
    /// One file at this path.
    One(&'static str),
    /// Every `.toml` file in this folder (the path ends in `/`).
    Dir(&'static str),
}

/// One content set: its name (the `Catalog` method that returns it), where
/// its files are, and what they hold, in words for an error.
#[derive(Debug, Clone, Copy)]
pub struct Set {
    pub name: &'static str,
    pub files: Files,
    pub what: &'static str,
}

impl Set {
    /// Whether a file (by its path under `content/`) belongs to this set.
    pub fn owns(&self, path: &str) -> bool {
        match self.files {
            Files::One(p) => path == p,
            Files::Dir(d) => path.starts_with(d) && path.ends_with(".toml") && !path[d.len()..].contains('/'),
        }
    }
}

/// How a set's files become its value.
enum Load<T> {
    One(fn(Source) -> Result<T, ContentError>),
    Dir(fn(&[Source]) -> Result<T, ContentError>),
}

macro_rules! content_sets {
    ($( $(#[$doc:meta])* $name:ident: $ty:ty = $kind:ident($at:literal, $what:literal, $load:path); )*) => {
        /// Every content set, in the order `Catalog::check` loads them.
        pub const SETS: &[Set] = &[$( Set { name: stringify!($name), files: Files::$kind($at), what: $what } ),*];

        /// Each set once it has been read.
        #[derive(Default)]
        struct Loaded {
            $( $name: OnceLock<$ty>, )*
        }

        impl Catalog {
            $(
                $(#[$doc])*
                pub fn $name(&self) -> &$ty {
                    self.loaded.$name.get_or_init(|| self.built(stringify!($name), Load::$kind($load)))
                }
            )*

            /// Read every set not read yet; the first problem is returned.
            pub fn check(&self) -> Result<(), ContentError> {
                $(
                    if self.loaded.$name.get().is_none() {
                        let value = self.read(stringify!($name), Load::$kind($load))?;
                        let _ = self.loaded.$name.set(value);
                    }
                )*
                Ok(())
            }
        }
    };
}

content_sets! {
    /// The kinds of urge, the body places and the answers to "what did you do".
    urges: UrgeCatalog = One("urges.toml", "urge kinds", UrgeCatalog::load);
    /// The crisis lines, one file a region.
    crisis: CrisisDirectory = Dir("crisis/", "crisis line", CrisisDirectory::load);
    /// The bundled instruments: the Patterns Quiz first, then scoring keys.
    instruments: Vec<Instrument> = Dir("instruments/", "instrument", assess::load_instruments);
    profile: ProfileText = One("profile.toml", "profile wording", ProfileText::load);
    /// The experiment library, stage 1 first.
    experiments: Vec<Experiment> = Dir("experiments/", "experiment library", practice::load_experiments);
    programs: Vec<Program> = Dir("programs/", "program", practice::load_programs);
    practice: PracticeText = One("practice.toml", "practice wording", PracticeText::load);
    /// The guided protocols, in menu order.
    protocols: Vec<Protocol> = Dir("protocols/", "protocol", moment::load_protocols);
    pause: PauseText = One("pause.toml", "in-the-moment wording", PauseText::load);
    scripts: Scripts = One("scripts.toml", "scripts", Scripts::load);
    after: AfterText = One("after.toml", "after-it-goes-badly wording", AfterText::load);
    safety: SafetyText = One("safety.toml", "safety plan wording", SafetyText::load);
    /// Words for accounts in server mode.
    accounts: AccountText = One("accounts/accounts.toml", "account wording", AccountText::load);
    /// The common passwords a new password may not be.
    common_passwords: CommonPasswords = One("accounts/common-passwords.txt", "common password list", CommonPasswords::load);
    /// The crisis-language scanner: the rules in this file, with the word
    /// model and clusters `build.rs` compiled in.
    scanner: Scanner = One("safety/scan.toml", "crisis-language rules", Scanner::load);
    /// Journal prompts, theme by theme, with the words of Today's prompt.
    prompts: Prompts = Dir("prompts/", "journal prompt", Prompts::load);
    /// The protective stories and the words of their cards.
    stories: StoryText = One("stories.toml", "protective stories", StoryText::load);
    /// The protective-story detector's rules.
    story_rules: StoryRules = One("story-rules.toml", "protective-story rules", StoryRules::load);
    /// The words of People: kinds, the safety checklist, drifting, the pattern.
    people: PeopleText = One("people.toml", "people wording", PeopleText::load);
}

/// Everything the app shows that is not code, each set read on first use.
pub struct Catalog {
    files: Vec<(Cow<'static, str>, Cow<'static, str>)>,
    /// Whether a problem in a set is one the test suite would have caught
    /// (the embedded files) rather than one to report (files given at run
    /// time, which are checked when the catalog is made).
    embedded: bool,
    loaded: Loaded,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").field("files", &self.files.len()).finish_non_exhaustive()
    }
}

impl Catalog {
    /// The catalog compiled into this binary. Each set is parsed the first
    /// time it is used, once per process.
    pub fn embedded() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog {
            files: EMBEDDED.iter().map(|(p, t)| (Cow::Borrowed(*p), Cow::Borrowed(*t))).collect(),
            embedded: true,
            loaded: Loaded::default(),
        })
    }

    /// A catalog of the given files (path under `content/`, text), every set
    /// parsed and checked now, so a problem is an error here and never later.
    pub fn from_files(files: &[(&str, &str)]) -> Result<Catalog, ContentError> {
        for (path, _) in files {
            set_of(path)?;
        }
        let catalog = Catalog {
            files: files
                .iter()
                .map(|(p, t)| (Cow::Owned(p.to_string()), Cow::Owned(t.to_string())))
                .collect(),
            embedded: false,
            loaded: Loaded::default(),
        };
        catalog.check()?;
        Ok(catalog)
    }

    /// A set's value, read from its files.
    fn read<T>(&self, name: &str, load: Load<T>) -> Result<T, ContentError> {
        let set = SETS.iter().find(|s| s.name == name).expect("every set is in SETS");
        let files: Vec<Source> = self
            .files
            .iter()
            .filter(|(p, _)| set.owns(p))
            .map(|(p, t)| Source { path: p, text: t })
            .collect();
        match (load, set.files) {
            (Load::One(f), Files::One(path)) => match files.as_slice() {
                [src] => f(*src),
                _ => Err(ContentError::new(path, None, format!("the {} file is missing", set.what))),
            },
            (Load::Dir(_), Files::Dir(dir)) if files.is_empty() => {
                Err(ContentError::new(dir, None, format!("there are no {} files", set.what)))
            }
            (Load::Dir(f), Files::Dir(_)) => f(&files),
            // content_sets! makes both from the same word, One or Dir.
            _ => unreachable!("a set's loader and files are of one kind"),
        }
    }

    /// A set's value for an accessor. Files given at run time were checked
    /// in `from_files`; the embedded files are checked by the test suite
    /// (`every_content_set_loads`), so a problem here means this binary was
    /// built without running it.
    fn built<T>(&self, name: &str, load: Load<T>) -> T {
        self.read(name, load).unwrap_or_else(|e| {
            let whose = if self.embedded { "the built-in content" } else { "the content" };
            panic!("{whose} is damaged, and this build was never tested: {e}")
        })
    }

    /// A bundled instrument by id.
    pub fn instrument(&self, id: &str) -> Option<&Instrument> {
        self.instruments().iter().find(|i| i.id == id)
    }

    pub fn experiment(&self, id: &str) -> Option<&Experiment> {
        self.experiments().iter().find(|e| e.id == id)
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
        self.protocols().iter().find(|p| p.id == id)
    }

    pub fn program(&self, id: &str) -> Option<&Program> {
        self.programs().iter().find(|p| p.id == id)
    }
}

/// The set a file belongs to, or why it belongs to none.
pub fn set_of(path: &str) -> Result<&'static Set, ContentError> {
    if COMPILED.contains(&path) {
        return Err(ContentError::new(
            path,
            None,
            "this file is compiled into the program by build.rs; it is not read at run time",
        ));
    }
    SETS.iter()
        .find(|s| s.owns(path))
        .ok_or_else(|| ContentError::new(path, None, "this file is not part of any known content set"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_content_set_loads() {
        let catalog = Catalog::embedded();
        catalog.check().expect("embedded content must parse");
        assert!(catalog.urges().kinds.len() >= 9);
        assert!(catalog.scanner().model().is_some(), "the scanner has its word model");
    }

    #[test]
    fn every_embedded_file_belongs_to_one_set() {
        for (path, _) in EMBEDDED {
            let owners: Vec<&str> = SETS.iter().filter(|s| s.owns(path)).map(|s| s.name).collect();
            assert_eq!(owners.len(), 1, "content/{path} belongs to {owners:?}");
        }
        for set in SETS {
            assert!(EMBEDDED.iter().any(|(p, _)| set.owns(p)), "the set {} has files", set.name);
        }
    }

    #[test]
    fn a_set_is_read_only_when_asked_for() {
        let catalog = Catalog {
            files: EMBEDDED.iter().map(|(p, t)| (Cow::Borrowed(*p), Cow::Borrowed(*t))).collect(),
            embedded: true,
            loaded: Loaded::default(),
        };
        assert!(!catalog.urges().kinds.is_empty());
        assert!(catalog.loaded.urges.get().is_some());
        assert!(catalog.loaded.scanner.get().is_none(), "logging an urge does not read the scanner");
        assert!(catalog.loaded.crisis.get().is_none());
    }

    #[test]
    fn unknown_and_compiled_files_are_refused() {
        let err = Catalog::from_files(&[("stray.toml", "")]).unwrap_err();
        assert!(err.reason.contains("not part of any known content set"));
        let err = Catalog::from_files(&[("safety/scan-model.txt", "")]).unwrap_err();
        assert!(err.reason.contains("compiled into the program"), "{err}");
        let mut files: Vec<(&str, &str)> = EMBEDDED.to_vec();
        files.push(("instruments/x.toml", "id = 3"));
        let err = Catalog::from_files(&files).unwrap_err();
        assert_eq!(err.file, "instruments/x.toml");
    }

    #[test]
    fn a_missing_file_is_named() {
        let err = Catalog::from_files(&[]).unwrap_err();
        assert_eq!(err.file, "urges.toml");
        assert!(err.reason.contains("urge kinds file is missing"), "{err}");
        let mut files: Vec<(&str, &str)> = EMBEDDED.iter().copied().filter(|(p, _)| !p.starts_with("crisis/")).collect();
        let err = Catalog::from_files(&files).unwrap_err();
        assert_eq!(err.file, "crisis/");
        files = EMBEDDED.iter().copied().filter(|(p, _)| *p != "protocols/short.toml").collect();
        let err = Catalog::from_files(&files).unwrap_err();
        assert_eq!(err.file, "protocols/short.toml");
    }

    #[test]
    fn files_given_at_run_time_are_checked_at_once() {
        let files: Vec<(&str, &str)> = EMBEDDED.to_vec();
        let catalog = Catalog::from_files(&files).expect("the embedded files, given again");
        assert_eq!(catalog.urges().kinds.len(), Catalog::embedded().urges().kinds.len());
        let broken: Vec<(&str, &str)> = EMBEDDED
            .iter()
            .map(|(p, t)| if *p == "safety/scan.toml" { (*p, "signals = 3") } else { (*p, *t) })
            .collect();
        let err = Catalog::from_files(&broken).unwrap_err();
        assert_eq!(err.file, "safety/scan.toml");
    }
}
