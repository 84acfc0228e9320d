//! What every content file shares, whatever it holds: where it came from,
//! how a problem in it is reported, and the TOML and line helpers the domain
//! modules parse with.
//!
//! This is a leaf: it knows no domain type and no content set. The domain
//! modules use it to parse their own files, and the registry in
//! [`crate::content`] uses the domain modules; nothing here points back.

use serde::de::DeserializeOwned;

/// One content file: its path under `content/` and its text.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub path: &'a str,
    pub text: &'a str,
}

/// A problem in a content file: which file, which line, and what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("content/{file}{}: {reason}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
pub struct ContentError {
    pub file: String,
    pub line: Option<usize>,
    pub reason: String,
}

impl ContentError {
    pub fn new(file: &str, line: Option<usize>, reason: impl Into<String>) -> Self {
        ContentError {
            file: file.to_string(),
            line,
            reason: reason.into(),
        }
    }
}

/// Parse one TOML file, turning a parse error into a file-and-line message.
pub fn parse_toml<T: DeserializeOwned>(path: &str, text: &str) -> Result<T, ContentError> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        ContentError::new(path, line, e.message().trim().to_string())
    })
}

/// The 1-based line number of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
}

/// The line on which `needle` first appears after `key = `, to point an error
/// at the offending entry rather than at the top of the file.
pub fn line_of_value(text: &str, key: &str, value: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.starts_with(key) && l.contains(&format!("\"{value}\""))
        })
        .map(|i| i + 1)
}

/// Ids are stable names used in files, URLs and the command line.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// Parse every file of a set with `parse`, refusing a second item with the
/// same id (naming the file of the second), in the files' order.
pub fn parse_each<T>(
    files: &[Source],
    parse: fn(&str, &str) -> Result<T, ContentError>,
    id: impl Fn(&T) -> &str,
    what: &str,
) -> Result<Vec<T>, ContentError> {
    let parsed = files
        .iter()
        .map(|src| Ok((*src, parse(src.path, src.text)?)))
        .collect::<Result<Vec<_>, ContentError>>()?;
    unique_ids(&parsed, id, what)?;
    Ok(parsed.into_iter().map(|(_, item)| item).collect())
}

/// Refuse a second item with the same id across the files of one set, naming
/// the file of the second.
fn unique_ids<T>(items: &[(Source, T)], id: impl Fn(&T) -> &str, what: &str) -> Result<(), ContentError> {
    for (i, (src, item)) in items.iter().enumerate() {
        let this = id(item);
        if items[..i].iter().any(|(_, earlier)| id(earlier) == this) {
            return Err(ContentError::new(
                src.path,
                None,
                format!("{what} id \"{this}\" is used by another file"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_the_file_and_line() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Kind {
            id: String,
            name: String,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct File {
            kinds: Vec<Kind>,
        }
        let err = parse_toml::<File>("urges.toml", "[[kinds]]\nid = \"a\"\nname = 3\n").unwrap_err();
        assert_eq!(err.file, "urges.toml");
        assert_eq!(err.line, Some(3));
        assert!(err.to_string().starts_with("content/urges.toml, line 3:"), "{err}");
    }

    #[test]
    fn ids_are_lowercase_words_joined_by_hyphens() {
        assert!(is_valid_id("go-quiet"));
        assert!(is_valid_id("ecr-r2"));
        assert!(!is_valid_id("Go-Quiet"));
        assert!(!is_valid_id("-x"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("a b"));
    }

    #[test]
    fn a_repeated_id_names_the_second_file() {
        let a = Source {
            path: "x/a.toml",
            text: "",
        };
        let b = Source {
            path: "x/b.toml",
            text: "",
        };
        assert!(unique_ids(&[(a, "one"), (b, "two")], |s| s, "protocol").is_ok());
        let err = unique_ids(&[(a, "one"), (b, "one")], |s| s, "protocol").unwrap_err();
        assert_eq!(err.file, "x/b.toml");
        assert!(err.reason.contains("protocol id \"one\""), "{err}");
    }
}
