//! The needs gradient's stages: the one place that knows which numbers are
//! stages, so the CLI, the web, the store, import and the content checks all
//! ask here instead of each checking a range of its own.

use super::MAX_STAGE;

/// A stage of the needs gradient, 1 (the smallest steps) to [`MAX_STAGE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stage(u8);

impl Stage {
    pub const FIRST: Stage = Stage(1);
    pub const LAST: Stage = Stage(MAX_STAGE);

    /// The stage numbered `n`, if there is one.
    pub fn new(n: u8) -> Option<Stage> {
        (Self::FIRST.0..=Self::LAST.0).contains(&n).then_some(Stage(n))
    }

    /// A stage as a person or a file wrote it ("2", " 3 ").
    pub fn parse(text: &str) -> Option<Stage> {
        text.trim().parse().ok().and_then(Stage::new)
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// Every stage, first to last.
    pub fn all() -> impl Iterator<Item = Stage> {
        (Self::FIRST.0..=Self::LAST.0).map(Stage)
    }

    /// The stages in words, for messages: "1 to 4".
    pub fn range() -> String {
        format!("{} to {}", Self::FIRST.0, Self::LAST.0)
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stages_are_one_to_four_and_nothing_else() {
        assert_eq!(Stage::all().map(Stage::get).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
        assert_eq!(Stage::new(0), None);
        assert_eq!(Stage::new(5), None);
        assert_eq!(Stage::parse(" 3 ").map(Stage::get), Some(3));
        for bad in ["", "0", "5", "-1", "two", "2.5", "256"] {
            assert_eq!(Stage::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Stage::range(), "1 to 4");
    }
}
