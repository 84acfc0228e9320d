//! Server mode's promises, through the real router: accounts made by
//! invitation with a recovery key shown once, log-in that says the same for
//! a wrong name and a wrong password and slows repeated failures, sessions
//! that end on the server (log out, everywhere, a new password, idle, age,
//! a paused account), export and deletion, the admin pages, and isolation:
//! one person asking for another's ids gets 404 on every route there is,
//! and never sees their words. On SQLite always, and on PostgreSQL when
//! `DATABASE_URL` names a server.

use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use drawbridge_core::Catalog;
use drawbridge_store::accounts::Role;
use drawbridge_store::{ExportDoc, Location, Store, UrgeFilter, Workload};
use drawbridge_web::{AppState, Guard, Policy, ServerConfig, ServerPolicy};
use tower::ServiceExt;

const HOST: &str = "drawbridge.example.org";
const ORIGIN: &str = "https://drawbridge.example.org";
/// Words only A wrote, planted in every kind of record A has.
const PLANTED: &str = "kettle-of-brass-a";

struct App {
    router: Router,
    state: AppState,
    engine: Store,
    name: &'static str,
    _dir: tempfile::TempDir,
    _db: Option<drawbridge_store::testing::FreshDatabase>,
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

fn policy(idle: Duration, lifetime: Duration, open_signup: bool) -> ServerPolicy {
    ServerPolicy {
        open_signup,
        idle,
        lifetime,
        hosts: vec![HOST.into()],
        public_url: Some(ORIGIN.into()),
        account_check: Duration::from_secs(30),
    }
}

fn usual() -> ServerPolicy {
    policy(ServerPolicy::DEFAULT_IDLE, ServerPolicy::DEFAULT_LIFETIME, false)
}

async fn app_on(
    engine: Store,
    name: &'static str,
    policy: ServerPolicy,
    dir: tempfile::TempDir,
    db: Option<drawbridge_store::testing::FreshDatabase>,
) -> App {
    let (state, _) = AppState::new(
        ServerConfig {
            addr: "127.0.0.1:7979".parse().expect("addr"),
            local_offset: time::UtcOffset::UTC,
            location: Location {
                db: dir.path().join("unused.db"),
                key: dir.path().join("unused.key"),
                database_url: db.as_ref().map(|d| d.url.clone()),
            },
            catalog: Catalog::embedded(),
            suggested_region: None,
            metrics_from: vec![std::net::Ipv4Addr::LOCALHOST.into()],
            trusted_proxies: vec![],
            policy: Policy::Server(policy),
        },
        Some(engine.clone()),
    );
    App {
        router: drawbridge_web::router(state.clone()),
        state,
        engine,
        name,
        _dir: dir,
        _db: db,
    }
}

/// Server mode on every engine this run can test.
async fn apps(policy: impl Fn() -> ServerPolicy) -> Vec<App> {
    let dir = tempfile::tempdir().expect("tempdir");
    let loc = Location {
        db: dir.path().join("drawbridge.db"),
        key: dir.path().join("drawbridge.key"),
        database_url: None,
    };
    let (sqlite, _) = Store::open_or_create(&loc, None, Workload::Server).await.expect("store");
    let mut out = vec![app_on(sqlite, "sqlite", policy(), dir, None).await];
    if let Some(db) = drawbridge_store::testing::FreshDatabase::if_any().await {
        let engine = Store::open_server(&db.url).await.expect("PostgreSQL engine");
        out.push(app_on(engine, "postgres", policy(), tempfile::tempdir().expect("tempdir"), Some(db)).await);
    }
    out
}

fn cookie_of(r: &Resp) -> String {
    let set = r.headers.get(header::SET_COOKIE).expect("a cookie").to_str().expect("ascii");
    set.split(';').next().expect("pair").to_string()
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    html[at..at + 64].to_string()
}

fn form(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).expect("form")
}

