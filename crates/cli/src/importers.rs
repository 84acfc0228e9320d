//! Bringing a journal in from another tool: jrnl's JSON export
//! (`jrnl --format json`) and Daylio's CSV export (the 8-column form with
//! `note_title`, and the older 7-column one). Every line is read and
//! checked before anything is saved; a bad one is named by its place and
//! field, and then nothing is imported.

use drawbridge_core::Catalog;
use drawbridge_core::journal::{JournalInput, JournalText, TAG_MAX};
use serde::Deserialize;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, macros::format_description};

/// An entry from the other tool, ready to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub at: OffsetDateTime,
    pub text: JournalText,
}

/// Where a file went wrong, in words: "entry 3, date" or "line 4, time".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub place: String,
    pub message: String,
}

fn problem(place: String, message: impl Into<String>) -> Problem {
    Problem {
        place,
        message: message.into(),
    }
}

/// A label from the other tool as a drawbridge tag: spaces become `-`, and
/// anything a tag cannot hold is left out ("friends & family" is
/// "friends-family").
fn as_tag(raw: &str) -> String {
    let joined = raw
        .trim()
        .trim_start_matches(['#', '@'])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-");
    let kept: String = joined.chars().filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_').collect();
    let mut out = String::new();
    for c in kept.chars() {
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    out.trim_matches('-').chars().take(TAG_MAX).collect()
}

fn entry(c: &Catalog, place: &str, at: OffsetDateTime, title: Option<&str>, body: &str, tags: Vec<String>) -> Result<Incoming, Problem> {
    // The journal's own check leaves out repeats (any case) and empty tags.
    let text = JournalText::check(
        JournalInput {
            title,
            body,
            tags,
            ..Default::default()
        },
        |_| false,
        |b| c.urges().body_signal(b).is_some(),
    )
    .map_err(|e| problem(format!("{place}, {}", e.field()), e.to_string()))?;
    Ok(Incoming { at, text })
}

#[derive(Deserialize)]
struct JrnlFile {
    entries: Vec<JrnlEntry>,
}

#[derive(Deserialize)]
struct JrnlEntry {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    starred: bool,
}

fn local(date: Date, time: Time, offset: UtcOffset) -> OffsetDateTime {
    PrimitiveDateTime::new(date, time).assume_offset(offset)
}

fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]")).ok()
}

/// "21:15", "9:15", "9:15 pm", "09:15 AM", "21:15:30".
fn parse_time(s: &str) -> Option<Time> {
    let s = s.trim().to_ascii_lowercase();
    let (clock, pm) = match (s.strip_suffix("pm"), s.strip_suffix("am")) {
        (Some(c), _) => (c.trim().to_string(), Some(true)),
        (_, Some(c)) => (c.trim().to_string(), Some(false)),
        _ => (s.clone(), None),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let mut h: u8 = parts[0].parse().ok()?;
    let m: u8 = parts[1].parse().ok()?;
    let sec: u8 = parts.get(2).map_or(Some(0), |x| x.parse().ok())?;
    match pm {
        Some(true) if (1..=12).contains(&h) => h = if h == 12 { 12 } else { h + 12 },
        Some(false) if (1..=12).contains(&h) => h = if h == 12 { 0 } else { h },
        Some(_) => return None,
        None => {}
    }
    Time::from_hms(h, m, sec).ok()
}

/// jrnl's JSON export, read whole. A title with no body is jrnl's way of
/// keeping a one-line entry: it becomes the body.
pub fn jrnl(c: &Catalog, text: &str, offset: UtcOffset) -> Result<Vec<Incoming>, Problem> {
    let file: JrnlFile = serde_json::from_str(text).map_err(|e| {
        problem(
            format!("line {}", e.line()),
            format!("this is not a jrnl JSON export ({e}). Make one with: jrnl --format json > file.json"),
        )
    })?;
    let mut out = Vec::with_capacity(file.entries.len());
    for (i, e) in file.entries.iter().enumerate() {
        let place = format!("entry {}", i + 1);
        let date = parse_date(&e.date)
            .ok_or_else(|| problem(format!("{place}, date"), format!("\"{}\" is not a date like 2026-11-20", e.date)))?;
        let time = if e.time.trim().is_empty() {
            Time::MIDNIGHT
        } else {
            parse_time(&e.time).ok_or_else(|| problem(format!("{place}, time"), format!("\"{}\" is not a time like 21:15", e.time)))?
        };
        let mut tags: Vec<String> = e.tags.iter().map(|t| as_tag(t)).collect();
        if e.starred {
            tags.push("starred".into());
        }
        let (title, body) = if e.body.trim().is_empty() {
            (None, e.title.as_str())
        } else {
            (Some(e.title.as_str()).filter(|t| !t.trim().is_empty()), e.body.as_str())
        };
        out.push(entry(c, &place, local(date, time, offset), title, body, tags)?);
    }
    Ok(out)
}

/// Rows of a CSV file (RFC 4180: quoted fields, `""` for a quote, line
/// breaks inside quotes), each with the line it starts on.
fn csv_rows(text: &str) -> Result<Vec<(usize, Vec<String>)>, Problem> {
    let mut rows = Vec::new();
    let (mut row, mut field) = (Vec::new(), String::new());
    let (mut line, mut start) = (1usize, 1usize);
    let mut quoted = false;
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                if !(row.len() == 1 && row[0].is_empty()) {
                    rows.push((start, std::mem::take(&mut row)));
                }
                row.clear();
                line += 1;
                start = line;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(problem(format!("line {start}"), "a quoted field never ends: a \" is missing"));
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push((start, row));
    }
    Ok(rows)
}

