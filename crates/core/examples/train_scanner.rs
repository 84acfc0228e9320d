//! Train the scanner's word model on the development case sets, or measure
//! how well rules plus model carry over to a set they were not trained on.
//!
//! ```text
//! cargo run --release -p drawbridge-core --example train_scanner -- cv
//! cargo run --release -p drawbridge-core --example train_scanner -- write
//! ```
//!
//! `cv` trains on all development sets but one and measures on the one left
//! out, for each set in turn, at several thresholds (`THRESHOLDS=0.2,0.3`
//! picks them; `SHOW=1` lists the mistakes at the shipped threshold, marking
//! those where a rule matched). `write` trains on every development
//! set and writes `content/safety/scan-model.txt`. `rules` prints what the
//! hand-written rules alone make of every case, one tab-separated line each,
//! for comparing two versions of the rules with diff. `L2=` and `EPOCHS=`
//! override the training settings for an experiment. The final blind sets
//! (`scan-final-2.toml`, and `scan-final-app-2.toml` for the app's own
//! fields) are never trained on, and `measure` never prints their cases.

use drawbridge_core::safety::model::{self, DEV_SETS, SETTINGS, Settings};
use drawbridge_core::safety::scan::{Scanner, Topic};

fn root() -> std::path::PathBuf {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    here.canonicalize().unwrap_or(here)
}

/// Texts with their topic, or `None` when they are not crisis language.
type Labelled = Vec<(String, Option<Topic>)>;

fn load(name: &str) -> Labelled {
    let path = root().join("crates/core/tests/data").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    model::parse_cases(name, &text).unwrap_or_else(|e| panic!("{e}"))
}

