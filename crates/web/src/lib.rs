//! The local web app: axum routes grouped by guard, askama templates,
//! embedded static assets and the defences in [`security`].
//!
//! A request passes: security headers → Host check → body limit → the
//! session, if any → its group's guards (signed in, CSRF and Origin,
//! unlocked) → handler (with [`extract`]ors for the store and ids) → `Store`
//! → template. Failures are [`frame::WebError`]s, each mapped to its status
//! and page in one place. The store may start locked (passphrase mode); the
//! unlock page opens it once for the process.

pub mod access;
pub mod accounts;
pub mod admin;
pub mod assets;
pub mod care;
pub mod extract;
pub mod frame;
pub mod health;
pub mod help;
pub mod journal;
pub(crate) mod markdown;
pub mod metrics;
pub mod moment;
pub mod practice;
pub mod quiz;
pub mod requests;
pub mod search;
pub mod security;
pub mod settings;
pub mod stories;
pub mod today;
pub mod urges;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{MethodRouter, get, post};
use drawbridge_core::Catalog;
use drawbridge_store::{Location, Store, StoreError, Workload};
use time::UtcOffset;
use tokio::sync::RwLock;

use crate::security::{Person, Session, Sessions};

/// What the server needs to know at start.
pub struct ServerConfig {
    /// The address actually bound (after any port fallback).
    pub addr: SocketAddr,
    /// The person's UTC offset, read once at start (reading it later is
    /// unreliable once threads exist).
    pub local_offset: UtcOffset,
    /// Where the database and key file live (used to unlock).
    pub location: Location,
    pub catalog: &'static Catalog,
    /// A region suggested from the system's locale or time zone, offered
    /// (never saved) until the person chooses one.
    pub suggested_region: Option<String>,
    /// The addresses `/metrics` answers (loopback unless configured).
    pub metrics_from: Vec<std::net::IpAddr>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (none unless
    /// configured).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// One person on this computer, or many on a server.
    pub policy: Policy,
}

/// How drawbridge is run, chosen once at start.
pub enum Policy {
    /// One person on their own computer: the launch link, one owner.
    Local,
    /// Many people on one PostgreSQL, each with an account.
    Server(ServerPolicy),
}

/// Server mode's settings.
pub struct ServerPolicy {
    /// Anyone who reaches the server may make an account (otherwise only
    /// with an invitation).
    pub open_signup: bool,
    /// A session ends after this long without a request.
    pub idle: std::time::Duration,
    /// A session ends this long after it began, used or not.
    pub lifetime: std::time::Duration,
    /// The host names people reach the server by (behind a reverse proxy),
    /// answered besides the address bound.
    pub hosts: Vec<String>,
    /// The address people use (`https://drawbridge.example.org`), which
    /// invitation links start with; the bound address when not given.
    pub public_url: Option<String>,
    /// How often a session checks that its account is still enabled (an
    /// admin may pause or delete it from the terminal, another process).
    pub account_check: std::time::Duration,
}

impl ServerPolicy {
    pub const DEFAULT_IDLE: std::time::Duration = std::time::Duration::from_secs(60 * 60);
    pub const DEFAULT_LIFETIME: std::time::Duration = std::time::Duration::from_secs(12 * 60 * 60);
    pub const DEFAULT_ACCOUNT_CHECK: std::time::Duration = std::time::Duration::from_secs(30);
}

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    cfg: ServerConfig,
    allowed_hosts: HashSet<String>,
    store: RwLock<Option<Store>>,
    launch_token: Mutex<Option<String>>,
    sessions: Mutex<Sessions>,
    throttle: Mutex<security::throttle::Throttle>,
    metrics: metrics::Metrics,
}

