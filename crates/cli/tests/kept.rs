//! Nothing a person wrote is lost, through the real binary: a second
//! follow-up is refused with words that say what to do, edits keep the words
//! they replace and show them again, a second check-off changes the day's
//! reflection without losing the first, dates still ahead are refused for
//! what is already done, and an older import keeps newer data and says so.

mod common;

use common::*;
use serde_json::Value;

fn json(d: &std::path::Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(d, args)).unwrap_or_else(|e| panic!("{args:?} printed no JSON: {e}"))
}

fn plan(d: &std::path::Path, when: Option<&str>) -> String {
    let mut args = vec![
        "experiment",
        "plan",
        "--custom",
        "Tell Sam I liked the film",
        "--prediction",
        "Sam will think I'm strange",
        "--belief",
        "65",
        "--want",
        "70",
        "--expect",
        "50",
        "--json",
    ];
    if let Some(w) = when {
        args.extend(["--when", w]);
    }
    json(d, &args)["id"].as_str().expect("id").to_string()
}

fn done_args<'a>(id: &'a str, happened: &'a str, learned: &'a str) -> Vec<&'a str> {
    vec![
        "experiment",
        "done",
        id,
        "--peak",
        "30",
        "--after",
        "5",
        "--outcome",
        "better",
        "--belief-after",
        "20",
        "--capacity",
        "70",
        "--happened",
        happened,
        "--learned",
        learned,
    ]
}

fn day(offset_days: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::days(offset_days))
        .date()
        .to_string()
}

#[test]
fn a_second_follow_up_is_refused_and_an_edit_keeps_the_first_words() {
    for d in engines() {
        let id = plan(d.path(), None);
        ok(d.path(), &done_args(&id, "We laughed about the ending", "Saying it was fine"));
        let again = run(d.path(), &done_args(&id, "", ""));
        assert_eq!(again.status.code(), Some(1), "refused, not silently replaced");
        let err = stderr(&again);
        assert!(err.contains("followed up already"), "{err}");
        assert!(err.contains("experiment edit"), "says what to do instead: {err}");
        let shown = ok(d.path(), &["experiment", "show", &id]);
        assert!(shown.contains("What happened: We laughed about the ending"), "{shown}");
        assert!(shown.contains("What you learned: Saying it was fine"), "{shown}");

        // Edit twice: both earlier versions stay readable.
        ok(d.path(), &["experiment", "edit", &id, "--happened", "We laughed, and he hugged me"]);
        ok(
            d.path(),
            &["experiment", "edit", &id, "--happened", "We laughed; he hugged me; I stayed"],
        );
        let shown = ok(d.path(), &["experiment", "show", &id]);
        assert!(shown.contains("What happened: We laughed; he hugged me; I stayed"), "{shown}");
        assert!(shown.contains("Earlier words"), "{shown}");
        assert!(shown.contains("We laughed about the ending"), "{shown}");
        assert!(shown.contains("We laughed, and he hugged me"), "{shown}");
        let j = json(d.path(), &["experiment", "show", &id, "--json"]);
        assert_eq!(j["earlier"].as_array().map(Vec::len), Some(2), "{j}");
        let nothing = run(d.path(), &["experiment", "edit", &id]);
        assert_eq!(nothing.status.code(), Some(1));
        assert!(stderr(&nothing).contains("Nothing to change"));
    }
}

#[test]
fn dates_still_ahead_are_refused_for_what_is_already_done() {
    for d in engines() {
        let tomorrow = day(2);
        let out = run(
            d.path(),
            &[
                "experiment",
                "log",
                "--custom",
                "Call my brother",
                "--prediction",
                "He will be busy",
                "--belief",
                "60",
                "--want",
                "50",
                "--expect",
                "30",
                "--peak",
                "20",
                "--after",
                "10",
                "--outcome",
                "better",
                "--belief-after",
                "20",
                "--capacity",
                "50",
                "--date",
                &tomorrow,
            ],
        );
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("still ahead"), "{}", stderr(&out));
        assert!(
            json(d.path(), &["export"])["experiment_records"]
                .as_array()
                .expect("list")
                .is_empty()
        );

        // A plan may be in the future; its follow-up waits for the day.
        let id = plan(d.path(), Some(&tomorrow));
        let early = run(d.path(), &done_args(&id, "x", "y"));
        assert_eq!(early.status.code(), Some(1));
        assert!(stderr(&early).contains("has not come yet"), "{}", stderr(&early));
    }
}

