//! End-to-end journeys in a real browser: Debian's Chromium driven through
//! chromedriver, with axe-core run on every page (zero violations allowed),
//! in light and dark colour schemes and on a 320 px wide screen.
//!
//! Every page axe checks is also checked by the Nu HTML checker (vnu.jar from
//! the npm package vnu-jar, run offline with Java): the HTML the server sent
//! for it must have no errors.
//!
//! Without Chromium (or Java and vnu-jar) these tests skip with a message,
//! unless DRAWBRIDGE_REQUIRE_BROWSER=1 (CI sets it), when a missing tool fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
    axe: String,
    /// Java and vnu.jar, for the Nu HTML checker.
    vnu: Option<(PathBuf, PathBuf)>,
    /// The HTML of every page axe checked: (which page, as served).
    pages: std::sync::Mutex<Vec<(String, String)>>,
}

impl Drop for Tools {
    /// Check every page seen with the Nu HTML checker, in one run of it.
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let pages = std::mem::take(&mut *self.pages.lock().unwrap_or_else(|e| e.into_inner()));
        let Some((java, jar)) = &self.vnu else { return };
        if pages.is_empty() {
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let mut files = Vec::new();
        for (i, (_, html)) in pages.iter().enumerate() {
            let f = dir.path().join(format!("page-{i}.html"));
            std::fs::write(&f, html).expect("write page");
            files.push(f);
        }
        let out = Command::new(java)
            .arg("-jar")
            .arg(jar)
            .args(["--errors-only", "--format", "gnu"])
            .args(&files)
            .output()
            .expect("run the Nu HTML checker");
        let report = String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
        let named: Vec<String> = report
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let mut l = l.to_string();
                for (i, (name, _)) in pages.iter().enumerate() {
                    l = l.replace(&format!("page-{i}.html"), name);
                }
                l
            })
            .collect();
        assert!(
            out.status.success() && named.is_empty(),
            "the Nu HTML checker found errors:\n{}",
            named.join("\n")
        );
        eprintln!("Nu HTML checker: {} pages, no errors.", pages.len());
    }
}

fn which(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names
        .iter()
        .find_map(|n| std::env::split_paths(&path).map(|d| d.join(n)).find(|p| p.is_file()))
}

/// The browser tools, or None (after saying why) when they are missing and
/// not required.
fn tools() -> Option<Tools> {
    let required = std::env::var("DRAWBRIDGE_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let chromium = std::env::var_os("CHROME_BIN")
        .map(PathBuf::from)
        .or_else(|| which(&["chromium", "chromium-browser", "google-chrome"]));
    let chromedriver = which(&["chromedriver"]);
    let axe_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../node_modules/axe-core/axe.min.js");
    let axe = std::fs::read_to_string(&axe_path).ok();
    let jar = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../node_modules/vnu-jar/build/dist/vnu.jar");
    let vnu = match (which(&["java"]), jar.is_file()) {
        (Some(java), true) => Some((java, jar)),
        _ => {
            assert!(
                !required,
                "DRAWBRIDGE_REQUIRE_BROWSER=1 but the Nu HTML checker is missing: it needs java (apt-get install default-jre-headless) and node_modules/vnu-jar (npm ci)"
            );
            eprintln!("browser tests run without the Nu HTML checker: it needs java and node_modules/vnu-jar (npm ci).");
            None
        }
    };
    match (chromium, chromedriver, axe) {
        (Some(chromium), Some(chromedriver), Some(axe)) => Some(Tools {
            chromium,
            chromedriver,
            axe,
            vnu,
            pages: Default::default(),
        }),
        (c, d, a) => {
            let missing = [
                (c.is_none(), "chromium"),
                (d.is_none(), "chromedriver"),
                (a.is_none(), "node_modules/axe-core (run `npm ci`)"),
            ]
            .iter()
            .filter(|(m, _)| *m)
            .map(|(_, n)| *n)
            .collect::<Vec<_>>()
            .join(", ");
            assert!(!required, "DRAWBRIDGE_REQUIRE_BROWSER=1 but missing: {missing}");
            eprintln!("skipping browser test: missing {missing}. Install with `apt-get install chromium chromium-driver` and `npm ci`.");
            None
        }
    }
}

/// chromedriver, ended by PID when dropped.
struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

async fn browser(t: &Tools, dark: bool) -> (Driver, Client) {
    browser_with(t, dark, &[]).await
}

async fn browser_with(t: &Tools, dark: bool, extra: &[&str]) -> (Driver, Client) {
    let port = free_port();
    let child = Command::new(&t.chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = tempfile::tempdir().expect("profile dir");
    let driver = Driver {
        child,
        port,
        _profile: profile,
    };
    let mut args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--no-first-run".into(),
        "--disable-quic".into(),
        "--window-size=1024,900".into(),
        format!("--user-data-dir={}", driver._profile.path().display()),
    ];
    if dark {
        args.push("--blink-settings=preferredColorScheme=0".into());
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), json!({ "binary": t.chromium, "args": args }));
    let start = Instant::now();
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
        {
            Ok(c) => return (driver, c),
            Err(e) if start.elapsed() < Duration::from_secs(20) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("could not start a browser session: {e}"),
        }
    }
}

/// Run axe-core on the current page and return its violations.
async fn axe_violations(c: &Client, t: &Tools) -> Vec<Value> {
    c.execute(&format!("{}\nreturn true;", t.axe), vec![]).await.expect("inject axe");
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ['violations'] })
          .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '')) }))))
          .catch(e => done([{ id: 'axe-error', help: String(e), nodes: [] }]));
    "#;
    let result = c.execute_async(script, vec![]).await.expect("run axe");
    result.as_array().cloned().unwrap_or_default()
}

