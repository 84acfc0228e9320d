//! In the moment, through the real binary and the real server: the pause and
//! what it records, scripts, the reset, the unsent letter, the scanner, the
//! crisis panel after saves, and the safety plan in `help-now`.

mod common;

use common::*;
use serde_json::Value;

fn json(d: &std::path::Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(d, args)).unwrap_or_else(|e| panic!("{args:?} printed no JSON: {e}"))
}

fn export(d: &std::path::Path) -> Value {
    json(d, &["export"])
}

#[test]
fn a_pause_runs_its_steps_records_itself_and_can_log_the_urge_as_paused() {
    for d in engines() {
        let out = cmd(d.path())
            .args(["pause", "--short", "--log", "go-quiet"])
            .env("DRAWBRIDGE_PAUSE_SPEED", "1000")
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Step 1 of 3"), "{text}");
        assert!(text.contains("Breath 5 of 5"), "the five breaths are counted: {text}");
        assert!(text.contains("Logged as paused"), "{text}");
        let e = export(d.path());
        let pauses = e["pauses"].as_array().expect("pauses");
        assert_eq!(pauses.len(), 1);
        assert_eq!(pauses[0]["protocol"], "short");
        assert_eq!(pauses[0]["completed"], true);
        assert_eq!(e["urges"][0]["did"], "paused");
        assert_eq!(e["urges"][0]["kind"], "go-quiet");

        let bad = run(d.path(), &["pause", "--pace", "fast"]);
        assert_eq!(bad.status.code(), Some(1));
        assert!(stderr(&bad).contains("quicker, steady or slower"), "{}", stderr(&bad));
        let bad = run(d.path(), &["pause", "--log", "sulk"]);
        assert!(stderr(&bad).contains("Nothing was started"), "{}", stderr(&bad));
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_ends_a_pause_kindly_and_it_is_recorded_as_stopped() {
    let d = tempdir();
    ok(d.path(), &["urges"]); // create the store first, so the pause starts at once
    let child = cmd(d.path())
        .args(["pause", "--grounding"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "Ctrl-C is not an error: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = drawbridge_core::Catalog::embedded();
    let stopped: String = c.pause().stopped.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(String::from_utf8_lossy(&out.stdout).contains(&stopped), "says so kindly");
    let e = export(d.path());
    assert_eq!(e["pauses"][0]["protocol"], "grounding");
    assert_eq!(e["pauses"][0]["completed"], false);
}

#[test]
fn scripts_list_by_group_and_an_unknown_group_names_the_real_ones() {
    let d = tempdir();
    let all = json(d.path(), &["scripts", "--json"]);
    let groups = all.as_array().expect("groups");
    assert_eq!(groups.len(), 5);
    let total: usize = groups.iter().map(|g| g["scripts"].as_array().map_or(0, Vec::len)).sum();
    assert!(total >= 25, "at least 25 scripts, found {total}");
    let repair = ok(d.path(), &["scripts", "repair"]);
    assert!(repair.lines().filter(|l| l.starts_with("  \"")).count() >= 5, "{repair}");
    let bad = run(d.path(), &["scripts", "sorry"]);
    assert!(stderr(&bad).contains("name-the-urge"), "{}", stderr(&bad));
}

#[test]
fn scan_says_what_matched_and_leaves_figures_of_speech_alone() {
    let d = tempdir();
    let scan = |text: &str| -> Value { serde_json::from_str(&ok_stdin(d.path(), &["scan", "--json"], text)).expect("json") };
    let r = scan("Work was fine. Honestly I don't want to be here anymore.");
    assert_eq!(r["show_panel"], true);
    assert_eq!(r["matches"][0]["topic"], "not-here");
    let phrase = r["matches"][0]["phrase"].as_str().expect("phrase");
    assert!(phrase.contains("want to be"), "the words as written: {phrase}");
    let r = scan("This deadline is killing me, but I'm dying to see you on Friday.");
    assert_eq!(r["show_panel"], false, "{r}");
    assert_eq!(r["matches"], Value::Array(vec![]));

    // Phrasing no rule was written for is heard by the word model, which
    // says how sure it is and which words weighed most.
    let r = scan("the razor is in my drawer and i keep opening it");
    assert_eq!(r["show_panel"], true, "{r}");
    let by_model = r["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .find(|m| m["topic"] == "self-harm")
        .expect("self-harm");
    assert!(by_model["rule"].as_str().is_some_and(|s| s.starts_with("word model")), "{r}");
    assert!(by_model["phrase"].as_str().is_some_and(|s| s.contains("razor")), "{r}");
    let text = ok_stdin(d.path(), &["scan"], "the razor is in my drawer and i keep opening it");
    assert!(text.contains("word model") && text.contains("% sure"), "{text}");
}

fn run_stdin(dir: &std::path::Path, args: &[&str], input: &str) -> std::process::Output {
    run_bytes(dir, args, input.as_bytes())
}

fn ok_stdin(dir: &std::path::Path, args: &[&str], input: &str) -> String {
    let out = run_stdin(dir, args, input);
    assert!(out.status.success(), "{args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_note_with_crisis_language_is_saved_and_the_panel_follows() {
    for d in engines() {
        ok(d.path(), &["help-now", "--region", "UK"]); // nothing is stored by help-now
        let out = ok(
            d.path(),
            &[
                "urge",
                "go-quiet",
                "--note",
                "I keep thinking everyone would be better off without me",
            ],
        );
        assert!(out.contains("Saved"), "the save comes first: {out}");
        let c = drawbridge_core::Catalog::embedded();
        assert!(out.contains(&c.safety().panel_title), "the panel follows: {out}");
        assert!(out.contains("drawbridge help-now"), "{out}");
        assert_eq!(export(d.path())["urges"].as_array().map(Vec::len), Some(1), "saved");

        let calm = ok(d.path(), &["urge", "busy", "--note", "this week is killing me"]);
        assert!(!calm.contains(&c.safety().panel_title), "no panel for a figure of speech: {calm}");

        // With --json the JSON stays clean and the panel goes to stderr.
        let out = run(d.path(), &["reset", "--felt", "I want to hurt myself", "--json"]);
        assert!(out.status.success());
        let saved: Value = serde_json::from_slice(&out.stdout).expect("clean json");
        assert_eq!(saved["felt"], "I want to hurt myself");
        assert!(stderr(&out).contains(&c.safety().panel_title));
    }
}

#[test]
fn a_reset_forms_the_capacity_sentence_and_links_to_its_experiment() {
    for d in engines() {
        let lib = json(d.path(), &["experiments", "--stage", "1", "--json"]);
        let exp = lib[0]["id"].as_str().expect("an experiment").to_string();
        log_experiment(
            d.path(),
            &exp,
            &time::OffsetDateTime::now_utc().date().to_string(),
            "85",
            "worse",
            true,
        );
        let id = export(d.path())["experiment_records"][0]["id"].as_str().expect("id").to_string();
        let out = ok(
            d.path(),
            &[
                "reset",
                "--record",
                &id[..8],
                "--capacity",
                "70",
                "--happened",
                "I left early",
                "--true",
                "They texted to check on me",
            ],
        );
        assert!(out.contains("I took a risk at 70% of my capacity"), "{out}");
        let e = export(d.path());
        assert_eq!(e["resets"][0]["record"], Value::String(id));
        assert_eq!(e["resets"][0]["capacity"], 70);
        assert_eq!(e["resets"][0]["true"], "They texted to check on me");
        let bad = run(d.path(), &["reset", "--capacity", "170"]);
        assert!(stderr(&bad).contains("0 to 100"), "{}", stderr(&bad));
        let bad = run(d.path(), &["reset"]);
        assert!(stderr(&bad).contains("at least one column"), "{}", stderr(&bad));
    }
}

#[test]
fn the_letter_in_the_terminal_leaves_nothing_behind() {
    let d = tempdir();
    ok(d.path(), &["urges"]);
    let before = std::fs::read(db_path(d.path())).expect("db");
    let out = run_stdin(d.path(), &["letter"], "Dear M, zanzibar-lantern, I was scared.\n");
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("zanzibar"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("zanzibar"));
    assert_eq!(std::fs::read(db_path(d.path())).expect("db"), before, "the database is untouched");
    assert!(!export(d.path()).to_string().contains("zanzibar"));
}

#[test]
fn the_safety_plan_is_written_in_the_terminal_and_help_now_prints_it_with_the_lines() {
    for d in engines() {
        let empty = ok(d.path(), &["help-now", "--region", "UK"]);
        assert!(empty.contains("116 123"), "the lines first: {empty}");
        assert!(empty.contains("safety-plan set"), "an empty plan says how to start: {empty}");
        ok(d.path(), &["safety-plan", "set", "warning-signs", "I stop replying to anyone"]);
        assert!(
            run_stdin(d.path(), &["safety-plan", "set", "ask-for-help"], "Sam: 07700 900123\nMy sister\n")
                .status
                .success()
        );
        let shown = ok(d.path(), &["help-now", "--region", "UK"]);
        assert!(shown.contains("I stop replying to anyone"), "{shown}");
        assert!(shown.contains("  My sister"), "{shown}");
        let plan = json(d.path(), &["safety-plan", "show", "--json"]);
        assert_eq!(plan["sections"]["ask-for-help"], "Sam: 07700 900123\nMy sister");
        ok(d.path(), &["safety-plan", "clear", "warning-signs"]);
        assert!(
            json(d.path(), &["safety-plan", "show", "--json"])["sections"]
                .get("warning-signs")
                .is_none()
        );
        let bad = run(d.path(), &["safety-plan", "set", "hobbies", "x"]);
        assert_eq!(bad.status.code(), Some(1));
        assert!(stderr(&bad).contains("warning-signs"), "{}", stderr(&bad));
    }
}

#[test]
fn pages_in_the_moment_work_without_javascript_and_record_the_pause() {
    let d = tempdir();
    let server = Server::start(d.path(), &[], &[]);
    let (cookie, csrf) = server.sign_in();
    let get = |path: &str| http(server.port, "GET", path, &[("Cookie", &cookie)], "");
    let today = get("/");
    assert!(today.body.contains("href=\"/pause\""), "one tap away from every page");
    let chooser = get("/pause");
    for id in ["pause", "short", "grounding", "parts"] {
        assert!(chooser.body.contains(&format!("href=\"/pause/{id}\"")), "{id}");
    }
    let step = get("/pause/pause/1?t=1");
    assert_eq!(step.status, 200);
    assert!(
        step.body.contains("href=\"/pause/pause/2?t=1&amp;pace=steady\""),
        "next is a plain link"
    );
    let start = (time::OffsetDateTime::now_utc().unix_timestamp() - 290).to_string();
    let done = post_form(
        &server,
        &cookie,
        "/pause/pause/finish",
        &format!("csrf={csrf}&t={start}&completed=1"),
    );
    assert_eq!(done.status, 303);
    assert_eq!(done.header("location"), "/pause/pause/done");
    assert!(
        get("/").body.contains("You took 1 pause when the urge came, 5 minutes in all."),
        "Today counts pauses"
    );
    let page = get("/pause/pause/done");
    assert!(
        page.body.contains("name=\"did\" value=\"paused\""),
        "the urge log is offered, paused prefilled"
    );
    let logged = post_form(&server, &cookie, "/urges", &format!("csrf={csrf}&kind=go-quiet&did=paused"));
    assert_eq!(logged.status, 303);
    assert_eq!(get("/pause/nope").status, 404);
    assert_eq!(get("/pause/short/9").status, 404);

    // A reset whose words call for it brings the panel; the reset is saved.
    let r = post_form(&server, &cookie, "/after", &format!("csrf={csrf}&capacity=60&felt=I+want+to+die"));
    assert_eq!(r.status, 303);
    let to = r.header("location");
    assert!(to.contains("care=1"), "{to}");
    let after = get(&to);
    assert!(after.body.contains("class=\"care card\""), "the panel shows");
    assert!(after.body.contains("href=\"/safety-plan\""), "with the plan one click away");
    assert!(after.body.contains("I took a risk at 60% of my capacity"));
    let plain = post_form(
        &server,
        &cookie,
        "/after",
        &format!("csrf={csrf}&capacity=40&happened=I+went+quiet"),
    );
    assert!(!plain.header("location").contains("care=1"));
    let empty = post_form(&server, &cookie, "/after", &format!("csrf={csrf}&happened=+&felt=&truth="));
    assert_eq!(empty.status, 422, "nothing to save is explained");

    // The safety plan, saved and shown on Get help now.
    let saved = post_form(
        &server,
        &cookie,
        "/safety-plan",
        &format!("csrf={csrf}&warning-signs=I+stop+eating&matters-most=My+dog+Pip"),
    );
    assert_eq!(saved.status, 303);
    let help = get("/help");
    assert!(help.body.contains("My dog Pip"), "the plan is one click from help, and shown there");
    assert!(help.body.contains("href=\"/safety-plan\""));
    let long = "x".repeat(drawbridge_core::safety::PLAN_SECTION_MAX + 1);
    let too_long = post_form(
        &server,
        &cookie,
        "/safety-plan",
        &format!("csrf={csrf}&warning-signs=kept&on-my-own={long}"),
    );
    assert_eq!(too_long.status, 422);
    assert!(too_long.body.contains(">kept</textarea>"), "what was typed is kept");
    drop(server);

    let e = export(d.path());
    let pause = &e["pauses"][0];
    assert_eq!(pause["protocol"], "pause");
    let secs = pause["seconds"].as_u64().expect("seconds");
    assert!((285..=400).contains(&secs), "the length comes from the start time: {secs}");
    assert_eq!(e["urges"][0]["did"], "paused");
    assert_eq!(e["resets"].as_array().map(Vec::len), Some(2));
    assert_eq!(e["safety_plan"]["sections"]["matters-most"], "My dog Pip");
}

#[test]
fn the_fuller_reset_from_the_terminal_keeps_every_part_and_shows_in_the_journal() {
    let d = tempdir();
    let bad = run(
        d.path(),
        &["reset", "--feeling", "ashamed", "--hot-thought", "They are done with me"],
    );
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("ashamed=80"), "{}", stderr(&bad));
    let bad = run(d.path(), &["reset", "--belief", "70"]);
    assert!(!bad.status.success() && stderr(&bad).contains("hot thought"), "{}", stderr(&bad));
    let out = ok(
        d.path(),
        &[
            "reset",
            "--feeling",
            "ashamed=80",
            "--feeling",
            "lonely=45",
            "--hot-thought",
            "They are done with me",
            "--belief",
            "90",
            "--evidence",
            "They texted this morning",
            "--another-view",
            "They were busy",
            "--rerate",
            "40",
            "--now-or-then",
            "then",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["hot_thought"], "They are done with me");
    assert_eq!((v["belief"].as_u64(), v["rerated"].as_u64()), (Some(90), Some(40)));
    assert_eq!(v["feelings"][1]["name"], "lonely");
    assert_eq!(v["now_or_then"], "then");
    let text = ok(
        d.path(),
        &["reset", "--hot-thought", "Nobody stays", "--belief", "70", "--rerate", "70"],
    );
    assert!(text.contains("at 70, and still do at 70"), "{text}");
    let list = ok(d.path(), &["journal"]);
    assert!(
        list.contains("reset: They are done with me") && list.contains("reset: Nobody stays"),
        "{list}"
    );
}
