//! Practice through the real binary: calibration, planning and following up
//! experiments, the pacing engine's offer, the ledger, programs and the
//! reminder calendar (parsed by a real iCalendar parser).

mod common;

use common::*;
use serde_json::Value;

fn json(d: &std::path::Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(d, args)).unwrap_or_else(|e| panic!("{args:?} printed no JSON: {e}"))
}

fn days_ago(n: i64) -> String {
    (time::OffsetDateTime::now_utc() - time::Duration::days(n)).date().to_string()
}

#[test]
fn calibration_sets_the_start_and_today_explains_its_suggestion() {
    for d in engines() {
        let before = json(d.path(), &["today", "--json"]);
        assert_eq!(before["stage"], Value::Null, "nothing until the calibration");
        assert!(before["suggestion"].is_null());
        assert!(ok(d.path(), &["stage", "--calibrate", "30", "35", "60", "90"]).contains("stage 2"));
        let t = json(d.path(), &["today", "--json"]);
        assert_eq!(t["stage"], 2);
        assert_eq!(t["step_up_offered"], false);
        let why = t["suggestion"]["why"].as_str().expect("why");
        assert!(why.starts_with("Chosen because"), "{why}");
        assert_eq!(t["suggestion"]["stage"], 2);
        let bad = run(d.path(), &["stage", "--calibrate", "30", "35", "60", "190"]);
        assert_eq!(bad.status.code(), Some(1));
        assert!(stderr(&bad).contains("0 to 100"));
    }
}

#[test]
fn three_calm_experiments_offer_the_next_stage_and_a_flood_holds() {
    for d in engines() {
        ok(d.path(), &["stage", "1"]);
        let ids: Vec<String> = json(d.path(), &["experiments", "--stage", "1", "--json"])
            .as_array()
            .expect("list")
            .iter()
            .map(|e| e["id"].as_str().expect("id").to_string())
            .collect();
        assert!(ids.len() >= 10);
        log_experiment(d.path(), &ids[0], &days_ago(6), "50", "better", false);
        log_experiment(d.path(), &ids[1], &days_ago(4), "40", "as-feared", false);
        assert_eq!(json(d.path(), &["today", "--json"])["step_up_offered"], false);
        log_experiment(d.path(), &ids[2], &days_ago(2), "45", "mixed", false);
        let t = json(d.path(), &["today", "--json"]);
        assert_eq!(t["step_up_offered"], true, "{t}");
        assert!(t["advice_text"].as_str().expect("text").contains("Stage 2 is open"));
        // The person decides: take the step, then a flood holds the new stage.
        ok(d.path(), &["stage", "2"]);
        let stage2 = json(d.path(), &["experiments", "--stage", "2", "--json"]);
        let s2 = stage2[0]["id"].as_str().expect("id").to_string();
        log_experiment(d.path(), &s2, &days_ago(0), "90", "worse", false);
        let t = json(d.path(), &["today", "--json"]);
        assert_eq!(t["advice"]["advice"], "flood");
        assert_eq!(t["suggestion"]["smaller"], true, "after a flood, the smaller variation");
    }
}

#[test]
fn a_planned_experiment_becomes_a_follow_up_and_is_done_by_short_id() {
    for d in engines() {
        ok(d.path(), &["stage", "--calibrate", "10", "80", "90", "95"]);
        let plan = json(
            d.path(),
            &[
                "experiment",
                "plan",
                "--custom",
                "Tell Sam I liked the film",
                "--prediction",
                "Sam will laugh at me",
                "--belief",
                "65",
                "--want",
                "70",
                "--expect",
                "50",
                "--json",
            ],
        );
        let id = plan["id"].as_str().expect("id").replace('-', "");
        assert_eq!(plan["plan"]["stage"], 1, "a custom experiment counts at the current stage");
        let t = json(d.path(), &["today", "--json"]);
        assert_eq!(t["follow_ups"][0]["title"], "Tell Sam I liked the film");
        let bad = run(
            d.path(),
            &[
                "experiment",
                "done",
                &id[..8],
                "--peak",
                "30",
                "--after",
                "5",
                "--outcome",
                "great",
                "--belief-after",
                "20",
                "--capacity",
                "70",
            ],
        );
        assert_eq!(bad.status.code(), Some(1));
        assert!(stderr(&bad).contains("as-feared, better, worse, mixed"));
        let done = ok(
            d.path(),
            &[
                "experiment",
                "done",
                &id[..8],
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
                "--learned",
                "Sam smiled",
            ],
        );
        assert!(done.contains("70% of your capacity"), "{done}");
        assert!(
            json(d.path(), &["today", "--json"])["follow_ups"]
                .as_array()
                .expect("list")
                .is_empty()
        );
        let ledger = json(d.path(), &["ledger", "--json"]);
        assert_eq!(ledger["overall"]["done"], 1);
        assert_eq!(ledger["overall"]["not_as_feared"], 1);
        assert_eq!(ledger["learned"][0]["line"], "Sam smiled");
        assert_eq!(ledger["belief_by_month"][0]["before"], 65.0);
        let words = ok(d.path(), &["ledger"]);
        assert!(words.contains("Your evidence so far: 1 experiment."), "{words}");
        assert!(
            words.contains("came true as feared 0 times, and did not 1 time (0 went worse)"),
            "{words}"
        );
        assert!(words.contains("after (1 experiment)"), "{words}");
    }
}

