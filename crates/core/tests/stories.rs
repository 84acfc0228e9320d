//! The protective-story detector, measured on the kinds of text people type
//! into drawbridge: journal entries, urge notes, predictions, outcomes,
//! lessons and resets.
//!
//! `stories-dev-a.toml` and `stories-dev-b.toml` (192 cases each) are
//! development sets, written from a brief by someone who never saw the
//! rules; the rules were tuned on them. `stories-dev-c.toml`,
//! `stories-dev-d.toml`, `stories-dev-h.toml` and `stories-dev-m.toml` were
//! the first four blind final sets: each was measured once on frozen rules,
//! missed the recall target (their headers have the figures) and became
//! development data, with E (short phone texts), F (long entries and
//! resets), G (near-twin pairs), I (slang and idioms), J (long texts), K
//! (many voices) and L (breadth of phrasing), each first measured blind too.
//! The word model behind the rules is trained on all thirteen.
//! `stories-final.toml` (200 cases) is the fifth blind set, written the same
//! way and measured once, after rules and model were frozen.
//!
//! Per text: recall is the share of story texts where the card shown is one
//! of the stories the text tells; a false alarm is a look-alike (the third
//! way, a change of heart, someone else's words, a question, an ordinary
//! use, a plain practice text, a crisis statement) that gets any card. A
//! wrong card on a story text counts against recall too.
//!
//! Run with `-- --nocapture` to see every miss and false alarm.

use std::collections::BTreeMap;

use drawbridge_core::Catalog;
use serde::Deserialize;

#[derive(Deserialize)]
struct Set {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    field: String,
    stories: Vec<String>,
    kind: String,
}

use drawbridge_core::stories::model::DEV_SETS;
const FIELDS: [&str; 6] = ["journal", "note", "prediction", "outcome", "learned", "reset"];
const KINDS: [&str; 8] = [
    "story",
    "third-way",
    "changed",
    "someone-else",
    "question",
    "ordinary",
    "plain",
    "crisis",
];

struct Figures {
    stories: usize,
    recalled: usize,
    exact: usize,
    lookalikes: usize,
    false_alarms: usize,
    by_kind: BTreeMap<String, (usize, usize)>,
}

impl Figures {
    fn recall(&self) -> f64 {
        self.recalled as f64 / self.stories as f64
    }
    fn false_alarm_rate(&self) -> f64 {
        self.false_alarms as f64 / self.lookalikes as f64
    }
}

fn load(name: &str) -> Vec<Case> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let set: Set = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    for c in &set.cases {
        assert!(FIELDS.contains(&c.field.as_str()), "{name}: field {} in {:?}", c.field, c.text);
        assert!(KINDS.contains(&c.kind.as_str()), "{name}: kind {} in {:?}", c.kind, c.text);
        assert_eq!(
            c.kind == "story",
            !c.stories.is_empty(),
            "{name}: only story cases name stories: {:?}",
            c.text
        );
        for s in &c.stories {
            assert!(drawbridge_core::stories::STORIES.contains(&s.as_str()), "{name}: no story {s}");
        }
    }
    set.cases
}

/// What the rules made of a text, when `STORY_TRACE` is set.
fn trace(catalog: &Catalog, text: &str) {
    if std::env::var_os("STORY_TRACE").is_some() {
        for line in catalog.story_rules().trace(text) {
            println!("    {line}");
        }
    }
}

/// How a text is read: by the detector's rules alone, by the detector
/// (rules and word model), or as the app shows cards (none on a text that
/// calls for the crisis panel).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Reading {
    Rules,
    Detector,
    App,
}

fn measure(name: &str) -> Figures {
    measure_as(name, Reading::Detector)
}

