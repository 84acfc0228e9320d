//! `drawbridge serve --server` and `drawbridge admin`, as an operator runs
//! them on PostgreSQL: the first admin invited from the terminal, a person
//! who signs up with a link and writes, what a database dump shows (no
//! word anyone wrote), a restore of that dump into a new database that
//! the same password opens with every word, pausing and deleting from the
//! terminal, and a clean stop on SIGTERM. Skipped without `DATABASE_URL`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

use common::*;

/// Words only the person wrote.
const WORDS: [&str; 2] = ["the lighthouse keeper's brass kettle", "wrote a second version on the ferry"];

/// A running `serve --server`, stopped when dropped.
struct Served {
    child: Child,
    port: u16,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path) -> Served {
    let mut child = cmd(dir)
        .args(["serve", "--server", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout"))
        .read_line(&mut line)
        .expect("read the address");
    let port = line
        .trim()
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .and_then(|p| p.parse().ok());
    let Some(port) = port else {
        let _ = child.kill();
        let out = child.wait_with_output().expect("output");
        panic!("no address printed: {line:?} {}", String::from_utf8_lossy(&out.stderr))
    };
    Served { child, port }
}

fn enc(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            let v: String = v
                .bytes()
                .map(|b| match b {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
                    b' ' => "+".into(),
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn log_in(port: u16, name: &str, password: &str) -> Http {
    post_to(port, "", "/login", &enc(&[("name", name), ("password", password)]))
}

fn cookie_of(r: &Http) -> String {
    r.header("set-cookie").split(';').next().unwrap_or_default().to_string()
}

fn csrf(port: u16, cookie: &str) -> String {
    let page = http(port, "GET", "/settings", &[("Cookie", cookie)], "");
    assert_eq!(page.status, 200, "{}", page.body);
    let at = page.body.find("name=\"csrf\" value=\"").expect("csrf") + 19;
    page.body[at..at + 64].to_string()
}

/// The folder's config: the database, and the address invitations start with.
fn configure(dir: &Path, url: &str) {
    std::fs::write(
        dir.join("drawbridge.toml"),
        format!("database_url = \"{url}\"\npublic_url = \"https://drawbridge.example.org\"\n"),
    )
    .expect("config");
}

#[test]
fn an_operator_invites_a_person_whose_words_no_dump_shows_and_a_restore_brings_back() {
    let Some(server) = drawbridge_store::testing::postgres_server() else {
        return;
    };
    let Some(dump_tool) = drawbridge_store::testing::pg_dump() else {
        assert!(
            std::env::var("DRAWBRIDGE_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "DRAWBRIDGE_REQUIRE_POSTGRES=1 but pg_dump is not installed"
        );
        eprintln!("skipped: pg_dump is not installed");
        return;
    };
    let db = fresh_database(&server);
    let dir = tempdir();
    let d = dir.path();
    configure(d, &db.url);

    // Without a database, server mode says what it needs.
    let none = tempdir();
    let out = run(none.path(), &["serve", "--server"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--database-url"), "{}", stderr(&out));

    let first = run(d, &["admin", "invite", "--role", "admin"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let link = String::from_utf8_lossy(&first.stdout).trim().to_string();
    assert!(link.starts_with("https://drawbridge.example.org/sign-up?invite="), "{link}");
    assert!(stderr(&first).contains("shown only now"), "{}", stderr(&first));
    let token = link.rsplit('=').next().expect("token").to_string();
    let bad = run(d, &["admin", "invite", "--expires", "3w"]);
    assert!(!bad.status.success() && stderr(&bad).contains("7d"), "{}", stderr(&bad));

    // A second invitation, listed with the first, then withdrawn: its link
    // makes no account, and withdrawing it again says why not.
    let second = ok(d, &["admin", "invite", "--expires", "3d"]);
    let second_token = second.trim().rsplit('=').next().expect("token").to_string();
    let listed = ok(d, &["admin", "invitations"]);
    let open: Vec<&str> = listed.lines().filter(|l| l.ends_with("open")).collect();
    assert_eq!(open.len(), 2, "{listed}");
    assert!(
        open.iter().any(|l| l.contains(" admin ")) && open.iter().any(|l| l.contains(" person ")),
        "{listed}"
    );
    let person_id = open
        .iter()
        .find(|l| l.contains(" person "))
        .and_then(|l| l.split_whitespace().next())
        .expect("id");
    assert!(ok(d, &["admin", "withdraw", person_id]).contains("Withdrawn"));
    let listed = ok(d, &["admin", "invitations"]);
    assert_eq!(listed.lines().filter(|l| l.ends_with("open")).count(), 1, "{listed}");
    assert!(!listed.contains(person_id), "a withdrawn invitation is gone: {listed}");
    let again = run(d, &["admin", "withdraw", person_id]);
    assert!(
        !again.status.success() && stderr(&again).contains("admin invitations"),
        "{}",
        stderr(&again)
    );

    let s = serve(d);
    assert_eq!(http(s.port, "GET", "/healthz", &[], "").status, 200);
    assert_eq!(http(s.port, "GET", "/readyz", &[], "").status, 200);
    assert_eq!(http(s.port, "GET", "/help", &[], "").status, 200, "help needs no account");
    assert_eq!(http(s.port, "GET", "/", &[], "").status, 401);
    let password = "a long walk by the harbour";
    let made = post_to(
        s.port,
        "",
        "/sign-up",
        &enc(&[("invite", &token), ("name", "Morgan"), ("password", password), ("again", password)]),
    );
    assert_eq!(made.status, 200, "{}", made.body);
    assert!(made.header("set-cookie").starts_with("__Host-drawbridge="));
    let cookie = cookie_of(&made);
    let token_csrf = csrf(s.port, &cookie);
    let withdrawn = http(s.port, "GET", &format!("/sign-up?invite={second_token}"), &[], "");
    assert_ne!(withdrawn.status, 200, "a withdrawn link opens no sign-up");
    assert!(!withdrawn.body.contains("name=\"password\""), "{}", withdrawn.body);

    // Morgan writes: an urge, then its details, then changes them.
    let saved = post_to(s.port, &cookie, "/urges", &enc(&[("csrf", &token_csrf), ("kind", "go-quiet")]));
    assert_eq!(saved.status, 303, "{}", saved.body);
    let exported = http(s.port, "GET", "/account/export", &[("Cookie", &cookie)], "");
    let id_at = exported.body.find("\"id\": \"").expect("an urge id") + 7;
    let id = exported.body[id_at..id_at + 36].to_string();
    for (i, w) in WORDS.iter().enumerate() {
        let r = post_to(
            s.port,
            &cookie,
            &format!("/urges/{id}"),
            &enc(&[
                ("csrf", &token_csrf),
                ("kind", "go-quiet"),
                ("note", w),
                ("about", if i == 0 { "Sam" } else { "Sam R" }),
            ]),
        );
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let exported = http(s.port, "GET", "/account/export", &[("Cookie", &cookie)], "");
    assert!(
        exported.body.contains(WORDS[1]) && exported.body.contains(WORDS[0]),
        "the words and their earlier version"
    );

    // And a journal entry (titled, tagged, edited once) and a draft.
    let write = http(s.port, "GET", "/journal/write", &[("Cookie", &cookie)], "");
    let at = write.body.find("name=\"id\" value=\"").expect("an entry id") + 17;
    let entry = write.body[at..at + 36].to_string();
    let journal = |title: &str, body: &str| {
        enc(&[
            ("csrf", &token_csrf),
            ("id", &entry),
            ("title", title),
            ("body", body),
            ("tags", "marigold"),
        ])
    };
    let r = post_to(
        s.port,
        &cookie,
        "/journal",
        &journal("Quince evening", "The albatross stayed by the pier."),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = post_to(
        s.port,
        &cookie,
        &format!("/journal/{entry}/edit"),
        &journal("Quince evening", "The cormorant stayed by the pier."),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let draft = uuid_like(&http(s.port, "GET", "/journal/write", &[("Cookie", &cookie)], "").body);
    let r = post_to(
        s.port,
        &cookie,
        "/journal/drafts",
        &enc(&[
            ("csrf", &token_csrf),
            ("id", &draft),
            ("body", "A half-written line about the heron"),
            ("autosave", "1"),
        ]),
    );
    assert_eq!(r.status, 204, "{}", r.body);
    let shown = http(s.port, "GET", &format!("/journal/{entry}"), &[("Cookie", &cookie)], "");
    assert!(
        shown.body.contains("cormorant") && shown.body.contains("albatross"),
        "the entry and its earlier words"
    );

    let listed = ok(d, &["admin", "accounts"]);
    assert!(listed.contains("Morgan") && listed.contains("admin"), "{listed}");
    assert!(!listed.contains("kettle"), "{listed}");

    // A dump shows names and dates, never the words.
    let dump = std::process::Command::new(&dump_tool)
        .args(["--no-owner", "--dbname", &db.url])
        .output()
        .expect("run pg_dump");
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    let text = String::from_utf8_lossy(&dump.stdout).to_lowercase();
    assert!(text.contains("invitations") && text.contains("morgan"), "a real dump");
    for w in WORDS.iter().chain(&[
        "lighthouse",
        "ferry",
        "sam r",
        "quince",
        "albatross",
        "cormorant",
        "marigold",
        "heron",
    ]) {
        assert!(!text.contains(&w.to_lowercase()), "\"{w}\" is readable in the dump");
    }

    // SIGTERM: a clean stop.
    let pid = s.child.id();
    let _ = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let mut s = s;
    let status = s.child.wait().expect("wait");
    assert!(status.success(), "stopped cleanly: {status:?}");

    // Restore the dump into a new database, as docs/server.md walks
    // through: the same password opens the same words there.
    let archive = d.join("drawbridge.dump");
    let dumped = std::process::Command::new(&dump_tool)
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&archive)
        .args(["--dbname", &db.url])
        .status()
        .expect("pg_dump");
    assert!(dumped.success());
    let restored_db = fresh_database(&server);
    let restore = dump_tool.with_file_name("pg_restore");
    let back = std::process::Command::new(&restore)
        .args(["--no-owner", "--exit-on-error", "--dbname", &restored_db.url])
        .arg(&archive)
        .output()
        .expect("pg_restore");
    assert!(back.status.success(), "{}", String::from_utf8_lossy(&back.stderr));
    let restored = tempdir();
    configure(restored.path(), &restored_db.url);
    let s = serve(restored.path());
    let r = log_in(s.port, "morgan", password);
    assert_eq!(r.status, 303, "{}", r.body);
    let cookie = cookie_of(&r);
    let exported = http(s.port, "GET", "/account/export", &[("Cookie", &cookie)], "");
    for w in WORDS {
        assert!(exported.body.contains(w), "{w} came back with the restore");
    }

    // Pausing and deleting from the terminal.
    ok(restored.path(), &["admin", "disable", "MORGAN"]);
    assert_eq!(log_in(s.port, "Morgan", password).status, 403);
    ok(restored.path(), &["admin", "enable", "Morgan"]);
    assert_eq!(log_in(s.port, "Morgan", password).status, 303);
    let asked = run(restored.path(), &["admin", "delete", "Morgan"]);
    assert!(
        !asked.status.success() && stderr(&asked).contains("--yes"),
        "asks first: {}",
        stderr(&asked)
    );
    ok(restored.path(), &["admin", "delete", "Morgan", "--yes"]);
    assert_eq!(log_in(s.port, "Morgan", password).status, 401);
    let missing = run(restored.path(), &["admin", "disable", "Morgan"]);
    assert!(
        !missing.status.success() && stderr(&missing).contains("admin accounts"),
        "{}",
        stderr(&missing)
    );
}

/// The entry id a writing page was given.
fn uuid_like(html: &str) -> String {
    let at = html.find("name=\"id\" value=\"").expect("an entry id") + 17;
    html[at..at + 36].to_string()
}