fn refs(cases: &[(String, Option<Topic>)]) -> Vec<(&str, Option<Topic>)> {
    cases.iter().map(|(t, c)| (t.as_str(), *c)).collect()
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let mut settings: Settings = SETTINGS;
    if let Some(l2) = std::env::var("L2").ok().and_then(|v| v.parse().ok()) {
        settings.l2 = l2;
    }
    if let Some(e) = std::env::var("EPOCHS").ok().and_then(|v| v.parse().ok()) {
        settings.epochs = e;
    }
    let text = std::fs::read_to_string(root().join("content/safety/scan.toml")).expect("rules file");
    let clusters = std::fs::read_to_string(root().join("content/safety/word-clusters.txt")).expect("clusters file");
    let clusters = model::Clusters::parse("safety/word-clusters.txt", &clusters).expect("valid clusters");
    let rules = Scanner::parse("safety/scan.toml", &text)
        .expect("valid rules")
        .with_clusters(clusters);
    let sets: Vec<(&str, Labelled)> = DEV_SETS
        .iter()
        .filter(|n| root().join("crates/core/tests/data").join(n).exists())
        .map(|n| (*n, load(n)))
        .collect();
    match mode.as_str() {
        "cv" => {
            let thresholds: Vec<f64> = std::env::var("THRESHOLDS")
                .ok()
                .map(|v| v.split(',').filter_map(|t| t.parse().ok()).collect())
                .unwrap_or(vec![0.2, 0.25, 0.3, 0.35, 0.4, 0.5]);
            let mut total = vec![[0usize; 4]; thresholds.len()];
            for (held, cases) in &sets {
                let train: Vec<(&str, Option<Topic>)> = sets.iter().filter(|(n, _)| n != held).flat_map(|(_, c)| refs(c)).collect();
                let trained = model::train_for(&rules, &train, settings);
                let mut line = format!("{held:20}");
                for (k, t) in thresholds.iter().enumerate() {
                    let mut m = trained.clone();
                    m.threshold = *t;
                    let s = rules.clone().with_model(m);
                    let mut n = [0usize; 4];
                    for (text, topic) in cases {
                        let hit = s.scan(text).show_panel;
                        let crisis = topic.is_some();
                        n[if crisis { 0 } else { 2 }] += hit as usize;
                        n[if crisis { 1 } else { 3 }] += 1;
                        if *t == settings.threshold && hit != crisis && std::env::var("SHOW").is_ok() {
                            let what = topic.map_or("alarm", |t| t.as_str());
                            let r = if rules.scan_rules(text).show_panel { "[rule] " } else { "" };
                            println!("  {what}: {r}{text}");
                        }
                    }
                    for i in 0..4 {
                        total[k][i] += n[i];
                    }
                    line.push_str(&format!("  t{t}: {:.3}/{:.3}", ratio(n[0], n[1]), ratio(n[2], n[3])));
                }
                let mut n = [0usize; 4];
                for (text, topic) in cases {
                    let hit = rules.scan_rules(text).show_panel;
                    n[if topic.is_some() { 0 } else { 2 }] += hit as usize;
                    n[if topic.is_some() { 1 } else { 3 }] += 1;
                }
                line.push_str(&format!("  rules: {:.3}/{:.3}", ratio(n[0], n[1]), ratio(n[2], n[3])));
                println!("{line}");
            }
            let mut line = format!("{:20}", "all");
            for (k, t) in thresholds.iter().enumerate() {
                let n = total[k];
                line.push_str(&format!("  t{t}: {:.3}/{:.3}", ratio(n[0], n[1]), ratio(n[2], n[3])));
            }
            println!("{line}");
        }
        "write" => {
            let train: Vec<(&str, Option<Topic>)> = sets.iter().flat_map(|(_, c)| refs(c)).collect();
            let m = model::train_for(&rules, &train, settings);
            let names: Vec<&str> = sets.iter().map(|(n, _)| *n).collect();
            let header = format!(
                "The scanner's word model. Generated: do not edit by hand.\n\
                 cargo run --release -p drawbridge-core --example train_scanner -- write\n\
                 Trained on {} cases from crates/core/tests/data/: {}.\n\
                 Settings are model::SETTINGS. One head per topic; a head at or above\n\
                 the threshold shows the panel, and a rule match whose topic's head is\n\
                 below the veto is set aside.",
                train.len(),
                names.join(", ")
            );
            let out = root().join("content/safety/scan-model.txt");
            std::fs::write(&out, m.write(&header)).expect("write the model");
            let n = m.weight_count();
            println!("wrote {} ({n} weights)", out.display());
        }
        "rules" => {
            // What the hand-written rules alone make of every case: each
            // line says whether the case is crisis language and whether the
            // rules raised the panel, so two runs can be compared with diff.
            for (name, cases) in &sets {
                for (text, topic) in cases {
                    let hits: Vec<String> = rules
                        .scan_rules(text)
                        .matches
                        .iter()
                        .map(|m| format!("[{}] \"{}\"", m.rule, m.phrase))
                        .collect();
                    let what = topic.map_or("other", |t| t.as_str());
                    let verdict = if hits.is_empty() { "quiet" } else { "panel" };
                    println!("{name}\t{what}\t{verdict}\t{text}\t{}", hits.join(" "));
                }
            }
        }
        "measure" => {
            // The shipped rules and model, as the app runs them, on one set.
            let name = std::env::args().nth(2).expect("measure FILE.toml");
            let m = std::fs::read_to_string(root().join("content/safety/scan-model.txt")).expect("model file");
            let s = rules
                .clone()
                .with_model(model::Model::parse("safety/scan-model.txt", &m).expect("valid model"));
            let mut n = [0usize; 4];
            for (text, topic) in load(&name) {
                let hit = s.scan(&text).show_panel;
                n[if topic.is_some() { 0 } else { 2 }] += hit as usize;
                n[if topic.is_some() { 1 } else { 3 }] += 1;
                // The final set's cases are never printed: reading them would
                // make it a development set.
                if hit != topic.is_some() && std::env::var("SHOW").is_ok() && !name.starts_with("scan-final") {
                    println!("  {}: {text}", topic.map_or("alarm", |t| t.as_str()));
                }
            }
            println!(
                "{name}: {} crisis, {} other; recall {:.3}, false alarms {:.3}",
                n[1],
                n[3],
                ratio(n[0], n[1]),
                ratio(n[2], n[3])
            );
        }
        _ => {
            eprintln!("usage: train_scanner (cv|write|rules|measure FILE)");
            std::process::exit(2);
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    a as f64 / b.max(1) as f64
}
