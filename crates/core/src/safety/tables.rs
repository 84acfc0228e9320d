//! The scanner's two large tables, the word model's weights and the word
//! clusters, in a form that needs no parsing: the keys sorted and joined into
//! one run of bytes, where each key ends, and each key's values, all as
//! little-endian numbers. `build.rs` reads the text files in
//! `content/safety/` with this module and writes the bytes beside the code;
//! the binary finds a key by binary search where the bytes lie, so loading
//! the scanner costs nothing and touches only the pages a lookup reads.
//!
//! The text files stay the source of truth, and a mistake in one fails the
//! build with its line. This file is compiled twice, into the crate and into
//! `build.rs`, so it uses nothing but `std`.

use std::borrow::Cow;
use std::collections::HashMap;

/// The model's topics as its file names them, in the order of its columns.
pub const TOPIC_NAMES: [&str; 4] = ["suicide", "self-harm", "not-here", "danger"];

/// The protective stories, in the order cards are shown: the story model's
/// heads as its file names them. `stories::STORIES` is this list; it lives
/// here because `build.rs` compiles this file and needs it.
pub const STORY_NAMES: [&str; 8] = [
    "prefer-alone",
    "will-disappoint",
    "need-nothing",
    "just-who-i-am",
    "just-independent",
    "need-space",
    "dont-care",
    "done-with-this",
];

/// A problem in a table file: the 1-based line, when there is one, and what
/// to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub reason: String,
}

fn at(line: usize, reason: impl Into<String>) -> Problem {
    Problem {
        line: Some(line),
        reason: reason.into(),
    }
}

fn whole(reason: impl Into<String>) -> Problem {
    Problem {
        line: None,
        reason: reason.into(),
    }
}

/// Keys in byte order, each with `width` bytes of values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table<'a> {
    /// Every key, one after another.
    pub keys: Cow<'a, [u8]>,
    /// Where each key ends in `keys`, as u32.
    pub ends: Cow<'a, [u8]>,
    /// Each key's values, `width` bytes a key.
    pub values: Cow<'a, [u8]>,
    pub width: usize,
}

impl<'a> Table<'a> {
    /// A table from its entries in any order. Keys must be distinct.
    pub fn build(mut entries: Vec<(String, Vec<u8>)>, width: usize) -> Table<'static> {
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut keys = Vec::new();
        let mut ends = Vec::with_capacity(entries.len() * 4);
        let mut values = Vec::with_capacity(entries.len() * width);
        for (k, v) in entries {
            assert_eq!(v.len(), width, "a table value has the table's width");
            keys.extend_from_slice(k.as_bytes());
            ends.extend_from_slice(&(keys.len() as u32).to_le_bytes());
            values.extend_from_slice(&v);
        }
        Table {
            keys: Cow::Owned(keys),
            ends: Cow::Owned(ends),
            values: Cow::Owned(values),
            width,
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len() / 4
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn end(&self, i: usize) -> usize {
        let b = &self.ends[i * 4..i * 4 + 4];
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize
    }

    /// The i-th key, in byte order.
    pub fn key(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.end(i - 1) };
        &self.keys[start..self.end(i)]
    }

    /// The i-th key's values.
    pub fn value(&self, i: usize) -> &[u8] {
        &self.values[i * self.width..(i + 1) * self.width]
    }

    /// The values of `key`, if the table has it.
    pub fn get(&self, key: &[u8]) -> Option<&[u8]> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.key(mid).cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(self.value(mid)),
            }
        }
        None
    }
}

/// The little-endian number at `i` in a run of values.
pub fn f64_at(bytes: &[u8], i: usize) -> f64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
    f64::from_le_bytes(b)
}

pub fn u16_at(bytes: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([bytes[i * 2], bytes[i * 2 + 1]])
}

/// The word model as its file gives it: a threshold, a veto, a bias per
/// topic, and per feature one weight per topic (0 where a head has none).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelTables {
    pub threshold: f64,
    pub veto: f64,
    pub biases: [f64; 4],
    pub weights: Table<'static>,
}

/// Bytes a model key's values take: four f64.
pub const MODEL_WIDTH: usize = 32;
/// Bytes a cluster word's values take: two u16.
pub const CLUSTER_WIDTH: usize = 4;

/// Build the model's table from one weight map per topic, in `TOPIC_NAMES`
/// order.
pub fn model_table(heads: &[HashMap<String, f64>; 4]) -> Table<'static> {
    heads_table(heads)
}

/// A table of N heads' weights: per feature, one f64 per head (0 where a
/// head has none), in the heads' order.
pub fn heads_table<const N: usize>(heads: &[HashMap<String, f64>; N]) -> Table<'static> {
    let mut rows: HashMap<&str, [f64; N]> = HashMap::new();
    for (k, head) in heads.iter().enumerate() {
        for (key, w) in head {
            rows.entry(key.as_str()).or_insert([0.0; N])[k] = *w;
        }
    }
    let entries = rows
        .into_iter()
        .map(|(key, ws)| (key.to_string(), ws.iter().flat_map(|w| w.to_le_bytes()).collect()))
        .collect();
    Table::build(entries, N * 8)
}

/// Parse the weights file:
///
/// ```text
/// # comments
/// threshold 0.5
/// veto 0.05
/// head suicide -1.25
/// kill myself<TAB>2.5
/// ```
///
/// A line with a tab is a weight; any other line is a directive.
pub fn parse_model(text: &str) -> Result<ModelTables, Problem> {
    let (threshold, veto, biases, weights) = parse_heads(text, &TOPIC_NAMES)?;
    Ok(ModelTables {
        threshold,
        veto,
        biases,
        weights,
    })
}

