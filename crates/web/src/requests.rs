//! One log line a request, for whoever runs drawbridge: a request id (also
//! sent back as `x-request-id`, so a person's report can be matched to a
//! line), the method, the route's pattern (`/urges/{id}`, never the address
//! itself, its query or its ids), the status and the time taken. Anything
//! logged while the request is handled carries the same id. Nothing a person
//! wrote, no cookie, token or session id ever reaches a log line. The same
//! figures are counted for `/metrics`.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// A request id: unique in this process (a count), and unlike any other
/// start's (a random prefix chosen once), without asking the operating
/// system for randomness on every request.
fn request_id() -> String {
    static PREFIX: OnceLock<u32> = OnceLock::new();
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| {
        let mut b = [0u8; 4];
        // Without randomness the prefix is 0: ids stay unique in the process.
        let _ = getrandom::fill(&mut b);
        u32::from_le_bytes(b)
    });
    format!("{prefix:08x}{:08x}", COUNT.fetch_add(1, Ordering::Relaxed))
}

pub async fn log(State(st): State<crate::AppState>, req: Request, next: Next) -> Response {
    let id = request_id();
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("(no route)", MatchedPath::as_str);
    let method = req.method().clone();
    let span = tracing::info_span!("request", request_id = %id);
    let started = Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    let seconds = started.elapsed().as_secs_f64();
    let ms = seconds * 1000.0;
    st.metrics().record(method.as_str(), route, res.status().as_u16(), seconds);
    span.in_scope(|| {
        tracing::info!(method = %method, route = %route, status = res.status().as_u16(), ms = (ms * 100.0).round() / 100.0, "request");
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

#[cfg(test)]
mod tests {
    #[test]
    fn request_ids_are_sixteen_hex_digits_and_never_repeat() {
        let a = super::request_id();
        let b = super::request_id();
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert_ne!(a, b);
        assert_eq!(a[..8], b[..8], "one prefix a process");
    }
}
