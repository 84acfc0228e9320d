//! A read-only iCalendar (RFC 5545) feed, so reminders arrive through the
//! person's own calendar with no push service. It holds a daily practice
//! event with an alarm at the chosen time, and one event per follow-up due.
//! Titles are deliberately generic: calendars sync to other services, so no
//! personal text (predictions, names, notes) is ever put in the feed.

use time::{Date, OffsetDateTime, Time};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Stable across fetches, so calendars update rather than duplicate.
    pub uid: String,
    pub day: Date,
    /// With a time: a timed event with an alarm; without: an all-day event.
    pub time: Option<Time>,
    pub summary: String,
    pub description: String,
    /// Repeat every day.
    pub daily: bool,
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,").replace('\n', "\\n")
}

/// Lines longer than 75 octets are folded, as RFC 5545 asks.
fn fold(line: &str, out: &mut String) {
    let mut count = 0;
    for ch in line.chars() {
        if count + ch.len_utf8() > 75 {
            out.push_str("\r\n ");
            count = 1;
        }
        out.push(ch);
        count += ch.len_utf8();
    }
    out.push_str("\r\n");
}

fn ymd(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The feed. Times are floating local times: the calendar shows them at the
/// person's own clock time wherever they are.
pub fn ics(events: &[CalendarEvent], now: OffsetDateTime) -> String {
    let stamp = {
        let t = now.to_offset(time::UtcOffset::UTC);
        format!("{}T{:02}{:02}{:02}Z", ymd(t.date()), t.hour(), t.minute(), t.second())
    };
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//drawbridge//practice reminders//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:drawbridge",
    ] {
        fold(l, &mut out);
    }
    for e in events {
        fold("BEGIN:VEVENT", &mut out);
        fold(&format!("UID:{}", e.uid), &mut out);
        fold(&format!("DTSTAMP:{stamp}"), &mut out);
        match e.time {
            Some(t) => {
                fold(&format!("DTSTART:{}T{:02}{:02}00", ymd(e.day), t.hour(), t.minute()), &mut out);
                fold("DURATION:PT15M", &mut out);
            }
            None => {
                fold(&format!("DTSTART;VALUE=DATE:{}", ymd(e.day)), &mut out);
                fold(&format!("DTEND;VALUE=DATE:{}", ymd(e.day.next_day().unwrap_or(e.day))), &mut out);
            }
        }
        if e.daily {
            fold("RRULE:FREQ=DAILY", &mut out);
        }
        fold(&format!("SUMMARY:{}", escape(&e.summary)), &mut out);
        fold(&format!("DESCRIPTION:{}", escape(&e.description)), &mut out);
        if e.time.is_some() {
            for l in ["BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:PT0M"] {
                fold(l, &mut out);
            }
            fold(&format!("DESCRIPTION:{}", escape(&e.summary)), &mut out);
            fold("END:VALARM", &mut out);
        }
        fold("END:VEVENT", &mut out);
    }
    fold("END:VCALENDAR", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, time};

    #[test]
    fn a_daily_event_has_an_alarm_and_lines_are_folded() {
        let events = vec![
            CalendarEvent {
                uid: "daily@drawbridge".into(),
                day: date!(2026 - 11 - 22),
                time: Some(time!(19:30)),
                summary: "Practice, one small step".into(),
                description: "x".repeat(200),
                daily: true,
            },
            CalendarEvent {
                uid: "f1@drawbridge".into(),
                day: date!(2026 - 11 - 23),
                time: None,
                summary: "Follow up, gently".into(),
                description: "Back; slash \\ comma, done".into(),
                daily: false,
            },
        ];
        let s = ics(&events, datetime!(2026-11-21 12:00 UTC));
        assert!(s.starts_with("BEGIN:VCALENDAR\r\n") && s.ends_with("END:VCALENDAR\r\n"));
        assert!(s.contains("DTSTART:20261122T193000\r\n"));
        assert!(s.contains("RRULE:FREQ=DAILY\r\n"));
        assert!(s.contains("BEGIN:VALARM\r\n"));
        assert!(s.contains("DTSTART;VALUE=DATE:20261123\r\n"));
        assert!(s.contains("SUMMARY:Practice\\, one small step"));
        assert!(s.contains("Back\\; slash \\\\ comma\\, done"));
        assert!(s.split("\r\n").all(|l| l.len() <= 75), "every line is folded to 75 octets");
    }
}