/// Parse a weights file of N heads named `names` (the format above, with
/// `head NAME BIAS`): the threshold, the veto, the biases and the table.
pub fn parse_heads<const N: usize>(text: &str, names: &[&str; N]) -> Result<(f64, f64, [f64; N], Table<'static>), Problem> {
    let mut threshold = None;
    let mut veto = None;
    let mut biases: [Option<f64>; N] = [None; N];
    let mut heads: [HashMap<String, f64>; N] = std::array::from_fn(|_| HashMap::new());
    let mut current: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((key, w)) = line.split_once('\t') {
            let w: f64 = w.trim().parse().map_err(|_| at(n, format!("\"{w}\" is not a number")))?;
            if !w.is_finite() || key.is_empty() {
                return Err(at(n, "a weight needs a feature and a finite number"));
            }
            let k = current.ok_or_else(|| at(n, "a weight comes before any \"head\" line"))?;
            if heads[k].insert(key.to_string(), w).is_some() {
                return Err(at(n, format!("the feature \"{key}\" appears twice in this head")));
            }
        } else if let Some(rest) = line.strip_prefix("threshold ") {
            let t: f64 = rest.trim().parse().map_err(|_| at(n, format!("\"{rest}\" is not a number")))?;
            if !(0.0..1.0).contains(&t) || t == 0.0 {
                return Err(at(n, "the threshold is a probability between 0 and 1"));
            }
            threshold = Some(t);
        } else if let Some(rest) = line.strip_prefix("veto ") {
            let v: f64 = rest.trim().parse().map_err(|_| at(n, format!("\"{rest}\" is not a number")))?;
            if !(0.0..1.0).contains(&v) {
                return Err(at(n, "the veto is a probability from 0 up to 1"));
            }
            veto = Some(v);
        } else if let Some(rest) = line.strip_prefix("head ") {
            let (name, bias) = rest
                .split_once(' ')
                .ok_or_else(|| at(n, format!("write \"head NAME BIAS\", for example \"head {} -1.5\"", names[0])))?;
            let k = names
                .iter()
                .position(|t| *t == name)
                .ok_or_else(|| at(n, format!("\"{name}\" is not one of {}", names.join(", "))))?;
            if biases[k].is_some() {
                return Err(at(n, format!("the head \"{name}\" appears twice")));
            }
            let bias: f64 = bias.trim().parse().map_err(|_| at(n, format!("\"{bias}\" is not a number")))?;
            biases[k] = Some(bias);
            current = Some(k);
        } else {
            return Err(at(
                n,
                "expected \"threshold P\", \"veto P\", \"head NAME BIAS\" or \"FEATURE<TAB>WEIGHT\"",
            ));
        }
    }
    let threshold = threshold.ok_or_else(|| whole("the \"threshold\" line is missing"))?;
    let mut b = [0.0; N];
    for (k, name) in names.iter().enumerate() {
        b[k] = biases[k].ok_or_else(|| whole(format!("there is no head for \"{name}\"")))?;
    }
    let veto = veto.ok_or_else(|| whole("the \"veto\" line is missing"))?;
    if veto >= threshold {
        return Err(whole("the veto must be below the threshold"));
    }
    Ok((threshold, veto, b, heads_table(&heads)))
}

/// Parse `content/safety/word-clusters.txt`: `sizes COARSE FINE`, then one
/// `word<TAB>coarse fine` line per word.
pub fn parse_clusters(text: &str) -> Result<Table<'static>, Problem> {
    let mut sizes: Option<(u16, u16)> = None;
    let mut words: HashMap<String, (u16, u16)> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let number = |s: &str| s.parse::<u16>().map_err(|_| at(n, format!("\"{s}\" is not a cluster number")));
        if let Some(rest) = line.strip_prefix("sizes ") {
            let (a, b) = rest
                .split_once(' ')
                .ok_or_else(|| at(n, "write \"sizes COARSE FINE\", for example \"sizes 512 2048\""))?;
            sizes = Some((number(a)?, number(b)?));
            continue;
        }
        let (coarse_n, fine_n) = sizes.ok_or_else(|| at(n, "the \"sizes\" line must come before the words"))?;
        let (word, ids) = line.split_once('\t').ok_or_else(|| at(n, "expected \"word<TAB>coarse fine\""))?;
        let (a, b) = ids
            .split_once(' ')
            .ok_or_else(|| at(n, "expected two cluster numbers after the word"))?;
        let (a, b) = (number(a)?, number(b)?);
        if a >= coarse_n || b >= fine_n {
            return Err(at(n, format!("cluster numbers must be below {coarse_n} and {fine_n}")));
        }
        if word.is_empty() || words.insert(word.to_string(), (a, b)).is_some() {
            return Err(at(n, format!("the word \"{word}\" is empty or appears twice")));
        }
    }
    if words.is_empty() {
        return Err(whole("the file lists no words"));
    }
    let entries = words
        .into_iter()
        .map(|(w, (a, b))| {
            let mut v = a.to_le_bytes().to_vec();
            v.extend_from_slice(&b.to_le_bytes());
            (w, v)
        })
        .collect();
    Ok(Table::build(entries, CLUSTER_WIDTH))
}
