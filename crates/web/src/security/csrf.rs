//! Forms must come from drawbridge's own pages: every POST in the signed-in
//! group carries its session's CSRF token and an Origin (or, failing that,
//! a Referer) naming this server. A form that does not is refused before
//! its handler runs, so nothing is changed.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{BODY_LIMIT, Session, same_secret};
use crate::AppState;
use crate::frame::{Refusal, WebError};

pub async fn check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return WebError::SignedOut.into_response();
    };
    if !origin_ok(&state, req.headers()) {
        return WebError::Refused(Refusal::Origin).into_response();
    }
    // A file upload (multipart) carries its token in the address instead:
    // its body is not read here, and its handler sets its own size limit.
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        let query: Vec<(String, String)> = serde_urlencoded::from_str(req.uri().query().unwrap_or("")).unwrap_or_default();
        let token = query.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
        if !same_secret(token, &session.csrf) {
            return WebError::Refused(Refusal::Csrf).into_response();
        }
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return WebError::Refused(Refusal::TooLarge).into_response();
    };
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let token = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    if !same_secret(token, &session.csrf) {
        return WebError::Refused(Refusal::Csrf).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// Server mode's way in (no session yet): a POST must come from one of
/// this server's own pages, by its Origin (or Referer).
pub async fn origin_only(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() == Method::POST && !origin_ok(&state, req.headers()) {
        return WebError::Refused(Refusal::Origin).into_response();
    }
    next.run(req).await
}

/// The host part of an `http://` or `https://` origin or URL.
fn host_of(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    rest.split('/').next()
}

fn origin_ok(state: &AppState, headers: &HeaderMap) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN) {
        return origin.to_str().ok().and_then(host_of).is_some_and(|h| state.allows_host(h));
    }
    // Browsers always send Origin on POST; a Referer from here is the only
    // other acceptable proof of where a request came from.
    headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(host_of)
        .is_some_and(|h| state.allows_host(h))
}
