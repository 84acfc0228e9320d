//! The crisis-language scanner, measured on hand-written sets of cases in
//! `tests/data/`, each written by a separate author who never saw the rules.
//!
//! The development sets (`model::DEV_SETS`) have all been used: the rules were
//! revised against them and the word model is trained on them, so meeting the
//! target there only shows nothing has slipped. `scan-final-2.toml` was
//! written by an author who saw neither the rules, the model nor any other
//! set, and is never used to change them: it is the honest measure of
//! phrasing the scanner has not seen. (`scan-dev-i.toml` was the first final
//! set; once measured, it was retired to development.) The in-domain sets
//! (`scan-app-*.toml`) hold the texts people type into this app's own fields;
//! `scan-final-app-2.toml` is their final blind set.
//! Target: recall of at least 0.95 (crisis language is found) and at most 5%
//! false alarms (figures of speech and ordinary notes are left alone).
//! Run with `-- --nocapture` to see the figures and every mistake.

use drawbridge_core::Catalog;
use drawbridge_core::safety::model::{self, DEV_SETS, SETTINGS};
use drawbridge_core::safety::scan::Topic;
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

struct Figures {
    recall: f64,
    false_alarms: f64,
    positives: usize,
    negatives: usize,
}

/// Figures only: the final set's mistakes are not printed, so reading test
/// output cannot turn it into a development set.
fn measure_quietly(name: &str) -> Figures {
    measure_with(name, false)
}

fn measure(name: &str) -> Figures {
    measure_with(name, true)
}

