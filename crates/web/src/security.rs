//! The local web app's defences, as one middleware stack.
//!
//! drawbridge serves personal data on a loopback port, where any web page the
//! person visits could try to reach it. So: the Host header must name the bound
//! address (stops DNS rebinding); a one-time launch token, printed in the
//! terminal, is exchanged for an HttpOnly, SameSite=Strict session cookie;
//! every POST must carry the session's CSRF token and an Origin (or Referer)
//! of this server; every response carries a strict CSP and friends, and pages
//! are never cached. Only the help page, the stylesheet and the icon are public:
//! crisis lines must never sit behind a login.

use std::collections::HashMap;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::AppState;
use crate::pages;

pub const SESSION_COOKIE: &str = "drawbridge_session";
/// Largest request body accepted, in bytes. Forms here are small; a note of
/// ten thousand characters fits with room to spare.
pub const BODY_LIMIT: usize = 64 * 1024;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'none'; connect-src 'self'; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// 32 random bytes as hex: launch tokens, session ids, CSRF tokens.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    // If the OS cannot give randomness we cannot run safely; an all-zero token
    // would be guessable, so fail loudly at start-up instead (see `AppState::new`).
    getrandom::fill(&mut b).expect("the operating system's random number source is unavailable");
    hex::encode(b)
}

/// Compare secrets without leaking where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

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

/// How long a browser stays signed in: across closing it and across restarts.
pub const SESSION_DAYS: i64 = 30;

/// Headers every response gets.
pub async fn headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Refuse any Host but the bound address: a rebound DNS name gets nothing.
pub async fn host_check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if state.allows_host(host) {
        next.run(req).await
    } else {
        (StatusCode::MISDIRECTED_REQUEST, pages::wrong_host(&state)).into_response()
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

fn is_public(path: &str) -> bool {
    // The calendar feed is read by calendar apps, which have no session: it
    // is guarded by its own revocable token instead.
    path == "/help" || path == "/login" || path.starts_with("/static/") || path.starts_with("/calendar/")
}

/// Sessions, CSRF and Origin. Runs after the host check.
pub async fn session_guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let session = match cookie(req.headers(), SESSION_COOKIE) {
        Some(id) => state.find_session(&id).await,
        None => None,
    };
    if let Some(s) = &session {
        req.extensions_mut().insert(s.clone());
    }
    let path = req.uri().path().to_string();
    if is_public(&path) && req.method() == Method::GET {
        return next.run(req).await;
    }
    let Some(session) = session else {
        return (StatusCode::UNAUTHORIZED, pages::how_to_get_in(&state)).into_response();
    };
    if req.method() == Method::POST {
        if !origin_ok(&state, req.headers()) {
            return (StatusCode::FORBIDDEN, pages::refused(&state, pages::Refusal::Origin)).into_response();
        }
        let (parts, body) = req.into_parts();
        let bytes = match to_bytes(body, BODY_LIMIT).await {
            Ok(b) => b,
            Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, pages::refused(&state, pages::Refusal::TooLarge)).into_response(),
        };
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let token = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
        if !same_secret(token, &session.csrf) {
            return (StatusCode::FORBIDDEN, pages::refused(&state, pages::Refusal::Csrf)).into_response();
        }
        req = Request::from_parts(parts, Body::from(bytes));
    } else if req.method() != Method::GET && req.method() != Method::HEAD {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    // Locked (passphrase mode): everything but the unlock page waits for it.
    if path != "/unlock" && !state.is_unlocked().await {
        return Redirect::to("/unlock").into_response();
    }
    next.run(req).await
}

fn origin_ok(state: &AppState, headers: &HeaderMap) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN) {
        return origin
            .to_str()
            .ok()
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(|h| state.allows_host(h));
    }
    // Browsers always send Origin on POST; a Referer from here is the only
    // other acceptable proof of where a request came from.
    headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.strip_prefix("http://"))
        .and_then(|r| r.split('/').next())
        .is_some_and(|h| state.allows_host(h))
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
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", "a"));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; drawbridge_session=xyz; b=2"));
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
