//! Rules for accounts in server mode: what a new password must be.
//!
//! At least twelve characters, counted as a person counts them (any
//! language, any script, spaces and pasted text welcome), and not one of the
//! common passwords in `content/accounts/common-passwords.txt`, compared in
//! lower case. Nothing else: no rules about digits or symbols, which make
//! passwords harder to remember without making them harder to guess.

use std::collections::HashSet;

use serde::Deserialize;

use crate::source::{ContentError, Source, parse_toml};

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The fewest entries the common-password list must have.
pub const MIN_COMMON_PASSWORDS: usize = 10_000;

/// Why a password cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Fewer than `MIN_PASSWORD_CHARS` characters: it has `chars`.
    TooShort { chars: usize },
    /// On the list of common passwords.
    Common,
}

/// The list of common passwords, in lower case.
#[derive(Debug)]
pub struct CommonPasswords(HashSet<String>);

impl CommonPasswords {
    /// One password a line, after a block of `#` comment lines at the top
    /// (a password may itself begin with `#`).
    pub fn load(src: Source) -> Result<CommonPasswords, ContentError> {
        let set: HashSet<String> = src
            .text
            .lines()
            .skip_while(|l| l.starts_with('#'))
            .filter(|l| !l.is_empty())
            .map(str::to_lowercase)
            .collect();
        if set.len() < MIN_COMMON_PASSWORDS {
            return Err(ContentError::new(
                src.path,
                None,
                format!("the list has {} passwords; it needs at least {MIN_COMMON_PASSWORDS}", set.len()),
            ));
        }
        Ok(CommonPasswords(set))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, password: &str) -> bool {
        self.0.contains(&password.to_lowercase())
    }
}

/// Whether `password` may be used as a new password.
pub fn check_password(common: &CommonPasswords, password: &str) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordProblem::TooShort { chars });
    }
    if common.contains(password) {
        return Err(PasswordProblem::Common);
    }
    Ok(())
}

/// The words accounts use.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountText {
    password_too_short: String,
    password_common: String,
    /// A wrong name or a wrong password: the same words for both.
    pub sign_in_refused: String,
    /// The right password for an account an admin has paused.
    pub sign_in_disabled: String,
    /// Too many tries: `{minutes}` until the next.
    throttled: String,
    pub name_missing: String,
    /// `{max}` characters at most.
    name_too_long: String,
    pub passwords_differ: String,
    pub recovery_refused: String,
    pub password_wrong: String,
    pub invitation_needed: String,
    /// A session that ended (idle, too old, signed out elsewhere).
    pub session_ended: String,
    /// A form sent after its session ended.
    pub form_not_saved: String,
}

