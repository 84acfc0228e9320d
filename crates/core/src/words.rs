//! Words that shame or diagnose have no place in what drawbridge says to a
//! person. This list is checked by tests over every content file and template;
//! it is deliberately about the app's own words, never applied to what a
//! person writes about themselves.

/// Words the app must never use about the person. Matched as whole words,
/// with common endings ("failures", "weakness").
pub const SHAMING_WORDS: &[&str] = &[
    "broken",
    "crazy",
    "insane",
    "toxic",
    "disorder",
    "pathetic",
    "weak",
    "failure",
    "damaged",
    "psycho",
    "psychotic",
    "dysfunctional",
    "neurotic",
    "hysterical",
    "needy",
    "clingy",
    "stupid",
    "loser",
];

const ENDINGS: &[&str] = &["", "s", "es", "ed", "ness", "ly", "er", "ers"];

/// The shaming words found in `text`, in order of appearance.
pub fn shaming_words(text: &str) -> Vec<&'static str> {
    let mut found = Vec::new();
    for token in text.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()) {
        let token = token.to_lowercase();
        for word in SHAMING_WORDS {
            if let Some(rest) = token.strip_prefix(word)
                && ENDINGS.contains(&rest)
            {
                found.push(*word);
            }
        }
    }
    found
}

/// A small count in words ("two"), as a sentence says it; larger ones as digits.
pub fn count_word(n: usize) -> String {
    const WORDS: [&str; 11] = [
        "none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    WORDS.get(n).map_or_else(|| n.to_string(), |w| (*w).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_words_and_their_forms() {
        assert_eq!(shaming_words("You are not Broken."), vec!["broken"]);
        assert_eq!(shaming_words("weakness and failures"), vec!["weak", "failure"]);
        assert_eq!(shaming_words("a disorder"), vec!["disorder"]);
    }

    #[test]
    fn leaves_innocent_words_alone() {
        assert!(shaming_words("tweak your weekly order; a breakfast; dependable").is_empty());
        assert_eq!(shaming_words("brokenly"), vec!["broken"]);
    }
}
