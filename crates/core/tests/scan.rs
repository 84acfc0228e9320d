//! The crisis-language scanner, measured on hand-written sets of cases in
//! `tests/data/`. Three sets (tuning, holdout, fresh) were each written by a
//! separate author without seeing the rules and then used to revise them;
//! `scan-blind.toml` was written after the rules were final and never used to
//! change them, so it is the honest measure of new phrasing. Target: recall of
//! at least 0.95 (crisis language is found) and at most 5% false alarms
//! (figures of speech and ordinary notes are left alone). Run with
//! `-- --nocapture` to see the figures and every miss.

use drawbridge_core::Catalog;
use serde::Deserialize;

#[derive(Deserialize)]
struct Cases {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    crisis: bool,
    topic: String,
}

/// The blind set, first run on 2026-11-21 with the final rules, measured
/// recall 0.775 and false alarms 0.092: short of the 0.95 / 0.05 target that
/// the development sets meet. These floors keep later rule changes from
/// making new phrasing worse while the gap is worked on.
const BLIND_RECALL: f64 = 0.77;
const BLIND_FALSE_ALARMS: f64 = 0.10;

struct Figures {
    recall: f64,
    false_alarms: f64,
    positives: usize,
    negatives: usize,
}

fn measure(name: &str) -> Figures {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("readable test set");
    let set: Cases = toml::from_str(&text).expect("valid test set");
    let scanner = &Catalog::embedded().expect("catalog").scanner;
    let (mut tp, mut fn_, mut fp, mut tn) = (0usize, 0usize, 0usize, 0usize);
    for c in &set.cases {
        let r = scanner.scan(&c.text);
        match (c.crisis, r.show_panel) {
            (true, true) => tp += 1,
            (true, false) => {
                fn_ += 1;
                println!("{name}: missed [{}] {}", c.topic, c.text);
            }
            (false, true) => {
                fp += 1;
                let why: Vec<String> = r.matches.iter().map(|m| format!("\"{}\" by {}", m.phrase, m.rule)).collect();
                println!("{name}: false alarm [{}] {} <- {}", c.topic, c.text, why.join("; "));
            }
            (false, false) => tn += 1,
        }
    }
    let f = Figures {
        recall: tp as f64 / (tp + fn_).max(1) as f64,
        false_alarms: fp as f64 / (fp + tn).max(1) as f64,
        positives: tp + fn_,
        negatives: fp + tn,
    };
    println!(
        "{name}: {} crisis cases, {} others; recall {:.3}, false alarms {:.3}",
        f.positives, f.negatives, f.recall, f.false_alarms
    );
    f
}

fn check(name: &str) {
    check_sized(name, 100);
}

fn check_sized(name: &str, at_least: usize) {
    let f = measure(name);
    assert!(
        f.positives >= at_least && f.negatives >= at_least,
        "{name} is big enough to measure"
    );
    assert!(f.recall >= 0.95, "{name}: recall {:.3} is below 0.95", f.recall);
    assert!(f.false_alarms <= 0.05, "{name}: false alarms {:.3} above 0.05", f.false_alarms);
}

#[test]
fn the_tuning_set_reaches_the_targets() {
    check("scan-tuning.toml");
}

#[test]
fn the_held_out_set_reaches_the_targets() {
    check("scan-holdout.toml");
}

#[test]
fn every_topic_and_the_issue_examples_behave() {
    let scanner = &Catalog::embedded().expect("catalog").scanner;
    for t in [
        "this deadline is killing me",
        "dying to see you",
        "I could kill for a coffee right now",
    ] {
        assert!(!scanner.scan(t).show_panel, "no alarm for: {t}");
    }
    for (t, topic) in [
        ("I keep thinking about suicide", "suicide"),
        ("I want to hurt myself tonight", "self-harm"),
        ("honestly I don't want to be here anymore", "not-here"),
        ("he said he would kill me if I left", "danger"),
    ] {
        let r = scanner.scan(t);
        assert!(
            r.matches.iter().any(|m| m.topic.as_str() == topic),
            "{topic} for: {t} (got {:?})",
            r.matches
        );
    }
}

/// A third set, written blind; measured once before the rules saw it
/// (recall 0.83, false alarms 0.10), then used to revise them.
#[test]
fn the_third_set_reaches_the_targets() {
    check_sized("scan-fresh.toml", 100);
}

/// Written after the rules were final and never used to change them.
#[test]
fn the_blind_set_written_after_the_rules() {
    let f = measure("scan-blind.toml");
    assert!(f.positives >= 100 && f.negatives >= 100, "big enough to measure");
    assert!(f.recall >= BLIND_RECALL, "blind recall {:.3} fell below {BLIND_RECALL}", f.recall);
    assert!(
        f.false_alarms <= BLIND_FALSE_ALARMS,
        "blind false alarms {:.3} rose above {BLIND_FALSE_ALARMS}",
        f.false_alarms
    );
}
