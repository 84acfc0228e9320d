//! One log line a request, for whoever runs drawbridge: a request id (also
//! sent back as `x-request-id`, so a person's report can be matched to a
//! line), the method, the route's pattern (`/urges/{id}`, never the address
//! itself, its query or its ids), the status and the time taken. Anything
//! logged while the request is handled carries the same id. Nothing a person
//! wrote, no cookie, token or session id ever reaches a log line. The same
//! figures are counted for `/metrics`.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub async fn log(State(st): State<crate::AppState>, req: Request, next: Next) -> Response {
    let id = crate::security::random_token()[..16].to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "(no route)".to_string());
    let method = req.method().clone();
    let span = tracing::info_span!("request", request_id = %id);
    let started = Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    let seconds = started.elapsed().as_secs_f64();
    let ms = seconds * 1000.0;
    st.metrics().record(method.as_str(), &route, res.status().as_u16(), seconds);
    span.in_scope(|| {
        tracing::info!(method = %method, route = %route, status = res.status().as_u16(), ms = (ms * 100.0).round() / 100.0, "request");
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}
