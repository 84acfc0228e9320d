//! The instrument model, its validation and its scoring rules.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::source::{ContentError, Source, is_valid_id, line_of_value, parse_each, parse_toml};

/// A scale score needs at least this share of its items answered.
pub const MIN_ANSWERED: f64 = 0.8;
/// Items per page when an instrument names no sections.
pub const DEFAULT_SECTION_SIZE: usize = 10;
/// |RCI| above this is a reliable change (Jacobson & Truax, 95%).
pub const RCI_THRESHOLD: f64 = 1.96;

/// Answers by item id.
pub type Answers = BTreeMap<String, i64>;
/// Scores by scale id.
pub type Scores = BTreeMap<String, ScaleScore>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseScale {
    pub min: i64,
    pub max: i64,
    #[serde(default)]
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub intro: Option<String>,
    pub items: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Mean,
    Sum,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    pub id: String,
    pub title: String,
    pub items: Vec<String>,
    #[serde(default)]
    pub reverse: Vec<String>,
    pub method: Method,
    /// Test-retest reliability; with `sd`, enables the reliable change index.
    #[serde(default)]
    pub retest_r: Option<f64>,
    /// Population standard deviation of the scale score.
    #[serde(default)]
    pub sd: Option<f64>,
}

/// A questionnaire, as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    pub id: String,
    pub title: String,
    pub version: u32,
    pub about: String,
    pub response: ResponseScale,
    /// Shown with the instrument, for example where its wording comes from.
    #[serde(default)]
    pub note: Option<String>,
    /// True for a scoring key whose licensed item wording the user supplies;
    /// it can score answers but cannot be taken until the wording is added.
    #[serde(default)]
    pub needs_wording: bool,
    #[serde(default)]
    pub sections: Vec<Section>,
    pub items: Vec<Item>,
    pub scales: Vec<Scale>,
}

/// One scale's result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ScaleScore {
    Scored { value: f64, answered: usize, items: usize },
    NotEnoughAnswers { answered: usize, items: usize },
}

impl ScaleScore {
    pub fn value(&self) -> Option<f64> {
        match self {
            ScaleScore::Scored { value, .. } => Some(*value),
            ScaleScore::NotEnoughAnswers { .. } => None,
        }
    }
}

/// A problem with a set of answers, naming the item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("\"{0}\" is not an item of this instrument")]
    UnknownItem(String),
    #[error("the answer to \"{item}\" is {value}; answers run from {min} to {max}")]
    OutOfRange { item: String, value: i64, min: i64, max: i64 },
}

/// Change on one scale between two results.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    pub delta: f64,
    /// The reliable change index, when the scale gives retest_r and sd.
    pub rci: Option<f64>,
    /// Whether |RCI| > 1.96; None when it cannot be judged.
    pub reliable: Option<bool>,
}

/// Jacobson–Truax: RCI = (after − before) / (sd · √(2(1 − r))).
pub fn reliable_change(before: f64, after: f64, scale: &Scale) -> Change {
    let delta = after - before;
    let se_diff = match (scale.sd, scale.retest_r) {
        (Some(sd), Some(r)) if sd > 0.0 && (0.0..1.0).contains(&r) => Some(sd * (2.0 * (1.0 - r)).sqrt()),
        _ => None,
    };
    let rci = se_diff.map(|s| delta / s);
    Change {
        delta,
        rci,
        reliable: rci.map(|r| r.abs() > RCI_THRESHOLD),
    }
}

/// Parse and check the bundled instruments under `content/instruments/`: the
/// ones a person can take first (the Patterns Quiz), then the scoring keys
/// that wait for their licensed wording.
pub fn load_instruments(files: &[Source]) -> Result<Vec<Instrument>, ContentError> {
    let mut all = parse_each(files, Instrument::parse, |i| &i.id, "instrument")?;
    all.sort_by_key(|i| i.needs_wording);
    Ok(all)
}

impl Instrument {
    /// Parse and validate an instrument file.
    pub fn parse(path: &str, text: &str) -> Result<Instrument, ContentError> {
        let inst: Instrument = parse_toml(path, text)?;
        inst.validate(path, text)?;
        Ok(inst)
    }

