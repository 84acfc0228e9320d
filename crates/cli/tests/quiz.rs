//! The Patterns Quiz and questionnaire keys through the real binary.

mod common;

use common::python::test_python;

use std::path::Path;
use std::process::Stdio;

use common::*;
use serde_json::Value;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p.to_string_lossy().into_owned()
}

#[test]
fn scripted_scoring_prints_scale_scores_without_prompts() {
    let d = tempdir();
    let file = write(d.path(), "answers.json", &patterns_answers(|_| 6));
    let out: Value = serde_json::from_str(&ok(d.path(), &["quiz", "--answers", &file, "--json"])).expect("json");
    assert_eq!(out["instrument"], "patterns");
    assert_eq!(out["scores"]["control"]["value"], 6.0);
    assert_eq!(out["scores"]["control"]["status"], "scored");
    assert!(out.get("saved").is_none());
    assert!(!db_path(d.path()).join("x").exists());
    // Not saved: no results yet.
    let none = run(d.path(), &["profile"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(stderr(&none).contains("no finished quiz yet"), "{}", stderr(&none));
}

#[test]
fn the_ecr_keys_score_from_a_file_by_item_number() {
    let d = tempdir();
    let mut m = serde_json::Map::new();
    for (k, v) in [
        ("1", 7),
        ("2", 6),
        ("3", 5),
        ("4", 4),
        ("5", 3),
        ("6", 2),
        ("7", 1),
        ("8", 4),
        ("9", 7),
    ] {
        m.insert(k.into(), Value::from(v));
    }
    let file = write(d.path(), "rs.json", &Value::Object(m).to_string());
    let out: Value = serde_json::from_str(&ok(d.path(), &["quiz", "--instrument", "ecr-rs", "--answers", &file, "--json"])).expect("json");
    assert_eq!(out["scores"]["avoidance"]["value"], 2.5);
    assert_eq!(out["scores"]["anxiety"]["value"], 4.0);
}

#[test]
fn bad_answers_and_bad_instruments_are_named() {
    let d = tempdir();
    let file = write(d.path(), "a.json", r#"{"av1": 9}"#);
    let out = run(d.path(), &["quiz", "--answers", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("\"av1\" is 9; answers run from 1 to 7"), "{}", stderr(&out));
    let file = write(d.path(), "b.json", r#"{"nope": 3}"#);
    assert!(stderr(&run(d.path(), &["quiz", "--answers", &file])).contains("\"nope\" is not an item"));

    let inst = write(
        d.path(),
        "mine.toml",
        "id = \"mine\"\ntitle = \"Mine\"\nversion = 1\nabout = \"x\"\nresponse = { min = 0, max = 4 }\n[[items]]\nid = \"a\"\ntext = \"A\"\n[[scales]]\nid = \"s\"\ntitle = \"S\"\nitems = [\"a\", \"b\"]\nmethod = \"sum\"\n",
    );
    let out = run(d.path(), &["instrument", "add", &inst]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("line 10") && err.contains("names item \"b\""), "{err}");
}

#[test]
fn a_saved_result_builds_the_profile_and_retakes_show_change() {
    for d in engines() {
        let high = write(d.path(), "high.json", &patterns_answers(|_| 6));
        let low = write(d.path(), "low.json", &patterns_answers(|_| 3));
        ok(d.path(), &["quiz", "--answers", &high, "--save"]);
        ok(d.path(), &["quiz", "--answers", &low, "--save"]);
        let p: Value = serde_json::from_str(&ok(d.path(), &["profile", "--json"])).expect("json");
        assert_eq!(p["results"], 2);
        assert_eq!(p["profile"]["instrument"], "patterns");
        assert!(p["profile"]["region"].is_string());
        let strategies = p["profile"]["strategies"].as_array().expect("strategies");
        assert_eq!(strategies.len(), 6);
        let control = p["history"]
            .as_array()
            .expect("history")
            .iter()
            .find(|h| h["scale"] == "control")
            .cloned()
            .expect("control");
        assert_eq!(control["since_first"]["delta"], -3.0);
        assert_eq!(
            control["since_first"]["reliable"],
            Value::Null,
            "no reliability figures: not judged"
        );
        let text = ok(d.path(), &["profile"]);
        assert!(text.contains("not a diagnosis"), "the disclaimer shows with results");
        assert!(text.contains("without saying whether it is more than everyday variation"), "{text}");
    }
}

#[test]
fn the_terminal_quiz_saves_as_you_go_and_resumes() {
    for d in engines() {
        // Answer 10, then stop.
        let mut child = cmd(d.path())
            .arg("quiz")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all("5\n".repeat(10).as_bytes()).expect("write");
            stdin.write_all(b"q\n").expect("write");
        }
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stderr(&out).contains("Saved 10 of 50 answers"), "{}", stderr(&out));
        // Resume: answers 11 to 50, with one bad entry on the way.
        let mut child = cmd(d.path())
            .arg("quiz")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(b"eight\n").expect("write");
            stdin.write_all("2\n".repeat(40).as_bytes()).expect("write");
        }
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("Welcome back: 10 of 50"), "{err}");
        assert!(err.contains("Please type a number from 1 to 7"), "{err}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("Your answers lean"), "{stdout}");
        let p: Value = serde_json::from_str(&ok(d.path(), &["profile", "--json"])).expect("json");
        assert_eq!(p["results"], 1);
    }
}

#[test]
fn a_scoring_key_takes_licensed_wording_and_an_added_instrument_is_kept() {
    for d in engines() {
        let refused = run(d.path(), &["quiz", "--instrument", "ecr-rs"]);
        assert_eq!(refused.status.code(), Some(1));
        assert!(stderr(&refused).contains("instrument wording ecr-rs"), "{}", stderr(&refused));
        let short = write(d.path(), "short.txt", "one\ntwo\n");
        assert!(stderr(&run(d.path(), &["instrument", "wording", "ecr-rs", &short])).contains("has 9 items"));
        let words: String = (1..=9).map(|n| format!("Statement number {n}\n")).collect();
        let file = write(d.path(), "words.txt", &words);
        ok(d.path(), &["instrument", "wording", "ecr-rs", &file]);
        let listed: Value = serde_json::from_str(&ok(d.path(), &["instrument", "list", "--json"])).expect("json");
        let rs = listed
            .as_array()
            .expect("array")
            .iter()
            .find(|i| i["id"] == "ecr-rs")
            .cloned()
            .expect("ecr-rs");
        assert_eq!(rs["needs_wording"], false);
        let list = ok(d.path(), &["instrument", "list"]);
        let line = list.lines().find(|l| l.starts_with("ecr-rs")).expect("listed");
        assert!(!line.contains("add its wording"), "{line}");
        assert!(
            list.lines()
                .find(|l| l.starts_with("ecr-r "))
                .expect("ecr-r")
                .contains("add its wording")
        );

        let inst = write(
            d.path(),
            "mine.toml",
            "id = \"mine\"\ntitle = \"Mine\"\nversion = 1\nabout = \"x\"\nresponse = { min = 0, max = 4 }\n[[items]]\nid = \"a\"\ntext = \"A\"\n[[scales]]\nid = \"s\"\ntitle = \"S\"\nitems = [\"a\"]\nmethod = \"sum\"\n",
        );
        assert!(ok(d.path(), &["instrument", "add", &inst]).contains("Added \"mine\""));
        std::fs::remove_file(d.path().join("mine.toml")).expect("rm");
        let ans = write(d.path(), "a.json", r#"{"a": 3}"#);
        let out: Value = serde_json::from_str(&ok(d.path(), &["quiz", "--instrument", "mine", "--answers", &ans, "--json"])).expect("json");
        assert_eq!(
            out["scores"]["s"]["value"], 3.0,
            "the copy in the database is used once the file is gone"
        );
    }
}

fn fhir_python() -> Option<String> {
    test_python(
        "import fhir.resources as f; assert f.__fhir_version__ == '4.0.1'",
        "fhir.resources==6.4.0 (with pydantic<2)",
    )
}

#[test]
fn quiz_results_export_as_fhir_r4_that_a_real_validator_accepts() {
    let d = tempdir();
    let file = write(d.path(), "answers.json", &patterns_answers(|_| 4));
    ok(d.path(), &["quiz", "--answers", &file, "--save"]);
    let rs = write(d.path(), "rs.json", r#"{"1": 2, "2": 2, "3": 2}"#);
    ok(
        d.path(),
        &["quiz", "--instrument", "ecr-rs", "--answers", &rs, "--save", "--label", "partner"],
    );
    let out = d.path().join("fhir.json");
    ok(d.path(), &["export", "--fhir", "--out", out.to_str().expect("utf-8")]);
    let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json");
    assert_eq!(bundle["resourceType"], "Bundle");
    let entries = bundle["entry"].as_array().expect("entries");
    assert_eq!(entries.len(), 2);
    let qr = &entries[0]["resource"];
    assert_eq!(qr["resourceType"], "QuestionnaireResponse");
    assert_eq!(qr["status"], "completed");
    assert_eq!(qr["item"][0]["linkId"], "av1", "answers in the questionnaire's order");
    let Some(py) = fhir_python() else { return };
    let script = "import sys, json\nfrom fhir.resources.bundle import Bundle\nfrom fhir.resources.questionnaireresponse import QuestionnaireResponse\n\
        b = Bundle.parse_file(sys.argv[1])\nfor e in b.entry:\n    QuestionnaireResponse.parse_obj(e.resource.dict())\nprint('valid', len(b.entry))\n";
    let v = std::process::Command::new(py)
        .args(["-c", script, out.to_str().expect("utf-8")])
        .output()
        .expect("python");
    assert!(
        v.status.success(),
        "the FHIR validator refused the export:\n{}",
        String::from_utf8_lossy(&v.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&v.stdout).trim(), "valid 2");
}
