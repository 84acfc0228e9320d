//! The word model behind the story rules.
//!
//! Rules find the phrasings someone wrote down; people find others ("solo
//! life > people", "I'm packing it in"). So next to the rules sits a small
//! linear model, one head per story, over the same word features as the
//! crisis scanner's model (rough stems, neighbouring pairs, pairs one word
//! apart, and the clusters of similar words a common word belongs to),
//! trained on the development case sets and kept as a text file of weights
//! (`content/story-model.txt`). It runs on this device, has no randomness,
//! and the same text always gets the same answer.
//!
//! How the two work together (`crate::Catalog::stories_in`): a story the
//! rules find stands unless its head is below `veto` (the model is all but
//! sure the text does not tell it); when the rules find nothing and set
//! nothing aside, a head at or above `threshold` adds its story.

use std::borrow::Cow;
use std::collections::HashMap;

use super::STORIES;
pub use crate::safety::model::Settings;
use crate::safety::model::{Clusters, Feature, Row, Word, features, fit, scale, stem};
use crate::safety::scan::sentences;
use crate::safety::tables::{self, STORY_NAMES, Table, f64_at};
use crate::source::ContentError;

/// The weights `build.rs` compiled from `content/story-model.txt`.
mod built {
    include!(concat!(env!("OUT_DIR"), "/story_tables.rs"));
}

/// One head per story, in [`STORIES`] order.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryModel {
    /// At or above this, a head adds its story where the rules found none.
    pub threshold: f64,
    /// Below this, a head sets aside the rules' match for its story.
    pub veto: f64,
    biases: [f64; STORIES.len()],
    /// Each feature's weight in every head, one f64 a head.
    weights: Table<'static>,
}

/// How the shipped model is trained (the crisis model's settings type):
/// `cargo run --release -p drawbridge-core --example train_stories -- write`
/// uses these, and a test retrains with them and compares.
pub const SETTINGS: Settings = Settings {
    l2: 0.0005,
    epochs: 300,
    min_count: 2,
    prune: 0.02,
    threshold: 0.6,
    veto: 0.2,
};

/// The case sets the model is trained on: every development set. The final
/// blind set measures and never teaches.
pub const DEV_SETS: &[&str] = &[
    "stories-dev-a.toml",
    "stories-dev-b.toml",
    "stories-dev-c.toml",
    "stories-dev-d.toml",
    "stories-dev-e.toml",
    "stories-dev-f.toml",
    "stories-dev-g.toml",
    "stories-dev-h.toml",
    "stories-dev-i.toml",
    "stories-dev-j.toml",
    "stories-dev-k.toml",
    "stories-dev-l.toml",
    "stories-dev-m.toml",
];

/// The model's features of a text, each with the span of its words.
pub fn text_features(text: &str, clusters: &Clusters) -> Vec<Feature> {
    let runs: Vec<Vec<Word>> = sentences(text)
        .iter()
        .map(|s| {
            s.iter()
                .map(|t| Word {
                    stem: stem(&t.norm),
                    from: t.from,
                    to: t.to,
                    cluster: clusters.get(&t.norm),
                })
                .collect()
        })
        .collect();
    features(&runs)
}

impl StoryModel {
    /// The model compiled into this binary: its tables are read where they
    /// lie, so loading it costs nothing.
    pub fn embedded() -> StoryModel {
        StoryModel {
            threshold: built::STORY_THRESHOLD,
            veto: built::STORY_VETO,
            biases: built::STORY_BIASES,
            weights: Table {
                keys: Cow::Borrowed(built::STORY_KEYS),
                ends: Cow::Borrowed(built::STORY_ENDS),
                values: Cow::Borrowed(built::STORY_VALUES),
                width: STORY_NAMES.len() * 8,
            },
        }
    }

    /// Read a weights file: `threshold T`, `veto V`, then for each story
    /// `head ID BIAS` followed by `feature<TAB>weight` lines. Every error
    /// names its line.
    pub fn parse(path: &str, text: &str) -> Result<StoryModel, ContentError> {
        let (threshold, veto, biases, weights) =
            tables::parse_heads(text, &STORY_NAMES).map_err(|p| ContentError::new(path, p.line, p.reason))?;
        Ok(StoryModel {
            threshold,
            veto,
            biases,
            weights,
        })
    }