    fn validate(&self, path: &str, text: &str) -> Result<(), ContentError> {
        let err = |line: Option<usize>, reason: String| Err(ContentError::new(path, line, reason));
        let id_line = |id: &str| line_of_value(text, "id", id);
        if !is_valid_id(&self.id) {
            return err(
                id_line(&self.id),
                format!("instrument id \"{}\" should be lower-case letters, digits and hyphens", self.id),
            );
        }
        if self.response.min >= self.response.max {
            return err(
                text.lines().position(|l| l.trim_start().starts_with("response")).map(|i| i + 1),
                format!("response min ({}) must be below max ({})", self.response.min, self.response.max),
            );
        }
        let span = usize::try_from(self.response.max - self.response.min + 1).unwrap_or(0);
        if !self.response.labels.is_empty() && self.response.labels.len() != span {
            return err(
                None,
                format!(
                    "response has {} labels but {} possible answers; give one label per answer or none",
                    self.response.labels.len(),
                    span
                ),
            );
        }
        let mut items = HashSet::new();
        for item in &self.items {
            if !is_valid_id(&item.id) {
                return err(
                    id_line(&item.id),
                    format!("item id \"{}\" should be lower-case letters, digits and hyphens", item.id),
                );
            }
            if !items.insert(item.id.as_str()) {
                return err(id_line(&item.id), format!("item id \"{}\" appears twice", item.id));
            }
            if item.text.trim().is_empty() {
                return err(id_line(&item.id), format!("item \"{}\" has no text", item.id));
            }
        }
        if items.is_empty() {
            return err(None, "an instrument needs at least one [[items]] entry".into());
        }
        let mut scales = HashSet::new();
        for scale in &self.scales {
            // The line is looked up only for an error.
            let line = || id_line(&scale.id);
            if !is_valid_id(&scale.id) || !scales.insert(scale.id.as_str()) {
                return err(line(), format!("scale id \"{}\" is not a valid id or appears twice", scale.id));
            }
            if items.contains(scale.id.as_str()) {
                return err(
                    line(),
                    format!("scale id \"{}\" is also an item id; give it another name", scale.id),
                );
            }
            if scale.items.is_empty() {
                return err(line(), format!("scale \"{}\" is empty: list its items", scale.id));
            }
            let mut own = HashSet::new();
            for i in &scale.items {
                if !items.contains(i.as_str()) {
                    return err(
                        line(),
                        format!("scale \"{}\" names item \"{i}\", which is not in [[items]]", scale.id),
                    );
                }
                if !own.insert(i.as_str()) {
                    return err(line(), format!("scale \"{}\" lists item \"{i}\" twice", scale.id));
                }
            }
            for r in &scale.reverse {
                if !own.contains(r.as_str()) {
                    return err(
                        line(),
                        format!("scale \"{}\" reverses item \"{r}\", which is not one of its items", scale.id),
                    );
                }
            }
            if let Some(r) = scale.retest_r
                && !(0.0..1.0).contains(&r)
            {
                return err(
                    line(),
                    format!("scale \"{}\": retest_r should be between 0 and 1 (not 1 itself)", scale.id),
                );
            }
            if scale.sd.is_some_and(|sd| sd <= 0.0) {
                return err(line(), format!("scale \"{}\": sd should be above 0", scale.id));
            }
        }
        if scales.is_empty() {
            return err(None, "an instrument needs at least one [[scales]] entry".into());
        }
        if !self.sections.is_empty() {
            let mut placed = HashSet::new();
            for s in &self.sections {
                for i in &s.items {
                    if !items.contains(i.as_str()) {
                        return err(
                            id_line(&s.id),
                            format!("section \"{}\" names item \"{i}\", which is not in [[items]]", s.id),
                        );
                    }
                    if !placed.insert(i.as_str()) {
                        return err(id_line(&s.id), format!("item \"{i}\" is in more than one section"));
                    }
                }
            }
            if let Some(missing) = self.items.iter().find(|i| !placed.contains(i.id.as_str())) {
                return err(id_line(&missing.id), format!("item \"{}\" is in no section", missing.id));
            }
        }
        Ok(())
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    pub fn scale(&self, id: &str) -> Option<&Scale> {
        self.scales.iter().find(|s| s.id == id)
    }

    /// The pages of the quiz: the file's sections, or runs of ten items.
    pub fn pages(&self) -> Vec<Section> {
        if !self.sections.is_empty() {
            return self.sections.clone();
        }
        self.items
            .chunks(DEFAULT_SECTION_SIZE)
            .enumerate()
            .map(|(n, chunk)| Section {
                id: format!("part-{}", n + 1),
                title: format!("Part {}", n + 1),
                intro: None,
                items: chunk.iter().map(|i| i.id.clone()).collect(),
            })
            .collect()
    }

    /// Check that every answer names an item and is in range.
    pub fn check_answers(&self, answers: &Answers) -> Result<(), AnswerError> {
        for (item, value) in answers {
            if self.item(item).is_none() {
                return Err(AnswerError::UnknownItem(item.clone()));
            }
            if !(self.response.min..=self.response.max).contains(value) {
                return Err(AnswerError::OutOfRange {
                    item: item.clone(),
                    value: *value,
                    min: self.response.min,
                    max: self.response.max,
                });
            }
        }
        Ok(())
    }

    /// Score every scale. Reverse-keyed answers count as (min + max) − answer.
    /// A scale with fewer than 80% of its items answered is not scored; above
    /// that, a mean uses the answered items and a sum is prorated to the full
    /// scale (mean × number of items), so missing answers do not pull it down.
    pub fn score(&self, answers: &Answers) -> Scores {
        self.scales
            .iter()
            .map(|s| {
                let values: Vec<f64> = s
                    .items
                    .iter()
                    .filter_map(|i| {
                        answers.get(i).map(|v| {
                            let v = if s.reverse.contains(i) {
                                self.response.min + self.response.max - v
                            } else {
                                *v
                            };
                            v as f64
                        })
                    })
                    .collect();
                let (answered, n) = (values.len(), s.items.len());
                let score = if (answered as f64) < MIN_ANSWERED * n as f64 || answered == 0 {
                    ScaleScore::NotEnoughAnswers { answered, items: n }
                } else {
                    let mean = values.iter().sum::<f64>() / answered as f64;
                    ScaleScore::Scored {
                        value: match s.method {
                            Method::Mean => mean,
                            Method::Sum => mean * n as f64,
                        },
                        answered,
                        items: n,
                    }
                };
                (s.id.clone(), score)
            })
            .collect()
    }

    /// A copy with the item texts from `text`: one non-empty line per item, in
    /// item order. This is how licensed wording is added to a scoring key.
    pub fn with_wording(&self, text: &str) -> Result<Instrument, String> {
        let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        if lines.len() != self.items.len() {
            return Err(format!(
                "\"{}\" has {} items, and the wording has {} non-empty lines. Put each item's wording on its own line, in order, and nothing else.",
                self.id,
                self.items.len(),
                lines.len()
            ));
        }
        let mut worded = self.clone();
        for (item, line) in worded.items.iter_mut().zip(lines) {
            item.text = line.to_string();
        }
        worded.needs_wording = false;
        Ok(worded)
    }

    /// The TOML source of this instrument (for storing a worded copy).
    pub fn to_toml(&self) -> Result<String, String> {
        toml::to_string(self).map_err(|e| e.to_string())
    }

    /// The midpoint of the response range, the border between low and high.
    pub fn midpoint(&self) -> f64 {
        (self.response.min + self.response.max) as f64 / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;
    use proptest::prelude::*;

    fn small() -> &'static str {
        r#"
id = "tiny"
title = "Tiny"
version = 1
about = "A test."
response = { min = 1, max = 7 }
[[items]]
id = "a"
text = "A"
[[items]]
id = "b"
text = "B"
[[items]]
id = "c"
text = "C"
[[items]]
id = "d"
text = "D"
[[items]]
id = "e"
text = "E"
[[scales]]
id = "s"
title = "S"
items = ["a", "b", "c", "d", "e"]
reverse = ["b"]
method = "mean"
retest_r = 0.8
sd = 1.0
[[scales]]
id = "total"
title = "Total"
items = ["a", "c"]
method = "sum"
"#
    }

    fn answers(pairs: &[(&str, i64)]) -> Answers {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn reverse_keyed_items_are_flipped_and_means_use_answered_items() {
        let i = Instrument::parse("t.toml", small()).expect("valid");
        let s = i.score(&answers(&[("a", 7), ("b", 1), ("c", 5), ("d", 3), ("e", 4)]));
        // b=1 reversed is 7: (7 + 7 + 5 + 3 + 4) / 5 = 5.2
        assert_eq!(
            s["s"],
            ScaleScore::Scored {
                value: 5.2,
                answered: 5,
                items: 5
            }
        );
        assert_eq!(s["total"].value(), Some(12.0));
        // 4 of 5 answered is 80%: scored on those four.
        let s = i.score(&answers(&[("a", 7), ("b", 1), ("c", 5), ("d", 3)]));
        assert_eq!(s["s"].value(), Some(5.5));
        // 3 of 5 is not enough.
        let s = i.score(&answers(&[("a", 7), ("b", 1), ("c", 5)]));
        assert_eq!(s["s"], ScaleScore::NotEnoughAnswers { answered: 3, items: 5 });
    }

    #[test]
    fn a_sum_with_a_missing_answer_is_prorated() {
        let mut text = small().replace("items = [\"a\", \"c\"]", "items = [\"a\", \"b\", \"c\", \"d\", \"e\"]");
        text = text.replace("method = \"sum\"", "method = \"sum\"\nreverse = []");
        let i = Instrument::parse("t.toml", &text).expect("valid");
        let s = i.score(&answers(&[("a", 4), ("b", 4), ("c", 4), ("d", 4)]));
        assert_eq!(s["total"].value(), Some(20.0));
    }

    #[test]
    fn answers_are_checked_by_item_and_range() {
        let i = Instrument::parse("t.toml", small()).expect("valid");
        assert_eq!(i.check_answers(&answers(&[("z", 3)])), Err(AnswerError::UnknownItem("z".into())));
        let e = i.check_answers(&answers(&[("a", 8)])).unwrap_err();
        assert_eq!(e.to_string(), "the answer to \"a\" is 8; answers run from 1 to 7");
        assert!(i.check_answers(&answers(&[("a", 1), ("e", 7)])).is_ok());
    }

    fn broken(find: &str, replace: &str) -> ContentError {
        let text = small().replacen(find, replace, 1);
        Instrument::parse("t.toml", &text).expect_err("should be refused")
    }

    #[test]
    fn validation_names_the_problem_and_the_line() {
        let e = broken("id = \"b\"", "id = \"a\"");
        assert!(e.reason.contains("item id \"a\" appears twice"), "{e}");
        assert!(e.line.is_some());
        let e = broken("items = [\"a\", \"b\", \"c\", \"d\", \"e\"]", "items = [\"a\", \"zz\"]");
        assert!(e.reason.contains("names item \"zz\""), "{e}");
        assert_eq!(e.line, line_of_value(small(), "id", "s"));
        let e = broken("reverse = [\"b\"]", "reverse = [\"q\"]");
        assert!(e.reason.contains("reverses item \"q\""), "{e}");
        let e = broken("items = [\"a\", \"c\"]", "items = []");
        assert!(e.reason.contains("is empty"), "{e}");
        let e = broken("min = 1, max = 7", "min = 7, max = 7");
        assert!(e.reason.contains("min (7) must be below max (7)"), "{e}");
        assert_eq!(e.line, Some(6));
        let e = broken("retest_r = 0.8", "retest_r = 1.2");
        assert!(e.reason.contains("retest_r"), "{e}");
    }

    #[test]
    fn reliable_change_follows_jacobson_truax() {
        let i = Instrument::parse("t.toml", small()).expect("valid");
        let s = i.scale("s").expect("scale");
        // SEdiff = 1.0 * sqrt(2 * 0.2) = 0.632..; a change of 1.5 gives RCI 2.37.
        let c = reliable_change(3.0, 4.5, s);
        assert!((c.rci.expect("rci") - 2.3717).abs() < 1e-3);
        assert_eq!(c.reliable, Some(true));
        let c = reliable_change(3.0, 4.0, s);
        assert_eq!(c.reliable, Some(false), "1.58 is within noise");
        let c = reliable_change(3.0, 4.0, i.scale("total").expect("scale"));
        assert_eq!(
            (c.rci, c.reliable, c.delta),
            (None, None, 1.0),
            "no retest_r or sd: change shown, not judged"
        );
    }

    #[test]
    fn wording_replaces_every_item_text_in_order_and_round_trips() {
        let i = Instrument::parse("t.toml", small()).expect("valid");
        assert!(i.with_wording("one\ntwo").unwrap_err().contains("has 5 items"));
        let w = i.with_wording("one\n\ntwo\nthree\nfour\nfive\n").expect("worded");
        assert_eq!(w.items[1].text, "two");
        let again = Instrument::parse("t.toml", &w.to_toml().expect("toml")).expect("valid again");
        assert_eq!(again, w);
    }

    #[test]
    fn pages_come_from_sections_or_runs_of_ten() {
        let i = Instrument::parse("t.toml", small()).expect("valid");
        let p = i.pages();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].items.len(), 5);
        let ecr = Catalog::embedded().instrument("ecr-r").expect("ecr-r");
        assert_eq!(ecr.pages().len(), 4);
    }