impl AppState {
    /// `store` is `None` when the data waits for a passphrase.
    pub fn new(cfg: ServerConfig, store: Option<Store>) -> (AppState, String) {
        let mut allowed_hosts = security::host::allowed_hosts(cfg.addr);
        if let Policy::Server(p) = &cfg.policy {
            allowed_hosts.extend(p.hosts.iter().cloned());
        }
        let token = security::random_token();
        let state = AppState {
            inner: Arc::new(Inner {
                cfg,
                allowed_hosts,
                store: RwLock::new(store),
                launch_token: Mutex::new(Some(token.clone())),
                sessions: Mutex::new(Sessions::default()),
                throttle: Mutex::new(security::throttle::Throttle::default()),
                metrics: metrics::Metrics::default(),
            }),
        };
        (state, token)
    }

    pub fn config(&self) -> &ServerConfig {
        &self.inner.cfg
    }

    /// What `/metrics` reports.
    pub fn metrics(&self) -> &metrics::Metrics {
        &self.inner.metrics
    }

    /// Server mode's settings, or None in local mode.
    pub fn server(&self) -> Option<&ServerPolicy> {
        match &self.inner.cfg.policy {
            Policy::Server(p) => Some(p),
            Policy::Local => None,
        }
    }

    pub fn is_server(&self) -> bool {
        self.server().is_some()
    }

    /// The log-in throttle (server mode).
    pub fn throttle(&self) -> std::sync::MutexGuard<'_, security::throttle::Throttle> {
        self.inner.throttle.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Server mode: a new session for a person just signed in, holding
    /// their store. Returns the id for the cookie; the session is kept
    /// under its hash.
    ///
    /// `replaces` is the session the browser held before, if any: it ends
    /// (a new id at every sign-in). An account keeps at most
    /// [`security::session::MAX_PER_ACCOUNT`] sessions; past that, the one
    /// used longest ago ends.
    pub fn start_person_session(&self, person: Person, replaces: Option<&Session>) -> String {
        self.add_person_session(Arc::new(person), replaces)
    }

    fn add_person_session(&self, person: Arc<Person>, replaces: Option<&Session>) -> String {
        let id = security::random_token();
        let s = Session {
            id: security::hashed(&id),
            csrf: security::random_token(),
            person: Some(person),
        };
        if let Ok(mut all) = self.inner.sessions.lock() {
            if let Some(old) = replaces {
                all.remove(&old.id);
            }
            if let Some(policy) = self.server() {
                all.sweep(policy.idle, policy.lifetime, std::time::Instant::now());
            }
            if let Some(p) = &s.person {
                all.make_room_for(p.owner);
            }
            all.insert(s);
        }
        id
    }

    /// Server mode: the same signed-in person under a new id and a new
    /// CSRF token (after a new password). Returns the id for the cookie.
    pub fn renew_person_session(&self, session: &Session) -> Option<String> {
        let person = session.person.clone()?;
        Some(self.add_person_session(person, Some(session)))
    }

    /// Server mode: end the sessions that have been idle too long or have
    /// reached their lifetime, dropping their keys, without waiting for
    /// the browser to come back. Returns how many ended.
    pub fn sweep_sessions(&self) -> usize {
        self.sweep_sessions_at(std::time::Instant::now())
    }

    /// The sweep as it would be at `now` (a test looks ahead in time
    /// rather than waiting for it).
    pub fn sweep_sessions_at(&self, now: std::time::Instant) -> usize {
        let Some(policy) = self.server() else {
            return 0;
        };
        self.inner
            .sessions
            .lock()
            .map(|mut all| all.sweep(policy.idle, policy.lifetime, now))
            .unwrap_or(0)
    }