#[test]
fn the_window_can_be_set_and_is_proposed_after_two_marked_floods() {
    for d in engines() {
        ok(d.path(), &["stage", "1"]);
        assert_eq!(json(d.path(), &["window", "--json"])["window"], 70);
        let ids = json(d.path(), &["experiments", "--stage", "1", "--json"]);
        for (n, peak) in [(0, "60"), (1, "55")] {
            ok(
                d.path(),
                &[
                    "experiment",
                    "log",
                    ids[n]["id"].as_str().expect("id"),
                    "--prediction",
                    "p",
                    "--belief",
                    "50",
                    "--want",
                    "50",
                    "--expect",
                    "50",
                    "--peak",
                    peak,
                    "--after",
                    "40",
                    "--outcome",
                    "as-feared",
                    "--belief-after",
                    "50",
                    "--capacity",
                    "30",
                    "--flooded",
                ],
            );
        }
        assert_eq!(json(d.path(), &["window", "--json"])["proposal"], 55);
        ok(d.path(), &["window", "55"]);
        assert_eq!(json(d.path(), &["window", "--json"])["proposal"], Value::Null);
        assert_eq!(run(d.path(), &["window", "101"]).status.code(), Some(1));
    }
}

#[test]
fn the_challenge_runs_day_by_day_with_reflections() {
    for d in engines() {
        ok(d.path(), &["stage", "1"]);
        let start = ok(d.path(), &["challenge", "start"]);
        assert!(start.contains("7-day"), "{start}");
        let again = run(d.path(), &["challenge", "start"]);
        assert!(stderr(&again).contains("under way"));
        let s = json(d.path(), &["challenge", "status", "--json"]);
        assert_eq!(s["program"]["day"]["day"], 1);
        assert!(s["program"]["experiment"]["stage"].as_u64().expect("stage") <= 1);
        let done = json(
            d.path(),
            &["challenge", "done", "--reflection", "Harder than I thought, and fine", "--json"],
        );
        assert_eq!(done["day"], 1);
        assert_eq!(done["finished"], false);
        assert_eq!(json(d.path(), &["challenge", "status", "--json"])["program"]["done"], true);
        let export = json(d.path(), &["export"]);
        assert_eq!(
            export["program_runs"][0]["entries"][0]["reflection"],
            "Harder than I thought, and fine"
        );
    }
}

#[test]
fn the_reminder_calendar_is_valid_icalendar_without_personal_text() {
    for d in engines() {
        ok(d.path(), &["stage", "1"]);
        ok(
            d.path(),
            &[
                "experiment",
                "plan",
                "--custom",
                "Call my sister Ruth",
                "--prediction",
                "Ruth will be cold",
                "--belief",
                "60",
                "--want",
                "80",
                "--expect",
                "50",
            ],
        );
        let file = d.path().join("drawbridge.ics");
        ok(d.path(), &["calendar", "--out", file.to_str().expect("utf-8")]);
        let text = std::fs::read_to_string(&file).expect("read");
        assert!(!text.contains("Ruth"), "no personal text in a calendar that may sync elsewhere");
        assert!(text.contains("RRULE:FREQ=DAILY") && text.contains("BEGIN:VALARM"));
        let Some(py) = common::python::test_python("import icalendar", "icalendar") else {
            return;
        };
        let script = "import sys, icalendar\ncal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\nev = [c for c in cal.walk('VEVENT')]\n\
        alarms = [a for e in ev for a in e.walk('VALARM')]\nprint(len(ev), len(alarms), ev[0].get('RRULE').to_ical().decode(), ev[0].decoded('DTSTART').strftime('%H:%M'))\n";
        let out = std::process::Command::new(py)
            .args(["-c", script, file.to_str().expect("utf-8")])
            .output()
            .expect("python");
        assert!(
            out.status.success(),
            "icalendar refused the feed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "2 1 FREQ=DAILY 19:00");
    }
}
