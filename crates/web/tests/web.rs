//! The web app's promises, tested in-process through the real router: the
//! security stack (Host, launch token, session cookie, CSRF, Origin, headers,
//! body limit) and the urge journey (one tap, details, edit, delete).

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use drawbridge_core::Catalog;
use drawbridge_store::{DataKey, KeyFile, Location, Store, UrgeFilter, Workload};
use drawbridge_web::{AppState, ServerConfig};
use tower::ServiceExt;

const HOST: &str = "127.0.0.1:7878";
const ORIGIN: &str = "http://127.0.0.1:7878";

struct App {
    router: Router,
    state: AppState,
    token: String,
    _dir: tempfile::TempDir,
    _db: Option<drawbridge_store::testing::FreshDatabase>,
}

async fn app_with(store: Option<Store>, dir: tempfile::TempDir) -> App {
    app_on(store, dir, None).await
}

async fn app_on(store: Option<Store>, dir: tempfile::TempDir, db: Option<drawbridge_store::testing::FreshDatabase>) -> App {
    let location = Location {
        db: dir.path().join("drawbridge.db"),
        key: dir.path().join("drawbridge.key"),
        database_url: db.as_ref().map(|d| d.url.clone()),
    };
    let (state, token) = AppState::new(
        ServerConfig {
            addr: HOST.parse().expect("addr"),
            local_offset: time::UtcOffset::UTC,
            location,
            catalog: Catalog::embedded(),
            suggested_region: Some("IE".into()),
            metrics_from: vec![std::net::Ipv4Addr::LOCALHOST.into()],
            trusted_proxies: vec!["10.0.0.2".parse().expect("ip")],
            policy: drawbridge_web::Policy::Local,
        },
        store,
    );
    App {
        router: drawbridge_web::router(state.clone()),
        state,
        token,
        _dir: dir,
        _db: db,
    }
}

async fn app() -> App {
    let dir = tempfile::tempdir().expect("tempdir");
    let loc = Location {
        db: dir.path().join("drawbridge.db"),
        key: dir.path().join("drawbridge.key"),
        database_url: None,
    };
    let (store, _) = Store::open_or_create(&loc, None, Workload::Server).await.expect("store");
    app_with(Some(store), dir).await
}

/// The app on every engine this run can test: SQLite always, and a
/// PostgreSQL database of its own when `DATABASE_URL` names a server.
async fn apps() -> Vec<App> {
    let mut out = vec![app().await];
    if let Some(db) = drawbridge_store::testing::FreshDatabase::if_any().await {
        let dir = tempfile::tempdir().expect("tempdir");
        let loc = Location {
            db: dir.path().join("drawbridge.db"),
            key: dir.path().join("drawbridge.key"),
            database_url: Some(db.url.clone()),
        };
        let (store, _) = Store::open_or_create(&loc, None, Workload::Server).await.expect("PostgreSQL store");
        out.push(app_on(Some(store), dir, Some(db)).await);
    }
    out
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl App {
    async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = String::from_utf8_lossy(&to_bytes(res.into_body(), 1 << 22).await.expect("body")).into_owned();
        Resp { status, headers, body }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Resp {
        let mut b = Request::get(path).header(header::HOST, HOST);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).expect("request")).await
    }

    async fn post(&self, path: &str, cookie: &str, origin: Option<&str>, form: &str) -> Resp {
        let mut b = Request::post(path)
            .header(header::HOST, HOST)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        self.send(b.body(Body::from(form.to_string())).expect("request")).await
    }

    /// Sign in with the launch token; returns the cookie and the CSRF token.
    async fn sign_in(&self) -> (String, String) {
        let r = self.get(&format!("/login?token={}", self.token), None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let set = r
            .headers
            .get(header::SET_COOKIE)
            .expect("cookie")
            .to_str()
            .expect("ascii")
            .to_string();
        let cookie = set.split(';').next().expect("pair").to_string();
        let today = self.get("/", Some(&cookie)).await;
        assert_eq!(today.status, StatusCode::OK, "{}", today.body);
        (cookie, csrf_of(&today.body))
    }

    async fn store(&self) -> Store {
        self.state.store().await.expect("unlocked")
    }
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    html[at..at + 64].to_string()
}

#[tokio::test]
async fn a_request_for_another_host_name_is_refused() {
    let app = app().await;
    for host in ["evil.example:7878", "127.0.0.1:9999", "attacker.test"] {
        let req = Request::get("/help").header(header::HOST, host).body(Body::empty()).expect("req");
        let r = app.send(req).await;
        assert_eq!(r.status, StatusCode::MISDIRECTED_REQUEST, "{host}");
        assert!(r.body.contains("http://127.0.0.1:7878"));
    }
    let req = Request::get("/help")
        .header(header::HOST, "localhost:7878")
        .body(Body::empty())
        .expect("req");
    assert_eq!(app.send(req).await.status, StatusCode::OK);
}