impl App {
    async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = String::from_utf8_lossy(&to_bytes(res.into_body(), 1 << 24).await.expect("body")).into_owned();
        Resp { status, headers, body }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Resp {
        let mut b = Request::get(path).header(header::HOST, HOST);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).expect("request")).await
    }

    async fn post(&self, path: &str, cookie: Option<&str>, body: &str) -> Resp {
        let mut b = Request::post(path)
            .header(header::HOST, HOST)
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::from(body.to_string())).expect("request")).await
    }

    /// Make an account through an invitation's link; returns the cookie,
    /// a CSRF token and the recovery key the page showed.
    async fn sign_up(&self, name: &str, password: &str, role: Role) -> (String, String, String) {
        let week = time::OffsetDateTime::now_utc() + time::Duration::days(7);
        let (token, _) = self.engine.invite(role, week, None).await.expect("invite");
        let r = self
            .post(
                "/sign-up",
                None,
                &form(&[("invite", &token), ("name", name), ("password", password), ("again", password)]),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", self.name, r.body);
        let at = r.body.find("id=\"recovery-key\">").expect("the key is shown") + 18;
        let key = r.body[at..at + 29].to_string();
        let cookie = cookie_of(&r);
        let today = self.get("/", Some(&cookie)).await;
        assert_eq!(today.status, StatusCode::OK, "{}: {}", self.name, today.body);
        (cookie, csrf_of(&today.body), key)
    }

    async fn log_in(&self, name: &str, password: &str) -> Resp {
        self.post("/login", None, &form(&[("name", name), ("password", password)])).await
    }

    /// A form sent from the computer at `addr`, with `cookie` if given.
    async fn post_from(&self, addr: &str, path: &str, cookie: Option<&str>, body: &str) -> Resp {
        let mut b = Request::post(path)
            .header(header::HOST, HOST)
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        let mut req = b.body(Body::from(body.to_string())).expect("request");
        let at = std::net::SocketAddr::new(addr.parse().expect("ip"), 40000);
        req.extensions_mut().insert(axum::extract::ConnectInfo(at));
        self.send(req).await
    }

    async fn log_in_from(&self, addr: &str, name: &str, password: &str) -> Resp {
        self.post_from(addr, "/login", None, &form(&[("name", name), ("password", password)]))
            .await
    }

    /// Signed in: the cookie and a CSRF token.
    async fn signed_in(&self, name: &str, password: &str) -> (String, String) {
        let r = self.log_in(name, password).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", self.name, r.body);
        let cookie = cookie_of(&r);
        let today = self.get("/", Some(&cookie)).await;
        assert_eq!(today.status, StatusCode::OK);
        (cookie, csrf_of(&today.body))
    }

    async fn store_of(&self, name: &str, password: &str) -> Store {
        match self.engine.sign_in(name, password).await.expect("sign in") {
            drawbridge_store::accounts::SignIn::In(_, s) => s,
            _ => panic!("{name} cannot sign in"),
        }
    }
}