fn measure_as(name: &str, reading: Reading) -> Figures {
    let catalog = Catalog::embedded();
    let cases = load(name);
    let mut f = Figures {
        stories: 0,
        recalled: 0,
        exact: 0,
        lookalikes: 0,
        false_alarms: 0,
        by_kind: BTreeMap::new(),
    };
    for c in &cases {
        let found = match reading {
            Reading::Rules => catalog.story_rules().spot(&c.text),
            Reading::Detector => catalog.stories_detected(&c.text),
            Reading::App => catalog.stories_in(&c.text),
        };
        let ids: Vec<&str> = found.iter().map(|s| s.story).collect();
        let entry = f.by_kind.entry(c.kind.clone()).or_default();
        entry.0 += 1;
        if c.kind == "story" {
            f.stories += 1;
            let right = !ids.is_empty() && ids.iter().all(|i| c.stories.iter().any(|s| s == i));
            if right {
                f.recalled += 1;
                let mut want: Vec<&str> = c.stories.iter().map(String::as_str).collect();
                want.sort_unstable();
                let mut got = ids.clone();
                got.sort_unstable();
                if want == got {
                    f.exact += 1;
                }
            } else {
                entry.1 += 1;
                println!("{name} MISS [{}] want {:?} got {:?}: {}", c.field, c.stories, ids, c.text);
                trace(catalog, &c.text);
            }
        } else {
            f.lookalikes += 1;
            if !ids.is_empty() {
                f.false_alarms += 1;
                entry.1 += 1;
                println!("{name} FALSE [{}] {}: {:?}: {}", c.field, c.kind, ids, c.text);
                trace(catalog, &c.text);
            }
        }
    }
    println!(
        "{name} ({reading:?}): recall {:.3} ({}/{}), every story named {}/{}, false alarms {:.3} ({}/{}); by kind (cases, wrong): {:?}",
        f.recall(),
        f.recalled,
        f.stories,
        f.exact,
        f.stories,
        f.false_alarm_rate(),
        f.false_alarms,
        f.lookalikes,
        f.by_kind
    );
    f
}

#[test]
fn the_development_sets_reach_the_targets() {
    // The rules alone, for the record (printed with --nocapture).
    for n in DEV_SETS {
        measure_as(n, Reading::Rules);
    }
    let all: Vec<(&str, Figures)> = DEV_SETS.iter().map(|n| (*n, measure(n))).collect();
    for (name, f) in all {
        assert!(f.stories >= 90 && f.lookalikes >= 90, "{name} is big enough to measure");
        assert!(f.recall() >= 0.90, "{name}: recall {:.3} is below 0.90", f.recall());
        assert!(
            f.false_alarm_rate() <= 0.10,
            "{name}: false alarms {:.3} above 0.10",
            f.false_alarm_rate()
        );
    }
}

/// In the app, a text that calls for the crisis panel gets no card, so the
/// scanner's false alarms on ordinary stories ("I don't need anyone, I've
/// got myself") cost cards. Measured here so the cost stays in view.
#[test]
fn in_the_app_the_crisis_panel_comes_first() {
    let all: Vec<(&str, Figures)> = DEV_SETS.iter().map(|n| (*n, measure_as(n, Reading::App))).collect();
    for (name, f) in all {
        assert!(
            f.false_alarm_rate() <= 0.10,
            "{name}: false alarms {:.3} above 0.10",
            f.false_alarm_rate()
        );
        assert!(f.recall() >= 0.80, "{name}: recall in the app {:.3} is below 0.80", f.recall());
    }
}