#[tokio::test]
async fn without_a_session_pages_explain_how_to_get_in_but_help_is_open() {
    let app = app().await;
    // Every group but the public one: an unknown address too says nothing
    // to a browser that is not signed in.
    for path in [
        "/",
        "/moments",
        "/settings",
        "/urges/01936d3e-8f00-7000-8000-000000000001",
        "/urges/not-an-id",
        "/ledger",
        "/practice/records/01936d3e-8f00-7000-8000-000000000001",
        "/after/resets",
        "/safety-plan",
        "/settings/questionnaires",
        "/unlock",
        "/no-such-page",
    ] {
        let r = app.get(path, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(r.body.contains("Open drawbridge from your terminal"), "{path}");
        assert!(!r.body.contains("name=\"csrf\""));
    }
    let forged = app.get("/", Some("drawbridge_session=0000")).await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    let post = app.post("/urges", "drawbridge_session=0000", Some(ORIGIN), "kind=go-quiet").await;
    assert_eq!(post.status, StatusCode::UNAUTHORIZED, "a form without a session saves nothing");
    let help = app.get("/help", None).await;
    assert_eq!(help.status, StatusCode::OK);
    assert!(
        help.body.contains("Find A Helpline") || help.body.contains("findahelpline"),
        "international lines by default"
    );
}

#[tokio::test]
async fn the_launch_token_works_once_and_gives_a_strict_http_only_cookie() {
    let app = app().await;
    let wrong = app.get("/login?token=nope", None).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert!(wrong.headers.get(header::SET_COOKIE).is_none());
    let r = app.get(&format!("/login?token={}", app.token), None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = r.headers.get(header::SET_COOKIE).expect("cookie").to_str().expect("ascii");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    let again = app.get(&format!("/login?token={}", app.token), None).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN, "a used token opens nothing");
    assert!(again.body.contains("already been used"));
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_pages_are_not_stored() {
    let app = app().await;
    let (cookie, _) = app.sign_in().await;
    for path in ["/", "/help", "/moments", "/nope", "/static/app.css"] {
        let r = app.get(path, Some(&cookie)).await;
        let h = |n: &str| r.headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let csp = h("content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(
            h("referrer-policy"),
            "same-origin",
            "{path}: no-referrer would make browsers send Origin: null on our own forms"
        );
        if path != "/static/app.css" {
            assert_eq!(h("cache-control"), "no-store", "{path}");
        }
    }
}

#[tokio::test]
async fn pages_hold_no_inline_script_or_style() {
    let app = app().await;
    let (cookie, _) = app.sign_in().await;
    for path in ["/", "/help", "/moments", "/settings"] {
        let body = app.get(path, Some(&cookie)).await.body;
        let scripts: Vec<&str> = body.split("<script").skip(1).collect();
        assert!(
            scripts.iter().all(|s| s.starts_with(" src=\"/static/app.js\" defer></script>")),
            "{path}: only our own script file"
        );
        assert!(!body.contains("<style"), "{path}");
        assert!(!body.contains("style=\""), "{path}");
        assert!(
            !body.contains("http://") && !body.contains("https://fonts"),
            "{path}: no third-party assets"
        );
    }
}

#[tokio::test]
async fn a_form_without_the_csrf_token_or_from_another_origin_changes_nothing() {
    let app = app().await;
    let (cookie, csrf) = app.sign_in().await;
    let missing = app.post("/urges", &cookie, Some(ORIGIN), "kind=busy").await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let wrong = app.post("/urges", &cookie, Some(ORIGIN), "kind=busy&csrf=abc").await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let cross = app
        .post("/urges", &cookie, Some("http://evil.example"), &format!("kind=busy&csrf={csrf}"))
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let no_origin = app.post("/urges", &cookie, None, &format!("kind=busy&csrf={csrf}")).await;
    assert_eq!(no_origin.status, StatusCode::FORBIDDEN);
    assert!(app.store().await.urges(&UrgeFilter::default()).await.expect("list").is_empty());
    let ok = app.post("/urges", &cookie, Some(ORIGIN), &format!("kind=busy&csrf={csrf}")).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(app.store().await.urges(&UrgeFilter::default()).await.expect("list").len(), 1);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = app().await;
    let (cookie, csrf) = app.sign_in().await;
    let big = format!("csrf={csrf}&kind=busy&note={}", "a".repeat(70 * 1024));
    let r = app.post("/urges", &cookie, Some(ORIGIN), &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn one_tap_saves_then_details_edit_and_delete_work() {
    for app in apps().await {
        let (cookie, csrf) = app.sign_in().await;
        let today = app.get("/", Some(&cookie)).await.body;
        for kind in drawbridge_core::urge::REQUIRED_KINDS {
            assert!(today.contains(&format!("name=\"kind\" value=\"{kind}\"")), "Today offers {kind}");
        }
        let r = app
            .post("/urges", &cookie, Some(ORIGIN), &format!("csrf={csrf}&kind=go-quiet"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let location = r
            .headers
            .get(header::LOCATION)
            .expect("location")
            .to_str()
            .expect("ascii")
            .to_string();
        assert!(location.ends_with("?saved=1"), "{location}");
        let details = app.get(&location, Some(&cookie)).await;
        assert!(details.body.contains("Saved: Go quiet"), "{}", details.body);

        let path = location.trim_end_matches("?saved=1").to_string();
        // A bad value keeps what was typed and says what to fix.
        let bad = app
            .post(
                &path,
                &cookie,
                Some(ORIGIN),
                &format!("csrf={csrf}&kind=go-quiet&intensity=eleven&note=kept+words&did=stayed"),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("kept words"), "the note survives a failed save");
        assert!(bad.body.contains("Choose a number from 0 to 10"));

        let form = format!(
            "csrf={csrf}&kind=go-quiet&intensity=6&body=tight-chest&about=Sam&did=third-way&note=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
        );
        let saved = app.post(&path, &cookie, Some(ORIGIN), &form).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let urges = app.store().await.urges(&UrgeFilter::default()).await.expect("list");
        let e = &urges[0].entry;
        assert_eq!(
            (e.intensity, e.did.as_deref(), e.about.as_deref()),
            (Some(6), Some("third-way"), Some("Sam"))
        );

        let list = app.get("/moments", Some(&cookie)).await.body;
        assert!(
            list.contains("&#60;script&#62;") || list.contains("&lt;script&gt;"),
            "user text is escaped"
        );
        assert!(!list.contains("<script>alert"));
        let filtered = app.get("/moments?kind=busy", Some(&cookie)).await.body;
        assert!(filtered.contains("Nothing matches these filters"));
        let summary = app.get("/", Some(&cookie)).await.body;
        assert!(
            summary.contains("You noticed 1 urge to pull away, and caught 1 before acting"),
            "{summary}"
        );

        let confirm = app.get(&format!("{path}/delete"), Some(&cookie)).await;
        assert!(confirm.body.contains("removed for good"));
        let gone = app
            .post(&format!("{path}/delete"), &cookie, Some(ORIGIN), &format!("csrf={csrf}"))
            .await;
        assert_eq!(gone.status, StatusCode::SEE_OTHER);
        assert!(app.store().await.urges(&UrgeFilter::default()).await.expect("list").is_empty());
        assert_eq!(app.get(&path, Some(&cookie)).await.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_chosen_region_leads_the_help_page() {
    for app in apps().await {
        let (cookie, csrf) = app.sign_in().await;
        let r = app
            .post("/settings", &cookie, Some(ORIGIN), &format!("csrf={csrf}&region=UK"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let help = app.get("/help", Some(&cookie)).await.body;
        assert!(help.contains("Samaritans"), "UK lines shown");
        assert!(help.contains("999"), "UK emergency number shown");
        assert!(help.contains("last checked"));
        let other = app.get("/help?region=AU", Some(&cookie)).await.body;
        assert!(other.contains("13 11 14"));
    }
}

#[tokio::test]
async fn passphrase_mode_starts_locked_and_unlocks_with_the_passphrase() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loc = Location {
        db: dir.path().join("drawbridge.db"),
        key: dir.path().join("drawbridge.key"),
        database_url: None,
    };
    Store::open_or_create(&loc, None, Workload::Command)
        .await
        .expect("create")
        .0
        .close()
        .await;
    let key: DataKey = KeyFile::read(&loc.key)
        .expect("read")
        .expect("kf")
        .unlock(&loc.key, None)
        .expect("key");
    KeyFile::wrapped(&key, "open sesame please")
        .expect("wrap")
        .write(&loc.key)
        .expect("write");
    let app = app_with(None, dir).await;
    let r = app.get(&format!("/login?token={}", app.token), None).await;
    let cookie = r
        .headers
        .get(header::SET_COOKIE)
        .expect("cookie")
        .to_str()
        .expect("ascii")
        .split(';')
        .next()
        .expect("pair")
        .to_string();
    let locked = app.get("/", Some(&cookie)).await;
    assert_eq!(locked.status, StatusCode::SEE_OTHER);
    assert_eq!(locked.headers.get(header::LOCATION).expect("loc"), "/unlock");
    let page = app.get("/unlock", Some(&cookie)).await;
    let csrf = csrf_of(&page.body);
    let wrong = app
        .post("/unlock", &cookie, Some(ORIGIN), &format!("csrf={csrf}&passphrase=guess"))
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("did not open your data"));
    assert!(!app.state.is_unlocked().await);
    let right = app
        .post(
            "/unlock",
            &cookie,
            Some(ORIGIN),
            &format!("csrf={csrf}&passphrase=open+sesame+please"),
        )
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/", Some(&cookie)).await.status, StatusCode::OK);
}

fn all_answers_form(inst: &drawbridge_core::assess::Instrument, page: usize, value: i64, nav: &str, csrf: &str) -> String {
    let mut form = format!("csrf={csrf}&nav={nav}");
    for item in &inst.pages()[page - 1].items {
        form.push_str(&format!("&a-{item}={value}"));
    }
    form
}

#[tokio::test]
async fn the_quiz_saves_each_page_resumes_and_finishes_into_a_profile() {
    for app in apps().await {
        let (cookie, csrf) = app.sign_in().await;
        let today = app.get("/", Some(&cookie)).await.body;
        assert!(today.contains("Take the Patterns Quiz"), "Today invites a new person to the quiz");
        let intro = app.get("/quiz/patterns", Some(&cookie)).await;
        assert!(intro.body.contains("not a diagnosis"), "the about text says what it is and is not");
        let start = app
            .post("/quiz/patterns/start", &cookie, Some(ORIGIN), &format!("csrf={csrf}"))
            .await;
        assert_eq!(start.headers.get(header::LOCATION).expect("loc"), "/quiz/patterns/1");
        let inst = Catalog::embedded().instrument("patterns").expect("patterns").clone();
        let page1 = app.get("/quiz/patterns/1", Some(&cookie)).await.body;
        assert!(page1.contains("<progress") && page1.contains("Page 1 of 5"));
        assert!(page1.contains("<fieldset class=\"question\">") && page1.contains("<legend>"));

        let r = app
            .post(
                "/quiz/patterns/1",
                &cookie,
                Some(ORIGIN),
                &all_answers_form(&inst, 1, 6, "next", &csrf),
            )
            .await;
        assert_eq!(r.headers.get(header::LOCATION).expect("loc"), "/quiz/patterns/2");
        // Leave, come back: it carries on where it stopped.
        let later = app
            .post("/quiz/patterns/2", &cookie, Some(ORIGIN), &format!("csrf={csrf}&nav=later"))
            .await;
        assert_eq!(later.headers.get(header::LOCATION).expect("loc"), "/quiz/patterns?saved=1");
        assert!(app.get("/", Some(&cookie)).await.body.contains("You have answered 10 of 50"));
        let resume = app
            .post("/quiz/patterns/start", &cookie, Some(ORIGIN), &format!("csrf={csrf}"))
            .await;
        assert_eq!(resume.headers.get(header::LOCATION).expect("loc"), "/quiz/patterns/2");
        // Change an answer on page 1: the saved one shows as checked.
        let back = app.get("/quiz/patterns/1", Some(&cookie)).await.body;
        assert!(
            back.contains(&format!("name=\"a-{}\" value=\"6\" checked", inst.pages()[0].items[0])),
            "earlier answers are shown"
        );
        app.post(
            "/quiz/patterns/1",
            &cookie,
            Some(ORIGIN),
            &all_answers_form(&inst, 1, 2, "next", &csrf),
        )
        .await;
        for page in 2..=4 {
            app.post(
                &format!("/quiz/patterns/{page}"),
                &cookie,
                Some(ORIGIN),
                &all_answers_form(&inst, page, 5, "next", &csrf),
            )
            .await;
        }
        let tampered = app
            .post("/quiz/patterns/5", &cookie, Some(ORIGIN), &format!("csrf={csrf}&a-av1=9"))
            .await;
        assert_eq!(tampered.status, StatusCode::UNPROCESSABLE_ENTITY);
        let done = app
            .post(
                "/quiz/patterns/5",
                &cookie,
                Some(ORIGIN),
                &all_answers_form(&inst, 5, 3, "finish", &csrf),
            )
            .await;
        let to = done
            .headers
            .get(header::LOCATION)
            .expect("loc")
            .to_str()
            .expect("ascii")
            .to_string();
        assert!(to.starts_with("/profile?result="), "{to}");

        let results = app.store().await.quiz_results(Some("patterns")).await.expect("results");
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].answers.len(), 50);
        assert_eq!(results[0].answers[&inst.pages()[0].items[0]], 2, "the changed answer counts");

        let profile = app.get(&to, Some(&cookie)).await.body;
        assert!(profile.contains("not a diagnosis"), "the disclaimer is shown with results");
        assert!(profile.contains("<svg") && profile.contains("role=\"img\"") && profile.contains("<desc id=\"map-desc\">"));
        assert!(profile.contains("The map as a table"));
        assert!(profile.contains("Protective habits that stand out"));
        assert!(profile.contains("Capacities, the one to build first at the top"));
        assert!(!app.get("/", Some(&cookie)).await.body.contains("Take the Patterns Quiz"));
    }
}

#[tokio::test]
async fn a_second_result_shows_change_over_time_without_claiming_it_is_real() {
    let app = app().await;
    let (cookie, csrf) = app.sign_in().await;
    let inst = Catalog::embedded().instrument("patterns").expect("patterns").clone();
    for value in [6, 2] {
        app.post("/quiz/patterns/start", &cookie, Some(ORIGIN), &format!("csrf={csrf}"))
            .await;
        for page in 1..=5 {
            let nav = if page == 5 { "finish" } else { "next" };
            app.post(
                &format!("/quiz/patterns/{page}"),
                &cookie,
                Some(ORIGIN),
                &all_answers_form(&inst, page, value, nav, &csrf),
            )
            .await;
        }
    }
    let profile = app.get("/profile", Some(&cookie)).await.body;
    assert!(profile.contains("Over time"), "history appears with two results");
    assert!(profile.contains("Since first"));
    assert!(profile.contains("class=\"earlier\""), "the earlier result is on the map");
    assert!(profile.contains("without saying whether it is more than everyday variation"));
}

#[tokio::test]
async fn questionnaires_can_be_added_and_scoring_keys_worded_from_the_page() {
    for app in apps().await {
        let (cookie, csrf) = app.sign_in().await;
        let page = app.get("/settings/questionnaires", Some(&cookie)).await.body;
        assert!(page.contains("Scoring key: wording needed"));
        let bad = "id = \"mine\"\ntitle = \"Mine\"\nversion = 1\nabout = \"x\"\nresponse = { min = 3, max = 1 }\n[[items]]\nid = \"a\"\ntext = \"A\"\n[[scales]]\nid = \"s\"\ntitle = \"S\"\nitems = [\"a\"]\nmethod = \"mean\"\n";
        let enc = |s: &str| {
            s.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>()
        };
        let r = app
            .post(
                "/settings/questionnaires/add",
                &cookie,
                Some(ORIGIN),
                &format!("csrf={csrf}&source={}", enc(bad)),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("line 5") && r.body.contains("must be below max"), "{}", r.body);
        assert!(
            r.body.contains("title = &#34;Mine&#34;") || r.body.contains("title = &quot;Mine&quot;"),
            "the pasted text is kept"
        );
        let good = bad.replace("min = 3, max = 1", "min = 1, max = 3");
        let r = app
            .post(
                "/settings/questionnaires/add",
                &cookie,
                Some(ORIGIN),
                &format!("csrf={csrf}&source={}", enc(&good)),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            app.get("/quiz/mine", Some(&cookie)).await.body.contains("1 statement on 1 page."),
            "the added questionnaire can be taken"
        );

        let words: String = (1..=9).map(|n| format!("Statement {n}\n")).collect();
        let r = app
            .post(
                "/settings/questionnaires/wording",
                &cookie,
                Some(ORIGIN),
                &format!("csrf={csrf}&instrument=ecr-rs&wording={}", enc("just one")),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("has 9 items"));
        let r = app
            .post(
                "/settings/questionnaires/wording",
                &cookie,
                Some(ORIGIN),
                &format!("csrf={csrf}&instrument=ecr-rs&wording={}", enc(&words)),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let intro = app.get("/quiz/ecr-rs", Some(&cookie)).await.body;
        assert!(intro.contains("Which relationship"), "worded, it can be taken");
    }
}

#[tokio::test]
async fn practice_starts_with_a_calibration_then_plans_and_follows_up_experiments() {
    for app in apps().await {
        let (cookie, csrf) = app.sign_in().await;
        let today = app.get("/", Some(&cookie)).await.body;
        assert!(today.contains("Find your starting stage"));
        let start = app.get("/practice/start", Some(&cookie)).await.body;
        assert!(
            start.contains("type=\"range\"") && start.contains("aria-valuetext"),
            "ratings are native range inputs with words"
        );
        let r = app
            .post(
                "/practice/start",
                &cookie,
                Some(ORIGIN),
                &format!("csrf={csrf}&s1=20&s2=30&s3=70&s4=90"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(app.store().await.pacing().await.expect("pacing").map(|p| p.stage), Some(2));

        let today = app.get("/", Some(&cookie)).await.body;
        assert!(
            today.contains("Today's practice") && today.contains("Chosen because"),
            "the suggestion says why"
        );
        let at = today.find("/practice/plan?experiment=").expect("plan link") + "/practice/plan?experiment=".len();
        let id: String = today[at..].chars().take_while(|c| *c != '"').collect();

        let missing = app
            .post(
                "/practice/plan",
                &cookie,
                Some(ORIGIN),
                &format!("csrf={csrf}&experiment={id}&prediction=&belief=70"),
            )
            .await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(missing.body.contains("Write what you fear"));
        let planned = app
            .post(
                "/practice/plan",
                &cookie,
                Some(ORIGIN),
                &format!("csrf={csrf}&experiment={id}&with=Sam&when=2026-11-21&prediction=Sam+will+sigh&belief=70&want=60&expect=40"),
            )
            .await;
        assert_eq!(planned.status, StatusCode::SEE_OTHER);
        let record_url = planned
            .headers
            .get(header::LOCATION)
            .expect("loc")
            .to_str()
            .expect("ascii")
            .to_string();
        let record_path = record_url.split('?').next().expect("path").to_string();
        assert!(app.get(&record_url, Some(&cookie)).await.body.contains("Sam will sigh"));

        let no_outcome = app.post(&record_path, &cookie, Some(ORIGIN), &format!("csrf={csrf}&peak=40")).await;
        assert_eq!(no_outcome.status, StatusCode::UNPROCESSABLE_ENTITY);
        let done = app
            .post(
                &record_path,
                &cookie,
                Some(ORIGIN),
                &format!("csrf={csrf}&outcome=better&peak=40&after=10&belief_after=30&capacity=60&learned=Sam+was+kind"),
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        let page = app.get(&record_path, Some(&cookie)).await.body;
        assert!(page.contains("60% of your capacity") && page.contains("down from 70%"), "{page}");
        let ledger = app.get("/ledger", Some(&cookie)).await.body;
        assert!(ledger.contains("Sam was kind") && ledger.contains("role=\"img\"") && ledger.contains("The chart as a table"));
    }
}

#[tokio::test]
async fn a_flood_shows_support_and_the_engine_offers_a_step_only_when_ready() {
    for app in apps().await {
        let (cookie, csrf) = app.sign_in().await;
        let s = app.store().await;
        s.set_stage(1).await.expect("stage");
        let lib: Vec<String> = Catalog::embedded()
            .experiments()
            .iter()
            .filter(|e| e.stage == 1)
            .map(|e| e.id.clone())
            .collect();
        let mut record = String::new();
        for (i, outcome) in ["better", "mixed", "better"].iter().enumerate() {
            let r = app
                .post(
                    "/practice/plan",
                    &cookie,
                    Some(ORIGIN),
                    &format!(
                        "csrf={csrf}&experiment={}&when=2026-11-21&prediction=p&belief=70&want=60&expect=40",
                        lib[i]
                    ),
                )
                .await;
            record = r
                .headers
                .get(header::LOCATION)
                .expect("loc")
                .to_str()
                .expect("ascii")
                .split('?')
                .next()
                .expect("path")
                .to_string();
            app.post(
                &record,
                &cookie,
                Some(ORIGIN),
                &format!("csrf={csrf}&outcome={outcome}&peak=40&after=10&belief_after=30&capacity=60"),
            )
            .await;
        }
        let today = app.get("/", Some(&cookie)).await.body;
        assert!(today.contains("Move up to stage 2"), "ready after three calm experiments");
        let r = app
            .post("/practice/stage", &cookie, Some(ORIGIN), &format!("csrf={csrf}&stage=2"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(s.pacing().await.expect("pacing").map(|p| p.stage), Some(2));
        let _ = record;
        let lib2 = Catalog::embedded()
            .experiments()
            .iter()
            .find(|e| e.stage == 2)
            .expect("one")
            .id
            .clone();
        let r = app
            .post(
                "/practice/plan",
                &cookie,
                Some(ORIGIN),
                &format!("csrf={csrf}&experiment={lib2}&when=2026-11-21&prediction=p&belief=70&want=60&expect=40"),
            )
            .await;
        let path = r
            .headers
            .get(header::LOCATION)
            .expect("loc")
            .to_str()
            .expect("ascii")
            .split('?')
            .next()
            .expect("path")
            .to_string();
        app.post(
            &path,
            &cookie,
            Some(ORIGIN),
            &format!("csrf={csrf}&outcome=worse&peak=90&after=70&belief_after=85&capacity=20&flooded=1"),
        )
        .await;
        let page = app.get(&path, Some(&cookie)).await.body;
        assert!(
            page.contains("After a hard one") && page.contains("smaller version"),
            "support after a flood"
        );
        assert!(!app.get("/", Some(&cookie)).await.body.contains("Move up to stage"));
    }
}

#[tokio::test]
async fn the_calendar_feed_needs_its_own_token_and_can_be_revoked() {
    for app in apps().await {
        let (cookie, csrf) = app.sign_in().await;
        assert_eq!(app.get("/calendar/nothing.ics", None).await.status, StatusCode::NOT_FOUND);
        app.post("/practice/feed", &cookie, Some(ORIGIN), &format!("csrf={csrf}")).await;
        let settings = app.get("/practice/settings", Some(&cookie)).await.body;
        let at = settings.find("/calendar/").expect("feed url");
        let path: String = settings[at..].chars().take_while(|c| *c != '"').collect();
        let feed = app.get(&path, None).await;
        assert_eq!(feed.status, StatusCode::OK, "calendar apps have no session");
        assert_eq!(
            feed.headers.get(header::CONTENT_TYPE).expect("type"),
            "text/calendar; charset=utf-8"
        );
        assert!(feed.body.starts_with("BEGIN:VCALENDAR") && feed.body.contains("BEGIN:VALARM"));
        app.post("/practice/feed", &cookie, Some(ORIGIN), &format!("csrf={csrf}&action=revoke"))
            .await;
        assert_eq!(
            app.get(&path, None).await.status,
            StatusCode::NOT_FOUND,
            "a revoked address reads nothing"
        );
    }
}

#[tokio::test]
async fn the_challenge_starts_from_today_and_checks_off_with_a_reflection() {
    for app in apps().await {
        let (cookie, csrf) = app.sign_in().await;
        app.store().await.set_stage(1).await.expect("stage");
        let today = app.get("/", Some(&cookie)).await.body;
        assert!(today.contains("Start the 7-day connection challenge"), "{today}");
        app.post(
            "/practice/programs/start",
            &cookie,
            Some(ORIGIN),
            &format!("csrf={csrf}&program=connection-7"),
        )
        .await;
        let today = app.get("/", Some(&cookie)).await.body;
        assert!(today.contains("day 1 of 7") && today.contains("Check off today"));
        let r = app
            .post(
                "/practice/programs/check-off",
                &cookie,
                Some(ORIGIN),
                &format!("csrf={csrf}&reflection=It+was+fine"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let today = app.get("/?checked=1", Some(&cookie)).await.body;
        assert!(today.contains("Checked off for today"));
        let runs = app.store().await.program_runs().await.expect("runs");
        assert_eq!(runs[0].entries[0].reflection.as_deref(), Some("It was fine"));
        // Once its days have passed, the run shows its summary and reflections.
        let mut old = runs[0].clone();
        old.started_on -= time::Duration::days(10);
        app.store().await.save_program_run(&old).await.expect("age the run");
        let settings = app.get("/practice/settings", Some(&cookie)).await.body;
        assert!(
            settings.contains("Programs you have finished")
                && settings.contains("1 of 7 practice days checked off")
                && settings.contains("It was fine"),
            "{settings}"
        );
    }
}

/// Plan a custom experiment for a past day; returns the record's path.
async fn planned_record(app: &App, cookie: &str, csrf: &str) -> String {
    let planned = app
        .post(
            "/practice/plan",
            cookie,
            Some(ORIGIN),
            &format!("csrf={csrf}&custom=Tell+Ruth+I+missed+her&when=2026-11-21&prediction=She+will+think+I+am+too+much&belief=70&want=60&expect=40"),
        )
        .await;
    assert_eq!(planned.status, StatusCode::SEE_OTHER, "{}", planned.body);
    let loc = planned.headers.get(header::LOCATION).expect("loc").to_str().expect("ascii");
    loc.split('?').next().expect("path").to_string()
}

#[tokio::test]
async fn a_second_follow_up_is_refused_and_the_first_words_stay_and_can_be_edited() {
    for app in apps().await {
        let (cookie, csrf) = app.sign_in().await;
        app.store().await.set_stage(2).await.expect("stage");
        let path = planned_record(&app, &cookie, &csrf).await;
        let first = format!(
            "csrf={csrf}&outcome=better&peak=40&after=10&belief_after=30&capacity=60&happened=She+hugged+me&learned=Saying+it+was+fine"
        );
        assert_eq!(app.post(&path, &cookie, Some(ORIGIN), &first).await.status, StatusCode::SEE_OTHER);
        // The same form sent again (a second tab, a resend) with nothing in it.
        let again = app
            .post(
                &path,
                &cookie,
                Some(ORIGIN),
                &format!("csrf={csrf}&outcome=worse&peak=90&after=80&belief_after=100&capacity=10"),
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(again.body.contains("followed up already"), "{}", again.body);
        let page = app.get(&path, Some(&cookie)).await.body;
        assert!(
            page.contains("She hugged me") && page.contains("Saying it was fine"),
            "both are shown again"
        );
        assert!(page.contains("down from 70%"), "{page}");

        // Edit twice: both earlier versions are shown.
        for words in ["She+hugged+me+and+said+same", "She+hugged+me%3B+I+stayed"] {
            let r = app
                .post(
                    &format!("{path}/edit"),
                    &cookie,
                    Some(ORIGIN),
                    &format!("csrf={csrf}&prediction=She+will+think+I+am+too+much&with=&happened={words}&learned=Saying+it+was+fine"),
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
        }
        let page = app.get(&format!("{path}?edited=1"), Some(&cookie)).await.body;
        assert!(page.contains("She hugged me; I stayed"), "{page}");
        assert!(page.contains("Earlier words"), "{page}");
        assert!(
            page.contains("what happened, until") && page.contains("She hugged me and said same"),
            "{page}"
        );
        let empty = app
            .post(&format!("{path}/edit"), &cookie, Some(ORIGIN), &format!("csrf={csrf}&prediction=+"))
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn bad_values_get_the_form_back_with_a_message_never_a_quiet_substitute() {
    let app = app().await;
    let (cookie, csrf) = app.sign_in().await;
    app.store().await.set_stage(2).await.expect("stage");
    let r = app
        .post(
            "/practice/plan",
            &cookie,
            Some(ORIGIN),
            &format!("csrf={csrf}&custom=Call+Sam&when=2026-11-21&prediction=He+will+be+busy&belief=500&want=60&expect=40"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("from 0 to 100") && r.body.contains("500"), "{}", r.body);
    assert!(r.body.contains("He will be busy"), "what was typed is kept in the form");
    assert!(app.store().await.experiment_records(None, 10).await.expect("records").is_empty());

    let r = app
        .post("/practice/stage", &cookie, Some(ORIGIN), &format!("csrf={csrf}&stage=9"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The stages are 1 to 4"), "{}", r.body);
    assert_eq!(app.store().await.pacing().await.expect("pacing").map(|p| p.stage), Some(2));

    let r = app
        .post(
            "/practice/settings",
            &cookie,
            Some(ORIGIN),
            &format!("csrf={csrf}&window=250&reminder=19:00"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let r = app
        .post("/settings", &cookie, Some(ORIGIN), &format!("csrf={csrf}&region=XX"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("XX") && r.body.contains("not one of the regions"), "{}", r.body);
    assert_eq!(app.store().await.setting("region").await.expect("region"), None);

    let r = app
        .post(
            "/practice/start",
            &cookie,
            Some(ORIGIN),
            &format!("csrf={csrf}&s1=20&s2=x&s3=70&s4=90"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A follow-up for a day still ahead waits for that day.
    let ahead = (time::OffsetDateTime::now_utc() + time::Duration::days(3)).date();
    let planned = app
        .post(
            "/practice/plan",
            &cookie,
            Some(ORIGIN),
            &format!("csrf={csrf}&custom=Call+Sam&when={ahead}&prediction=He+will+be+busy&belief=50&want=60&expect=40"),
        )
        .await;
    let loc = planned
        .headers
        .get(header::LOCATION)
        .expect("loc")
        .to_str()
        .expect("ascii")
        .to_string();
    let path = loc.split('?').next().expect("path");
    let r = app
        .post(
            path,
            &cookie,
            Some(ORIGIN),
            &format!("csrf={csrf}&outcome=better&peak=40&after=10&belief_after=30&capacity=60"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("has not come yet"), "{}", r.body);
}

#[tokio::test]
async fn a_day_checked_off_twice_changes_its_reflection_and_programs_can_stop_or_switch() {
    for app in apps().await {
        let (cookie, csrf) = app.sign_in().await;
        app.store().await.set_stage(1).await.expect("stage");
        app.post(
            "/practice/programs/start",
            &cookie,
            Some(ORIGIN),
            &format!("csrf={csrf}&program=connection-7"),
        )
        .await;
        for words in ["It+was+strange", "Strange%2C+then+warm"] {
            let r = app
                .post(
                    "/practice/programs/check-off",
                    &cookie,
                    Some(ORIGIN),
                    &format!("csrf={csrf}&reflection={words}"),
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
        }
        let today = app.get("/?reflection=1", Some(&cookie)).await.body;
        assert!(
            today.contains("Strange, then warm"),
            "the reflection can be read and changed on Today"
        );
        let settings = app.get("/practice/settings", Some(&cookie)).await.body;
        assert!(
            settings.contains("Strange, then warm") && settings.contains("It was strange"),
            "{settings}"
        );
        let r = app
            .post(
                "/practice/programs/start",
                &cookie,
                Some(ORIGIN),
                &format!("csrf={csrf}&program=ladder-4w&switch=1"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let runs = app.store().await.program_runs().await.expect("runs");
        assert_eq!(runs.len(), 2);
        assert!(runs[0].stopped_on.is_some() && runs[1].stopped_on.is_none());
        app.post("/practice/programs/stop", &cookie, Some(ORIGIN), &format!("csrf={csrf}"))
            .await;
        let settings = app.get("/practice/settings", Some(&cookie)).await.body;
        assert!(
            settings.contains("finished or stopped") && settings.contains("stopped"),
            "{settings}"
        );
        assert!(settings.contains("It was strange"), "earlier words stay readable");
    }
}

#[tokio::test]
async fn resets_pauses_and_their_words_come_back_where_a_person_would_look() {
    for app in apps().await {
        let (cookie, csrf) = app.sign_in().await;
        app.store().await.set_stage(2).await.expect("stage");
        let path = planned_record(&app, &cookie, &csrf).await;
        let id = path.rsplit('/').next().expect("id").to_string();
        app.post(
            &path,
            &cookie,
            Some(ORIGIN),
            &format!("csrf={csrf}&outcome=worse&peak=90&after=60&belief_after=80&capacity=70"),
        )
        .await;
        let r = app
            .post(
                "/after",
                &cookie,
                Some(ORIGIN),
                &format!(
                    "csrf={csrf}&record={id}&capacity=70&happened=She+looked+at+her+phone&felt=Small&truth=She+was+waiting+for+a+call"
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let after = app.get("/after", Some(&cookie)).await.body;
        assert!(after.contains("/after/resets"), "the reset page links to what was saved");
        let list = app.get("/after/resets", Some(&cookie)).await.body;
        assert!(
            list.contains("She looked at her phone") && list.contains("She was waiting for a call"),
            "{list}"
        );
        let record = app.get(&path, Some(&cookie)).await.body;
        let at = record.find("/after/resets/").expect("the experiment links to its reset");
        let reset_path: String = record[at..].chars().take_while(|c| *c != '"').collect();
        let one = app.get(&reset_path, Some(&cookie)).await;
        assert_eq!(one.status, StatusCode::OK);
        assert!(one.body.contains("Small") && one.body.contains("70%"), "{}", one.body);

        // The safety plan and an urge, edited: their earlier words are shown.
        let mut plan = drawbridge_core::safety::SafetyPlan::default();
        plan.set("warning-signs", "I stop eating").expect("set");
        app.store().await.set_safety_plan(&plan).await.expect("save");
        plan.set("warning-signs", "I stop answering my sister").expect("set");
        app.store().await.set_safety_plan(&plan).await.expect("save again");
        let page = app.get("/safety-plan", Some(&cookie)).await.body;
        assert!(page.contains("Earlier words") && page.contains("I stop eating"), "{page}");
        let u = app
            .store()
            .await
            .add_urge(
                drawbridge_core::urge::UrgeEntry {
                    kind: "busy".into(),
                    intensity: None,
                    body: None,
                    about: None,
                    did: None,
                    note: Some("first note".into()),
                },
                time::OffsetDateTime::now_utc(),
            )
            .await
            .expect("urge");
        let r = app
            .post(
                &format!("/urges/{}", u.id),
                &cookie,
                Some(ORIGIN),
                &format!("csrf={csrf}&kind=busy&note=second+note"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = app.get(&format!("/urges/{}", u.id), Some(&cookie)).await.body;
        assert!(
            page.contains("second note") && page.contains("first note") && page.contains("Earlier words"),
            "{page}"
        );

        app.store().await.add_pause("short", 85, true).await.expect("pause");
        let moments = app.get("/moments", Some(&cookie)).await.body;
        assert!(moments.contains("Pauses") && moments.contains("1 minute"), "{moments}");
        assert!(!moments.contains(".000000"), "datetime values have no six-digit fractions");
    }
}

#[tokio::test]
async fn an_emergency_link_dials_only_a_real_number() {
    let app = app().await;
    let (cookie, csrf) = app.sign_in().await;
    for (region, dial) in [("INTL", None), ("UK", Some("tel:999"))] {
        app.post("/settings", &cookie, Some(ORIGIN), &format!("csrf={csrf}&region={region}"))
            .await;
        let help = app.get("/help", Some(&cookie)).await.body;
        let panel = app.get("/moments?care=1", Some(&cookie)).await.body;
        for page in [&help, &panel] {
            assert!(!page.contains("tel:your"), "no link to words: {region}");
            for tel in page.match_indices("href=\"tel:").map(|(i, _)| &page[i + 10..]) {
                let number: String = tel.chars().take_while(|c| *c != '"').collect();
                assert!(
                    number.chars().all(|c| c.is_ascii_digit() || c == '+') && !number.is_empty(),
                    "{region}: tel:{number}"
                );
            }
            if let Some(d) = dial {
                assert!(page.contains(&format!("href=\"{d}\"")), "{region} dials {d}");
            }
        }
    }
}

#[tokio::test]
async fn errors_come_in_the_page_frame_in_plain_words() {
    let app = app().await;
    let (cookie, _) = app.sign_in().await;
    for path in [
        "/quiz/patterns/-1",
        "/pause/pause/1?t=abc",
        "/practice/records/not-an-id",
        "/no-such-page",
    ] {
        let r = app.get(path, Some(&cookie)).await;
        assert!(r.status.is_client_error(), "{path}: {}", r.status);
        assert!(r.body.contains("<nav") && r.body.contains("Get help now"), "{path}: {}", r.body);
        assert!(
            !r.body.contains("Invalid URL") && !r.body.contains("Cannot parse"),
            "{path}: {}",
            r.body
        );
    }
}

#[tokio::test]
async fn the_pause_log_preselects_no_urge_and_an_empty_choice_saves_nothing() {
    let app = app().await;
    let (cookie, csrf) = app.sign_in().await;
    let done = app.get("/pause/pause/done", Some(&cookie)).await.body;
    assert!(done.contains("<option value=\"\" selected>"), "{done}");
    let r = app
        .post("/urges", &cookie, Some(ORIGIN), &format!("csrf={csrf}&did=paused&kind="))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("choose what the urge was"), "{}", r.body);
    assert!(app.store().await.urges(&UrgeFilter::default()).await.expect("urges").is_empty());
}

#[tokio::test]
async fn the_ledger_caption_says_every_month_it_names_and_the_chart_labels_months() {
    use drawbridge_core::practice::{Outcome, Plan, Result as Res};
    for app in apps().await {
        let (cookie, _) = app.sign_in().await;
        let s = app.store().await;
        for (day, before, after) in [((2026, 9, 10), 80u8, 50u8), ((2026, 11, 10), 60, 20)] {
            let d = time::Date::from_calendar_date(day.0, time::Month::try_from(day.1).expect("month"), day.2).expect("date");
            let plan = Plan {
                experiment: None,
                custom: Some("Ask Sam for help".into()),
                stage: 2,
                with_whom: None,
                planned_for: d,
                prediction: "He will sigh".into(),
                belief_before: before,
                want: 50,
                expect: 30,
            };
            let res = Res {
                what_happened: None,
                peak: 30,
                after: 10,
                outcome: Outcome::Better,
                capacity: 50,
                learned: None,
                belief_after: after,
                flooded: false,
            };
            s.log_experiment(plan, res, d.with_hms(12, 0, 0).expect("t").assume_utc())
                .await
                .expect("log");
        }
        let page = app.get("/ledger", Some(&cookie)).await.body;
        assert!(page.contains("In 2026-09, you believed your feared predictions 80% on average before an experiment and 50% after; in 2026-11, 60% before and 20% after."), "{page}");
        assert!(
            page.contains(">Sep 2026</text>") && page.contains(">Nov 2026</text>"),
            "month labels on the chart"
        );
    }
}

#[tokio::test]
async fn a_signed_in_browser_stays_signed_in_across_a_restart_until_it_signs_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loc = Location {
        db: dir.path().join("drawbridge.db"),
        key: dir.path().join("drawbridge.key"),
        database_url: None,
    };
    let (store, _) = Store::open_or_create(&loc, None, Workload::Server).await.expect("store");
    let first = app_with(Some(store), dir).await;
    let r = first.get(&format!("/login?token={}", first.token), None).await;
    let set = r
        .headers
        .get(header::SET_COOKIE)
        .expect("cookie")
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(set.contains("Max-Age=2592000"), "the cookie outlives the browser: {set}");
    let cookie = set.split(';').next().expect("pair").to_string();
    first.state.close().await;
    let keep = first._dir;

    // The same data folder, a new start of the server.
    let (store, _) = Store::open_or_create(&loc, None, Workload::Server).await.expect("reopen");
    let second = app_with(Some(store), tempfile::tempdir().expect("spare")).await;
    let today = second.get("/", Some(&cookie)).await;
    assert_eq!(today.status, StatusCode::OK, "still signed in after a restart");
    let csrf = csrf_of(&today.body);
    let settings = second.get("/settings", Some(&cookie)).await.body;
    assert!(
        settings.contains("Sign out this browser") && settings.contains("30 days"),
        "{settings}"
    );
    let out = second.post("/sign-out", &cookie, Some(ORIGIN), &format!("csrf={csrf}")).await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(
        out.headers
            .get(header::SET_COOKIE)
            .expect("cleared")
            .to_str()
            .expect("ascii")
            .contains("Max-Age=0")
    );
    assert_eq!(
        second.get("/", Some(&cookie)).await.status,
        StatusCode::UNAUTHORIZED,
        "signed out is signed out"
    );
    drop(keep);
}

/// Whoever runs drawbridge can ask whether it answers (`/healthz`) and
/// whether its database does (`/readyz`), without signing in; the answers
/// are plain words about the service and nothing else, on either engine.
#[tokio::test]
async fn health_and_readiness_answer_without_a_sign_in_and_say_nothing_else() {
    for app in apps().await {
        let health = app.get("/healthz", None).await;
        assert_eq!(health.status, StatusCode::OK);
        assert_eq!(health.body, "ok\n");
        assert!(
            health.headers[header::CONTENT_TYPE]
                .to_str()
                .expect("ascii")
                .starts_with("text/plain"),
            "plain text, not a page"
        );
        let ready = app.get("/readyz", None).await;
        assert_eq!(ready.status, StatusCode::OK);
        assert_eq!(ready.body, "ready\n");
        // They sit behind the Host check like every other address.
        let req = Request::get("/readyz")
            .header(header::HOST, "attacker.test")
            .body(Body::empty())
            .expect("req");
        assert_eq!(app.send(req).await.status, StatusCode::MISDIRECTED_REQUEST);
    }
    // Waiting for a passphrase is not ready, and says so.
    let locked = app_with(None, tempfile::tempdir().expect("tempdir")).await;
    let r = locked.get("/readyz", None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body.contains("passphrase"), "{}", r.body);
    assert_eq!(
        locked.get("/healthz", None).await.status,
        StatusCode::OK,
        "the process still answers"
    );
}

/// `/metrics` counts requests by route pattern and status (never an id from
/// the address), with their time as a histogram, and answers only the
/// addresses the configuration allows.
#[tokio::test]
async fn metrics_count_requests_by_route_pattern_for_allowed_addresses_only() {
    use axum::extract::ConnectInfo;
    let app = app().await;
    let (cookie, _) = app.sign_in().await;
    let id = "01936d3e-8f00-7000-8000-000000000001";
    assert_eq!(app.get(&format!("/urges/{id}"), Some(&cookie)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/", Some(&cookie)).await.status, StatusCode::OK);
    let ask = |from: Option<&str>| {
        let mut req = Request::get("/metrics")
            .header(header::HOST, HOST)
            .body(Body::empty())
            .expect("req");
        if let Some(ip) = from {
            req.extensions_mut()
                .insert(ConnectInfo(std::net::SocketAddr::new(ip.parse().expect("ip"), 40000)));
        }
        app.send(req)
    };
    let shown = ask(Some("127.0.0.1")).await;
    assert_eq!(shown.status, StatusCode::OK);
    let m = shown.body;
    // Today twice: once on signing in, once here.
    assert!(
        m.contains("drawbridge_requests_total{method=\"GET\",route=\"/\",status=\"200\"} 2"),
        "{m}"
    );
    assert!(m.contains("route=\"/urges/{id}\",status=\"404\"} 1"), "{m}");
    assert!(
        m.contains("drawbridge_request_duration_seconds_bucket{method=\"GET\",route=\"/\",le=\"+Inf\"} 2"),
        "{m}"
    );
    assert!(!m.contains(id) && !m.contains(&cookie), "no ids, no cookies: {m}");
    assert_eq!(ask(Some("192.0.2.7")).await.status, StatusCode::FORBIDDEN, "not an allowed address");
    // Claiming to be this computer does not make it so, unless a trusted
    // proxy says it, and what the proxy says counts.
    let through = |peer: &str, claim: &str| {
        let mut req = Request::get("/metrics")
            .header(header::HOST, HOST)
            .header("x-forwarded-for", claim)
            .body(Body::empty())
            .expect("req");
        req.extensions_mut()
            .insert(ConnectInfo(std::net::SocketAddr::new(peer.parse().expect("ip"), 40000)));
        app.send(req)
    };
    assert_eq!(
        through("192.0.2.7", "127.0.0.1").await.status,
        StatusCode::FORBIDDEN,
        "a forged header"
    );
    assert_eq!(
        through("10.0.0.2", "127.0.0.1").await.status,
        StatusCode::OK,
        "the trusted proxy's word"
    );
    assert_eq!(
        through("10.0.0.2", "192.0.2.7").await.status,
        StatusCode::FORBIDDEN,
        "the proxy's client is not allowed"
    );
    assert_eq!(ask(None).await.status, StatusCode::FORBIDDEN, "an unknown peer is not allowed");
}

/// Every route the router has, walked from the one list it is built from:
/// behind the signed-in and unlock guards, no method gets anything without
/// a session (a route added later without a guard fails here); the public
/// and health routes answer without one.
#[tokio::test]
async fn every_route_stands_behind_the_guard_its_group_names() {
    use drawbridge_web::Guard;
    let app = app().await;
    let routes = drawbridge_web::routes(&drawbridge_web::Policy::Local);
    assert!(routes.len() >= 40, "{}", routes.len());
    // Open to anyone: exactly these, and a change to the list is a change here.
    let mut open: Vec<&str> = routes
        .iter()
        .filter(|(_, g, _)| matches!(g, Guard::Public | Guard::Health))
        .map(|(p, _, _)| *p)
        .collect();
    open.sort_unstable();
    assert_eq!(
        open,
        [
            "/calendar/{file}",
            "/healthz",
            "/help",
            "/login",
            "/metrics",
            "/readyz",
            "/static/app.css",
            "/static/app.js",
            "/static/icon.svg"
        ],
        "only crisis help, the way in, static files, the calendar feed (its own token) and health are open"
    );
    for (pattern, guard, _) in routes {
        let path = pattern
            .replace("{id}", "01936d3e-8f00-7000-8000-000000000001")
            .replace("{n}", "1")
            .replace("{file}", "feed.ics");
        match guard {
            Guard::SignedIn | Guard::Unlock => {
                for method in ["GET", "POST"] {
                    let req = Request::builder()
                        .method(method)
                        .uri(&path)
                        .header(header::HOST, HOST)
                        .header(header::ORIGIN, ORIGIN)
                        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .body(Body::from("csrf=guess"))
                        .expect("req");
                    let r = app.send(req).await;
                    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {pattern}");
                    assert!(!r.body.contains("name=\"csrf\""), "{method} {pattern}");
                }
            }
            Guard::Public | Guard::Health => {
                let r = app.get(&path, None).await;
                assert_ne!(r.status, StatusCode::UNAUTHORIZED, "GET {pattern} is public");
            }
            Guard::Entry | Guard::Admin => panic!("{pattern}: server mode's guards have no route in local mode"),
        }
    }
}

#[tokio::test]
async fn a_pause_sent_with_a_strange_start_time_is_still_recorded_within_its_bounds() {
    for app in apps().await {
        let (cookie, csrf) = app.sign_in().await;
        let max = drawbridge_core::moment::PAUSE_SECONDS_MAX;
        for (t, longest) in [(i64::MIN.to_string(), max), (i64::MAX.to_string(), 0), ("soon".to_string(), 0)] {
            let r = app
                .post(
                    "/pause/pause/finish",
                    &cookie,
                    Some(ORIGIN),
                    &format!("csrf={csrf}&t={t}&completed=1"),
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "t={t}");
            let last = app.store().await.pauses(1).await.expect("pauses").remove(0);
            assert!(last.seconds <= longest, "t={t}: {}", last.seconds);
        }
        assert_eq!(app.store().await.pauses(10).await.expect("pauses").len(), 3);
    }
}

fn form_of(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).expect("form")
}

fn location_of(r: &Resp) -> String {
    r.headers
        .get(header::LOCATION)
        .expect("location")
        .to_str()
        .expect("ascii")
        .to_string()
}

fn entry_id_of(html: &str) -> String {
    let at = html.find("name=\"id\" value=\"").expect("id field") + 17;
    html[at..at + 36].to_string()
}

#[tokio::test]
async fn the_journal_keeps_every_word_while_writing_saving_again_and_editing() {
    for app in apps().await {
        let (cookie, csrf) = app.sign_in().await;
        let c = Catalog::embedded();
        // Today offers a question, which opens the writing page on it.
        let today = app.get("/", Some(&cookie)).await.body;
        let at = today.find("/journal/write?prompt=").expect("a prompt link") + 22;
        let prompt_id: String = today[at..].chars().take_while(|ch| *ch != '"').collect();
        let prompt = c.prompts().get(&prompt_id).expect("a real prompt");
        assert!(today.contains(&prompt.text), "the question is on Today");
        assert!(today.contains("/?turn=1"), "a different question is one link away");
        let other = app.get("/?turn=1", Some(&cookie)).await.body;
        assert!(
            !other.contains(&format!("prompt={prompt_id}\"")),
            "the next question is another one"
        );
        let page = app.get(&format!("/journal/write?prompt={prompt_id}"), Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&prompt.text));
        assert_eq!(
            app.get("/journal/write?prompt=no-such", Some(&cookie)).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let id = entry_id_of(&page.body);
        let store = app.store().await;
        let uid = uuid::Uuid::parse_str(&id).expect("uuid");

        // Typing is kept on the server as a draft (the script's request).
        let draft = |body: &str| {
            form_of(&[
                ("csrf", &csrf),
                ("id", &id),
                ("prompt", &prompt_id),
                ("title", "Tuesday"),
                ("body", body),
                ("tags", "work, walks"),
                ("autosave", "1"),
            ])
        };
        let kept = app.post("/journal/drafts", &cookie, Some(ORIGIN), &draft("First words")).await;
        assert_eq!(kept.status, StatusCode::NO_CONTENT);
        let kept = app
            .post("/journal/drafts", &cookie, Some(ORIGIN), &draft("First words, then more"))
            .await;
        assert_eq!(kept.status, StatusCode::NO_CONTENT);
        assert_eq!(
            store.journal_draft(uid).await.expect("read").expect("kept").body,
            "First words, then more"
        );
        let list = app.get("/journal", Some(&cookie)).await.body;
        assert!(
            list.contains("Not saved yet") && list.contains(&format!("/journal/write?draft={id}")),
            "{list}"
        );
        let resumed = app.get(&format!("/journal/write?draft={id}"), Some(&cookie)).await.body;
        assert!(
            resumed.contains("First words, then more") && resumed.contains("Your draft, kept"),
            "{resumed}"
        );

        // A bad tag: the page again with the words, the draft still kept.
        let save = |body: &str, tags: &str| {
            form_of(&[
                ("csrf", &csrf),
                ("id", &id),
                ("prompt", &prompt_id),
                ("title", "Tuesday"),
                ("body", body),
                ("tags", tags),
                ("body_signal", ""),
            ])
        };
        let bad = app
            .post(
                "/journal",
                &cookie,
                Some(ORIGIN),
                &save("Words I do not want to lose", "big feelings"),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("Words I do not want to lose") && bad.body.contains("big-feelings"),
            "{}",
            bad.body
        );
        assert_eq!(
            store.journal_draft(uid).await.expect("read").expect("kept").body,
            "Words I do not want to lose"
        );

        let body = "It went **quiet**, then I wrote back.\n\n<script>alert(1)</script>\n\nSee [a link](https://example.org).";
        let saved = app.post("/journal", &cookie, Some(ORIGIN), &save(body, "work, #walks")).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let to = location_of(&saved);
        assert_eq!(to, format!("/journal/{id}?saved=1"));
        assert!(
            store.journal_draft(uid).await.expect("read").is_none(),
            "the draft became the entry"
        );
        let shown = app.get(&to, Some(&cookie)).await.body;
        assert!(shown.contains("<strong>quiet</strong>"), "{shown}");
        assert!(shown.contains("&lt;script&gt;") && !shown.contains("<script>alert"), "{shown}");
        assert!(
            shown.contains("href=\"https://example.org\" rel=\"noopener noreferrer\""),
            "{shown}"
        );
        assert!(shown.contains(&prompt.text), "the question it answers is named");

        // The same page sent again with other words: an edit, the first kept.
        let again = app
            .post("/journal", &cookie, Some(ORIGIN), &save("The second try at saying it.", "work"))
            .await;
        assert_eq!(location_of(&again), format!("/journal/{id}?updated=1"));
        let e = store.journal_entry(uid).await.expect("read").expect("there");
        assert_eq!(e.text.body, "The second try at saying it.");
        let shown = app.get(&format!("/journal/{id}"), Some(&cookie)).await.body;
        assert!(shown.contains("Earlier words") && shown.contains("It went **quiet**"), "{shown}");

        // An edit in progress is kept, shown on the entry, and saved.
        let edit = draft("An edit I have not saved");
        assert_eq!(
            app.post("/journal/drafts", &cookie, Some(ORIGIN), &edit).await.status,
            StatusCode::NO_CONTENT
        );
        let shown = app.get(&format!("/journal/{id}"), Some(&cookie)).await.body;
        assert!(shown.contains("An edit in progress"), "{shown}");
        let editing = app.get(&format!("/journal/{id}/edit"), Some(&cookie)).await.body;
        assert!(
            editing.contains("An edit I have not saved") && editing.contains("An edit in progress"),
            "{editing}"
        );
        let list = app.get("/journal", Some(&cookie)).await.body;
        assert!(list.contains("An edit in progress to"), "{list}");
        let done = app
            .post(
                &format!("/journal/{id}/edit"),
                &cookie,
                Some(ORIGIN),
                &save("The third words.", "work"),
            )
            .await;
        assert_eq!(location_of(&done), format!("/journal/{id}?updated=1"));
        assert!(store.journal_draft(uid).await.expect("read").is_none());
        let versions = store.versions(drawbridge_core::versions::JOURNAL, &id).await.expect("versions");
        let bodies: Vec<&str> = versions.iter().filter(|v| v.field == "body").map(|v| v.text.as_str()).collect();
        assert!(
            bodies.contains(&"The second try at saying it.") && bodies.iter().any(|b| b.starts_with("It went")),
            "{bodies:?}"
        );

        // Filters by tag.
        let other_page = app.get("/journal/write", Some(&cookie)).await.body;
        let other_id = entry_id_of(&other_page);
        let long = "a few words ".repeat(12_000);
        let other = form_of(&[("csrf", &csrf), ("id", &other_id), ("body", &long), ("tags", "home")]);
        let r = app.post("/journal", &cookie, Some(ORIGIN), &other).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "a long entry (144,000 characters) is taken: {}",
            r.body
        );
        let by_tag = app.get("/journal?tag=HOME", Some(&cookie)).await.body;
        assert!(
            by_tag.contains(&other_id) && !by_tag.contains(&format!("/journal/{id}\"")),
            "{by_tag}"
        );
        assert!(
            app.get("/journal?from=not-a-date", Some(&cookie))
                .await
                .body
                .contains("Dates look like")
        );

        // Deleting asks once; an edit sent after a delete keeps its words.
        let confirm = app.get(&format!("/journal/{id}/delete"), Some(&cookie)).await.body;
        assert!(
            confirm.contains("removed for good") && confirm.contains("earlier version"),
            "{confirm}"
        );
        let gone = app
            .post(&format!("/journal/{id}/delete"), &cookie, Some(ORIGIN), &format!("csrf={csrf}"))
            .await;
        assert_eq!(location_of(&gone), "/journal?deleted=1");
        assert_eq!(
            app.get(&format!("/journal/{id}"), Some(&cookie)).await.status,
            StatusCode::NOT_FOUND
        );
        let late = app
            .post(
                &format!("/journal/{id}/edit"),
                &cookie,
                Some(ORIGIN),
                &save("Words typed in another tab.", ""),
            )
            .await;
        assert_eq!(late.status, StatusCode::NOT_FOUND);
        assert!(late.body.contains("kept as a new draft"), "{}", late.body);
        let drafts = store.journal_drafts().await.expect("drafts");
        assert!(drafts.iter().any(|d| d.body == "Words typed in another tab."), "{drafts:?}");
    }
}

#[tokio::test]
async fn a_journal_entry_with_crisis_words_brings_the_calm_panel_and_every_prompt_is_listed() {
    for app in apps().await {
        let (cookie, csrf) = app.sign_in().await;
        let page = app.get("/journal/write", Some(&cookie)).await.body;
        let id = entry_id_of(&page);
        let r = app
            .post(
                "/journal",
                &cookie,
                Some(ORIGIN),
                &form_of(&[("csrf", &csrf), ("id", &id), ("body", "I want to kill myself tonight")]),
            )
            .await;
        let to = location_of(&r);
        assert!(to.ends_with("care=1"), "{to}");
        let quiet = app
            .post(
                "/journal",
                &cookie,
                Some(ORIGIN),
                &form_of(&[
                    ("csrf", &csrf),
                    ("id", &uuid::Uuid::now_v7().to_string()),
                    ("body", "I'm afraid they'll think I'm too much and leave."),
                ]),
            )
            .await;
        assert!(!location_of(&quiet).contains("care=1"), "a feared prediction is not a crisis");
        let all = app.get("/journal/prompts", Some(&cookie)).await.body;
        for p in &Catalog::embedded().prompts().prompts {
            assert!(all.contains(&format!("/journal/write?prompt={}\"", p.id)), "{}", p.id);
        }
    }
}

#[tokio::test]
async fn the_fuller_reset_keeps_every_part_says_what_the_rerating_shows_and_joins_the_timeline() {
    for app in apps().await {
        let (cookie, csrf) = app.sign_in().await;
        let after = app.get("/after", Some(&cookie)).await.body;
        for field in [
            "feeling_1",
            "strength_1",
            "hot_thought",
            "belief",
            "evidence",
            "another_view",
            "rerated",
            "now_or_then",
            "then_note",
        ] {
            assert!(after.contains(&format!("name=\"{field}\"")), "{field} is on the reset page");
        }
        let fields = |belief: &str| {
            form_of(&[
                ("csrf", &csrf),
                ("happened", "She did not answer my message all day"),
                ("feeling_1", "ashamed"),
                ("strength_1", "80"),
                ("feeling_2", "lonely"),
                ("strength_2", "45"),
                ("hot_thought", "She is done with me"),
                ("belief", belief),
                ("evidence", "She sent a photo of her lunch yesterday"),
                ("another_view", "She is on a long shift"),
                ("rerated", "40"),
                ("now_or_then", "then"),
                ("then_note", "It felt like school again"),
            ])
        };
        // A number out of range: the page again with every word, saying what to fix.
        let bad = app.post("/after", &cookie, Some(ORIGIN), &fields("150")).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        for kept in [
            "She is done with me",
            "She sent a photo of her lunch yesterday",
            "It felt like school again",
            "ashamed",
        ] {
            assert!(bad.body.contains(kept), "{kept} survives a failed save");
        }
        assert!(bad.body.contains("150"), "{}", bad.body);
        assert!(app.store().await.resets(10).await.expect("resets").is_empty(), "nothing saved");

        let r = app.post("/after", &cookie, Some(ORIGIN), &fields("90")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let to = location_of(&r);
        let page = app.get(&to, Some(&cookie)).await.body;
        assert!(
            page.contains("at 90 and now at 40"),
            "the sentence comes from the two numbers: {page}"
        );
        let saved = app.store().await.resets(10).await.expect("resets");
        let t = &saved[0].entry.thought;
        assert_eq!((t.belief, t.rerated, t.feelings.len()), (Some(90), Some(40), 2));
        let one = app.get(&format!("/after/resets/{}", saved[0].id), Some(&cookie)).await.body;
        for shown in [
            "She is done with me",
            "believed at 90",
            "ashamed 80",
            "lonely 45",
            "She is on a long shift",
            "Mostly about then",
            "It felt like school again",
        ] {
            assert!(one.contains(shown), "{shown} on the reset: {one}");
        }
        let journal = app.get("/journal", Some(&cookie)).await.body;
        assert!(
            journal.contains(&format!("/after/resets/{}", saved[0].id)) && journal.contains("Reset:"),
            "the reset stands in the journal timeline: {journal}"
        );
    }
}

/// A saved entry that tells a protective story gets its card, in the
/// content's words; "not this time" puts it away for good (said twice, kept
/// once), the Journal filters by story, and a story name that is not one is
/// said aloud rather than quietly ignored. A reset gets its card too.
#[tokio::test]
async fn a_story_card_stands_beside_a_saved_entry_and_stays_away_when_put_away() {
    for app in apps().await {
        let (cookie, csrf) = app.sign_in().await;
        let c = Catalog::embedded();
        let story = c.stories().story("need-space").expect("content");
        let page = app.get("/journal/write", Some(&cookie)).await.body;
        let id = entry_id_of(&page);
        let body = "Told Sam I need space and turned my phone off. Not saying for how long.";
        let saved = app
            .post(
                "/journal",
                &cookie,
                Some(ORIGIN),
                &form_of(&[("csrf", &csrf), ("id", &id), ("body", body)]),
            )
            .await;
        assert_eq!(location_of(&saved), format!("/journal/{id}?saved=1"));
        let shown = app.get(&format!("/journal/{id}"), Some(&cookie)).await.body;
        assert!(shown.contains(&story.name) && shown.contains(&story.question), "{shown}");
        assert!(shown.contains(&c.stories().labels.not_this_time));

        let other = entry_id_of(&app.get("/journal/write", Some(&cookie)).await.body);
        app.post(
            "/journal",
            &cookie,
            Some(ORIGIN),
            &form_of(&[("csrf", &csrf), ("id", &other), ("body", "Lunch with Ana, we laughed a lot.")]),
        )
        .await;
        let plain = app.get(&format!("/journal/{other}"), Some(&cookie)).await.body;
        assert!(!plain.contains("story-card"), "no card on a plain entry");

        let filtered = app.get("/journal?story=need-space", Some(&cookie)).await.body;
        assert!(
            filtered.contains(&format!("/journal/{id}\"")) && !filtered.contains(&format!("/journal/{other}\"")),
            "{filtered}"
        );
        let wrong = app.get("/journal?story=need-room", Some(&cookie)).await.body;
        assert!(wrong.contains("is not one of the stories"), "a bad value is named: {wrong}");

        let away = form_of(&[("csrf", &csrf), ("story", "need-space")]);
        for _ in 0..2 {
            let r = app.post(&format!("/journal/{id}/stories"), &cookie, Some(ORIGIN), &away).await;
            assert_eq!(location_of(&r), format!("/journal/{id}?put_away=1#stories"));
        }
        assert_eq!(app.store().await.story_answers().await.expect("answers").len(), 1, "kept once");
        let after = app.get(&format!("/journal/{id}?put_away=1"), Some(&cookie)).await.body;
        assert!(
            after.contains(&c.stories().labels.dismissed) && !after.contains(&story.question),
            "{after}"
        );
        let later = app.get(&format!("/journal/{id}"), Some(&cookie)).await.body;
        assert!(!later.contains("story-card"), "the card stays away");
        assert!(
            !app.get("/journal?story=need-space", Some(&cookie))
                .await
                .body
                .contains(&format!("/journal/{id}\"")),
            "a card put away no longer counts for the filter"
        );
        for (path, form) in [
            (
                format!("/journal/{id}/stories"),
                form_of(&[("csrf", &csrf), ("story", "need-room")]),
            ),
            (format!("/journal/{}/stories", uuid::Uuid::now_v7()), away.clone()),
        ] {
            assert_eq!(
                app.post(&path, &cookie, Some(ORIGIN), &form).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }

        let r = app
            .post(
                "/after",
                &cookie,
                Some(ORIGIN),
                &form_of(&[
                    ("csrf", &csrf),
                    ("capacity", "50"),
                    ("happened", "He went quiet at dinner"),
                    ("felt", "They don't really care, they're just being polite"),
                ]),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let reset = app.store().await.resets(1).await.expect("resets").remove(0);
        let page = app.get(&format!("/after/resets/{}", reset.id), Some(&cookie)).await.body;
        let care = c.stories().story("dont-care").expect("content");
        assert!(page.contains(&care.question), "{page}");
        let r = app
            .post(
                &format!("/after/resets/{}/stories", reset.id),
                &cookie,
                Some(ORIGIN),
                &form_of(&[("csrf", &csrf), ("story", "dont-care")]),
            )
            .await;
        assert_eq!(location_of(&r), format!("/after/resets/{}?put_away=1#stories", reset.id));
        assert!(
            !app.get(&format!("/after/resets/{}", reset.id), Some(&cookie))
                .await
                .body
                .contains(&care.question)
        );
    }
}

#[tokio::test]
async fn search_finds_what_was_written_marks_the_words_and_names_a_bad_query() {
    for app in apps().await {
        let (cookie, csrf) = app.sign_in().await;
        for body in [
            "I stayed on the call with Sam even though I wanted to hang up.",
            "A quiet café morning.",
        ] {
            let r = app
                .post(
                    "/journal",
                    &cookie,
                    Some(ORIGIN),
                    &form_of(&[("csrf", &csrf), ("id", &uuid::Uuid::now_v7().to_string()), ("body", body)]),
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER);
        }
        let page = app.get("/journal/search?q=staying", Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("1 record matches"), "{}", page.body);
        assert!(page.body.contains("<mark>stayed</mark>"), "the word found is marked: {}", page.body);
        assert!(page.body.contains("href=\"/journal/"), "a link to the entry");
        let accents = app.get("/journal/search?q=CAFE&order=best", Some(&cookie)).await.body;
        assert!(accents.contains("<mark>café</mark>"), "{accents}");
        let none = app.get("/journal/search?q=%22call+stayed%22", Some(&cookie)).await.body;
        assert!(none.contains("Nothing you wrote matches that"), "{none}");
        let bad = app.get("/journal/search?q=kind%3Adiary", Some(&cookie)).await;
        assert_eq!(bad.status, StatusCode::OK);
        assert!(
            bad.body.contains("is not a kind of record") && bad.body.contains("aria-invalid=\"true\""),
            "{}",
            bad.body
        );
        assert!(bad.body.contains("value=\"kind:diary\""), "the typed search is kept to mend");
        let order = app.get("/journal/search?q=stay&order=sideways", Some(&cookie)).await.body;
        assert!(order.contains("is not an order"), "a bad order is named, not replaced quietly");
        let journal = app.get("/journal", Some(&cookie)).await.body;
        assert!(journal.contains("href=\"/journal/search\""), "the Journal leads to search");
    }
}