/// Run axe-core on the current page; fail with the violations listed. The
/// page's HTML, as the server sends it, is kept for the Nu HTML checker.
async fn axe(c: &Client, t: &Tools, page: &str) {
    let violations = axe_violations(c, t).await;
    assert!(
        violations.is_empty(),
        "axe found violations on {page}:\n{}",
        serde_json::to_string_pretty(&Value::Array(violations)).unwrap_or_default()
    );
    let script = r#"
        const done = arguments[arguments.length - 1];
        fetch(location.href, { credentials: 'same-origin' }).then(r => r.text()).then(done).catch(e => done(''));
    "#;
    let html = c.execute_async(script, vec![]).await.expect("fetch the page's HTML");
    if let Some(html) = html.as_str().filter(|h| !h.is_empty()) {
        t.pages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((page.to_string(), html.to_string()));
    }
}

async fn click(c: &Client, what: Locator<'_>) {
    let el = c.find(what).await.unwrap_or_else(|e| panic!("nothing to click for {what:?}: {e}"));
    el.click().await.expect("click");
}

async fn type_into(c: &Client, what: Locator<'_>, keys: &str) {
    let el = c.find(what).await.unwrap_or_else(|e| panic!("no field for {what:?}: {e}"));
    el.send_keys(keys).await.expect("type");
}