    /// Server mode: sweep the sessions every minute, for as long as it
    /// runs (the server runs it beside itself).
    pub async fn sweep_sessions_forever(self) {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let ended = self.sweep_sessions();
            if ended > 0 {
                tracing::debug!(ended, "sessions past their time ended");
            }
        }
    }

    /// Server mode: end every session of `owner` but `keep` (a session's
    /// hashed id): log out everywhere, a new password, a deleted account.
    pub fn end_person_sessions(&self, owner: uuid::Uuid, keep: Option<&str>) {
        if let Ok(mut all) = self.inner.sessions.lock() {
            all.end_owner(owner, keep);
        }
    }

    /// Server mode: the session a cookie names, while it is neither idle
    /// too long nor too old, and its account is still enabled.
    async fn find_person_session(&self, policy: &ServerPolicy, cookie_id: &str) -> Option<Session> {
        let key = security::hashed(cookie_id);
        let s = self.session(&key)?;
        let person = s.person.clone()?;
        let now = std::time::Instant::now();
        let idle = person
            .last_used
            .lock()
            .map(|t| now.saturating_duration_since(*t))
            .unwrap_or_default();
        if idle >= policy.idle || now.saturating_duration_since(person.started) >= policy.lifetime {
            if let Ok(mut all) = self.inner.sessions.lock() {
                all.remove(&key);
            }
            return None;
        }
        let due = person
            .checked
            .lock()
            .map(|t| now.saturating_duration_since(*t) >= policy.account_check)
            .unwrap_or(true);
        if due {
            let engine = self.store().await?;
            let enabled = match engine.account(person.owner).await {
                Ok(Some(a)) => a.disabled_at.is_none(),
                Ok(None) => false,
                // The database does not answer: keep the session; the page
                // itself will say what is wrong.
                Err(_) => true,
            };
            if !enabled {
                self.end_person_sessions(person.owner, None);
                return None;
            }
            if let Ok(mut t) = person.checked.lock() {
                *t = now;
            }
        }
        if let Ok(mut t) = person.last_used.lock() {
            *t = now;
        }
        Some(s)
    }

    /// The store a request works with: in local mode the one store (once
    /// unlocked); in server mode the signed-in person's, and none without
    /// a session.
    pub async fn store_for(&self, session: Option<&Session>) -> Option<Store> {
        match self.server() {
            None => self.store().await,
            Some(_) => session.and_then(|s| s.person.as_ref()).map(|p| p.store.clone()),
        }
    }

    pub fn catalog(&self) -> &'static Catalog {
        self.inner.cfg.catalog
    }

    pub fn allows_host(&self, host: &str) -> bool {
        self.inner.allowed_hosts.contains(host)
    }

    /// The launch token works once: the first matching call consumes it.
    pub fn redeem_launch_token(&self, offered: &str) -> Option<Session> {
        let mut token = self.inner.launch_token.lock().ok()?;
        match token.as_deref() {
            Some(t) if security::same_secret(t, offered) => {
                *token = None;
                Some(self.inner.sessions.lock().ok()?.create())
            }
            _ => None,
        }
    }

    pub fn session(&self, id: &str) -> Option<Session> {
        self.inner.sessions.lock().ok()?.get(id)
    }

    /// A session by its cookie: in memory, or kept in the store from before
    /// a restart (while it has not expired).
    pub async fn find_session(&self, id: &str) -> Option<Session> {
        if let Some(policy) = self.server() {
            return self.find_person_session(policy, id).await;
        }
        if let Some(s) = self.session(id) {
            return Some(s);
        }
        let store = self.store().await?;
        let csrf = store.web_session(id).await.ok()??;
        let s = Session {
            id: id.to_string(),
            csrf,
            person: None,
        };
        self.inner.sessions.lock().ok()?.insert(s.clone());
        Some(s)
    }

    /// Keep a session in the store, so it outlasts a restart.
    pub async fn keep_session(&self, s: &Session) {
        if let Some(store) = self.store().await {
            let expires = time::OffsetDateTime::now_utc() + time::Duration::days(security::SESSION_DAYS);
            if let Err(e) = store.keep_web_session(&s.id, &s.csrf, expires).await {
                tracing::warn!(error = %e, "could not keep a session for after a restart");
            }
        }
    }

    /// Sign out this browser, or every browser.
    pub async fn end_sessions(&self, id: Option<&str>) -> Result<(), StoreError> {
        if let Ok(mut all) = self.inner.sessions.lock() {
            match id {
                Some(id) => all.remove(id),
                None => all.clear(),
            }
        }
        if let Some(store) = self.store().await {
            store.end_web_sessions(id).await?;
        }
        Ok(())
    }

    pub async fn is_unlocked(&self) -> bool {
        self.inner.store.read().await.is_some()
    }

    pub async fn store(&self) -> Option<Store> {
        self.inner.store.read().await.clone()
    }

    /// Unlock with a passphrase (passphrase mode). Slow on purpose.
    pub async fn unlock(&self, passphrase: String) -> Result<(), StoreError> {
        let mut slot = self.inner.store.write().await;
        if slot.is_some() {
            return Ok(());
        }
        let (store, _) = Store::open_or_create(&self.inner.cfg.location, Some(&passphrase), Workload::Server).await?;
        // Sessions signed in before the unlock are kept from now on.
        let sessions = self.inner.sessions.lock().map(|s| s.all()).unwrap_or_default();
        let expires = time::OffsetDateTime::now_utc() + time::Duration::days(security::SESSION_DAYS);
        for s in sessions {
            let _ = store.keep_web_session(&s.id, &s.csrf, expires).await;
        }
        *slot = Some(store);
        Ok(())
    }

    /// Close the store cleanly (on shutdown).
    pub async fn close(&self) {
        if let Some(store) = self.inner.store.write().await.take() {
            store.close().await;
        }
    }
}