#[tokio::test]
async fn an_invitation_makes_one_account_which_is_signed_in_and_shown_its_recovery_key_once() {
    for app in apps(usual).await {
        let n = app.name;
        let closed = app.get("/sign-up", None).await;
        assert_eq!(closed.status, StatusCode::FORBIDDEN, "{n}: by invitation only");
        assert!(closed.body.contains("invitation"), "{n}");
        assert!(!closed.body.contains("name=\"password\""), "{n}: no form without an invitation");

        let week = time::OffsetDateTime::now_utc() + time::Duration::days(7);
        let (token, _) = app.engine.invite(Role::Person, week, None).await.expect("invite");
        let page = app.get(&format!("/sign-up?invite={token}"), None).await;
        assert_eq!(page.status, StatusCode::OK, "{n}");
        assert!(
            page.body.contains("cannot be opened again by anyone"),
            "{n}: sign-up says so honestly"
        );

        let short = app
            .post(
                "/sign-up",
                None,
                &form(&[("invite", &token), ("name", "Sam"), ("password", "short"), ("again", "short")]),
            )
            .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        assert!(
            short.body.contains("12") && short.body.contains("value=\"Sam\""),
            "{n}: says why, keeps the name"
        );
        let differ = app
            .post(
                "/sign-up",
                None,
                &form(&[
                    ("invite", &token),
                    ("name", "Sam"),
                    ("password", "kettle on the sill"),
                    ("again", "kettle on the hob"),
                ]),
            )
            .await;
        assert_eq!(differ.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        let common = app
            .post(
                "/sign-up",
                None,
                &form(&[
                    ("invite", &token),
                    ("name", "Sam"),
                    ("password", "qwertyuiop123"),
                    ("again", "qwertyuiop123"),
                ]),
            )
            .await;
        assert_eq!(common.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        assert!(app.engine.accounts().await.expect("accounts").is_empty(), "{n}: nothing made yet");

        let made = app
            .post(
                "/sign-up",
                None,
                &form(&[
                    ("invite", &token),
                    ("name", "Sam"),
                    ("password", "kettle on the sill"),
                    ("again", "kettle on the sill"),
                ]),
            )
            .await;
        assert_eq!(made.status, StatusCode::OK, "{n}: {}", made.body);
        let set = made.headers.get(header::SET_COOKIE).expect("cookie").to_str().expect("ascii");
        assert!(set.starts_with("__Host-drawbridge="), "{n}: {set}");
        for flag in ["Path=/", "Secure", "HttpOnly", "SameSite=Strict"] {
            assert!(set.contains(flag), "{n}: {flag} in {set}");
        }
        assert!(!set.contains("Domain"), "{n}: a __Host- cookie names no domain");
        assert!(made.body.contains("only time it is shown"), "{n}");
        let cookie = cookie_of(&made);
        assert_eq!(app.get("/", Some(&cookie)).await.status, StatusCode::OK, "{n}: signed in");

        let again = app
            .post(
                "/sign-up",
                None,
                &form(&[
                    ("invite", &token),
                    ("name", "Robin"),
                    ("password", "robin's long password"),
                    ("again", "robin's long password"),
                ]),
            )
            .await;
        assert_eq!(again.status, StatusCode::FORBIDDEN, "{n}: one link, one account");
        let names: Vec<String> = app.engine.accounts().await.expect("accounts").into_iter().map(|a| a.name).collect();
        assert_eq!(names, ["Sam"], "{n}");

        let no_origin = app
            .send(
                Request::post("/login")
                    .header(header::HOST, HOST)
                    .header(header::ORIGIN, "https://evil.example")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(form(&[("name", "Sam"), ("password", "kettle on the sill")])))
                    .expect("req"),
            )
            .await;
        assert_eq!(
            no_origin.status,
            StatusCode::FORBIDDEN,
            "{n}: a log-in from another site is refused"
        );
    }
}

#[tokio::test]
async fn a_wrong_name_and_a_wrong_password_get_the_same_answer_and_repeated_failures_wait() {
    for app in apps(usual).await {
        let n = app.name;
        app.sign_up("Sam", "kettle on the sill", Role::Person).await;
        let wrong_pw = app.log_in("Sam", "kettle on the hob").await;
        let no_name = app.log_in("Nobody", "kettle on the sill").await;
        assert_eq!(wrong_pw.status, StatusCode::UNAUTHORIZED, "{n}");
        assert_eq!(no_name.status, StatusCode::UNAUTHORIZED, "{n}");
        let said = |r: &Resp| {
            let at = r.body.find("role=\"alert\"").expect("an error");
            r.body[at..at + 200].to_string()
        };
        assert_eq!(said(&wrong_pw), said(&no_name), "{n}: the same words for both");

        let (first, _) = app.signed_in("sam", "kettle on the sill").await;
        let (second, _) = app.signed_in("Sam", "kettle on the sill").await;
        assert_ne!(first, second, "{n}: a new session id at every log-in");

        // A success clears the count; five failures in a row then wait.
        for _ in 0..5 {
            assert_eq!(app.log_in("Sam", "not the password").await.status, StatusCode::UNAUTHORIZED);
        }
        let waits = app.log_in("Sam", "kettle on the sill").await;
        assert_eq!(waits.status, StatusCode::TOO_MANY_REQUESTS, "{n}: five failures, then a wait");
        assert!(waits.headers.contains_key(header::RETRY_AFTER), "{n}");
        assert!(waits.body.contains("try again in 1 minutes"), "{n}: says when: {}", waits.body);
        assert_eq!(
            app.get("/", Some(&first)).await.status,
            StatusCode::OK,
            "{n}: a signed-in browser is not touched"
        );

        // What /metrics serves (to its allowed addresses).
        let metrics = app.state.metrics().render(None);
        assert!(metrics.contains("drawbridge_log_in_failures_total 7"), "{n}: {metrics}");
        assert!(metrics.contains("drawbridge_log_in_throttled_total 1"), "{n}");
        assert!(!metrics.contains("Sam"), "{n}: no names in metrics");
    }
}

#[tokio::test]
async fn sessions_end_on_the_server_at_log_out_everywhere_and_with_a_new_password() {
    for app in apps(usual).await {
        let n = app.name;
        let (phone, phone_csrf, _) = app.sign_up("Sam", "kettle on the sill", Role::Person).await;
        let (laptop, laptop_csrf) = app.signed_in("Sam", "kettle on the sill").await;
        let (desk, _) = app.signed_in("Sam", "kettle on the sill").await;

        let out = app.post("/sign-out", Some(&desk), &form(&[("csrf", "x")])).await;
        assert_eq!(out.status, StatusCode::FORBIDDEN, "{n}: a forged form signs no one out");
        let desk_csrf = csrf_of(&app.get("/settings", Some(&desk)).await.body);
        let out = app.post("/sign-out", Some(&desk), &form(&[("csrf", &desk_csrf)])).await;
        assert_eq!(out.status, StatusCode::OK, "{n}");
        assert_eq!(
            app.get("/", Some(&desk)).await.status,
            StatusCode::UNAUTHORIZED,
            "{n}: ended on the server"
        );
        assert_eq!(app.get("/", Some(&phone)).await.status, StatusCode::OK, "{n}: the others stay");

        let wrong = app
            .post(
                "/account/password",
                Some(&laptop),
                &form(&[
                    ("csrf", &laptop_csrf),
                    ("old", "not it"),
                    ("password", "a brand new password"),
                    ("again", "a brand new password"),
                ]),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        assert_eq!(app.get("/", Some(&phone)).await.status, StatusCode::OK, "{n}: nothing changed");
        let changed = app
            .post(
                "/account/password",
                Some(&laptop),
                &form(&[
                    ("csrf", &laptop_csrf),
                    ("old", "kettle on the sill"),
                    ("password", "a brand new password"),
                    ("again", "a brand new password"),
                ]),
            )
            .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER, "{n}: {}", changed.body);
        let old_laptop = laptop;
        let laptop = cookie_of(&changed);
        assert_ne!(laptop, old_laptop, "{n}: this browser goes on under a new id");
        assert_eq!(app.get("/", Some(&old_laptop)).await.status, StatusCode::UNAUTHORIZED, "{n}");
        let page = app.get("/settings", Some(&laptop)).await;
        assert_eq!(page.status, StatusCode::OK, "{n}: this one stays signed in");
        let laptop_csrf = csrf_of(&page.body);
        assert_eq!(
            app.get("/", Some(&phone)).await.status,
            StatusCode::UNAUTHORIZED,
            "{n}: every other ends"
        );
        let _ = phone_csrf;
        assert_eq!(app.log_in("Sam", "kettle on the sill").await.status, StatusCode::UNAUTHORIZED);
        let (other, _) = app.signed_in("Sam", "a brand new password").await;

        let all = app
            .post("/sign-out", Some(&laptop), &form(&[("csrf", &laptop_csrf), ("everywhere", "1")]))
            .await;
        assert_eq!(all.status, StatusCode::OK, "{n}");
        assert!(
            all.headers
                .get(header::SET_COOKIE)
                .expect("cookie")
                .to_str()
                .expect("ascii")
                .contains("Max-Age=0")
        );
        for c in [&laptop, &other] {
            assert_eq!(app.get("/", Some(c)).await.status, StatusCode::UNAUTHORIZED, "{n}: every browser");
        }
    }
}

#[tokio::test]
async fn a_session_ends_when_idle_and_when_old_whatever_its_use() {
    let short = || policy(Duration::from_millis(300), Duration::from_secs(3600), false);
    for app in apps(short).await {
        let (cookie, _, _) = app.sign_up("Sam", "kettle on the sill", Role::Person).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(app.get("/", Some(&cookie)).await.status, StatusCode::OK, "used in time");
        tokio::time::sleep(Duration::from_millis(400)).await;
        let ended = app.get("/", Some(&cookie)).await;
        assert_eq!(ended.status, StatusCode::UNAUTHORIZED, "{}: idle too long", app.name);
        let text = Catalog::embedded().accounts();
        let shown = |words: &str| words.replace('\'', "&#39;");
        assert!(ended.body.contains("action=\"/login\""), "the way in is the sign-in form");
        assert!(ended.body.contains(&shown(&text.session_ended)), "{}", ended.body);
        assert!(!ended.body.contains("terminal"), "not the local app's way in");
        let sent = app.post("/urges", Some(&cookie), "csrf=x&kind=busy").await;
        assert_eq!(sent.status, StatusCode::UNAUTHORIZED);
        assert!(
            sent.body.contains(&shown(&text.form_not_saved)),
            "says the words were not saved: {}",
            sent.body
        );
        let fresh = app.get("/", None).await;
        assert!(fresh.body.contains("action=\"/login\"") && !fresh.body.contains(&shown(&text.session_ended)));
    }
    let brief = || policy(Duration::from_secs(3600), Duration::from_millis(500), false);
    for app in apps(brief).await {
        let (cookie, _, _) = app.sign_up("Sam", "kettle on the sill", Role::Person).await;
        for _ in 0..3 {
            assert_eq!(app.get("/", Some(&cookie)).await.status, StatusCode::OK);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            app.get("/", Some(&cookie)).await.status,
            StatusCode::UNAUTHORIZED,
            "{}: too old, though used",
            app.name
        );
    }
}

#[tokio::test]
async fn the_recovery_key_sets_a_new_password_and_keeps_every_word() {
    for app in apps(usual).await {
        let n = app.name;
        let (cookie, csrf, key) = app.sign_up("Sam", "kettle on the sill", Role::Person).await;
        let r = app
            .post("/urges", Some(&cookie), &form(&[("csrf", &csrf), ("kind", "go-quiet")]))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{n}: {}", r.body);

        let wrong = app
            .post(
                "/recover",
                None,
                &form(&[
                    ("name", "Sam"),
                    ("recovery", "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE"),
                    ("password", "after the storm"),
                    ("again", "after the storm"),
                ]),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{n}");
        let typed = key.to_lowercase().replace('-', " ");
        let ok = app
            .post(
                "/recover",
                None,
                &form(&[
                    ("name", "sam"),
                    ("recovery", &typed),
                    ("password", "after the storm"),
                    ("again", "after the storm"),
                ]),
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{n}: {}", ok.body);
        assert_eq!(
            app.get("/", Some(&cookie)).await.status,
            StatusCode::UNAUTHORIZED,
            "{n}: old sessions end"
        );
        let mine = app.store_of("Sam", "after the storm").await;
        assert_eq!(
            mine.urges(&UrgeFilter::default()).await.expect("urges").len(),
            1,
            "{n}: the words came through"
        );
    }
}

/// A (an account with every kind of record, each with planted words) and
/// B (a new account). Every route there is, walked from the list the
/// router is built from, with each of A's ids in its address: B gets 404,
/// by GET and by POST, and nothing of A's changes. Every page B can open
/// without an id, and B's export, holds none of A's words.
#[tokio::test]
async fn one_person_never_reaches_anothers_records_on_any_route() {
    let fixture =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/tests/data/schema-6/export.json"))
            .expect("fixture");
    let catalog = Catalog::embedded();
    let planted = fixture.replace("Fixture", &format!("Fixture {PLANTED}"));
    let doc = ExportDoc::parse(&planted, catalog).expect("parse");
    for app in apps(usual).await {
        let n = app.name;
        app.sign_up("Ada", "ada's long password", Role::Person).await;
        let a = app.store_of("Ada", "ada's long password").await;
        a.import(&doc, false, catalog).await.expect("import");
        let mut plan = a.safety_plan().await.expect("plan");
        plan.set("warning-signs", &format!("{PLANTED} when the phone goes quiet"))
            .expect("section");
        a.set_safety_plan(&plan).await.expect("plan");
        let before = serde_json::to_string(&a.export().await.expect("export")).expect("json");
        assert!(before.contains(PLANTED), "{n}: A's words are planted");
        let ids: std::collections::BTreeSet<String> = uuids(&before).into_iter().collect();
        assert!(ids.len() >= 10, "{n}: {} ids", ids.len());

        let (b, csrf, _) = app.sign_up("Bea", "bea's long password", Role::Person).await;
        let routes = drawbridge_web::routes(&Policy::Server(usual()));
        let mut walked = 0;
        for (pattern, guard, _) in &routes {
            if matches!(guard, Guard::Health) {
                continue;
            }
            if !pattern.contains('{') {
                let r = app.get(pattern, Some(&b)).await;
                assert!(!r.body.contains(PLANTED), "{n}: GET {pattern} shows B some of A's words");
                continue;
            }
            for id in &ids {
                let path = pattern.replace("{id}", id).replace("{n}", "1").replace("{file}", id);
                let got = app.get(&path, Some(&b)).await;
                let sent = app.post(&path, Some(&b), &form(&[("csrf", &csrf), ("paused", "1")])).await;
                for (method, r) in [("GET", &got), ("POST", &sent)] {
                    assert!(
                        r.status == StatusCode::NOT_FOUND || r.status == StatusCode::METHOD_NOT_ALLOWED,
                        "{n}: {method} {pattern} with A's id answered B with {}",
                        r.status
                    );
                    assert!(!r.body.contains(PLANTED), "{n}: {method} {pattern}");
                }
                walked += 1;
            }
        }
        assert!(walked >= 10 * ids.len(), "{n}: every route with an id, {walked} walked");
        let export = app.get("/account/export", Some(&b)).await;
        assert_eq!(export.status, StatusCode::OK);
        assert!(!export.body.contains(PLANTED), "{n}: B's export");
        let after = serde_json::to_string(&a.export().await.expect("export")).expect("json");
        assert_eq!(strip_exported_at(&before), strip_exported_at(&after), "{n}: nothing of A's changed");

        let help = app.get("/help", None).await;
        assert_eq!(help.status, StatusCode::OK, "{n}: Get help now needs no account");
        assert_eq!(app.get("/admin", Some(&b)).await.status, StatusCode::NOT_FOUND, "{n}: not an admin");
    }
}

fn note(words: &str) -> drawbridge_core::urge::UrgeEntry {
    drawbridge_core::urge::UrgeEntry {
        kind: "go-quiet".into(),
        intensity: None,
        body: None,
        about: None,
        did: None,
        note: Some(words.into()),
    }
}

fn uuids(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 36 <= bytes.len() {
        let s = &text[i..i + 36];
        if uuid::Uuid::parse_str(s).is_ok() && s.as_bytes()[8] == b'-' {
            out.push(s.to_string());
            i += 36;
        } else {
            i += 1;
        }
    }
    out
}

fn strip_exported_at(json: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(json).expect("json");
    v["exported_at"] = serde_json::Value::Null;
    v.to_string()
}

#[tokio::test]
async fn an_account_exports_what_a_local_drawbridge_imports_and_deletes_everything_with_its_password() {
    for app in apps(usual).await {
        let n = app.name;
        let (cookie, csrf, _) = app.sign_up("Sam", "kettle on the sill", Role::Person).await;
        let entry = note("only Sam wrote this");
        app.store_of("Sam", "kettle on the sill")
            .await
            .add_urge(entry, time::OffsetDateTime::now_utc())
            .await
            .expect("add");
        let export = app.get("/account/export", Some(&cookie)).await;
        assert_eq!(export.status, StatusCode::OK, "{n}");
        assert!(
            export
                .headers
                .get(header::CONTENT_DISPOSITION)
                .expect("a download")
                .to_str()
                .expect("ascii")
                .contains("attachment"),
            "{n}"
        );
        let doc = ExportDoc::parse(&export.body, Catalog::embedded()).expect("the local format");
        let dir = tempfile::tempdir().expect("tempdir");
        let loc = Location {
            db: dir.path().join("drawbridge.db"),
            key: dir.path().join("drawbridge.key"),
            database_url: None,
        };
        let (local, _) = Store::open_or_create(&loc, None, Workload::Command).await.expect("local");
        local.import(&doc, false, Catalog::embedded()).await.expect("imports locally");
        let urges = local.urges(&UrgeFilter::default()).await.expect("urges");
        assert_eq!(urges[0].entry.note.as_deref(), Some("only Sam wrote this"), "{n}");
        local.close().await;

        let (other, _) = app.signed_in("Sam", "kettle on the sill").await;
        let confirm = app.get("/account/delete", Some(&cookie)).await;
        assert_eq!(confirm.status, StatusCode::OK);
        let wrong = app
            .post("/account/delete", Some(&cookie), &form(&[("csrf", &csrf), ("password", "not it")]))
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{n}");
        assert_eq!(app.engine.accounts().await.expect("accounts").len(), 1, "{n}: nothing deleted");
        let gone = app
            .post(
                "/account/delete",
                Some(&cookie),
                &form(&[("csrf", &csrf), ("password", "kettle on the sill")]),
            )
            .await;
        assert_eq!(gone.status, StatusCode::OK, "{n}: {}", gone.body);
        assert!(app.engine.accounts().await.expect("accounts").is_empty(), "{n}");
        for c in [&cookie, &other] {
            assert_eq!(app.get("/", Some(c)).await.status, StatusCode::UNAUTHORIZED, "{n}: sessions end");
        }
        assert_eq!(
            app.log_in("Sam", "kettle on the sill").await.status,
            StatusCode::UNAUTHORIZED,
            "{n}"
        );
    }
}

#[tokio::test]
async fn an_admin_invites_pauses_and_deletes_but_never_reads() {
    for app in apps(usual).await {
        let n = app.name;
        let (admin, admin_csrf, _) = app.sign_up("Ada", "ada's long password", Role::Admin).await;
        let (sam, sam_csrf, _) = app.sign_up("Sam", "kettle on the sill", Role::Person).await;
        let entry = note(PLANTED);
        app.store_of("Sam", "kettle on the sill")
            .await
            .add_urge(entry, time::OffsetDateTime::now_utc())
            .await
            .expect("add");
        let _ = sam_csrf;

        let page = app.get("/admin", Some(&admin)).await;
        assert_eq!(page.status, StatusCode::OK, "{n}");
        assert!(page.body.contains("Sam") && !page.body.contains(PLANTED), "{n}: names, never words");
        let made = app
            .post(
                "/admin/invitations",
                Some(&admin),
                &form(&[("csrf", &admin_csrf), ("role", "person"), ("days", "3")]),
            )
            .await;
        assert_eq!(made.status, StatusCode::OK, "{n}");
        assert!(made.body.contains(&format!("{ORIGIN}/sign-up?invite=")), "{n}: the link, once");
        let bad = app
            .post(
                "/admin/invitations",
                Some(&admin),
                &form(&[("csrf", &admin_csrf), ("role", "person"), ("days", "400")]),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        assert_eq!(
            app.engine
                .invitations()
                .await
                .expect("list")
                .iter()
                .filter(|i| i.used_at.is_none())
                .count(),
            1
        );

        let sam_id = app
            .engine
            .accounts()
            .await
            .expect("accounts")
            .into_iter()
            .find(|a| a.name == "Sam")
            .expect("sam")
            .owner;
        let paused = app
            .post(
                &format!("/admin/accounts/{sam_id}/pause"),
                Some(&admin),
                &form(&[("csrf", &admin_csrf), ("paused", "1")]),
            )
            .await;
        assert_eq!(paused.status, StatusCode::SEE_OTHER, "{n}");
        assert_eq!(
            app.get("/", Some(&sam)).await.status,
            StatusCode::UNAUTHORIZED,
            "{n}: its sessions end"
        );
        let refused = app.log_in("Sam", "kettle on the sill").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{n}");
        app.post(
            &format!("/admin/accounts/{sam_id}/pause"),
            Some(&admin),
            &form(&[("csrf", &admin_csrf), ("paused", "0")]),
        )
        .await;
        let (sam, _) = app.signed_in("Sam", "kettle on the sill").await;

        let me = app
            .engine
            .accounts()
            .await
            .expect("accounts")
            .into_iter()
            .find(|a| a.name == "Ada")
            .expect("ada")
            .owner;
        let own = app
            .post(
                &format!("/admin/accounts/{me}/delete"),
                Some(&admin),
                &form(&[("csrf", &admin_csrf)]),
            )
            .await;
        assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}: not one's own account from here");
        let deleted = app
            .post(
                &format!("/admin/accounts/{sam_id}/delete"),
                Some(&admin),
                &form(&[("csrf", &admin_csrf)]),
            )
            .await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{n}");
        assert_eq!(app.get("/", Some(&sam)).await.status, StatusCode::UNAUTHORIZED, "{n}");
        assert_eq!(app.engine.accounts().await.expect("accounts").len(), 1, "{n}");
    }
}

/// An admin who pauses or deletes an account from the terminal (another
/// process) reaches the server's sessions at their next check of the
/// account (every 30 seconds by default; at every request here).
#[tokio::test]
async fn a_session_ends_when_its_account_is_paused_or_deleted_elsewhere() {
    let checking = || {
        let mut p = usual();
        p.account_check = Duration::ZERO;
        p
    };
    for app in apps(checking).await {
        let n = app.name;
        let (sam, _, _) = app.sign_up("Sam", "kettle on the sill", Role::Person).await;
        let (robin, _, _) = app.sign_up("Robin", "robin's long password", Role::Person).await;
        let ids: Vec<_> = app
            .engine
            .accounts()
            .await
            .expect("accounts")
            .into_iter()
            .map(|a| a.owner)
            .collect();
        app.engine.set_account_disabled(ids[0], true).await.expect("pause");
        app.engine.delete_account(ids[1]).await.expect("delete");
        assert_eq!(app.get("/", Some(&sam)).await.status, StatusCode::UNAUTHORIZED, "{n}: paused");
        assert_eq!(app.get("/", Some(&robin)).await.status, StatusCode::UNAUTHORIZED, "{n}: deleted");
    }
}

/// An upload as a browser sends the import form: its token first.
fn multipart(csrf: &str, file: &[u8], prefer: bool) -> (String, Vec<u8>) {
    let boundary = "----drawbridge-test-7Q4M";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").as_bytes());
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"export.json\"\r\nContent-Type: application/json\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(b"\r\n");
    if prefer {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"prefer\"\r\n\r\n1\r\n").as_bytes());
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl App {
    async fn upload(&self, cookie: &str, csrf: &str, file: &[u8], prefer: bool) -> Resp {
        let (kind, body) = multipart(csrf, file, prefer);
        self.send(
            Request::post("/account/import")
                .header(header::HOST, HOST)
                .header(header::ORIGIN, ORIGIN)
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, kind)
                .body(Body::from(body))
                .expect("request"),
        )
        .await
    }
}

/// A local export brought into an account: checked whole first, added once
/// (twice adds nothing), and an older file over newer words keeps the newer
/// ones unless the file's are asked for, and then keeps the replaced words
/// as earlier versions. A file that is not an export changes nothing.
#[tokio::test]
async fn a_local_export_imports_into_an_account_and_an_older_file_loses_no_newer_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loc = Location {
        db: dir.path().join("drawbridge.db"),
        key: dir.path().join("drawbridge.key"),
        database_url: None,
    };
    let (local, _) = Store::open_or_create(&loc, None, Workload::Command).await.expect("local");
    let urge = local
        .add_urge(note("written on my own computer"), time::OffsetDateTime::now_utc())
        .await
        .expect("add");
    let older = serde_json::to_vec(&local.export().await.expect("export")).expect("json");
    local.close().await;

    for app in apps(usual).await {
        let n = app.name;
        let (cookie, csrf, _) = app.sign_up("Sam", "kettle on the sill", Role::Person).await;
        let page = app.get("/account/import", Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{n}");

        let forged = app.upload(&cookie, "not-the-token", &older, false).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{n}");
        // The token goes in the form, never in the address (which histories
        // and logs keep): there it counts for nothing.
        let (kind, without) = multipart("", &older, false);
        let in_address = app
            .send(
                Request::post(format!("/account/import?csrf={csrf}"))
                    .header(header::HOST, HOST)
                    .header(header::ORIGIN, ORIGIN)
                    .header(header::COOKIE, &cookie)
                    .header(header::CONTENT_TYPE, kind)
                    .body(Body::from(without))
                    .expect("request"),
            )
            .await;
        assert_eq!(in_address.status, StatusCode::FORBIDDEN, "{n}");
        let junk = app.upload(&cookie, &csrf, b"{\"not\": \"an export\"}", false).await;
        assert_eq!(junk.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}: {}", junk.body);
        let binary = app.upload(&cookie, &csrf, &[0xff, 0xfe, 0x00], false).await;
        assert_eq!(binary.status, StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        let mine = app.store_of("Sam", "kettle on the sill").await;
        assert!(
            mine.urges(&UrgeFilter::default()).await.expect("urges").is_empty(),
            "{n}: nothing changed"
        );

        let first = app.upload(&cookie, &csrf, &older, false).await;
        assert_eq!(first.status, StatusCode::OK, "{n}: {}", first.body);
        assert!(first.body.contains("Added 1 new entry"), "{n}: {}", first.body);
        let twice = app.upload(&cookie, &csrf, &older, false).await;
        assert!(
            twice.body.contains("Added 0 new entries; 1 was already here"),
            "{n}: {}",
            twice.body
        );

        let mut newer = mine.urge(urge.id).await.expect("read").expect("there").entry;
        newer.note = Some("changed here on the server".into());
        assert!(mine.update_urge(urge.id, newer).await.expect("edit"));
        let kept = app.upload(&cookie, &csrf, &older, false).await;
        assert!(kept.body.contains("Kept yours"), "{n}: {}", kept.body);
        let now = mine.urge(urge.id).await.expect("read").expect("there");
        assert_eq!(
            now.entry.note.as_deref(),
            Some("changed here on the server"),
            "{n}: the newer words stay"
        );

        let taken = app.upload(&cookie, &csrf, &older, true).await;
        assert!(taken.body.contains("Took the file&#39;s for 1 of it"), "{n}: {}", taken.body);
        let now = mine.urge(urge.id).await.expect("read").expect("there");
        assert_eq!(now.entry.note.as_deref(), Some("written on my own computer"), "{n}");
        let earlier = mine.versions("urge", &urge.id.to_string()).await.expect("versions");
        assert!(
            earlier.iter().any(|v| v.text == "changed here on the server"),
            "{n}: the replaced words are kept: {earlier:?}"
        );
    }
}

#[tokio::test]
async fn guessing_is_slowed_where_it_happens_and_cannot_keep_a_person_out_from_elsewhere() {
    for app in apps(usual).await {
        let n = app.name;
        app.sign_up("Sam", "kettle on the sill", Role::Person).await;
        // Sam signs in from home, as always.
        assert_eq!(
            app.log_in_from("192.0.2.10", "Sam", "kettle on the sill").await.status,
            StatusCode::SEE_OTHER
        );
        // Someone elsewhere guesses at Sam from many addresses.
        for i in 0..30 {
            let r = app
                .log_in_from(&format!("198.51.100.{i}"), "Sam", &format!("guess number {i}"))
                .await;
            assert!(matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS), "{n}");
        }
        let new_place = app.log_in_from("203.0.113.77", "Sam", "kettle on the sill").await;
        assert_eq!(
            new_place.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{n}: guesses spread out still slow the name"
        );
        let home = app.log_in_from("192.0.2.10", "Sam", "kettle on the sill").await;
        assert_eq!(home.status, StatusCode::SEE_OTHER, "{n}: but Sam still gets in from home");

        // One address guessing at Sam waits; Robin at the same address
        // (a shared network) does not, and signing in to an account of
        // one's own does not wipe the address's record.
        app.sign_up("Robin", "a lamp by the window", Role::Person).await;
        for _ in 0..5 {
            app.log_in_from("192.0.2.99", "Sam", "not the password").await;
        }
        assert_eq!(
            app.log_in_from("192.0.2.99", "Sam", "kettle on the sill").await.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{n}"
        );
        let robin = app.log_in_from("192.0.2.99", "Robin", "a lamp by the window").await;
        assert_eq!(robin.status, StatusCode::SEE_OTHER, "{n}: another person on that network");
        assert_eq!(
            app.log_in_from("192.0.2.99", "Sam", "kettle on the sill").await.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{n}: still waiting after Robin signed in"
        );

        // A name longer than any account's is refused like a wrong one.
        let long = app.log_in_from("192.0.2.50", &"n".repeat(10_000), "kettle on the sill").await;
        assert_eq!(long.status, StatusCode::UNAUTHORIZED, "{n}");
    }
}

#[tokio::test]
async fn a_signed_in_password_check_is_slowed_too() {
    for app in apps(usual).await {
        let n = app.name;
        let (cookie, csrf, _) = app.sign_up("Sam", "kettle on the sill", Role::Person).await;
        for _ in 0..5 {
            let r = app
                .post("/account/delete", Some(&cookie), &form(&[("csrf", &csrf), ("password", "a guess")]))
                .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{n}");
        }
        let r = app
            .post(
                "/account/delete",
                Some(&cookie),
                &form(&[("csrf", &csrf), ("password", "kettle on the sill")]),
            )
            .await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{n}: {}", r.body);
        assert!(r.headers.contains_key(header::RETRY_AFTER), "{n}");
        let changed = app
            .post(
                "/account/password",
                Some(&cookie),
                &form(&[
                    ("csrf", &csrf),
                    ("old", "kettle on the sill"),
                    ("password", "a brand new password"),
                    ("again", "a brand new password"),
                ]),
            )
            .await;
        assert_eq!(changed.status, StatusCode::TOO_MANY_REQUESTS, "{n}: the same count");
        assert_eq!(
            app.get("/", Some(&cookie)).await.status,
            StatusCode::OK,
            "{n}: still signed in, nothing gone"
        );
        assert!(app.engine.accounts().await.expect("read").iter().any(|a| a.name == "Sam"), "{n}");
    }
}

#[tokio::test]
async fn a_sign_in_replaces_the_browsers_old_session_and_an_account_holds_a_bounded_number() {
    for app in apps(usual).await {
        let n = app.name;
        let (first, _, _) = app.sign_up("Sam", "kettle on the sill", Role::Person).await;
        let again = app
            .post(
                "/login",
                Some(&first),
                &form(&[("name", "Sam"), ("password", "kettle on the sill")]),
            )
            .await;
        assert_eq!(again.status, StatusCode::SEE_OTHER, "{n}");
        assert_eq!(
            app.get("/", Some(&first)).await.status,
            StatusCode::UNAUTHORIZED,
            "{n}: the old one ended"
        );
        let mut cookies = vec![cookie_of(&again)];
        for _ in 0..drawbridge_web::security::session::MAX_PER_ACCOUNT {
            cookies.push(app.signed_in("Sam", "kettle on the sill").await.0);
        }
        assert_eq!(
            app.get("/", Some(&cookies[0])).await.status,
            StatusCode::UNAUTHORIZED,
            "{n}: the one used longest ago made room"
        );
        for c in &cookies[1..] {
            assert_eq!(app.get("/", Some(c)).await.status, StatusCode::OK, "{n}");
        }
    }
}

#[tokio::test]
async fn sessions_past_their_time_are_swept_without_their_browser_coming_back() {
    // An hour idle ends a session; the sweep is asked about two hours from
    // now rather than waited for, so a slow machine cannot end one early.
    let hour = || policy(Duration::from_secs(3600), Duration::from_secs(8 * 3600), false);
    for app in apps(hour).await {
        app.sign_up("Sam", "kettle on the sill", Role::Person).await;
        app.signed_in("Sam", "kettle on the sill").await;
        assert_eq!(app.state.sweep_sessions(), 0, "{}: both in time", app.name);
        let later = std::time::Instant::now() + Duration::from_secs(2 * 3600);
        assert_eq!(app.state.sweep_sessions_at(later), 2, "{}: both ended", app.name);
        assert_eq!(app.state.sweep_sessions(), 0, "{}: nothing left to end", app.name);
    }
}