/// The page's visible text, read in one call. A page that is mid-navigation
/// can fail the read; then we wait a moment and read the new page.
async fn text(c: &Client) -> String {
    for _ in 0..100 {
        match c.execute("return document.body ? document.body.innerText : null;", vec![]).await {
            Ok(Value::String(s)) => return s,
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    panic!("the page never settled enough to read its text")
}

/// Type a note into the urge details form and save it; the page after.
async fn save_note(c: &Client, note: &str) -> String {
    let field = c.find(Locator::Id("note")).await.expect("note");
    field.send_keys(note).await.expect("type");
    click(c, Locator::Css("button.primary")).await;
    wait_text(c, "Details saved").await
}

/// Wait (up to 10 s) until the page shows `needle`: form posts navigate
/// asynchronously, and unlocking takes a deliberate quarter second.
async fn wait_text(c: &Client, needle: &str) -> String {
    let start = Instant::now();
    loop {
        let t = text(c).await;
        if t.contains(needle) {
            return t;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the page never showed {needle:?}; it shows:\n{t}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn fits_width(c: &Client, page: &str) {
    let v = c
        .execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![])
        .await
        .expect("measure");
    let (scroll, inner) = (v[0].as_i64().unwrap_or(0), v[1].as_i64().unwrap_or(0));
    assert!(scroll <= inner, "{page} scrolls sideways at {inner}px: content is {scroll}px wide");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_urge_journey_works_by_keyboard_and_pointer_with_no_accessibility_violations() {
    let Some(t) = tools() else { return };
    // On each engine: the pages are the same whether the words are in the
    // local file or sealed on PostgreSQL (whose Settings page says so).
    for d in engines() {
        urge_journey(&t, d.path()).await;
    }
}

async fn urge_journey(t: &Tools, dir: &Path) {
    let server = Server::start(dir, &[], &[]);
    let (_driver, c) = browser(t, false).await;
    let base = format!("http://{}", server.host());

    c.goto(&server.url).await.expect("open launch link");
    assert!(text(&c).await.contains("Noticing an urge to pull away?"));
    axe(&c, t, "Today").await;

    // Keyboard: the first Tab reaches the skip link.
    type_into(&c, Locator::Css("body"), "\u{E004}").await;
    let first = c.active_element().await.expect("focus");
    assert_eq!(first.text().await.expect("text"), "Skip to main content");

    // One tap saves.
    click(&c, Locator::Css("button[value='go-quiet']")).await;
    wait_text(&c, "Saved: Go quiet").await;
    // The script moves focus to the confirmation, so it is heard.
    let focused = c.active_element().await.expect("focus").text().await.expect("text");
    assert!(focused.contains("Saved: Go quiet"), "focus is on the notice, not {focused:?}");
    axe(&c, t, "urge details (just saved)").await;

    // Optional details, by keyboard where it matters.
    click(&c, Locator::Css("input[name='intensity'][value='6']")).await;
    click(&c, Locator::Css("input[name='did'][value='stayed']")).await;
    let calm = save_note(&c, "Wanted to leave the call early; stayed ten more minutes.").await;
    let panel_title = drawbridge_core::Catalog::embedded().safety().panel_title.clone();
    assert!(!calm.contains(&panel_title), "no crisis panel for an ordinary note");

    c.goto(&format!("{base}/moments")).await.expect("moments");
    let moments = text(&c).await;
    assert!(
        moments.contains("stayed ten more minutes") && moments.contains("6 of 10"),
        "{moments}"
    );
    axe(&c, t, "Moments").await;

    c.goto(&format!("{base}/")).await.expect("today");
    assert!(
        text(&c)
            .await
            .contains("You noticed 1 urge to pull away, and caught 1 before acting")
    );

    // Delete asks once, in words.
    c.goto(&format!("{base}/moments")).await.expect("moments");
    click(&c, Locator::Css(".moments a")).await;
    click(&c, Locator::LinkText("Delete this urge")).await;
    wait_text(&c, "removed for good").await;
    axe(&c, t, "delete confirmation").await;
    click(&c, Locator::Css("button.danger")).await;
    wait_text(&c, "The urge was deleted").await;
    assert!(text(&c).await.contains("Nothing logged yet"));

    // Words no rule was written for, heard by the word model: the note is
    // saved and the calm panel follows.
    c.goto(&format!("{base}/")).await.expect("today");
    click(&c, Locator::Css("button[value='go-quiet']")).await;
    wait_text(&c, "Saved: Go quiet").await;
    let page = save_note(&c, "The razor is back in my drawer and I keep opening it.").await;
    assert!(page.contains(&panel_title), "the panel follows the save: {page}");
    axe(&c, t, "details saved, with the crisis panel").await;
    c.goto(&format!("{base}/moments")).await.expect("moments");
    assert!(text(&c).await.contains("keep opening it"), "the note was saved");

    // Settings choose the region the help page leads with.
    c.goto(&format!("{base}/settings")).await.expect("settings");
    axe(&c, t, "Settings").await;
    click(&c, Locator::Css("#region option[value='UK']")).await;
    click(&c, Locator::Css("button.primary")).await;
    wait_text(&c, "Saved.").await;
    click(&c, Locator::LinkText("Get help now")).await;
    let help = wait_text(&c, "Samaritans").await;
    assert!(help.contains("Samaritans") && help.contains("999"), "{help}");
    axe(&c, t, "Get help now").await;

    c.goto(&format!("{base}/no-such-page")).await.expect("404");
    axe(&c, t, "not found").await;

    // The checker itself must be able to fail: an unlabelled field is caught.
    c.execute(
        "const i = document.createElement('input'); document.querySelector('main').append(i);",
        vec![],
    )
    .await
    .expect("add field");
    let found = axe_violations(&c, t).await;
    assert!(
        found.iter().any(|v| v["id"] == "label"),
        "axe should flag an unlabelled input: {found:?}"
    );
    c.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_320px_screen_and_passes_axe_in_dark_mode() {
    let Some(t) = tools() else { return };
    let d = tempdir();
    ok(
        d.path(),
        &[
            "urge",
            "find-flaw",
            "--about",
            "a very long name that should wrap nicely on a small screen",
            "--note",
            "A note long enough to need wrapping on the narrowest phone screen we support.",
        ],
    );

    let file = d.path().join("answers.json");
    std::fs::write(&file, patterns_answers(|n| (n % 7) as i64 + 1)).expect("write");
    ok(d.path(), &["quiz", "--answers", file.to_str().expect("utf-8"), "--save"]);
    ok(d.path(), &["quiz", "--answers", file.to_str().expect("utf-8"), "--save"]);
    ok(d.path(), &["stage", "--calibrate", "20", "30", "70", "90"]);
    log_experiment(d.path(), "s1-reply-within-the-hour", "2026-09-10", "40", "better", false);
    log_experiment(d.path(), "s1-say-which-one", "2026-10-05", "50", "mixed", false);
    log_experiment(d.path(), "s1-voice-note-ask", "2026-11-01", "90", "worse", true);
    let planned: Value = serde_json::from_str(&ok(
        d.path(),
        &[
            "experiment",
            "plan",
            "s1-say-which-one",
            "--prediction",
            "They will think I am fussy",
            "--belief",
            "60",
            "--want",
            "50",
            "--expect",
            "30",
            "--json",
        ],
    ))
    .expect("json");
    let record = format!("/practice/records/{}", planned["id"].as_str().expect("id"));
    let flooded_record = {
        let all: Value = serde_json::from_str(&ok(d.path(), &["export"])).expect("export");
        let rec = all["experiment_records"]
            .as_array()
            .expect("records")
            .iter()
            .find(|r| r["result"]["flooded"] == true)
            .cloned()
            .expect("flooded");
        format!("/practice/records/{}", rec["id"].as_str().expect("id"))
    };
    ok(d.path(), &["challenge", "start"]);
    ok(
        d.path(),
        &["safety-plan", "set", "warning-signs", "I stop answering messages and stay in bed"],
    );
    ok(d.path(), &["safety-plan", "set", "warning-signs", "I stop answering messages"]);
    ok(
        d.path(),
        &[
            "reset",
            "--capacity",
            "70",
            "--felt",
            "Heavy and hot in the face",
            "--feeling",
            "ashamed=80",
            "--hot-thought",
            "They are done with me, and they always were going to be",
            "--belief",
            "90",
            "--evidence",
            "They texted this morning",
            "--rerate",
            "40",
            "--now-or-then",
            "both",
            "--then-note",
            "Like the summer everyone left",
        ],
    );
    let reset_page = {
        let all: Value = serde_json::from_str(&ok(d.path(), &["export"])).expect("export");
        format!("/after/resets/{}", all["resets"][0]["id"].as_str().expect("reset id"))
    };
    // A journal entry with Markdown, edited once (so it has earlier words),
    // and a draft of a new one.
    let entry: Value = serde_json::from_str(&ok(
        d.path(),
        &[
            "journal",
            "write",
            "--tag",
            "work",
            "--title",
            "A long title for a small screen, about the walk by the river with Sam",
            "--prompt",
            "noticing-closeness-possible",
            "# Heading\n\nIt went *quiet*, then I [wrote back](https://example.org).\n\n- one\n- two\n\n<b>raw</b> ![a picture](https://example.org/p.png)",
            "--json",
        ],
    ))
    .expect("json");
    let entry_page = format!("/journal/{}", entry["id"].as_str().expect("entry id"));
    // An entry that tells a protective story, so its card is checked too.
    let story: Value = serde_json::from_str(&ok(
        d.path(),
        &[
            "journal",
            "write",
            "I told everyone I need space and I'm not saying how long.",
            "--json",
        ],
    ))
    .expect("json");
    let story_page = format!("/journal/{}", story["id"].as_str().expect("entry id"));
    ok(
        d.path(),
        &[
            "journal",
            "edit",
            entry["id"].as_str().expect("id"),
            "It went quiet, and then I wrote back.",
        ],
    );
    // An edited record shows its earlier words.
    ok(
        d.path(),
        &[
            "experiment",
            "edit",
            planned["id"].as_str().expect("id"),
            "--prediction",
            "They will think I am too fussy",
        ],
    );
    let server = Server::start(d.path(), &[], &[]);
    let (_driver, c) = browser(&t, true).await;
    let base = format!("http://{}", server.host());
    c.set_window_size(320, 800).await.expect("narrow");
    c.goto(&server.url).await.expect("launch");
    let dark = c
        .execute("return matchMedia('(prefers-color-scheme: dark)').matches;", vec![])
        .await
        .expect("media");
    assert_eq!(dark, Value::Bool(true), "the browser should be in dark mode");
    let urge_page = {
        c.goto(&format!("{base}/moments")).await.expect("moments");
        let a = c.find(Locator::Css(".moments a")).await.expect("edit");
        a.attr("href").await.expect("href").unwrap_or_default()
    };
    for path in [
        "/",
        "/moments",
        urge_page.as_str(),
        &format!("{urge_page}/delete"),
        "/settings",
        "/help",
        "/help?region=IN",
        "/profile",
        "/quiz/patterns",
        "/settings/questionnaires",
        "/practice",
        "/practice/start",
        "/practice/plan?experiment=s1-say-which-one",
        "/practice/plan",
        record.as_str(),
        flooded_record.as_str(),
        "/ledger",
        "/practice/settings",
        "/pause",
        "/pause/pause",
        "/pause/short",
        "/pause/pause/3",
        "/pause/short/2",
        "/pause/parts/1",
        "/pause/grounding/done",
        "/pause/pause/done?stopped=1",
        "/scripts",
        "/after",
        "/after/resets",
        reset_page.as_str(),
        &format!("/after?record={}", flooded_record.trim_start_matches("/practice/records/")),
        "/letter",
        "/safety-plan",
        "/safety-plan/edit",
        "/?care=1",
        "/?turn=3",
        "/journal",
        "/journal?tag=work",
        "/journal/write",
        "/journal/write?prompt=gentle-one-word",
        "/journal/prompts",
        "/journal/search",
        "/journal/search?q=the&order=best",
        "/journal/search?q=kind%3Adiary",
        entry_page.as_str(),
        story_page.as_str(),
        &format!("{story_page}?put_away=1"),
        "/journal?story=need-space",
        "/journal?story=not-a-story",
        &format!("{entry_page}/edit"),
        &format!("{entry_page}/delete"),
    ] {
        c.goto(&format!("{base}{path}")).await.expect("page");
        fits_width(&c, path).await;
        axe(&c, &t, &format!("{path} (dark, 320px)")).await;
    }
    // On a wide screen the Moments filters sit side by side, never on top of each other.
    c.set_window_size(1280, 800).await.expect("wide");
    c.goto(&format!("{base}/moments")).await.expect("moments");
    let overlap = c
        .execute(
            "const fields = [...document.querySelectorAll('.filters input, .filters select')].map(f => f.getBoundingClientRect());
             return fields.some((a, i) => fields.some((b, j) => i < j && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom));",
            vec![],
        )
        .await
        .expect("measure");
    assert_eq!(overlap, Value::Bool(false), "Moments filters overlap at 1280px");
    c.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_way_in_and_the_unlock_page_are_clear_and_accessible() {
    let Some(t) = tools() else { return };
    let d = tempdir();
    ok(d.path(), &["urge", "busy"]);
    let set = cmd(d.path())
        .args(["passphrase", "set"])
        .env("DRAWBRIDGE_NEW_PASSPHRASE", "lantern over water")
        .output()
        .expect("run");
    assert!(set.status.success());
    let server = Server::start(d.path(), &[], &[]);
    let (_driver, c) = browser(&t, false).await;
    let base = format!("http://{}", server.host());

    c.goto(&format!("{base}/")).await.expect("no token");
    assert!(text(&c).await.contains("Open drawbridge from your terminal"));
    axe(&c, &t, "how to get in").await;

    c.goto(&server.url).await.expect("launch");
    assert!(c.current_url().await.expect("url").path().ends_with("/unlock"));
    axe(&c, &t, "unlock").await;
    type_into(&c, Locator::Id("passphrase"), "not it").await;
    click(&c, Locator::Css("button.primary")).await;
    wait_text(&c, "did not open your data").await;
    axe(&c, &t, "unlock (wrong passphrase)").await;
    type_into(&c, Locator::Id("passphrase"), "lantern over water\n").await;
    wait_text(&c, "You noticed 1 urge").await;

    // A used launch link explains itself (this browser stays signed in).
    c.goto(&server.url).await.expect("reuse");
    wait_text(&c, "already been used").await;
    axe(&c, &t, "used launch link").await;
    c.close().await.expect("close");
}

/// Press Tab until a radio of a new question has focus (or `until` matches).
async fn tab_to(c: &Client, until: &str) -> bool {
    for _ in 0..40 {
        c.active_element().await.expect("focus").send_keys("\u{E004}").await.expect("tab");
        let hit = c
            .execute(&format!("return document.activeElement.matches({until:?});"), vec![])
            .await
            .expect("matches");
        if hit == Value::Bool(true) {
            return true;
        }
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_patterns_quiz_can_be_completed_by_keyboard_alone_and_every_step_passes_axe() {
    let Some(t) = tools() else { return };
    let d = tempdir();
    let server = Server::start(d.path(), &[], &[]);
    let (_driver, c) = browser(&t, false).await;
    let base = format!("http://{}", server.host());
    c.goto(&server.url).await.expect("launch");
    wait_text(&c, "A good place to start").await;
    click(&c, Locator::LinkText("Take the Patterns Quiz")).await;
    wait_text(&c, "not a diagnosis").await;
    axe(&c, &t, "quiz intro").await;
    click(&c, Locator::Css("button.primary")).await;

    for page in 1..=5 {
        wait_text(&c, &format!("Page {page} of 5")).await;
        if page == 1 {
            axe(&c, &t, "quiz page").await;
        }
        // Keyboard only: Tab into each question's radio group, pick an answer
        // with the arrow keys, then Tab on to the next question.
        let questions = c
            .execute("return document.querySelectorAll('fieldset.question').length;", vec![])
            .await
            .expect("count");
        let questions = questions.as_u64().unwrap_or(0);
        assert_eq!(questions, 10);
        c.execute("document.activeElement.blur(); window.scrollTo(0, 0);", vec![])
            .await
            .expect("reset focus");
        for q in 0..questions {
            assert!(
                tab_to(&c, "fieldset.question input[type=radio]").await,
                "reached question {q} by Tab"
            );
            // Arrow keys move the selection within the group: Right, Right
            // lands on the third answer.
            c.active_element()
                .await
                .expect("focus")
                .send_keys("\u{E014}\u{E014}")
                .await
                .expect("arrows");
            let checked = c.execute("return document.activeElement.checked;", vec![]).await.expect("checked");
            assert_eq!(checked, Value::Bool(true), "arrow keys choose an answer");
        }
        assert!(tab_to(&c, "button.primary").await, "reached the main button by Tab");
        c.active_element().await.expect("focus").send_keys("\u{E007}").await.expect("enter");
    }
    let profile = wait_text(&c, "Protective habits that stand out").await;
    assert!(profile.contains("not a diagnosis"));
    assert!(profile.contains("Capacities, the one to build first at the top"));
    axe(&c, &t, "profile").await;
    let answered = ok(d.path(), &["profile", "--json"]);
    let v: Value = serde_json::from_str(&answered).expect("json");
    assert_eq!(v["results"], 1);

    c.goto(&format!("{base}/settings/questionnaires")).await.expect("questionnaires");
    axe(&c, &t, "questionnaires").await;

    // Practice: calibrate with the keyboard; the slider says its value in words.
    c.goto(&format!("{base}/practice/start")).await.expect("start");
    axe(&c, &t, "calibration").await;
    click(&c, Locator::Id("r-s1")).await;
    c.active_element()
        .await
        .expect("focus")
        .send_keys("\u{E012}\u{E012}\u{E012}\u{E012}\u{E012}\u{E012}")
        .await
        .expect("left arrows");
    let spoken = c
        .find(Locator::Id("r-s1"))
        .await
        .expect("slider")
        .attr("aria-valuetext")
        .await
        .expect("attr")
        .unwrap_or_default();
    assert!(
        spoken.starts_with("20: between calm and "),
        "the value is read out with the words it sits between: {spoken}"
    );
    let shown = c
        .find(Locator::Css("output[for='r-s1']"))
        .await
        .expect("output")
        .text()
        .await
        .expect("text");
    assert_eq!(shown, "20");
    click(&c, Locator::Css("button.primary")).await;
    let today = wait_text(&c, "Today's practice").await;
    assert!(today.contains("Chosen because"), "{today}");
    axe(&c, &t, "Today with practice").await;
    c.close().await.expect("close");
}

/// A proxy between the browser and the server that keeps a copy of every
/// byte the browser sends (request lines, headers and bodies). It rewrites the
/// Host and Origin authority so the server's host check still applies.
struct Recorder {
    port: u16,
    sent: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Recorder {
    fn start(server_port: u16) -> Recorder {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let sent = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = sent.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(upstream) = std::net::TcpStream::connect(("127.0.0.1", server_port)) else {
                    continue;
                };
                let (mut c_read, mut c_write) = (client.try_clone().expect("clone"), client);
                let (mut u_read, mut u_write) = (upstream.try_clone().expect("clone"), upstream);
                let log = log.clone();
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut u_read, &mut c_write);
                });
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16384];
                    loop {
                        let n = match c_read.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        log.lock().expect("log").extend_from_slice(&buf[..n]);
                        // Same length rewrite: both authorities are 127.0.0.1 with a 5-digit-or-less port.
                        let text =
                            String::from_utf8_lossy(&buf[..n]).replace(&format!("127.0.0.1:{port}"), &format!("127.0.0.1:{server_port}"));
                        if u_write.write_all(text.as_bytes()).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Recorder { port, sent }
    }

    fn saw(&self, needle: &str) -> bool {
        String::from_utf8_lossy(&self.sent.lock().expect("log")).contains(needle)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unsent_letter_leaves_no_trace_anywhere() {
    let Some(t) = tools() else { return };
    let d = tempdir();
    ok(d.path(), &["urges"]);
    let server = Server::start(d.path(), &[], &[]);
    let proxy = Recorder::start(server.port);
    let base = format!("http://127.0.0.1:{}", proxy.port);
    let (_driver, c) = browser(&t, false).await;
    c.goto(&format!("{base}/login?token={}", server.token)).await.expect("launch");
    wait_text(&c, "Today").await;
    c.goto(&format!("{base}/letter")).await.expect("letter");
    axe(&c, &t, "/letter").await;
    let words = "Dear R, quokka-lighthouse-7731, I wanted to stay and I left.";
    type_into(&c, Locator::Id("letter-text"), words).await;
    assert!(proxy.saw("GET /letter"), "the recorder sees the browser's requests");
    // Let it go by keyboard: Tab from the text box to the button, then Enter.
    type_into(&c, Locator::Id("letter-text"), "\u{E004}").await;
    let focused = c
        .execute("return document.activeElement.textContent;", vec![])
        .await
        .expect("focus");
    let c_text = drawbridge_core::Catalog::embedded();
    assert_eq!(focused, Value::String(c_text.after().letter_release.clone()));
    let button = c.active_element().await.expect("active");
    button.send_keys(&fantoccini::key::Key::Enter.to_string()).await.expect("enter");
    let released: String = c_text
        .after()
        .letter_released
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    wait_text(&c, &released).await;
    let value = c
        .execute("return document.getElementById('letter-text').value;", vec![])
        .await
        .expect("value");
    assert_eq!(value, Value::String(String::new()), "the text is gone from the page");
    let storage = c
        .execute("return [localStorage.length, sessionStorage.length, document.cookie];", vec![])
        .await
        .expect("storage");
    assert_eq!(
        storage,
        json!([0, 0, ""]),
        "nothing in browser storage (the session cookie is HttpOnly)"
    );
    // Write again, then leave the page and come back: nothing is restored.
    type_into(&c, Locator::Id("letter-text"), words).await;
    c.goto(&format!("{base}/pause")).await.expect("away");
    // Back, as the browser's button does; chromedriver's own `back` can
    // time out on a busy machine while the page is restored, so the
    // history is asked directly and the letter page waited for.
    c.execute("history.back(); return true;", vec![]).await.expect("back");
    let start = Instant::now();
    let mut asked = Instant::now();
    while !c.current_url().await.is_ok_and(|u| u.path().ends_with("/letter")) || c.find(Locator::Id("letter-text")).await.is_err() {
        assert!(start.elapsed() < Duration::from_secs(40), "never came back to the letter");
        // On a loaded machine a back asked for while the page is still
        // settling can be dropped; ask again only while still on /pause.
        if asked.elapsed() > Duration::from_secs(8) && c.current_url().await.is_ok_and(|u| u.path().ends_with("/pause")) {
            c.execute("history.back(); return true;", vec![]).await.expect("back");
            asked = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let value = c
        .execute("return document.getElementById('letter-text').value;", vec![])
        .await
        .expect("value");
    assert_eq!(value, Value::String(String::new()), "going back does not bring it back");
    // Other saves still work through the same browser and proxy.
    c.goto(&format!("{base}/after")).await.expect("after");
    type_into(&c, Locator::Id("reset-happened"), "I went quiet at dinner").await;
    click(&c, Locator::Css("form[action='/after'] button[type=submit]")).await;
    wait_text(&c, &c_text.after().saved).await;
    assert!(proxy.saw("happened=I+went+quiet"), "a real save is visible to the recorder");
    c.close().await.expect("close");

    assert!(!proxy.saw("quokka"), "the letter was never in any request");
    let export = ok(d.path(), &["export"]);
    assert!(export.contains("I went quiet at dinner"));
    assert!(!export.contains("quokka"), "the letter is not in the database");
    let mut server = server;
    let _ = server.child.kill();
    let mut log = String::new();
    if let Some(mut err) = server.child.stderr.take() {
        use std::io::Read;
        let _ = err.read_to_string(&mut log);
    }
    assert!(!log.contains("quokka"), "nor in the server's log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_by_keyboard_with_a_pacer_that_holds_still_for_reduced_motion() {
    let Some(t) = tools() else { return };
    let d = tempdir();
    ok(d.path(), &["urges"]);
    for reduced in [false, true] {
        let server = Server::start(d.path(), &[], &[]);
        let extra: &[&str] = if reduced { &["--force-prefers-reduced-motion"] } else { &[] };
        let (_driver, c) = browser_with(&t, false, extra).await;
        c.goto(&server.url).await.expect("launch");
        wait_text(&c, "Today").await;
        // The pull-away link sits in the header of every page: reach it by keyboard.
        assert!(tab_to(&c, "a.pull-away").await, "the pull-away link is reachable by Tab");
        c.active_element()
            .await
            .expect("active")
            .send_keys(&fantoccini::key::Key::Enter.to_string())
            .await
            .expect("enter");
        wait_text(&c, "The short version").await;
        axe(&c, &t, "/pause").await;
        click(&c, Locator::Css("a[href='/pause/short']")).await;
        click(&c, Locator::Css("button.primary")).await;
        wait_text(&c, "step 1 of 3").await;
        let focused = c.execute("return document.activeElement.tagName;", vec![]).await.expect("focus");
        assert_eq!(focused, Value::String("H1".into()), "each step starts at its heading");
        click(&c, Locator::Css("a.button.primary")).await;
        wait_text(&c, "step 2 of 3").await;
        axe(&c, &t, "/pause/short/2").await;
        let anim = c
            .execute(
                "return getComputedStyle(document.querySelector('.pacer-shape')).animationName;",
                vec![],
            )
            .await
            .expect("style");
        let expected = if reduced { "none" } else { "breathe-steady" };
        assert_eq!(anim, Value::String(expected.into()), "reduced motion: {reduced}");
        let first = text(&c).await;
        tokio::time::sleep(Duration::from_millis(2200)).await;
        let later = text(&c).await;
        assert!(first.contains("Breath 1 of 5"), "{first}");
        assert_ne!(first, later, "the words count each breath, moving shape or not");
        let live = c
            .execute(
                "return document.querySelector('[data-timer-announce]').getAttribute('aria-live');",
                vec![],
            )
            .await
            .expect("live");
        assert_eq!(live, Value::String("polite".into()));
        let pacer_live = c
            .execute("return document.querySelector('[data-pacer]').closest('[aria-live]');", vec![])
            .await
            .expect("pacer");
        assert_eq!(pacer_live, Value::Null, "screen readers are not told every second");
        // Stop part-way: the pause is still recorded, as not completed.
        click(&c, Locator::Css("form[action='/pause/short/finish'] input[value='0'] ~ button")).await;
        wait_text(&c, "You stopped").await;
        c.close().await.expect("close");
        drop(server);
    }
    let all: Value = serde_json::from_str(&ok(d.path(), &["export"])).expect("export");
    let pauses = all["pauses"].as_array().expect("pauses");
    assert_eq!(pauses.len(), 2);
    assert!(pauses.iter().all(|p| p["protocol"] == "short" && p["completed"] == false));
}

/// Server mode's pages, in a real browser on PostgreSQL: signing in (and
/// its error), making an account from an invitation, the recovery key shown
/// once, Settings with the account's section, deleting (its confirmation),
/// a new password with the recovery key, and the admin pages. The
/// `__Host-` cookie is Secure; browsers keep it for 127.0.0.1 as for https.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_pages_are_clear_keyboard_friendly_and_accessible() {
    let Some(t) = tools() else { return };
    let Some(pg) = drawbridge_store::testing::postgres_server() else {
        return;
    };
    let db = fresh_database(&pg);
    let d = tempdir();
    std::fs::write(d.path().join("drawbridge.toml"), format!("database_url = \"{}\"\n", db.url)).expect("config");
    let link = ok(d.path(), &["admin", "invite", "--role", "admin"]);
    let token = link.trim().rsplit('=').next().expect("token").to_string();
    let mut child = cmd(d.path())
        .args(["serve", "--server", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.as_mut().expect("stdout")), &mut line).expect("address");
    let base = line.trim().trim_end_matches("/login").to_string();
    struct Stop(Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _stop = Stop(child);
    let (_driver, c) = browser(&t, false).await;

    c.goto(&format!("{base}/login")).await.expect("log-in page");
    axe(&c, &t, "server: sign in").await;
    c.goto(&format!("{base}/sign-up")).await.expect("no invitation");
    wait_text(&c, "made with an invitation link").await;
    axe(&c, &t, "server: sign-up without an invitation").await;

    c.goto(&format!("{base}/sign-up?invite={token}")).await.expect("sign-up");
    axe(&c, &t, "server: make an account").await;
    type_into(&c, Locator::Id("name"), "Morgan").await;
    type_into(&c, Locator::Id("password"), "short").await;
    type_into(&c, Locator::Id("again"), "short").await;
    // The browser's own check (minlength) holds a short password back;
    // the server says the same when it gets one, and keeps the name.
    c.execute(
        "document.querySelectorAll('[minlength]').forEach(e => e.removeAttribute('minlength'));",
        vec![],
    )
    .await
    .expect("let the server check");
    click(&c, Locator::Css("button.primary")).await;
    wait_text(&c, "at least 12 characters").await;
    axe(&c, &t, "server: make an account (password too short)").await;
    let password = "a long walk by the harbour";
    type_into(&c, Locator::Id("password"), password).await;
    type_into(&c, Locator::Id("again"), &format!("{password}\n")).await;
    let shown = wait_text(&c, "only time it is shown").await;
    axe(&c, &t, "server: the recovery key").await;
    let key = c.find(Locator::Id("recovery-key")).await.expect("key").text().await.expect("text");
    assert_eq!(key.len(), 29, "{shown}");
    click(&c, Locator::LinkText("I have kept it; go on to Today")).await;
    wait_text(&c, "Noticing an urge to pull away?").await;

    c.goto(&format!("{base}/settings")).await.expect("settings");
    wait_text(&c, "You are signed in as Morgan").await;
    axe(&c, &t, "server: settings").await;
    c.goto(&format!("{base}/admin")).await.expect("admin");
    axe(&c, &t, "server: accounts and invitations").await;
    click(&c, Locator::Css("form[action='/admin/invitations'] button.primary")).await;
    wait_text(&c, "The invitation is made").await;
    axe(&c, &t, "server: an invitation made").await;
    c.goto(&format!("{base}/account/delete")).await.expect("delete");
    axe(&c, &t, "server: delete your account").await;
    // A local export, brought in by choosing the file.
    let local = tempdir();
    ok(local.path(), &["urge", "busy"]);
    let file = local.path().join("export.json");
    ok(local.path(), &["export", "--out", file.to_str().expect("utf-8 path")]);
    c.goto(&format!("{base}/account/import")).await.expect("import");
    axe(&c, &t, "server: bring in an export").await;
    type_into(&c, Locator::Id("file"), file.to_str().expect("utf-8 path")).await;
    click(&c, Locator::Css("button.primary")).await;
    wait_text(&c, "Added 1 new entry").await;
    axe(&c, &t, "server: an export brought in").await;
    c.goto(&format!("{base}/settings")).await.expect("settings");
    click(&c, Locator::XPath("//button[text()='Sign out']")).await;
    wait_text(&c, "You are signed out").await;
    axe(&c, &t, "server: signed out").await;

    type_into(&c, Locator::Id("name"), "Morgan").await;
    type_into(&c, Locator::Id("password"), "not the password\n").await;
    wait_text(&c, "do not open an account here").await;
    axe(&c, &t, "server: sign in (refused)").await;

    c.goto(&format!("{base}/recover")).await.expect("recover");
    axe(&c, &t, "server: recover").await;
    type_into(&c, Locator::Id("name"), "Morgan").await;
    type_into(&c, Locator::Id("recovery"), &key.to_lowercase()).await;
    type_into(&c, Locator::Id("password"), "after the storm has passed").await;
    type_into(&c, Locator::Id("again"), "after the storm has passed\n").await;
    wait_text(&c, "Your new password is set").await;
    axe(&c, &t, "server: settings after a new password").await;
    c.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_entry_is_written_by_keyboard_and_a_closed_tab_keeps_its_draft() {
    let Some(t) = tools() else { return };
    for d in engines() {
        let server = Server::start(d.path(), &[], &[]);
        let (_driver, c) = browser(&t, false).await;
        let base = format!("http://{}", server.host());
        c.goto(&server.url).await.expect("launch");
        wait_text(&c, "A question for today").await;
        click(&c, Locator::LinkText("Write about this")).await;
        wait_text(&c, "The question").await;
        axe(&c, &t, "journal write (from Today's question)").await;

        // Typing is kept on the server while it happens: the status says
        // so, and a page opened afresh (as after a closed tab) has it.
        type_into(&c, Locator::Id("body"), "Words typed before the tab closed.").await;
        wait_text(&c, "Draft saved.").await;
        c.goto(&format!("{base}/journal")).await.expect("journal");
        wait_text(&c, "Not saved yet").await;
        wait_text(&c, "Words typed before the tab closed.").await;
        axe(&c, &t, "journal with a draft").await;
        click(&c, Locator::LinkText("Words typed before the tab closed.")).await;
        wait_text(&c, "Your draft, kept").await;

        // By keyboard: more words, then Tab to Save entry and press Enter.
        let body = c.find(Locator::Id("body")).await.expect("body");
        body.click().await.expect("focus");
        body.send_keys(" And a few more, by keyboard.").await.expect("type");
        assert!(tab_to(&c, "button.primary").await, "Save entry is reachable by Tab");
        c.active_element().await.expect("focus").send_keys("\u{E007}").await.expect("enter");
        wait_text(&c, "Saved.").await;
        let focused = c.active_element().await.expect("focus").text().await.expect("text");
        assert!(focused.contains("Saved."), "the notice has focus, so it is heard: {focused:?}");
        let page = text(&c).await;
        assert!(
            page.contains("Words typed before the tab closed. And a few more, by keyboard."),
            "{page}"
        );
        axe(&c, &t, "journal entry (just saved)").await;
        c.goto(&format!("{base}/journal")).await.expect("journal");
        let list = text(&c).await;
        assert!(!list.contains("Not saved yet"), "the draft became the entry: {list}");

        // An entry that tells a protective story gets its card; Not this
        // time, reached by Tab, puts it away and the calm notice is heard.
        c.goto(&format!("{base}/journal/write")).await.expect("write");
        type_into(&c, Locator::Id("body"), "I told everyone I need space and I'm not saying how long.").await;
        assert!(tab_to(&c, "button.primary").await, "Save entry is reachable by Tab");
        c.active_element().await.expect("focus").send_keys("\u{E007}").await.expect("enter");
        wait_text(&c, "A story you may be telling").await;
        wait_text(&c, "What could you add so that this space has a way back?").await;
        axe(&c, &t, "journal entry with a story card").await;
        assert!(tab_to(&c, ".story-card button").await, "Not this time is reachable by Tab");
        c.active_element().await.expect("focus").send_keys("\u{E007}").await.expect("enter");
        wait_text(&c, "Put away. You know your own words best.").await;
        let focused = c.active_element().await.expect("focus").text().await.expect("text");
        assert!(focused.contains("Put away."), "the notice has focus: {focused:?}");
        assert!(!text(&c).await.contains("What could you add"), "the card is gone");

        // Search by keyboard alone: the Journal's link, the box, Enter; the
        // result count takes focus and the word found is marked.
        c.goto(&format!("{base}/journal")).await.expect("journal");
        assert!(tab_to(&c, "a[href='/journal/search']").await, "search is reachable by Tab");
        c.active_element().await.expect("focus").send_keys("\u{E007}").await.expect("enter");
        wait_text(&c, "How to search").await;
        type_into(&c, Locator::Id("s-q"), "\"told everyone\"").await;
        c.active_element().await.expect("focus").send_keys("\u{E007}").await.expect("enter");
        wait_text(&c, "1 record matches").await;
        let focused = c.active_element().await.expect("focus").text().await.expect("text");
        assert!(focused.contains("1 record matches"), "the result count has focus: {focused:?}");
        let marked = c
            .execute("return [...document.querySelectorAll('mark')].map(m => m.textContent);", vec![])
            .await
            .expect("marks");
        assert_eq!(marked, serde_json::json!(["told", "everyone"]), "the words found are marked");
        axe(&c, &t, "search results").await;
        c.close().await.expect("close");
    }
}