    fn row(&self, key: &str) -> Option<[f64; STORIES.len()]> {
        self.weights.get(key.as_bytes()).map(|v| std::array::from_fn(|i| f64_at(v, i)))
    }

    /// The probability, for each story in [`STORIES`] order, that the text
    /// with these features tells it.
    pub fn probabilities(&self, features: &[Feature]) -> [f64; STORIES.len()] {
        let s = scale(features.len());
        let mut z = self.biases;
        for f in features {
            if let Some(w) = self.row(&f.key) {
                for (zi, wi) in z.iter_mut().zip(w) {
                    *zi += wi * s;
                }
            }
        }
        z.map(|z| 1.0 / (1.0 + (-z).exp()))
    }

    /// The feature that weighed most for a story: where its words are.
    pub fn strongest<'a>(&self, story: usize, features: &'a [Feature]) -> Option<&'a Feature> {
        features
            .iter()
            .filter_map(|f| self.row(&f.key).map(|w| (f, w[story])))
            .filter(|(_, w)| *w > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(f, _)| f)
    }

    /// The same heads with other cut-offs, for measuring them.
    pub fn with_cuts(mut self, threshold: f64, veto: f64) -> StoryModel {
        self.threshold = threshold;
        self.veto = veto;
        self
    }

    /// How many weights the file holds.
    pub fn weight_count(&self) -> usize {
        (0..self.weights.len())
            .map(|i| (0..STORIES.len()).filter(|&h| f64_at(self.weights.value(i), h) != 0.0).count())
            .sum()
    }

    /// The weights file, keys sorted, so the same model writes the same file.
    pub fn write(&self, header: &str) -> String {
        let mut out = String::new();
        for l in header.lines() {
            out.push_str(&format!("# {l}\n"));
        }
        out.push_str(&format!("threshold {}\nveto {}\n", self.threshold, self.veto));
        for (h, id) in STORIES.iter().enumerate() {
            out.push_str(&format!("head {id} {}\n", self.biases[h]));
            for i in 0..self.weights.len() {
                let w = f64_at(self.weights.value(i), h);
                if w != 0.0 {
                    out.push_str(&format!("{}\t{w}\n", String::from_utf8_lossy(self.weights.key(i))));
                }
            }
        }
        out
    }

    /// A head's bias and weights, for comparing two models.
    pub fn head(&self, story: usize) -> (f64, HashMap<String, f64>) {
        let w = (0..self.weights.len())
            .map(|i| {
                (
                    String::from_utf8_lossy(self.weights.key(i)).into_owned(),
                    f64_at(self.weights.value(i), story),
                )
            })
            .filter(|(_, w)| *w != 0.0)
            .collect();
        (self.biases[story], w)
    }
}

