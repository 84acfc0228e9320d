//! The profile: where a result sits on the two attachment dimensions, which
//! protective strategies stand out, and which capacities to build first.
//!
//! This is the stable type the practice engine reads. Its fields:
//! - `avoidance`, `anxiety`: scale scores on the instrument's own range
//!   (`min`..`max`), or None when not enough items were answered;
//! - `region`: the quadrant, with the scale midpoint as the border (a score
//!   exactly on the midpoint counts as low);
//! - `strategies`: scored protective strategies, strongest first;
//! - `capacities`: scored capacities, the one to build first (lowest) first.
//!
//! The words shown with it come from `content/profile.toml` ([`ProfileText`]).

use serde::{Deserialize, Serialize};

use super::{Instrument, Scores};
use crate::source::{ContentError, Source, parse_toml};

pub const REGION_IDS: &[&str] = &["secure", "ghost", "firefighter", "architect"];
pub const STRATEGY_IDS: &[&str] = &[
    "intimacy-avoidance",
    "conflict-avoidance",
    "indirect-anger",
    "control",
    "overfunctioning",
    "emotional-dependency",
];
pub const CAPACITY_IDS: &[&str] = &["catch-reflex", "stay-soft", "ask-space", "be-known", "tell-alarms"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegionId {
    /// Low on both dimensions.
    Secure,
    /// Leaning avoidant: high discomfort with closeness, low worry.
    Ghost,
    /// Leaning anxious: high worry, low discomfort.
    Firefighter,
    /// High on both.
    Architect,
}

impl RegionId {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionId::Secure => "secure",
            RegionId::Ghost => "ghost",
            RegionId::Firefighter => "firefighter",
            RegionId::Architect => "architect",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionText {
    pub id: String,
    pub name: String,
    pub leaning: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyText {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub protects: String,
    pub costs: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityText {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub practice: String,
}

/// The words of the profile page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileText {
    pub disclaimer: String,
    pub map_intro: String,
    pub regions: Vec<RegionText>,
    pub strategies: Vec<StrategyText>,
    pub capacities: Vec<CapacityText>,
    pub change_reliable: String,
    pub change_within_noise: String,
    pub change_unjudged: String,
}

impl ProfileText {
    pub fn load(src: Source) -> Result<ProfileText, ContentError> {
        let p: ProfileText = parse_toml(src.path, src.text)?;
        p.validate(src.path)?;
        Ok(p)
    }

    /// The sentence that goes with a change.
    pub fn change_sentence(&self, c: &super::Change) -> &str {
        match c.reliable {
            Some(true) => &self.change_reliable,
            Some(false) => &self.change_within_noise,
            None => &self.change_unjudged,
        }
    }

    pub(crate) fn validate(&self, path: &str) -> Result<(), ContentError> {
        let check = |what: &str, got: Vec<&str>, want: &[&str]| {
            let mut g = got.clone();
            g.sort_unstable();
            let mut w = want.to_vec();
            w.sort_unstable();
            if g != w {
                return Err(ContentError::new(
                    path,
                    None,
                    format!("[[{what}]] ids must be exactly: {}", want.join(", ")),
                ));
            }
            Ok(())
        };
        check("regions", self.regions.iter().map(|r| r.id.as_str()).collect(), REGION_IDS)?;
        check("strategies", self.strategies.iter().map(|r| r.id.as_str()).collect(), STRATEGY_IDS)?;
        check("capacities", self.capacities.iter().map(|r| r.id.as_str()).collect(), CAPACITY_IDS)?;
        Ok(())
    }

    pub fn region(&self, id: RegionId) -> Option<&RegionText> {
        self.regions.iter().find(|r| r.id == id.as_str())
    }
    pub fn strategy(&self, id: &str) -> Option<&StrategyText> {
        self.strategies.iter().find(|s| s.id == id)
    }
    pub fn capacity(&self, id: &str) -> Option<&CapacityText> {
        self.capacities.iter().find(|c| c.id == id)
    }
}

/// A scored strategy or capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranked {
    pub id: String,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub instrument: String,
    pub avoidance: Option<f64>,
    pub anxiety: Option<f64>,
    pub min: f64,
    pub max: f64,
    pub midpoint: f64,
    pub region: Option<RegionId>,
    pub strategies: Vec<Ranked>,
    pub capacities: Vec<Ranked>,
}

impl Profile {
    /// Build the profile of one result. Scales named like the dimensions,
    /// strategies and capacities are used; any other scale is ignored, so a
    /// loaded questionnaire that measures only the two dimensions still maps.
    pub fn new(instrument: &Instrument, scores: &Scores) -> Profile {
        let value = |id: &str| scores.get(id).and_then(|s| s.value());
        let midpoint = instrument.midpoint();
        let (avoidance, anxiety) = (value("avoidance"), value("anxiety"));
        let region = match (avoidance, anxiety) {
            (Some(av), Some(ax)) => Some(match (av > midpoint, ax > midpoint) {
                (false, false) => RegionId::Secure,
                (true, false) => RegionId::Ghost,
                (false, true) => RegionId::Firefighter,
                (true, true) => RegionId::Architect,
            }),
            _ => None,
        };
        let ranked = |ids: &[&str]| -> Vec<Ranked> {
            ids.iter()
                .filter_map(|id| {
                    value(id).map(|score| Ranked {
                        id: (*id).to_string(),
                        score,
                    })
                })
                .collect()
        };
        let mut strategies = ranked(STRATEGY_IDS);
        // Strongest first; ties keep the content order, so the result is stable.
        strategies.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut capacities = ranked(CAPACITY_IDS);
        capacities.sort_by(|a, b| a.score.total_cmp(&b.score));
        Profile {
            instrument: instrument.id.clone(),
            avoidance,
            anxiety,
            min: instrument.response.min as f64,
            max: instrument.response.max as f64,
            midpoint,
            region,
            strategies,
            capacities,
        }
    }

    /// Position on the map, each axis from 0 (min) to 1 (max).
    pub fn position(&self) -> Option<(f64, f64)> {
        let span = self.max - self.min;
        match (self.avoidance, self.anxiety) {
            (Some(av), Some(ax)) if span > 0.0 => Some(((av - self.min) / span, (ax - self.min) / span)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;
    use crate::assess::Answers;

    fn patterns() -> &'static Instrument {
        Catalog::embedded().instrument("patterns").expect("patterns")
    }

    /// Answers that put every scale at `level`, honouring reverse keys.
    fn at(level: impl Fn(&str) -> i64) -> Answers {
        let inst = patterns();
        let mut a = Answers::new();
        for s in &inst.scales {
            for i in &s.items {
                let v = level(&s.id);
                a.insert(i.clone(), if s.reverse.contains(i) { 8 - v } else { v });
            }
        }
        a
    }

    #[test]
    fn the_quadrant_follows_the_midpoint() {
        let cases = [
            (6, 2, RegionId::Ghost),
            (2, 6, RegionId::Firefighter),
            (6, 6, RegionId::Architect),
            (2, 2, RegionId::Secure),
            (4, 4, RegionId::Secure),
        ];
        for (av, ax, want) in cases {
            let a = at(|id| match id {
                "avoidance" => av,
                "anxiety" => ax,
                _ => 4,
            });
            let p = Profile::new(patterns(), &patterns().score(&a));
            assert_eq!(p.region, Some(want), "avoidance {av}, anxiety {ax}");
        }
    }

    #[test]
    fn strategies_rank_strongest_first_and_capacities_weakest_first() {
        let a = at(|id| match id {
            "control" => 7,
            "overfunctioning" => 6,
            "be-known" => 1,
            "tell-alarms" => 2,
            "catch-reflex" => 7,
            _ => 4,
        });
        let p = Profile::new(patterns(), &patterns().score(&a));
        assert_eq!(p.strategies[0].id, "control");
        assert_eq!(p.strategies[1].id, "overfunctioning");
        assert_eq!(p.strategies.len(), 6);
        assert_eq!(p.capacities[0].id, "be-known");
        assert_eq!(p.capacities[1].id, "tell-alarms");
        assert_eq!(p.capacities.last().map(|c| c.id.as_str()), Some("catch-reflex"));
    }

    #[test]
    fn not_enough_answers_leaves_the_map_empty_rather_than_guessing() {
        let p = Profile::new(patterns(), &patterns().score(&Answers::new()));
        assert_eq!(p.region, None);
        assert_eq!(p.position(), None);
        assert!(p.strategies.is_empty());
    }

    #[test]
    fn a_dimensions_only_questionnaire_still_maps() {
        let ecr = Catalog::embedded().instrument("ecr-r").expect("ecr-r");
        let a: Answers = (1..=36).map(|n| (n.to_string(), 4)).collect();
        let p = Profile::new(ecr, &ecr.score(&a));
        assert_eq!(p.region, Some(RegionId::Secure));
        assert!(p.strategies.is_empty() && p.capacities.is_empty());
        assert_eq!(p.position(), Some((0.5, 0.5)));
    }

    #[test]
    fn the_patterns_quiz_measures_every_strategy_and_capacity_the_profile_explains() {
        let c = Catalog::embedded();
        let inst = c.instrument("patterns").expect("patterns");
        for id in ["avoidance", "anxiety"].iter().chain(STRATEGY_IDS).chain(CAPACITY_IDS) {
            assert!(inst.scale(id).is_some(), "patterns.toml has scale {id}");
        }
        assert_eq!(inst.items.len(), 50);
        // What it is and is not, said plainly before the first question.
        for promise in ["self-reflection", "not a validated measure", "not a diagnosis", "ten minutes"] {
            assert!(inst.about.contains(promise), "the quiz's about text says {promise:?}");
        }
    }
}