/// Which guards a route stands behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// `/healthz`, `/readyz`, `/metrics`: plain text for whoever runs it,
    /// outside the page frame (`/metrics` checks its own allow list).
    Health,
    /// Get help now, the way in, the static files, and the calendar feed
    /// (read by calendar apps, which have no session: it is guarded by its
    /// own revocable token instead).
    Public,
    /// Signed in, while the data may still be locked.
    Unlock,
    /// Signed in, a checked form on every POST, and the data unlocked.
    SignedIn,
    /// Server mode's way in (signing in, making an account, recovering):
    /// no session yet, so a POST is checked by its Origin alone.
    Entry,
    /// Server mode: signed in as an admin, with a checked form on every POST.
    Admin,
}

/// A route: its path, its guard, its handlers.
pub type Route = (&'static str, Guard, MethodRouter<AppState>);

/// Every route of a policy, with its guard: the one list the router is
/// built from, so a test can walk every route there is and a new route
/// cannot be added without saying which guards it stands behind.
///
/// Local mode has the launch link, the unlock page and the calendar feed;
/// server mode has accounts and the admin pages instead (its keys live
/// only in sessions, so nothing can be read for a calendar app without
/// one).
pub fn routes(policy: &Policy) -> Vec<Route> {
    let mut all: Vec<Route> = vec![
        ("/healthz", Guard::Health, get(health::healthz)),
        ("/readyz", Guard::Health, get(health::readyz)),
        ("/metrics", Guard::Health, get(metrics::metrics)),
        ("/help", Guard::Public, get(help::help)),
        ("/static/app.css", Guard::Public, get(assets::stylesheet)),
        ("/static/icon.svg", Guard::Public, get(assets::icon)),
        ("/static/app.js", Guard::Public, get(assets::script)),
    ];
    match policy {
        Policy::Local => all.extend([
            ("/login", Guard::Public, get(access::login)),
            ("/calendar/{file}", Guard::Public, get(practice::calendar_feed)),
            ("/unlock", Guard::Unlock, get(access::unlock_form).post(access::unlock)),
            ("/practice/feed", Guard::SignedIn, post(practice::feed_token)),
        ]),
        Policy::Server(_) => all.extend([
            ("/login", Guard::Entry, get(accounts::log_in_form).post(accounts::log_in)),
            ("/sign-up", Guard::Entry, get(accounts::sign_up_form).post(accounts::sign_up)),
            ("/recover", Guard::Entry, get(accounts::recover_form).post(accounts::recover)),
            ("/account/password", Guard::SignedIn, post(accounts::change_password)),
            ("/account/export", Guard::SignedIn, get(accounts::export)),
            (
                "/account/import",
                Guard::SignedIn,
                get(accounts::import_form)
                    .post(accounts::import)
                    .layer(DefaultBodyLimit::max(accounts::IMPORT_LIMIT)),
            ),
            (
                "/account/delete",
                Guard::SignedIn,
                get(accounts::delete_confirm).post(accounts::delete),
            ),
            ("/admin", Guard::Admin, get(admin::admin)),
            ("/admin/invitations", Guard::Admin, post(admin::invite)),
            ("/admin/invitations/{id}/withdraw", Guard::Admin, post(admin::withdraw)),
            ("/admin/accounts/{id}/pause", Guard::Admin, post(admin::pause)),
            (
                "/admin/accounts/{id}/delete",
                Guard::Admin,
                get(admin::delete_confirm).post(admin::delete),
            ),
        ]),
    }
    all.extend(signed_in_routes());
    all
}

/// A journal entry can be far longer than any other form.
fn journal_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(security::JOURNAL_LIMIT)
}