/// The longest account name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// Characters that change the order text is shown in (bidirectional
/// embeddings, overrides and isolates): in a name they could make one
/// account look like another on the admin page, so a name may not hold them.
fn reorders(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that show nothing (Unicode's default-ignorable code points:
/// soft hyphens, zero-width spaces and joiners, direction marks, variation
/// selectors, the byte order mark, tags and the like). A name may hold
/// them, as some scripts and emoji need joiners, but they are left out of
/// its key, so "Sam" with one hidden inside is still Sam's name.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// What makes two account names one: compatibility forms made the same
/// (NFKC: a full-width "Ｓａｍ" is "Sam", a ligature its letters), case
/// ignored, characters that show nothing left out, and spaces at the ends
/// dropped and runs of them inside made one. Signing in, signing up and
/// the slowing of guesses all go by this key.
pub fn name_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = name.nfkc().flat_map(char::to_lowercase).filter(|c| !invisible(*c)).collect();
    // Lower case can undo NFKC's work (rarely): once more makes it settle.
    let folded: String = folded.nfkc().collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What is wrong with an account name, if anything: the words to say.
pub fn name_problem(text: &AccountText, name: &str) -> Option<String> {
    let name = name.trim();
    if name.chars().any(|c| c.is_control() || reorders(c)) || name_key(name).is_empty() {
        return Some(text.name_missing.clone());
    }
    (name.chars().count() > MAX_NAME_CHARS).then(|| text.name_too_long.replace("{max}", &MAX_NAME_CHARS.to_string()))
}

impl AccountText {
    pub fn load(src: Source) -> Result<AccountText, ContentError> {
        let t: AccountText = parse_toml(src.path, src.text)?;
        for (field, text, needed) in [
            ("password_too_short", &t.password_too_short, "{min}"),
            ("password_too_short", &t.password_too_short, "{chars}"),
            ("throttled", &t.throttled, "{minutes}"),
            ("name_too_long", &t.name_too_long, "{max}"),
        ] {
            if !text.contains(needed) {
                return Err(ContentError::new(
                    src.path,
                    None,
                    format!("{field} must contain {needed}, where the number goes"),
                ));
            }
        }
        Ok(t)
    }

    /// What to say to a log-in that must wait `seconds` (rounded up to whole
    /// minutes, at least one).
    pub fn throttled(&self, seconds: u64) -> String {
        let minutes = seconds.div_ceil(60).max(1);
        self.throttled.replace("{minutes}", &minutes.to_string())
    }

    /// What to say about a password that cannot be used, with its numbers.
    pub fn password_problem(&self, p: PasswordProblem) -> String {
        match p {
            PasswordProblem::TooShort { chars } => self
                .password_too_short
                .replace("{min}", &MIN_PASSWORD_CHARS.to_string())
                .replace("{chars}", &chars.to_string()),
            PasswordProblem::Common => self.password_common.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;

    #[test]
    fn a_password_is_long_enough_by_its_characters_in_any_script_and_not_common() {
        let c = Catalog::embedded();
        let common = c.common_passwords();
        assert!(common.len() >= MIN_COMMON_PASSWORDS, "{}", common.len());
        assert_eq!(check_password(common, "short"), Err(PasswordProblem::TooShort { chars: 5 }));
        // Twelve characters, though far more bytes: counted as a person counts.
        assert_eq!(check_password(common, "ありがとうございます、友よ"), Ok(()));
        assert_eq!(check_password(common, "ありがとう"), Err(PasswordProblem::TooShort { chars: 5 }));
        // On the list whatever its case; a long ordinary phrase is fine.
        let listed = "qwertyuiop123";
        assert!(common.contains(listed), "the list has its long entries too");
        assert_eq!(check_password(common, &listed.to_uppercase()), Err(PasswordProblem::Common));
        assert_eq!(check_password(common, "kettle on the windowsill at dawn"), Ok(()));
        // The words say the numbers the check used.
        let said = c.accounts().password_problem(PasswordProblem::TooShort { chars: 5 });
        assert!(said.contains("12") && said.contains('5'), "{said}");
    }

    #[test]
    fn names_and_waits_are_said_with_the_numbers_the_checks_use() {
        let t = Catalog::embedded().accounts();
        assert_eq!(name_problem(t, "  Sam "), None);
        assert_eq!(name_problem(t, "   ").as_deref(), Some(t.name_missing.as_str()));
        assert_eq!(name_problem(t, "a\u{7}b").as_deref(), Some(t.name_missing.as_str()));
        assert_eq!(name_problem(t, &"ü".repeat(MAX_NAME_CHARS)), None);
        let long = name_problem(t, &"ü".repeat(MAX_NAME_CHARS + 1)).expect("too long");
        assert!(long.contains(&MAX_NAME_CHARS.to_string()), "{long}");
        assert!(t.throttled(1).contains(" 1 "), "{}", t.throttled(1));
        assert!(t.throttled(61).contains(" 2 "), "{}", t.throttled(61));
        assert!(t.throttled(900).contains(" 15 "), "{}", t.throttled(900));
    }

    /// Names that look alike to a person are one name: in another case, in
    /// full-width or composed forms, with a character hidden inside, or
    /// with more spaces between words. Names in any script stay apart.
    #[test]
    fn names_that_look_the_same_are_one_name_and_hidden_reordering_is_refused() {
        let t = Catalog::embedded().accounts();
        for same in ["sam", " SAM ", "Ｓａｍ", "Sa\u{200B}m", "S\u{AD}am", "\u{FEFF}Sam", "Sa\u{200D}m"] {
            assert_eq!(name_key(same), "sam", "{same:?}");
        }
        // é written as one character and as e with its accent.
        assert_eq!(name_key("Ren\u{E9}e"), name_key("Rene\u{301}e"));
        assert_eq!(name_key("Sam  Lee"), name_key("sam lee"));
        assert_eq!(name_key("ﬁona"), "fiona");
        assert_ne!(name_key("Sam"), name_key("Sām"));
        assert_ne!(name_key("Сэм"), name_key("Sam"), "another script is another name");
        assert_eq!(name_key("Даша"), "даша");
        assert_eq!(name_problem(t, "Даша"), None);
        assert_eq!(name_problem(t, "👩\u{200D}💻 Ada"), None, "an emoji with its joiner is welcome");
        for hidden in ["Sam\u{202E}", "\u{2067}Sam", "\u{200B}\u{200B}", "\u{FEFF}"] {
            assert_eq!(name_problem(t, hidden).as_deref(), Some(t.name_missing.as_str()), "{hidden:?}");
        }
    }

    #[test]
    fn a_list_too_short_to_protect_anyone_is_refused() {
        let text = "# a comment\n123456\npassword\n";
        let err = CommonPasswords::load(Source {
            path: "accounts/common-passwords.txt",
            text,
        })
        .expect_err("short");
        assert!(err.to_string().contains("at least 10000"), "{err}");
        // A password may begin with # once the list has begun.
        let many: String = (0..MIN_COMMON_PASSWORDS).map(|i| format!("pw{i}\n")).collect();
        let list = CommonPasswords::load(Source {
            path: "accounts/common-passwords.txt",
            text: &format!("# header\n{many}#hashtag\n"),
        })
        .expect("long enough");
        assert!(list.contains("#HASHTAG") && !list.contains("# header"));
    }
}