#[test]
fn checking_off_a_day_twice_changes_its_reflection_and_keeps_the_first() {
    for d in engines() {
        ok(d.path(), &["challenge", "start"]);
        ok(d.path(), &["challenge", "done", "--reflection", "It felt strange to say"]);
        let again = ok(d.path(), &["challenge", "done", "--reflection", "Strange, then warm"]);
        assert!(again.contains("earlier words are kept"), "{again}");
        let export = json(d.path(), &["export"]);
        assert_eq!(export["program_runs"][0]["entries"][0]["reflection"], "Strange, then warm");
        let kept: Vec<&str> = export["text_versions"]
            .as_array()
            .expect("versions")
            .iter()
            .filter_map(|v| v["text"].as_str())
            .collect();
        assert_eq!(kept, vec!["It felt strange to say"]);
        let status = ok(d.path(), &["challenge", "status"]);
        assert!(status.contains("Day 1: Strange, then warm"), "{status}");
        assert!(
            status.contains("Earlier words") && status.contains("It felt strange to say"),
            "{status}"
        );

        // Stop it, and its words stay; starting another while one runs asks first.
        ok(d.path(), &["challenge", "start", "--program", "ladder-4w", "--switch"]);
        let busy = run(d.path(), &["challenge", "start"]);
        assert_eq!(busy.status.code(), Some(1));
        assert!(stderr(&busy).contains("--switch"), "{}", stderr(&busy));
        let stopped = ok(d.path(), &["challenge", "stop"]);
        assert!(stopped.contains("kept"), "{stopped}");
        let export = json(d.path(), &["export"]);
        let runs = export["program_runs"].as_array().expect("runs");
        assert_eq!(runs.len(), 2);
        assert!(runs.iter().all(|r| r["stopped_on"].is_string()), "{runs:?}");
        assert_eq!(runs[0]["entries"][0]["reflection"], "Strange, then warm");
    }
}

#[test]
fn importing_an_older_export_keeps_newer_words_and_lists_each_conflict() {
    for d in engines() {
        ok(d.path(), &["safety-plan", "set", "warning-signs", "I stop sleeping"]);
        ok(d.path(), &["stage", "1"]);
        let file = d.path().join("older.json");
        ok(d.path(), &["export", "--out", file.to_str().expect("utf-8")]);
        ok(d.path(), &["safety-plan", "set", "warning-signs", "I stop answering anyone"]);
        ok(d.path(), &["stage", "2"]);

        let out = ok(d.path(), &["import", file.to_str().expect("utf-8")]);
        assert!(
            out.contains("your safety plan's \"Signs a hard time is coming\" differs from the file's: kept yours"),
            "{out}"
        );
        assert!(out.contains("your practice stage (2, the file says 1)"), "{out}");
        assert!(out.contains("--prefer-file"), "{out}");
        let plan = ok(d.path(), &["safety-plan", "show"]);
        assert!(plan.contains("I stop answering anyone"), "{plan}");
        assert!(
            plan.contains("Earlier words") && plan.contains("I stop sleeping"),
            "the first words are readable: {plan}"
        );

        let out = ok(d.path(), &["import", "--prefer-file", file.to_str().expect("utf-8")]);
        assert!(out.contains("took the file's"), "{out}");
        let plan = ok(d.path(), &["safety-plan", "show"]);
        assert!(plan.contains("I stop sleeping"), "{plan}");
        let export = json(d.path(), &["export"]);
        assert!(
            export["text_versions"]
                .as_array()
                .expect("versions")
                .iter()
                .any(|v| v["text"] == "I stop answering anyone"),
            "the replaced words are kept"
        );

        // A newer export asks for an update, in words.
        let mut newer: Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
        newer["version"] = Value::from(99);
        newer["journal"] = Value::from("from the future");
        let path = d.path().join("newer.json");
        std::fs::write(&path, newer.to_string()).expect("write");
        let out = run(d.path(), &["import", path.to_str().expect("utf-8")]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(
            err.contains("newer version of drawbridge") && err.contains("Update drawbridge"),
            "{err}"
        );
    }
}
