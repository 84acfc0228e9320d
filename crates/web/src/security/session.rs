//! Sessions: the cookie a browser gets for the one-time launch link, found
//! again on every request (in memory, or in the store after a restart), and
//! the guards of the signed-in routes.

use std::collections::HashMap;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::random_token;
use crate::AppState;
use crate::frame::WebError;

pub const SESSION_COOKIE: &str = "drawbridge_session";

/// How long a browser stays signed in: across closing it and across restarts.
pub const SESSION_DAYS: i64 = 30;

/// One signed-in browser.
#[derive(Clone, Debug)]
pub struct Session {
    pub id: String,
    pub csrf: String,
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
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
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
    if let Some(id) = cookie(req.headers(), SESSION_COOKIE)
        && let Some(s) = state.find_session(&id).await
    {
        req.extensions_mut().insert(s);
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
