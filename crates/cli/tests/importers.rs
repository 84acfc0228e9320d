//! Journals from other tools: a file made by the real jrnl (from PyPI; the
//! test skips with a message without it, and CI installs it), and a Daylio
//! CSV built to Daylio's published columns, in both its forms.

mod common;

use common::*;
use serde_json::Value;

fn jrnl() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("DRAWBRIDGE_JRNL")
        .map(std::path::PathBuf::from)
        .or_else(|| which("jrnl"));
    let found = path.filter(|p| {
        std::process::Command::new(p)
            .arg("--version")
            .stdin(std::process::Stdio::null())
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            std::env::var("DRAWBRIDGE_REQUIRE_JRNL").as_deref() != Ok("1"),
            "DRAWBRIDGE_REQUIRE_JRNL=1 but jrnl is not installed (pip install jrnl)"
        );
        eprintln!("skipped: jrnl is not installed (pip install jrnl); set DRAWBRIDGE_JRNL to its path");
    }
    found
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| std::path::Path::new(d).join(name))
        .find(|p| p.is_file())
}

fn journal(d: &std::path::Path) -> Vec<Value> {
    let v: Value = serde_json::from_str(&ok(d, &["journal", "--json"])).expect("json");
    v.as_array().expect("list").clone()
}

#[test]
fn a_real_jrnl_export_comes_in_with_dates_and_tags_and_twice_adds_nothing() {
    let Some(jrnl) = jrnl() else { return };
    let home = tempdir();
    let h = home.path();
    let config = h.join("jrnl.yaml");
    std::fs::write(
        &config,
        format!(
            "colors: {{body: none, date: none, tags: none, title: none}}\ndefault_hour: 9\ndefault_minute: 0\neditor: ''\nencrypt: false\nhighlight: true\nindent_character: '|'\njournals:\n  default:\n    journal: {}\nlinewrap: 79\ntagsymbols: '#@'\ntemplate: false\ntimeformat: '%F %r'\nversion: v4.6\n",
            h.join("journal.txt").display()
        ),
    )
    .expect("config");
    let write = |words: &str| {
        let out = std::process::Command::new(&jrnl)
            .args(["--config-file", config.to_str().expect("utf-8"), words])
            .env("HOME", h)
            .env("XDG_CONFIG_HOME", h)
            .env("XDG_DATA_HOME", h)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run jrnl");
        assert!(out.status.success(), "jrnl: {}", String::from_utf8_lossy(&out.stderr));
    };
    write("2026-11-20 21:15: Called Sam back. It was hard but I stayed #calm and @work was fine.");
    write("2026-11-22 08:00: Quiet morning.");
    let export = std::process::Command::new(&jrnl)
        .args(["--config-file", config.to_str().expect("utf-8"), "--format", "json"])
        .env("HOME", h)
        .env("XDG_CONFIG_HOME", h)
        .env("XDG_DATA_HOME", h)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("jrnl export");
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    let file = h.join("export.json");
    std::fs::write(&file, &export.stdout).expect("write");

    let d = tempdir();
    let path = file.to_str().expect("utf-8");
    let dry = ok(d.path(), &["import", "--from", "jrnl", path, "--dry-run"]);
    assert!(
        dry.contains("2 entries would come in") && dry.contains("Nothing was saved"),
        "{dry}"
    );
    assert!(journal(d.path()).is_empty(), "a dry run saves nothing");
    let first = ok(d.path(), &["import", "--from", "jrnl", path]);
    assert!(first.contains("added 2 entries; 0 entries already here"), "{first}");
    let entries = journal(d.path());
    assert_eq!(entries.len(), 2);
    let sam = entries.iter().find(|e| e["title"] == "Called Sam back.").expect("the titled entry");
    assert!(sam["body"].as_str().expect("body").contains("I stayed #calm"), "{sam}");
    let mut tags: Vec<&str> = sam["tags"].as_array().expect("tags").iter().filter_map(Value::as_str).collect();
    tags.sort_unstable();
    assert_eq!(tags, ["calm", "work"], "jrnl's # and @ tags, in whatever order jrnl lists them");
    assert!(sam["at"].as_str().expect("at").starts_with("2026-11-20T21:15:00"), "{sam}");
    let quiet = entries
        .iter()
        .find(|e| e["body"] == "Quiet morning.")
        .expect("a one-line entry keeps its words");
    assert!(quiet["title"].is_null());
    let again = ok(d.path(), &["import", "--from", "jrnl", path]);
    assert!(again.contains("added 0 entries; 2 entries already here"), "{again}");
    assert_eq!(journal(d.path()).len(), 2);
}

#[test]
fn a_daylio_csv_comes_in_with_mood_and_activities_as_tags_and_a_bad_line_stops_everything() {
    let d = tempdir();
    let file = d.path().join("daylio.csv");
    std::fs::write(
        &file,
        "full_date,date,weekday,time,mood,activities,note_title,note\n\
         2026-11-21,November 21,Saturday,21:40,good,friends & family | walk,Dinner,\"Saw Jo, stayed late.\nFelt \"\"okay\"\".\"\n\
         2026-11-20,November 20,Friday,9:05 am,meh,,,\n",
    )
    .expect("csv");
    let path = file.to_str().expect("utf-8");
    let first = ok(d.path(), &["import", "--from", "daylio", path]);
    assert!(first.contains("added 2 entries"), "{first}");
    let entries = journal(d.path());
    let dinner = entries.iter().find(|e| e["title"] == "Dinner").expect("titled");
    assert_eq!(dinner["body"], "Saw Jo, stayed late.\nFelt \"okay\".");
    assert_eq!(dinner["tags"], serde_json::json!(["mood-good", "friends-family", "walk"]));
    let meh = entries
        .iter()
        .find(|e| e["tags"] == serde_json::json!(["mood-meh"]))
        .expect("mood only");
    assert_eq!(meh["body"], "Mood: meh.");
    assert!(meh["at"].as_str().expect("at").starts_with("2026-11-20T09:05:00"), "{meh}");
    let again = ok(d.path(), &["import", "--from", "daylio", path]);
    assert!(again.contains("added 0 entries; 2 entries already here"), "{again}");

    // The older 7-column form.
    let old = d.path().join("old.csv");
    std::fs::write(
        &old,
        "full_date,date,weekday,time,mood,activities,note\n2026-10-01,October 1,Thursday,8:00 pm,rad,reading,Finished the book.\n",
    )
    .expect("csv");
    let r = ok(d.path(), &["import", "--from", "daylio", old.to_str().expect("utf-8")]);
    assert!(r.contains("added 1 entry"), "{r}");

    // A bad line is named, and nothing at all comes in.
    let bad = d.path().join("bad.csv");
    std::fs::write(
        &bad,
        "full_date,date,weekday,time,mood,activities,note_title,note\n\
         2026-09-01,September 1,Tuesday,10:00,good,,,First\n\
         2026-09-02,September 2,Wednesday,quarter past,good,,,Second\n",
    )
    .expect("csv");
    let before = journal(d.path()).len();
    let out = run(d.path(), &["import", "--from", "daylio", bad.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("line 3, time") && err.contains("Nothing was imported"), "{err}");
    assert_eq!(journal(d.path()).len(), before, "not even the good first line");
    let not = d.path().join("not.csv");
    std::fs::write(&not, "a,b,c\n1,2,3\n").expect("csv");
    let out = run(d.path(), &["import", "--from", "daylio", not.to_str().expect("utf-8")]);
    assert!(
        !out.status.success() && stderr(&out).contains("not a Daylio export"),
        "{}",
        stderr(&out)
    );
}
