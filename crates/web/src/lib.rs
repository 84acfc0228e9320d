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
pub mod assets;
pub mod care;
pub mod extract;
pub mod frame;
pub mod health;
pub mod help;
pub mod metrics;
pub mod moment;
pub mod practice;
pub mod quiz;
pub mod requests;
pub mod security;
pub mod settings;
pub mod today;
pub mod urges;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use drawbridge_core::Catalog;
use drawbridge_store::{Location, Store, StoreError, Workload};
use time::UtcOffset;
use tokio::sync::RwLock;

use crate::security::{Session, Sessions};

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
    metrics: metrics::Metrics,
}

impl AppState {
    /// `store` is `None` when the data waits for a passphrase.
    pub fn new(cfg: ServerConfig, store: Option<Store>) -> (AppState, String) {
        let allowed_hosts = security::host::allowed_hosts(cfg.addr);
        let token = security::random_token();
        let state = AppState {
            inner: Arc::new(Inner {
                cfg,
                allowed_hosts,
                store: RwLock::new(store),
                launch_token: Mutex::new(Some(token.clone())),
                sessions: Mutex::new(Sessions::default()),
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
        if let Some(s) = self.session(id) {
            return Some(s);
        }
        let store = self.store().await?;
        let csrf = store.web_session(id).await.ok()??;
        let s = Session { id: id.to_string(), csrf };
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

/// Every route, grouped by the guard it needs, inside the security stack.
///
/// - **health**: `/healthz`, `/readyz` and `/metrics` (to allowed addresses
///   only), plain text for whoever runs it;
/// - **public**: Get help now, the way in, the static files, and the
///   calendar feed (read by calendar apps, which have no session: it is
///   guarded by its own revocable token instead);
/// - **unlock**: signed in, while the data may still be locked;
/// - **signed in**: everything else, with a session, a checked form on every
///   POST, and the data unlocked; unknown addresses answer here too, so they
///   say nothing to a browser that is not signed in.
///
/// A new route goes into one of the groups, and gets that group's guards.
pub fn router(state: AppState) -> Router {
    let public = Router::new()
        .route("/login", get(access::login))
        .route("/help", get(help::help))
        .route("/calendar/{file}", get(practice::calendar_feed))
        .route("/static/app.css", get(assets::stylesheet))
        .route("/static/icon.svg", get(assets::icon))
        .route("/static/app.js", get(assets::script));
    let unlock = Router::new()
        .route("/unlock", get(access::unlock_form).post(access::unlock))
        .layer(middleware::from_fn_with_state(state.clone(), security::csrf::check))
        .layer(middleware::from_fn(security::session::require));
    let signed_in = Router::new()
        .route("/", get(today::today))
        .route("/urges", post(urges::urge_create))
        .route("/urges/{id}", get(urges::urge_edit).post(urges::urge_update))
        .route("/urges/{id}/delete", get(urges::urge_delete_confirm).post(urges::urge_delete))
        .route("/moments", get(urges::moments))
        .route("/settings", get(settings::settings).post(settings::settings_save))
        .route("/sign-out", post(access::sign_out))
        .route("/profile", get(quiz::profile))
        .route("/quiz/{id}", get(quiz::intro))
        .route("/quiz/{id}/start", post(quiz::start))
        .route("/quiz/{id}/{n}", get(quiz::page).post(quiz::save_page))
        .route("/practice", get(practice::library))
        .route("/practice/start", get(practice::start).post(practice::calibrate))
        .route("/practice/plan", get(practice::plan_form).post(practice::plan))
        .route("/practice/records/{id}", get(practice::record).post(practice::follow_up))
        .route("/practice/records/{id}/edit", post(practice::edit_record))
        .route("/practice/stage", post(practice::set_stage))
        .route("/practice/settings", get(practice::settings).post(practice::set_window))
        .route("/practice/feed", post(practice::feed_token))
        .route("/practice/programs/start", post(practice::start_program))
        .route("/practice/programs/check-off", post(practice::check_off))
        .route("/practice/programs/stop", post(practice::stop_program))
        .route("/ledger", get(practice::ledger))
        .route("/settings/questionnaires", get(quiz::questionnaires))
        .route("/settings/questionnaires/add", post(quiz::add_instrument))
        .route("/settings/questionnaires/wording", post(quiz::add_wording))
        .route("/pause", get(moment::choose))
        .route("/pause/{id}", get(moment::intro))
        .route("/pause/{id}/finish", post(moment::finish))
        .route("/pause/{id}/done", get(moment::done))
        .route("/pause/{id}/{n}", get(moment::step))
        .route("/scripts", get(moment::scripts))
        .route("/after", get(moment::after).post(moment::save_reset))
        .route("/after/resets", get(moment::resets))
        .route("/after/resets/{id}", get(moment::reset))
        .route("/letter", get(moment::letter))
        .route("/safety-plan", get(moment::plan).post(moment::plan_save))
        .route("/safety-plan/edit", get(moment::plan_edit))
        .fallback(frame::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), security::session::unlocked))
        .layer(middleware::from_fn_with_state(state.clone(), security::csrf::check))
        .layer(middleware::from_fn(security::session::require));
    let pages = public
        .merge(unlock)
        .merge(signed_in)
        .layer(middleware::from_fn(frame::frame_errors))
        .layer(middleware::from_fn_with_state(state.clone(), care::layer))
        .layer(middleware::from_fn_with_state(state.clone(), security::session::attach));
    // Health checks answer in plain text, outside the page frame.
    let health = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics));
    health
        .merge(pages)
        .layer(DefaultBodyLimit::max(security::BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state.clone(), security::host::host_check))
        .layer(middleware::from_fn(security::headers::headers))
        .layer(middleware::from_fn_with_state(state.clone(), requests::log))
        .with_state(state)
}