/// The pages of the app itself, the same in both modes.
fn signed_in_routes() -> Vec<Route> {
    vec![
        ("/", Guard::SignedIn, get(today::today)),
        ("/urges", Guard::SignedIn, post(urges::urge_create)),
        ("/urges/{id}", Guard::SignedIn, get(urges::urge_edit).post(urges::urge_update)),
        (
            "/urges/{id}/delete",
            Guard::SignedIn,
            get(urges::urge_delete_confirm).post(urges::urge_delete),
        ),
        ("/moments", Guard::SignedIn, get(urges::moments)),
        (
            "/journal",
            Guard::SignedIn,
            get(journal::list).post(journal::save).layer(journal_limit()),
        ),
        ("/journal/search", Guard::SignedIn, get(search::page)),
        ("/journal/write", Guard::SignedIn, get(journal::write)),
        ("/journal/prompts", Guard::SignedIn, get(journal::prompts)),
        ("/journal/{id}", Guard::SignedIn, get(journal::entry)),
        ("/journal/{id}/stories", Guard::SignedIn, post(stories::journal_away)),
        (
            "/journal/{id}/edit",
            Guard::SignedIn,
            get(journal::edit).post(journal::update).layer(journal_limit()),
        ),
        (
            "/journal/{id}/delete",
            Guard::SignedIn,
            get(journal::delete_confirm).post(journal::delete),
        ),
        ("/journal/drafts", Guard::SignedIn, post(journal::keep_draft).layer(journal_limit())),
        (
            "/journal/drafts/{id}/discard",
            Guard::SignedIn,
            get(journal::discard_confirm).post(journal::discard),
        ),
        ("/settings", Guard::SignedIn, get(settings::settings).post(settings::settings_save)),
        ("/sign-out", Guard::SignedIn, post(access::sign_out)),
        ("/profile", Guard::SignedIn, get(quiz::profile)),
        ("/quiz/{id}", Guard::SignedIn, get(quiz::intro)),
        ("/quiz/{id}/start", Guard::SignedIn, post(quiz::start)),
        ("/quiz/{id}/{n}", Guard::SignedIn, get(quiz::page).post(quiz::save_page)),
        ("/practice", Guard::SignedIn, get(practice::library)),
        ("/practice/start", Guard::SignedIn, get(practice::start).post(practice::calibrate)),
        ("/practice/plan", Guard::SignedIn, get(practice::plan_form).post(practice::plan)),
        (
            "/practice/records/{id}",
            Guard::SignedIn,
            get(practice::record).post(practice::follow_up),
        ),
        ("/practice/records/{id}/edit", Guard::SignedIn, post(practice::edit_record)),
        ("/practice/stage", Guard::SignedIn, post(practice::set_stage)),
        (
            "/practice/settings",
            Guard::SignedIn,
            get(practice::settings).post(practice::set_window),
        ),
        ("/practice/programs/start", Guard::SignedIn, post(practice::start_program)),
        ("/practice/programs/check-off", Guard::SignedIn, post(practice::check_off)),
        ("/practice/programs/stop", Guard::SignedIn, post(practice::stop_program)),
        ("/ledger", Guard::SignedIn, get(practice::ledger)),
        ("/settings/questionnaires", Guard::SignedIn, get(quiz::questionnaires)),
        ("/settings/questionnaires/add", Guard::SignedIn, post(quiz::add_instrument)),
        ("/settings/questionnaires/wording", Guard::SignedIn, post(quiz::add_wording)),
        ("/pause", Guard::SignedIn, get(moment::choose)),
        ("/pause/{id}", Guard::SignedIn, get(moment::intro)),
        ("/pause/{id}/finish", Guard::SignedIn, post(moment::finish)),
        ("/pause/{id}/done", Guard::SignedIn, get(moment::done)),
        ("/pause/{id}/{n}", Guard::SignedIn, get(moment::step)),
        ("/scripts", Guard::SignedIn, get(moment::scripts)),
        ("/after", Guard::SignedIn, get(moment::after).post(moment::save_reset)),
        ("/after/resets", Guard::SignedIn, get(moment::resets)),
        ("/after/resets/{id}", Guard::SignedIn, get(moment::reset)),
        ("/after/resets/{id}/stories", Guard::SignedIn, post(stories::reset_away)),
        ("/letter", Guard::SignedIn, get(moment::letter)),
        ("/safety-plan", Guard::SignedIn, get(moment::plan).post(moment::plan_save)),
        ("/safety-plan/edit", Guard::SignedIn, get(moment::plan_edit)),
    ]
}

