//! Sessions: the cookie a browser gets for the one-time launch link (local
//! mode) or for signing in to an account (server mode), found again on
//! every request, and the guards of the signed-in routes.
//!
//! In server mode a session holds the person's unwrapped data key, inside
//! their store, in memory only: it is kept under a hash of the cookie's id,
//! ends at log-out, after `idle` without a request and at `lifetime`, and
//! a restart ends every session (the keys are nowhere else). The key is
//! zeroed when the last handle on it is dropped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::random_token;
use crate::AppState;
use crate::frame::WebError;

pub const SESSION_COOKIE: &str = "drawbridge_session";

/// Server mode's cookie: `__Host-` makes the browser refuse it unless it is
/// Secure, for this host only and for every path.
pub const SERVER_COOKIE: &str = "__Host-drawbridge";

/// Server mode: the most browsers one account is signed in on at once.
pub const MAX_PER_ACCOUNT: usize = 20;

/// How long a browser stays signed in: across closing it and across restarts.
pub const SESSION_DAYS: i64 = 30;

/// One signed-in browser.
#[derive(Clone)]
pub struct Session {
    /// Local mode: the cookie's id. Server mode: its hash (the id itself
    /// is only in the browser).
    pub id: String,
    pub csrf: String,
    /// Server mode: whose session this is, with their unlocked store.
    pub person: Option<Arc<Person>>,
}

/// The signed-in person of a server-mode session.
pub struct Person {
    pub owner: uuid::Uuid,
    pub name: String,
    pub role: drawbridge_store::accounts::Role,
    /// Reads and writes only this person's rows, sealed with their key.
    pub store: drawbridge_store::Store,
    pub(crate) started: Instant,
    pub(crate) last_used: Mutex<Instant>,
    /// When the account was last seen enabled in the database (an admin may
    /// disable or delete it from another process).
    pub(crate) checked: Mutex<Instant>,
}

impl Person {
    pub(crate) fn new(account: &drawbridge_store::accounts::Account, store: drawbridge_store::Store) -> Person {
        let now = Instant::now();
        Person {
            owner: account.owner,
            name: account.name.clone(),
            role: account.role,
            store,
            started: now,
            last_used: Mutex::new(now),
            checked: Mutex::new(now),
        }
    }

    /// When the session was last used.
    pub(crate) fn last_used(&self) -> Instant {
        self.last_used.lock().map(|t| *t).unwrap_or(self.started)
    }

    pub fn is_admin(&self) -> bool {
        self.role == drawbridge_store::accounts::Role::Admin
    }
}

#[derive(Default)]
pub struct Sessions {
    by_id: HashMap<String, Session>,
}

impl Sessions {
    pub fn create(&mut self) -> Session {
        let s = Session {
            id: random_token(),
            csrf: random_token(),
            person: None,
        };
        self.by_id.insert(s.id.clone(), s.clone());
        s
    }
    pub fn get(&self, id: &str) -> Option<Session> {
        self.by_id.get(id).cloned()
    }
    /// Take back a session found in the store (after a restart).
    pub fn insert(&mut self, s: Session) {
        self.by_id.insert(s.id.clone(), s);
    }
    pub fn remove(&mut self, id: &str) {
        self.by_id.remove(id);
    }
    pub fn clear(&mut self) {
        self.by_id.clear();
    }
    pub fn all(&self) -> Vec<Session> {
        self.by_id.values().cloned().collect()
    }
    /// End the person sessions idle for `idle` or older than `lifetime`.
    /// Returns how many ended.
    pub fn sweep(&mut self, idle: std::time::Duration, lifetime: std::time::Duration, now: Instant) -> usize {
        let before = self.by_id.len();
        self.by_id.retain(|_, s| {
            s.person
                .as_ref()
                .is_none_or(|p| now.saturating_duration_since(p.last_used()) < idle && now.saturating_duration_since(p.started) < lifetime)
        });
        before - self.by_id.len()
    }
    /// Make room for one more session of `owner`: at [`MAX_PER_ACCOUNT`],
    /// the ones used longest ago end.
    pub fn make_room_for(&mut self, owner: uuid::Uuid) {
        let mut theirs: Vec<(Instant, String)> = self
            .by_id
            .iter()
            .filter_map(|(id, s)| s.person.as_ref().filter(|p| p.owner == owner).map(|p| (p.last_used(), id.clone())))
            .collect();
        if theirs.len() >= MAX_PER_ACCOUNT {
            theirs.sort();
            for (_, id) in theirs.iter().take(theirs.len() + 1 - MAX_PER_ACCOUNT) {
                self.by_id.remove(id);
            }
        }
    }
    /// End every session of `owner` but `keep` (a session id).
    pub fn end_owner(&mut self, owner: uuid::Uuid, keep: Option<&str>) {
        self.by_id
            .retain(|id, s| Some(id.as_str()) == keep || s.person.as_ref().is_none_or(|p| p.owner != owner));
    }
}

pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Every request: the browser's session, when it has one, goes with the
/// request (a public page such as Get help now shows the menu for it).
pub async fn attach(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let name = if state.is_server() { SERVER_COOKIE } else { SESSION_COOKIE };
    let had_cookie = cookie(req.headers(), name).is_some();
    if let Some(id) = cookie(req.headers(), name)
        && let Some(s) = state.find_session(&id).await
    {
        req.extensions_mut().insert(s);
    }
    let was_post = req.method() == axum::http::Method::POST;
    let res = next.run(req).await;
    if state.is_server() && res.extensions().get::<crate::frame::SignedOutPage>().is_some() {
        // Server mode's way in: the sign-in form, saying why it is here.
        return crate::accounts::sign_in_again(&state, had_cookie, was_post);
    }
    res
}

/// The admin group (server mode): signed in as an admin, or nothing here.
pub async fn require_admin(req: Request, next: Next) -> Response {
    let admin = req
        .extensions()
        .get::<Session>()
        .and_then(|s| s.person.as_ref())
        .is_some_and(|p| p.is_admin());
    if !admin {
        return WebError::NotFound.into_response();
    }
    next.run(req).await
}

/// The signed-in group: no session, no entry (a page that says how to get in).
pub async fn require(req: Request, next: Next) -> Response {
    if req.extensions().get::<Session>().is_none() {
        return WebError::SignedOut.into_response();
    }
    next.run(req).await
}

/// The signed-in group but the unlock page: while the data waits for its
/// passphrase, every page waits for it too.
pub async fn unlocked(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !state.is_unlocked().await {
        return WebError::Locked.into_response();
    }
    next.run(req).await
}

/// Server mode's cookie for a new session, holding `id` (the session keeps
/// only its hash). It lasts as long as the browser stays open: the server
/// ends the session sooner, when it is idle or old.
pub fn server_cookie(id: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("{SERVER_COOKIE}={id}; Path=/; Secure; HttpOnly; SameSite=Strict"))
        .unwrap_or(HeaderValue::from_static(""))
}

/// The cookie that ends a server-mode session in the browser.
pub fn server_ended_cookie() -> HeaderValue {
    HeaderValue::from_str(&format!("{SERVER_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"))
        .unwrap_or(HeaderValue::from_static(""))
}

/// The session cookie for a new session: kept by the browser for
/// SESSION_DAYS, so closing it does not sign the person out.
pub fn session_cookie(session: &Session) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        session.id,
        SESSION_DAYS * 24 * 3600
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

/// The cookie that signs a browser out.
pub fn ended_cookie() -> HeaderValue {
    HeaderValue::from_str(&format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"))
        .unwrap_or(HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; drawbridge_session=xyz; b=2"));
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
