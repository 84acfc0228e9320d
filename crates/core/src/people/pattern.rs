//! Where the person has pulled away before: from past relationships that
//! ended or cooled (every ending but one the other person chose alone), the
//! typical time into a relationship, the stage reached, and the urges that
//! came first. Order of the records never matters, and one relationship is
//! never a pattern.

use serde::Serialize;
use time::Date;
use uuid::Uuid;

use super::PastRelationship;

/// The fewest relationships that can show a pattern.
pub const PATTERN_MIN: usize = 2;
/// How close to the typical time, in days, counts as nearing it.
pub const NEAR_DAYS: i64 = 14;

/// What the past relationships show.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "found", rename_all = "kebab-case")]
pub enum PatternFound {
    /// Too few relationships where you pulled away to say anything.
    TooFew {
        counted: usize,
        needed: usize,
    },
    Found(Pattern),
}

/// The repeat, in numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pattern {
    /// How many relationships it rests on.
    pub counted: usize,
    /// The typical time into a relationship when it ended, in days.
    pub median_days: f64,
    /// The middle half of the durations (first and third quartiles).
    pub q1_days: f64,
    pub q3_days: f64,
    pub shortest_days: i64,
    pub longest_days: i64,
    /// Whether the durations are spread too widely to call one time typical.
    pub wide: bool,
    /// The stage most often reached before the end (the lower one on a tie),
    /// when at least two relationships say.
    pub stage: Option<u8>,
    /// The urge kinds that came before at least two endings, most first.
    pub urges: Vec<(String, usize)>,
    /// The relationships counted, by id.
    pub ids: Vec<Uuid>,
}

/// The value at fraction `q` of sorted `v`, interpolated.
fn quantile(v: &[i64], q: f64) -> f64 {
    let pos = q * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let frac = pos - lo as f64;
    v[lo] as f64 + (v[hi] - v[lo]) as f64 * frac
}

/// The pattern in `past`, in any order.
pub fn find_pattern(past: &[PastRelationship]) -> PatternFound {
    let mut counted: Vec<&PastRelationship> = past.iter().filter(|p| p.ended_by.pulled_away()).collect();
    if counted.len() < PATTERN_MIN {
        return PatternFound::TooFew {
            counted: counted.len(),
            needed: PATTERN_MIN,
        };
    }
    counted.sort_by_key(|p| p.id);
    let mut days: Vec<i64> = counted.iter().map(|p| p.days()).collect();
    days.sort_unstable();
    let median = quantile(&days, 0.5);
    let (q1, q3) = (quantile(&days, 0.25), quantile(&days, 0.75));
    // Wide when the middle half is wider than the typical time itself, or
    // the longest is more than three times the shortest (and more than a
    // month apart).
    let (short, long) = (days[0], days[days.len() - 1]);
    let wide = (q3 - q1) > median.max(1.0) || (long > 3 * short.max(1) && long - short > 30);

    let mut stages: Vec<u8> = counted.iter().filter_map(|p| p.stage).collect();
    stages.sort_unstable();
    let stage = if stages.len() >= PATTERN_MIN {
        let mut best: Option<(usize, u8)> = None;
        for s in stages.iter().copied() {
            let n = stages.iter().filter(|x| **x == s).count();
            if best.is_none_or(|(bn, _)| n > bn) {
                best = Some((n, s));
            }
        }
        best.map(|(_, s)| s)
    } else {
        None
    };

    let mut urges: Vec<(String, usize)> = Vec::new();
    for p in &counted {
        for u in &p.urges {
            match urges.iter_mut().find(|(k, _)| k == u) {
                Some((_, n)) => *n += 1,
                None => urges.push((u.clone(), 1)),
            }
        }
    }
    urges.retain(|(_, n)| *n >= PATTERN_MIN);
    urges.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

    PatternFound::Found(Pattern {
        counted: counted.len(),
        median_days: median,
        q1_days: q1,
        q3_days: q3,
        shortest_days: short,
        longest_days: long,
        wide,
        stage,
        urges,
        ids: counted.iter().map(|p| p.id).collect(),
    })
}

/// Why a current relationship is near the point where others ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "kebab-case")]
pub enum NearingWhy {
    /// This many days in, within two weeks of the typical time.
    Time { days_in: i64, typical: i64 },
    /// At the stage where you pulled away before.
    Stage { stage: u8 },
}

impl NearingWhy {
    /// A short id, to remember a dismissal by.
    pub fn id(&self) -> &'static str {
        match self {
            NearingWhy::Time { .. } => "time",
            NearingWhy::Stage { .. } => "stage",
        }
    }
}

/// A current relationship near the point where others ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Nearing {
    pub person: Uuid,
    pub why: NearingWhy,
}

/// Which of `current` (a person, since when, the stage reached) are near
/// the pattern's point, as of `today`. A wide spread says nothing about
/// time; a stage of 0 says nothing about stage.
pub fn nearing(pattern: &Pattern, current: &[(Uuid, Option<Date>, u8)], today: Date) -> Vec<Nearing> {
    let typical = pattern.median_days.round() as i64;
    let mut out = Vec::new();
    for (person, since, stage) in current {
        if !pattern.wide
            && let Some(since) = since
        {
            let days_in = (today - *since).whole_days();
            if days_in >= 0 && (days_in - typical).abs() <= NEAR_DAYS {
                out.push(Nearing {
                    person: *person,
                    why: NearingWhy::Time { days_in, typical },
                });
                continue;
            }
        }
        if let Some(s) = pattern.stage
            && s > 0
            && *stage == s
        {
            out.push(Nearing {
                person: *person,
                why: NearingWhy::Stage { stage: s },
            });
        }
    }
    out
}