    fn ecr_r() -> &'static Instrument {
        Catalog::embedded().instrument("ecr-r").expect("ecr-r")
    }

    #[test]
    fn ecr_r_key_matches_a_hand_worked_example() {
        // Every item answered 2, except: item 9 (anxiety, reversed) = 6,
        // item 20 (avoidance, reversed) = 7, item 19 (avoidance) = 5.
        let mut a: Answers = (1..=36).map(|n| (n.to_string(), 2)).collect();
        a.insert("9".into(), 6);
        a.insert("20".into(), 7);
        a.insert("19".into(), 5);
        let s = ecr_r().score(&a);
        // Anxiety: items 1-18; 9 and 11 reversed (8 - x).
        // 16 items of 2, item 9 -> 8-6 = 2, item 11 -> 8-2 = 6: (16*2 + 2 + 6) / 18 = 40/18.
        let anxiety = s["anxiety"].value().expect("scored");
        assert!((anxiety - 40.0 / 18.0).abs() < 1e-9, "{anxiety}");
        // Avoidance: items 19-36; reversed 20, 22, 26-31, 33-36 (12 items).
        // Non-reversed: 19 (5), 21, 23, 24, 25, 32 (2 each) = 5 + 10 = 15.
        // Reversed: 20 -> 1; the other 11 -> 6 each = 66. Total 82 / 18.
        let avoidance = s["avoidance"].value().expect("scored");
        assert!((avoidance - 82.0 / 18.0).abs() < 1e-9, "{avoidance}");
    }

    #[test]
    fn ecr_rs_key_matches_a_hand_worked_example() {
        let ecr_rs = Catalog::embedded().instrument("ecr-rs").expect("ecr-rs");
        let a: Answers = [
            ("1", 7),
            ("2", 6),
            ("3", 5),
            ("4", 4),
            ("5", 3),
            ("6", 2),
            ("7", 1),
            ("8", 4),
            ("9", 7),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
        let s = ecr_rs.score(&a);
        // Avoidance: items 1-4 reversed (8 - x): 1, 2, 3, 4; items 5, 6: 3, 2. Mean 15/6 = 2.5.
        assert_eq!(s["avoidance"].value(), Some(2.5));
        // Anxiety: items 7-9: (1 + 4 + 7) / 3 = 4.
        assert_eq!(s["anxiety"].value(), Some(4.0));
    }

    proptest! {
        #[test]
        fn a_mean_score_stays_within_the_response_range(values in proptest::collection::vec(1i64..=7, 36)) {
            let a: Answers = values.iter().enumerate().map(|(n, v)| ((n + 1).to_string(), *v)).collect();
            for (_, score) in ecr_r().score(&a) {
                let v = score.value().expect("all answered");
                prop_assert!((1.0..=7.0).contains(&v));
            }
        }

        #[test]
        fn flipping_every_answer_mirrors_every_mean(values in proptest::collection::vec(1i64..=7, 36)) {
            let a: Answers = values.iter().enumerate().map(|(n, v)| ((n + 1).to_string(), *v)).collect();
            let flipped: Answers = a.iter().map(|(k, v)| (k.clone(), 8 - v)).collect();
            let (s, f) = (ecr_r().score(&a), ecr_r().score(&flipped));
            for (id, score) in &s {
                let sum = score.value().expect("scored") + f[id].value().expect("scored");
                prop_assert!((sum - 8.0).abs() < 1e-9);
            }
        }
    }
}