/// Every route, grouped by its guard, inside the security stack. Unknown
/// addresses answer in the signed-in group, so they say nothing to a
/// browser that is not signed in.
pub fn router(state: AppState) -> Router {
    let group = |guard: Guard| {
        routes(&state.config().policy)
            .into_iter()
            .filter(|(_, g, _)| *g == guard)
            .fold(Router::new(), |r, (path, _, handler)| r.route(path, handler))
    };
    let unlock = group(Guard::Unlock)
        .layer(middleware::from_fn_with_state(state.clone(), security::csrf::check))
        .layer(middleware::from_fn(security::session::require));
    let signed_in = group(Guard::SignedIn)
        .fallback(frame::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), security::session::unlocked))
        .layer(middleware::from_fn_with_state(state.clone(), security::csrf::check))
        .layer(middleware::from_fn(security::session::require));
    let entry = group(Guard::Entry).layer(middleware::from_fn_with_state(state.clone(), security::csrf::origin_only));
    let admin = group(Guard::Admin)
        .layer(middleware::from_fn_with_state(state.clone(), security::csrf::check))
        .layer(middleware::from_fn(security::session::require_admin))
        .layer(middleware::from_fn(security::session::require));
    let pages = group(Guard::Public)
        .merge(entry)
        .merge(admin)
        .merge(unlock)
        .merge(signed_in)
        .layer(middleware::from_fn(frame::frame_errors))
        .layer(middleware::from_fn_with_state(state.clone(), care::layer))
        .layer(middleware::from_fn_with_state(state.clone(), security::session::attach));
    group(Guard::Health)
        .merge(pages)
        .layer(DefaultBodyLimit::max(security::BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state.clone(), security::host::host_check))
        .layer(middleware::from_fn(security::headers::headers))
        .layer(middleware::from_fn_with_state(state.clone(), requests::log))
        .with_state(state)
}