/// The final blind set, the fifth, written without sight of the rules and
/// measured once, on the rules and model frozen at commit 97f6a56 (figures in
/// README and in the set's header): recall 0.92 meets the 0.90 target and
/// false alarms 0.10 meet theirs, only just. The test guards those figures:
/// a change that lowers them fails here. Tuning the rules on this set would
/// make it development data, and the next figure would need a new blind set.
#[test]
fn the_final_blind_set_as_measured() {
    // The rules alone, for the record (printed with --nocapture).
    measure_as("stories-final.toml", Reading::Rules);
    let f = measure("stories-final.toml");
    assert!(f.stories >= 100 && f.lookalikes >= 100, "big enough to measure");
    let app = measure_as("stories-final.toml", Reading::App);
    assert!(
        app.false_alarms <= f.false_alarms,
        "the app never shows more cards than the rules find"
    );
    assert!(
        f.recall() >= FINAL.0,
        "final recall {:.3} fell below its measured {:.3}",
        f.recall(),
        FINAL.0
    );
    assert!(
        f.false_alarm_rate() <= FINAL.1,
        "final false alarms {:.3} rose above their measured {:.3}",
        f.false_alarm_rate(),
        FINAL.1
    );
    assert!(
        app.recall() >= FINAL.2,
        "final recall in the app {:.3} fell below its measured {:.3}",
        app.recall(),
        FINAL.2
    );
}

/// The final set's figures as measured once: the detector's recall and false
/// alarms, and recall in the app.
const FINAL: (f64, f64, f64) = (0.92, 0.10, 0.85);

/// The weights file is generated: retraining on the development sets with
/// the shipped settings gives the same weights, so nobody can edit the file
/// by hand or train it on the final set without this failing.
#[test]
fn the_shipped_story_model_is_what_the_development_sets_train() {
    use drawbridge_core::safety::model::Clusters;
    use drawbridge_core::stories::model::{self, SETTINGS, text_features};
    let clusters = Clusters::embedded();
    let mut cases = Vec::new();
    for name in DEV_SETS {
        let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("readable");
        for (t, stories) in model::parse_cases(name, &text).expect("valid") {
            cases.push((text_features(&t, &clusters).into_iter().map(|f| f.key).collect(), stories));
        }
    }
    let trained = model::train(&cases, SETTINGS);
    let shipped = Catalog::embedded().story_model();
    assert_eq!((shipped.threshold, shipped.veto), (trained.threshold, trained.veto));
    for (i, id) in drawbridge_core::stories::STORIES.iter().enumerate() {
        let ((a, wa), (b, wb)) = (shipped.head(i), trained.head(i));
        assert!((a - b).abs() < 1e-3, "{id}: bias {a} vs {b}");
        let differ: Vec<String> = wa
            .keys()
            .chain(wb.keys())
            .filter(|k| {
                let (x, y) = (wa.get(*k).copied().unwrap_or(0.0), wb.get(*k).copied().unwrap_or(0.0));
                (x - y).abs() > 1e-3 + SETTINGS.prune * f64::from(u8::from(x == 0.0 || y == 0.0))
            })
            .map(|k| k.to_string())
            .collect();
        assert!(
            differ.is_empty(),
            "{id}: retrain with `cargo run --release -p drawbridge-core --example train_stories -- write`: {differ:?}"
        );
    }
}

#[test]
fn a_crisis_statement_gets_the_safety_net_not_a_card() {
    let c = Catalog::embedded();
    let text = "I'm done with him. I want to end my life.";
    assert!(c.scanner().scan(text).show_panel);
    assert!(!c.story_rules().spot(text).is_empty(), "the rules alone hear a story");
    assert!(c.stories_in(text).is_empty(), "the app shows the panel, not a card");
}

#[test]
fn the_issue_examples_behave() {
    let c = Catalog::embedded();
    let ids = |t: &str| c.stories_in(t).into_iter().map(|s| s.story).collect::<Vec<_>>();
    assert_eq!(
        ids("I'm just independent, I don't do the whole checking in thing"),
        ["just-independent"]
    );
    assert_eq!(ids("They'll let me down eventually, they always do."), ["will-disappoint"]);
    for quiet in [
        "I need some space tonight, and I'm not going anywhere",
        "I used to think I was better off alone",
        "my sister says she prefers being alone",
        "is it true that everyone leaves?",
        "I'm done with this report",
    ] {
        assert!(ids(quiet).is_empty(), "no card for {quiet:?}: {:?}", c.stories_in(quiet));
    }
}
