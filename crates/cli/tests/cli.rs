//! The command line, end to end through the real binary.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn logging_an_urge_takes_one_command_and_lists_as_json() {
    for d in engines() {
        let out = ok(d.path(), &["urge", "go-quiet"]);
        assert!(out.starts_with("Saved: Go quiet"), "{out}");
        ok(
            d.path(),
            &[
                "urge",
                "busy",
                "--intensity",
                "7",
                "--body",
                "tight-chest",
                "--about",
                "Sam",
                "--did",
                "third-way",
                "--note",
                "a long day",
            ],
        );
        let list: Value = serde_json::from_str(&ok(d.path(), &["urges", "--json"])).expect("json");
        let list = list.as_array().expect("array");
        assert_eq!(list.len(), 2);
        let newest = &list[0];
        for field in ["id", "at", "kind", "intensity", "body", "about", "did", "note"] {
            assert!(newest.get(field).is_some(), "field {field} present");
        }
        assert_eq!(newest["kind"], "busy");
        assert_eq!(newest["intensity"], 7);
        assert_eq!(newest["did"], "third-way");
        assert_eq!(newest["note"], "a long day");
        assert!(time::OffsetDateTime::parse(newest["at"].as_str().expect("at"), &time::format_description::well_known::Rfc3339).is_ok());
        assert_eq!(list[1]["kind"], "go-quiet");
        assert_eq!(list[1]["intensity"], Value::Null);

        let month_ago = (time::OffsetDateTime::now_utc() - time::Duration::days(30)).date().to_string();
        let recent: Value = serde_json::from_str(&ok(d.path(), &["urges", "--since", &month_ago, "--json"])).expect("json");
        assert_eq!(recent.as_array().map(Vec::len), Some(2));
        let tomorrow = (time::OffsetDateTime::now_utc() + time::Duration::days(2)).date().to_string();
        let none: Value = serde_json::from_str(&ok(d.path(), &["urges", "--since", &tomorrow, "--json"])).expect("json");
        assert_eq!(none.as_array().map(Vec::len), Some(0));
        let text = ok(d.path(), &["urges"]);
        assert!(text.contains("Get busy · 7/10"), "{text}");
    }
}