/// Train every head on texts and the stories each tells (look-alikes tell
/// none): L2-regularised logistic regression (`crate::safety::model::fit`),
/// each story against every other text, the rarer side weighted up so both
/// count alike. No randomness: the same data gives the same model.
pub fn train(cases: &[(Vec<String>, Vec<usize>)], settings: Settings) -> StoryModel {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (f, _) in cases {
        for k in f {
            *counts.entry(k.as_str()).or_default() += 1;
        }
    }
    let mut vocab: Vec<&str> = counts.iter().filter(|(_, n)| **n >= settings.min_count).map(|(k, _)| *k).collect();
    vocab.sort_unstable();
    let index: HashMap<&str, usize> = vocab.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let rows: Vec<Vec<(usize, f64)>> = cases
        .iter()
        .map(|(f, _)| {
            let s = scale(f.len());
            let mut r: Vec<(usize, f64)> = f.iter().filter_map(|k| index.get(k.as_str()).map(|&j| (j, s))).collect();
            r.sort_unstable_by_key(|x| x.0);
            r.dedup_by_key(|x| x.0);
            r
        })
        .collect();
    let mut biases = [0.0; STORIES.len()];
    let mut heads: [HashMap<String, f64>; STORIES.len()] = std::array::from_fn(|_| HashMap::new());
    let round = |x: f64| (x * 10_000.0).round() / 10_000.0;
    for (story, bias_out) in biases.iter_mut().enumerate() {
        let positives = cases.iter().filter(|(_, s)| s.contains(&story)).count().max(1) as f64;
        let n = cases.len() as f64;
        let negatives = (n - positives).max(1.0);
        let data: Vec<Row> = cases
            .iter()
            .zip(&rows)
            .map(|((_, s), r)| {
                if s.contains(&story) {
                    (r, 1.0, n / (2.0 * positives))
                } else {
                    (r, 0.0, n / (2.0 * negatives))
                }
            })
            .collect();
        let (bias, w) = fit(&data, vocab.len(), settings.epochs, settings.l2);
        *bias_out = round(bias);
        for (k, w) in vocab.iter().zip(&w) {
            if w.abs() >= settings.prune {
                heads[story].insert(k.to_string(), round(*w));
            }
        }
    }
    StoryModel {
        threshold: settings.threshold,
        veto: settings.veto,
        biases,
        weights: tables::heads_table(&heads),
    }
}

/// A case set's texts with the stories each tells, by index in [`STORIES`].
pub fn parse_cases(path: &str, text: &str) -> Result<Vec<(String, Vec<usize>)>, ContentError> {
    #[derive(serde::Deserialize)]
    struct File {
        cases: Vec<Case>,
    }
    #[derive(serde::Deserialize)]
    struct Case {
        text: String,
        stories: Vec<String>,
    }
    let file: File = toml::from_str(text).map_err(|e| ContentError::new(path, None, e.message().to_string()))?;
    file.cases
        .into_iter()
        .map(|c| {
            let ids = c
                .stories
                .iter()
                .map(|s| {
                    STORIES
                        .iter()
                        .position(|x| x == s)
                        .ok_or_else(|| ContentError::new(path, None, format!("there is no story \"{s}\"")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((c.text, ids))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weights_file_round_trips_and_a_bad_line_names_itself() {
        let mut text = String::from("threshold 0.7\nveto 0.2\n");
        for (i, id) in STORIES.iter().enumerate() {
            text.push_str(&format!("head {id} -{i}\n"));
        }
        text.push_str("alon\t2.5\nhead out\t1\n");
        let m = StoryModel::parse("story-model.txt", &text).expect("valid");
        assert_eq!(m.head(STORIES.len() - 1).1.get("alon"), Some(&2.5));
        assert_eq!(StoryModel::parse("x", &m.write("a model")).expect("round trip"), m);
        let err = StoryModel::parse("story-model.txt", &text.replace("2.5", "lots")).expect_err("number");
        assert_eq!(err.line, Some(text.lines().count() - 1), "{err}");
        let err = StoryModel::parse("story-model.txt", &text.replace("head need-space", "head need-room")).expect_err("story");
        assert!(err.reason.contains("need-room"), "{err}");
    }

    #[test]
    fn training_is_repeatable_and_learns_a_plain_signal() {
        let c = Clusters::embedded();
        let texts = [
            ("I'm better off on my own", vec![0]),
            ("honestly better off alone, always", vec![0]),
            ("being on my own is better", vec![0]),
            ("lunch with Ana was lovely", vec![]),
            ("I sent the message and she replied", vec![]),
            ("we laughed the whole evening", vec![]),
        ];
        let cases: Vec<(Vec<String>, Vec<usize>)> = texts
            .iter()
            .map(|(t, s)| (text_features(t, &c).into_iter().map(|f| f.key).collect(), s.clone()))
            .collect();
        let settings = Settings { min_count: 1, ..SETTINGS };
        let a = train(&cases, settings);
        assert_eq!(a, train(&cases, settings), "the same data gives the same model");
        let p = |t: &str| a.probabilities(&text_features(t, &c))[0];
        assert!(
            p("better off on my own") > p("lunch with Ana"),
            "{} vs {}",
            p("better off on my own"),
            p("lunch with Ana")
        );
    }
}