/// Daylio's CSV export. The mood becomes a tag ("mood-good"), each
/// activity (separated by " | ") a tag; `note_title` the title. An entry
/// with no note keeps its mood and activities in words as its body.
pub fn daylio(c: &Catalog, text: &str, offset: UtcOffset) -> Result<Vec<Incoming>, Problem> {
    let rows = csv_rows(text)?;
    let Some(((_, header), rest)) = rows.split_first() else {
        return Err(problem("line 1".into(), "the file is empty"));
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let eight = ["full_date", "date", "weekday", "time", "mood", "activities", "note_title", "note"];
    let seven = ["full_date", "date", "weekday", "time", "mood", "activities", "note"];
    let has_title = if names == eight {
        true
    } else if names == seven {
        false
    } else {
        return Err(problem(
            "line 1".into(),
            format!(
                "this is not a Daylio export: its first line should be {} (or the older form without note_title)",
                eight.join(",")
            ),
        ));
    };
    let mut out = Vec::with_capacity(rest.len());
    for (line, row) in rest {
        let place = format!("line {line}");
        if row.len() != names.len() {
            return Err(problem(
                place,
                format!("it has {} fields; a Daylio line has {}", row.len(), names.len()),
            ));
        }
        let date = parse_date(&row[0]).ok_or_else(|| {
            problem(
                format!("{place}, full_date"),
                format!("\"{}\" is not a date like 2026-11-20", row[0]),
            )
        })?;
        let time = parse_time(&row[3]).ok_or_else(|| {
            problem(
                format!("{place}, time"),
                format!("\"{}\" is not a time like 21:15 or 9:15 pm", row[3]),
            )
        })?;
        let mood = row[4].trim();
        let activities: Vec<&str> = row[5].split('|').map(str::trim).filter(|a| !a.is_empty()).collect();
        let (title, note) = if has_title {
            (row[6].trim(), row[7].as_str())
        } else {
            ("", row[6].as_str())
        };
        let mut tags = Vec::new();
        if !mood.is_empty() {
            tags.push(format!("mood-{}", as_tag(mood)));
        }
        tags.extend(activities.iter().map(|a| as_tag(a)));
        let body = if note.trim().is_empty() {
            let mut words = Vec::new();
            if !mood.is_empty() {
                words.push(format!("Mood: {mood}."));
            }
            if !activities.is_empty() {
                words.push(format!("Activities: {}.", activities.join(", ")));
            }
            if words.is_empty() && !title.is_empty() {
                words.push(title.to_string());
            }
            words.join(" ")
        } else {
            note.to_string()
        };
        if body.trim().is_empty() {
            return Err(problem(place, "it has no mood, activities or note to bring in"));
        }
        let title = Some(title).filter(|t| !t.is_empty() && *t != body);
        out.push(entry(c, &place, local(date, time, offset), title, &body, tags)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_people_write_them() {
        assert_eq!(parse_time("21:15"), Time::from_hms(21, 15, 0).ok());
        assert_eq!(parse_time("9:15 pm"), Time::from_hms(21, 15, 0).ok());
        assert_eq!(parse_time("12:05 AM"), Time::from_hms(0, 5, 0).ok());
        assert_eq!(parse_time("12:05 pm"), Time::from_hms(12, 5, 0).ok());
        assert_eq!(parse_time("25:00"), None);
        assert_eq!(parse_time("13:00 pm"), None);
    }

    #[test]
    fn labels_become_tags_a_tag_can_hold() {
        assert_eq!(as_tag("friends & family"), "friends-family");
        assert_eq!(as_tag("@work"), "work");
        assert_eq!(as_tag("  good  "), "good");
    }

    #[test]
    fn csv_keeps_quotes_commas_and_line_breaks_inside_fields() {
        let rows = csv_rows("a,b\n\"one, two\",\"say \"\"hi\"\"\nthen\"\n").expect("rows");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1], (2, vec!["one, two".to_string(), "say \"hi\"\nthen".to_string()]));
        assert!(csv_rows("a\n\"open").is_err());
    }
}