#[test]
fn unknown_values_are_errors_that_list_the_valid_ones_and_save_nothing() {
    let d = tempdir();
    let cases: [(&[&str], &str); 4] = [
        (
            &["urge", "fly"],
            "fight, busy, go-quiet, find-flaw, delay-reply, cancel, deflect, numb, leave-first",
        ),
        (&["urge", "busy", "--did", "ran"], "acted, paused, stayed, third-way"),
        (&["urge", "busy", "--body", "elbow"], "racing-heart, tight-chest"),
        (&["urge", "busy", "--intensity", "11"], "0 to 10"),
    ];
    for (args, expected) in cases {
        let out = run(d.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert!(err.contains("error:") && err.contains(expected), "{args:?}: {err}");
        assert!(err.contains("hint:"), "{err}");
        assert!(!err.contains('\u{1b}'), "NO_COLOR is respected");
    }
    assert!(!db_path(d.path()).exists(), "a typo costs nothing: no database was even created");
    let bad_date = run(d.path(), &["urges", "--since", "last tuesday"]);
    assert_eq!(bad_date.status.code(), Some(1));
    assert!(stderr(&bad_date).contains("2026-11-21"));
}

#[test]
fn a_wrong_passphrase_exits_2_and_leaves_the_database_untouched() {
    let d = tempdir();
    ok(d.path(), &["urge", "cancel"]);
    let set = cmd(d.path())
        .args(["passphrase", "set"])
        .env("DRAWBRIDGE_NEW_PASSPHRASE", "river stone lantern")
        .output()
        .expect("run");
    assert!(set.status.success(), "{}", stderr(&set));
    let db_before = std::fs::read(db_path(d.path())).expect("db");

    let wrong = cmd(d.path())
        .args(["urges"])
        .env("DRAWBRIDGE_PASSPHRASE", "river stone")
        .output()
        .expect("run");
    assert_eq!(wrong.status.code(), Some(2));
    assert!(stderr(&wrong).contains("does not open this database"), "{}", stderr(&wrong));
    let missing = run(d.path(), &["urges"]);
    assert_eq!(missing.status.code(), Some(2), "no passphrase and no terminal to ask in");
    assert_eq!(std::fs::read(db_path(d.path())).expect("db"), db_before, "nothing touched");

    let right = cmd(d.path())
        .args(["urges", "--json"])
        .env("DRAWBRIDGE_PASSPHRASE", "river stone lantern")
        .output()
        .expect("run");
    assert!(right.status.success());
    assert!(String::from_utf8_lossy(&right.stdout).contains("cancel"));

    // Changing the passphrase re-wraps the key; the database is not re-encrypted.
    let change = cmd(d.path())
        .args(["passphrase", "change"])
        .env("DRAWBRIDGE_PASSPHRASE", "river stone lantern")
        .env("DRAWBRIDGE_NEW_PASSPHRASE", "meadow kettle harbour")
        .output()
        .expect("run");
    assert!(change.status.success(), "{}", stderr(&change));
    assert_eq!(
        std::fs::read(db_path(d.path())).expect("db"),
        db_before,
        "the database was not rewritten"
    );
    let old = cmd(d.path())
        .args(["urges"])
        .env("DRAWBRIDGE_PASSPHRASE", "river stone lantern")
        .output()
        .expect("run");
    assert_eq!(old.status.code(), Some(2));
    let remove = cmd(d.path())
        .args(["passphrase", "remove"])
        .env("DRAWBRIDGE_PASSPHRASE", "meadow kettle harbour")
        .output()
        .expect("run");
    assert!(remove.status.success(), "{}", stderr(&remove));
    assert!(ok(d.path(), &["urges"]).contains("Cancel plans"));

    let short = cmd(d.path())
        .args(["passphrase", "set"])
        .env("DRAWBRIDGE_NEW_PASSPHRASE", "short")
        .output()
        .expect("run");
    assert_eq!(short.status.code(), Some(1));
    assert!(stderr(&short).contains("shorter than 8"));
}

#[test]
fn files_that_are_not_drawbridge_databases_get_a_clear_message() {
    let d = tempdir();
    ok(d.path(), &["urge", "numb"]);
    std::fs::write(db_path(d.path()), "these are my notes, not a database\n").expect("write");
    let out = run(d.path(), &["urges"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is not a drawbridge database"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(db_path(d.path())).expect("read"),
        "these are my notes, not a database\n"
    );

    let e = tempdir();
    ok(e.path(), &["urge", "numb"]);
    std::fs::remove_file(e.path().join("drawbridge.key")).expect("rm");
    let out = run(e.path(), &["urges"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("key file is missing"), "{}", stderr(&out));
}

#[test]
fn a_database_with_the_wrong_key_file_exits_2_quietly() {
    let a = tempdir();
    let b = tempdir();
    ok(a.path(), &["urge", "numb"]);
    ok(b.path(), &["urge", "busy"]);
    std::fs::copy(db_path(a.path()), db_path(b.path())).expect("copy");
    for f in ["drawbridge.db-wal", "drawbridge.db-shm"] {
        let _ = std::fs::remove_file(b.path().join(f));
    }
    let before = std::fs::read(db_path(b.path())).expect("read");
    let out = run(b.path(), &["urges"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("belong to another database"), "{err}");
    assert!(
        !err.to_lowercase().contains("sqlcipher") && !err.contains("hmac"),
        "no library noise: {err}"
    );
    assert_eq!(std::fs::read(db_path(b.path())).expect("read"), before);
}

#[test]
fn export_then_import_gives_back_the_same_data_and_twice_adds_nothing() {
    for a in engines() {
        ok(a.path(), &["urge", "fight", "--note", "about the dishes, really about Tuesday"]);
        ok(a.path(), &["urge", "leave-first", "--intensity", "9", "--did", "paused"]);
        let file = a.path().join("export.json");
        ok(a.path(), &["export", "--out", file.to_str().expect("utf-8")]);
        let exported: Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
        assert_eq!(exported["format"], "drawbridge-export");
        assert_eq!(exported["version"], 6);

        let b = a.another();
        let first = ok(b.path(), &["import", file.to_str().expect("utf-8")]);
        assert!(first.contains("Added ") && first.contains("0 were already here"), "{first}");
        let second = ok(b.path(), &["import", file.to_str().expect("utf-8")]);
        assert!(second.contains("Added 0 new entries"), "{second}");
        assert!(second.contains("Nothing in the file differed"), "{second}");
        let again: Value = serde_json::from_str(&ok(b.path(), &["export"])).expect("json");
        assert_eq!(again["urges"], exported["urges"]);
        assert_eq!(again["settings"], exported["settings"]);

        let mut broken = exported.clone();
        broken["urges"][1]["did"] = Value::from("ran away");
        let bad = a.path().join("bad.json");
        std::fs::write(&bad, serde_json::to_string(&broken).expect("json")).expect("write");
        let c = tempdir();
        let out = run(c.path(), &["import", bad.to_str().expect("utf-8")]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("urges[1].did"), "{}", stderr(&out));
        assert!(!db_path(c.path()).exists(), "nothing written for a bad file");
    }
}

#[test]
fn completions_and_help_list_every_command() {
    let d = tempdir();
    let bash = ok(d.path(), &["completions", "bash"]);
    assert!(bash.contains("drawbridge") && bash.contains("complete"), "bash completions");
    let help = ok(d.path(), &["--help"]);
    for c in [
        "serve",
        "urge ",
        "urges",
        "help-now",
        "passphrase",
        "export",
        "import",
        "completions",
    ] {
        assert!(help.contains(c), "--help lists {c}");
    }
}

#[test]
fn help_now_prints_lines_for_the_chosen_region_without_any_data() {
    let d = tempdir();
    let out = ok(d.path(), &["help-now", "--region", "uk"]);
    assert!(out.contains("999") && out.contains("Samaritans"), "{out}");
    let env = cmd(d.path())
        .args(["help-now"])
        .env("DRAWBRIDGE_REGION", "AU")
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&env.stdout).contains("13 11 14"));
    assert!(!db_path(d.path()).exists(), "crisis lines never need the database");
}

#[test]
fn the_config_file_is_read_and_its_mistakes_are_named() {
    let d = tempdir();
    std::fs::write(d.path().join("drawbridge.toml"), "port = 7878\nshiny = true\n").expect("write");
    let out = run(d.path(), &["urges"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("line 2") && stderr(&out).contains("shiny"),
        "{}",
        stderr(&out)
    );
    std::fs::write(d.path().join("drawbridge.toml"), "region = \"IE\"\n").expect("write");
    assert!(ok(d.path(), &["help-now"]).contains("50808"));
}

#[test]
fn serve_prints_the_link_alone_on_stdout_and_finds_a_free_port_when_taken() {
    let d = tempdir();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let mut c = cmd(d.path());
    c.args(["serve", "--no-open", "--port", &port])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.as_mut().expect("stdout")), &mut line).expect("line");
    let _ = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let out = child.wait_with_output().expect("wait");
    let url = line.trim_end();
    let rest = url.strip_prefix("http://127.0.0.1:").expect("loopback url");
    let (p, token) = rest.split_once("/login?token=").expect("token");
    assert_ne!(p, port, "fell back to another port");
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let err = stderr(&out);
    assert!(err.contains(&format!("Port {port} is already in use")), "{err}");
    assert!(out.status.success(), "Ctrl-C ends it cleanly: {err}");
    assert!(err.contains("has stopped"), "{err}");
}

#[test]
fn serve_refuses_an_address_reachable_from_other_computers_unless_asked() {
    let d = tempdir();
    let out = run(d.path(), &["serve", "--no-open", "--bind", "192.0.2.10"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--allow-remote"), "{}", stderr(&out));
    let out = run(d.path(), &["serve", "--no-open", "--bind", "0.0.0.0", "--allow-remote"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("every network"), "{}", stderr(&out));
}

#[test]
fn an_urge_saved_through_the_web_survives_kill_9() {
    let d = tempdir();
    let server = Server::start(d.path(), &[], &[]);
    let (cookie, csrf) = server.sign_in();
    let r = post_form(&server, &cookie, "/urges", &format!("csrf={csrf}&kind=delay-reply"));
    assert_eq!(r.status, 303, "{}", r.body);
    let status = std::process::Command::new("kill")
        .args(["-KILL", &server.pid().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    drop(server);
    let list: Value = serde_json::from_str(&ok(d.path(), &["urges", "--json"])).expect("json");
    assert_eq!(list[0]["kind"], "delay-reply");
}

#[test]
fn the_web_refuses_other_host_names_and_unsigned_visitors() {
    let d = tempdir();
    let server = Server::start(d.path(), &[], &[]);
    let rebound = http(
        server.port,
        "GET",
        "/",
        &[("Host", &format!("attacker.example:{}", server.port))],
        "",
    );
    assert_eq!(rebound.status, 421);
    let anon = http(server.port, "GET", "/", &[], "");
    assert_eq!(anon.status, 401);
    assert!(anon.body.contains("Ctrl-C"));
    assert_eq!(http(server.port, "GET", "/help", &[], "").status, 200);
}

#[test]
fn passphrase_mode_serves_an_unlock_page() {
    let d = tempdir();
    ok(d.path(), &["urge", "busy"]);
    let set = cmd(d.path())
        .args(["passphrase", "set"])
        .env("DRAWBRIDGE_NEW_PASSPHRASE", "quiet harbour morning")
        .output()
        .expect("run");
    assert!(set.status.success());
    let server = Server::start(d.path(), &[], &[]);
    let r = http(server.port, "GET", &format!("/login?token={}", server.token), &[], "");
    let cookie = r.header("set-cookie").split(';').next().unwrap_or_default().to_string();
    let home = http(server.port, "GET", "/", &[("Cookie", &cookie)], "");
    assert_eq!(home.status, 303);
    assert_eq!(home.header("location"), "/unlock");
}

/// Words planted in every text field a person can fill in from the command
/// line, on PostgreSQL, and a full `pg_dump` of that database: none of them
/// is in it, while the app still reads every one back.
#[test]
fn a_dump_of_the_postgresql_database_holds_none_of_the_words_written_through_the_cli() {
    let Some(server) = drawbridge_store::testing::postgres_server() else {
        return;
    };
    let dump_tool = drawbridge_store::testing::pg_dump();
    if dump_tool.is_none() {
        assert!(
            std::env::var("DRAWBRIDGE_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "DRAWBRIDGE_REQUIRE_POSTGRES=1 but pg_dump is not installed"
        );
        eprintln!("skipped: pg_dump is not installed");
        return;
    }
    let e = Engine::postgres(&server);
    let d = e.path();
    let words = [
        "Quorvath",
        "Plimsek",
        "Drabbonet",
        "Yestrival",
        "Munkoberry",
        "Selvidrane",
        "Throppish",
        "Gavelnook",
        "Wistrophe",
        "Kelbarrow",
        "Fendleroy",
        "Oskavine",
        "Brimtallow",
        "Ulverstane",
    ];
    ok(
        d,
        &[
            "urge",
            "go-quiet",
            "--about",
            words[0],
            "--note",
            &format!("{} after dinner", words[1]),
        ],
    );
    let plan: Value = serde_json::from_str(&ok(
        d,
        &[
            "experiment",
            "plan",
            "--custom",
            words[2],
            "--with",
            words[3],
            "--prediction",
            words[4],
            "--belief",
            "70",
            "--want",
            "60",
            "--expect",
            "40",
            "--json",
        ],
    ))
    .expect("json");
    let id = plan["id"].as_str().expect("id").to_string();
    ok(
        d,
        &[
            "experiment",
            "done",
            &id,
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
            words[5],
            "--learned",
            words[6],
        ],
    );
    // An edit keeps the earlier words as a version: sealed too.
    ok(d, &["experiment", "edit", &id, "--learned", "changed my mind"]);
    ok(d, &["reset", "--happened", words[7], "--felt", words[8], "--true", words[9]]);
    ok(d, &["safety-plan", "set", "warning-signs", words[10]]);
    ok(d, &["safety-plan", "set", "warning-signs", "a second version"]);
    ok(d, &["challenge", "start"]);
    ok(d, &["challenge", "done", "--reflection", words[11]]);
    let answers = d.join("answers.json");
    std::fs::write(&answers, patterns_answers(|_| 4)).expect("answers");
    ok(
        d,
        &[
            "quiz",
            "--answers",
            answers.to_str().expect("utf-8"),
            "--save",
            "--label",
            words[12],
        ],
    );
    let inst = d.join("mine.toml");
    std::fs::write(
        &inst,
        format!(
            "id = \"mine\"\ntitle = \"{}\"\nversion = 1\nabout = \"x\"\nresponse = {{ min = 0, max = 4 }}\n[[items]]\nid = \"a\"\ntext = \"A\"\n[[scales]]\nid = \"s\"\ntitle = \"S\"\nitems = [\"a\"]\nmethod = \"sum\"\n",
            words[13]
        ),
    )
    .expect("instrument");
    ok(d, &["instrument", "add", inst.to_str().expect("utf-8")]);

    // The app reads every word back.
    let exported = ok(d, &["export"]);
    for w in words {
        assert!(exported.contains(w), "{w} is not in the export");
    }
    assert!(exported.contains("changed my mind"));

    let url = std::fs::read_to_string(d.join("drawbridge.toml")).expect("config");
    let url = url.trim().trim_start_matches("database_url = \"").trim_end_matches('"');
    let dump = std::process::Command::new(dump_tool.expect("pg_dump"))
        .args(["--no-owner", "--dbname", url])
        .output()
        .expect("run pg_dump");
    assert!(dump.status.success(), "pg_dump failed: {}", String::from_utf8_lossy(&dump.stderr));
    let text = String::from_utf8_lossy(&dump.stdout).to_lowercase();
    assert!(text.contains("experiment_records") && text.len() > 1000, "a real dump");
    for w in words.iter().copied().chain(["after dinner", "changed my mind", "a second version"]) {
        assert!(!text.contains(&w.to_lowercase()), "\"{w}\" is readable in the dump");
    }
}

/// Operators keep the database URL (and its password) in a secrets file:
/// DRAWBRIDGE_DATABASE_URL_FILE names it. A file that cannot be read or is
/// empty is named, nothing is written, and the password is never printed.
#[test]
fn the_database_url_can_come_from_a_file_and_a_bad_file_is_named() {
    let d = tempdir();
    let with_file = |file: &std::path::Path, args: &[&str]| {
        cmd(d.path())
            .env("DRAWBRIDGE_DATABASE_URL_FILE", file)
            .args(args)
            .output()
            .expect("run")
    };
    let missing = with_file(&d.path().join("no-such-secret"), &["urges"]);
    assert_eq!(missing.status.code(), Some(1));
    let said = stderr(&missing);
    assert!(
        said.contains("Could not read") && said.contains("DRAWBRIDGE_DATABASE_URL_FILE"),
        "{said}"
    );

    let empty = d.path().join("empty-secret");
    std::fs::write(&empty, "\n").expect("write");
    let out = with_file(&empty, &["urges"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is empty"), "{}", stderr(&out));

    // A URL from the file is the one used: a server that is not there is
    // named, without the password the file holds.
    let nowhere = d.path().join("nowhere-secret");
    std::fs::write(&nowhere, "postgres://nobody:s3cret-pw@127.0.0.1:1/drawbridge\n").expect("write");
    let out = with_file(&nowhere, &["urge", "go-quiet"]);
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(said.contains("127.0.0.1:1") && !said.contains("s3cret-pw"), "{said}");
    assert!(!db_path(d.path()).exists(), "nothing was written to a local file instead");

    // On a real server, the words go there.
    if let Some(server) = drawbridge_store::testing::postgres_server() {
        let db = fresh_database(&server);
        let secret = d.path().join("db-secret");
        std::fs::write(&secret, format!("{}\n", db.url)).expect("write");
        let saved = with_file(&secret, &["urge", "go-quiet", "--note", "from the secret file"]);
        assert!(saved.status.success(), "{}", stderr(&saved));
        let listed = with_file(&secret, &["urges", "--json"]);
        let urges: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
        assert_eq!(urges.as_array().map(Vec::len), Some(1), "{urges}");
        assert!(!db_path(d.path()).exists(), "the urge went to PostgreSQL, not to a local file");
    }
}

/// With `--log-format json` every request is one JSON line with a request
/// id (the same as the response's `x-request-id`), the route's pattern and
/// the status; no line holds an id from the address, a query, a cookie, a
/// token or anything the person wrote.
#[test]
fn json_logs_name_each_request_by_its_route_and_never_hold_the_persons_words() {
    use std::io::Read;
    let d = tempdir();
    let mut server = Server::start(d.path(), &["--log-format", "json"], &[("DRAWBRIDGE_LOG", "info")]);
    let (cookie, csrf) = server.sign_in();
    let saved = post_form(&server, &cookie, "/urges", &format!("csrf={csrf}&kind=go-quiet"));
    assert_eq!(saved.status, 303, "{}", saved.body);
    let details = saved.header("location");
    let urge_id = details
        .trim_start_matches("/urges/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string();
    assert_eq!(urge_id.len(), 36, "{details}");
    let planted = "plantedwordquokka";
    let edited = post_form(
        &server,
        &cookie,
        &format!("/urges/{urge_id}"),
        &format!("csrf={csrf}&kind=go-quiet&note={planted}+evening&intensity=&did=&body=&about=&at_date=&at_time="),
    );
    assert!(edited.status < 500, "{}", edited.body);
    let page = http(
        server.port,
        "GET",
        &format!("/urges/{urge_id}?q={planted}"),
        &[("Cookie", &cookie)],
        "",
    );
    let request_id = page.header("x-request-id");
    assert_eq!(request_id.len(), 16, "every response names its request");
    // The same requests, counted for /metrics, which this computer may read.
    let metrics = http(server.port, "GET", "/metrics", &[], "");
    assert_eq!(metrics.status, 200, "{}", metrics.body);
    assert!(metrics.body.contains("route=\"/urges/{id}\",status=\"200\""), "{}", metrics.body);
    assert!(!metrics.body.contains(&urge_id));

    let mut err = server.child.stderr.take().expect("stderr");
    let _ = server.child.kill();
    let _ = server.child.wait();
    let mut logs = String::new();
    err.read_to_string(&mut logs).expect("read logs");
    let lines: Vec<Value> = logs
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let requests: Vec<&Value> = lines.iter().filter(|v| v["message"] == "request").collect();
    assert!(requests.len() >= 5, "{logs}");
    let this = requests
        .iter()
        .find(|v| v["span"]["request_id"] == request_id.as_str())
        .unwrap_or_else(|| panic!("no line for {request_id}: {logs}"));
    assert_eq!(this["route"], "/urges/{id}");
    assert_eq!(this["method"], "GET");
    assert_eq!(this["status"], 200);
    let session = cookie.split('=').nth(1).unwrap_or_default();
    for secret in [planted, urge_id.as_str(), csrf.as_str(), session, server.token.as_str()] {
        assert!(!logs.contains(secret), "{secret} is in the logs: {logs}");
    }
}