fn measure_with(name: &str, show: bool) -> Figures {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("readable test set");
    let set: Cases = toml::from_str(&text).expect("valid test set");
    let scanner = &Catalog::embedded().scanner();
    let (mut tp, mut fn_, mut fp, mut tn) = (0usize, 0usize, 0usize, 0usize);
    for c in &set.cases {
        let r = scanner.scan(&c.text);
        match (c.crisis, r.show_panel) {
            (true, true) => tp += 1,
            (true, false) => {
                fn_ += 1;
                if show {
                    println!("{name}: missed [{}] {}", c.topic, c.text);
                }
            }
            (false, true) => {
                fp += 1;
                if show {
                    let why: Vec<String> = r.matches.iter().map(|m| format!("\"{}\" by {}", m.phrase, m.rule)).collect();
                    println!("{name}: false alarm [{}] {} <- {}", c.topic, c.text, why.join("; "));
                }
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
fn every_development_set_still_reaches_the_targets() {
    for name in DEV_SETS {
        check(name);
    }
}

/// The in-domain sets (`scan-app-*`): the texts people type into this app's
/// own fields (predictions, outcomes, urge notes, reflections, resets), where
/// social fear and self-criticism are everyday. Their aim is stricter on
/// false alarms: at most 3%, with recall still at least 0.95.
#[test]
fn the_in_domain_development_sets_keep_false_alarms_at_three_percent() {
    for name in DEV_SETS.iter().filter(|n| n.starts_with("scan-app-")) {
        let f = measure(name);
        assert!(f.recall >= 0.95, "{name}: recall {:.3} is below 0.95", f.recall);
        assert!(f.false_alarms <= 0.03, "{name}: false alarms {:.3} above 0.03", f.false_alarms);
    }
}

/// Feared predictions that brought up the panel when drawbridge was tried as
/// a new user would: ordinary social fear, never crisis language.
#[test]
fn ordinary_feared_predictions_bring_no_panel() {
    let scanner = &Catalog::embedded().scanner();
    for t in [
        "They'll think I can't decide for myself",
        "She will think I can't look after myself",
        "I'll embarrass myself",
        "Nobody will come",
        "They will think my writing is stupid",
        "He will see I can't cope on my own",
    ] {
        let r = scanner.scan(t);
        assert!(!r.show_panel, "no panel for: {t} (got {:?})", r.matches);
    }
}

#[test]
fn every_topic_and_the_issue_examples_behave() {
    let scanner = &Catalog::embedded().scanner();
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

/// The final blind set (`scan-final-2.toml`, 200 crisis and 200 other
/// cases): written by an author who saw neither the rules, the model nor any
/// other set, and measured once after both were frozen at commit 2df6434:
/// recall 0.970, false alarms 0.040. It is never used to change the rules or
/// the model; this test holds it to the target so no later change can slip.
const FINAL_RECALL: f64 = 0.95;
const FINAL_FALSE_ALARMS: f64 = 0.05;

#[test]
fn the_final_blind_set_reaches_the_target() {
    let f = measure_quietly("scan-final-2.toml");
    assert!(f.positives >= 200 && f.negatives >= 200, "big enough to measure");
    assert!(
        f.recall >= FINAL_RECALL,
        "final-set recall {:.3} fell below {FINAL_RECALL}",
        f.recall
    );
    assert!(
        f.false_alarms <= FINAL_FALSE_ALARMS,
        "final-set false alarms {:.3} rose above {FINAL_FALSE_ALARMS}",
        f.false_alarms
    );
}

/// The in-domain final blind set (`scan-final-app-2.toml`, 170 crisis and
/// 330 other cases in the app's own fields): written by an author who saw
/// neither the rules, the model nor any other set, and measured once after
/// both were frozen at commit 2533c0b: recall 0.982, false alarms 0.021. (The
/// first in-domain final set measured 0.912 / 0.018 at 8cef1a8 and was then
/// retired to development as `scan-app-j.toml`.) Held to the in-domain target.
#[test]
fn the_in_domain_final_blind_set_reaches_the_target() {
    let f = measure_quietly("scan-final-app-2.toml");
    assert!(f.positives >= 170 && f.negatives >= 330, "big enough to measure");
    assert!(f.recall >= 0.95, "in-domain final recall {:.3} fell below 0.95", f.recall);
    assert!(
        f.false_alarms <= 0.03,
        "in-domain final false alarms {:.3} rose above 0.03",
        f.false_alarms
    );
}

fn load(name: &str) -> Vec<(String, Option<Topic>)> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    model::parse_cases(name, &std::fs::read_to_string(&path).expect("readable")).expect("valid test set")
}

/// The weights file is generated; retraining on the development sets with
/// the shipped settings must give the same weights, so nobody can edit the
/// file by hand or train it on the final set without this failing.
#[test]
fn the_shipped_model_is_what_the_development_sets_train() {
    let catalog = Catalog::embedded();
    let shipped = catalog.scanner().model().expect("a model is shipped");
    let cases: Vec<(String, Option<Topic>)> = DEV_SETS.iter().flat_map(|n| load(n)).collect();
    let refs: Vec<(&str, Option<Topic>)> = cases.iter().map(|(t, c)| (t.as_str(), *c)).collect();
    let trained = model::train_for(catalog.scanner(), &refs, SETTINGS);
    assert_eq!(shipped.threshold, trained.threshold);
    assert_eq!(shipped.veto, trained.veto);
    for topic in model::TOPICS {
        let name = topic.as_str();
        let (a, b) = (shipped.bias(topic), trained.bias(topic));
        assert!((a - b).abs() < 1e-3, "{name}: bias {a} vs {b}");
        let a: std::collections::HashMap<&str, f64> = shipped.weights(topic).collect();
        let b: std::collections::HashMap<&str, f64> = trained.weights(topic).collect();
        let mut differ: Vec<String> = Vec::new();
        for key in a.keys().chain(b.keys()) {
            let (x, y) = (a.get(key).copied().unwrap_or(0.0), b.get(key).copied().unwrap_or(0.0));
            // A weight near the pruning edge may fall either side of it.
            if (x - y).abs() > 1e-3 + SETTINGS.prune * f64::from(u8::from(x == 0.0 || y == 0.0)) {
                differ.push(format!("{key}: {x} vs {y}"));
            }
        }
        assert!(
            differ.is_empty(),
            "{name}: retrain with `cargo run --release -p drawbridge-core --example train_scanner -- write`\n{}",
            differ.join("\n")
        );
    }
}
