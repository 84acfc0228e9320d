//! One log line a request, for whoever runs drawbridge: a request id (also
//! sent back as `x-request-id`, so a person's report can be matched to a
//! line), the method, the route's pattern (`/urges/{id}`, never the address
//! itself, its query or its ids), the status and the time taken. Anything
//! logged while the request is handled carries the same id. Nothing a person
//! wrote, no cookie, token or session id ever reaches a log line. The same
//! figures are counted for `/metrics`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// A request id: 64 random bits, so an id says nothing about how many
/// requests came before it or how busy the server is. Should the system
/// have no randomness to give, a count keeps ids unique in the process.
fn request_id() -> String {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() {
        b = COUNT.fetch_add(1, Ordering::Relaxed).to_be_bytes();
    }
    format!("{:016x}", u64::from_be_bytes(b))
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
    fn request_ids_are_sixteen_hex_digits_and_say_nothing_of_how_many_came_before() {
        let ids: Vec<String> = (0..1000).map(|_| super::request_id()).collect();
        assert!(
            ids.iter().all(|a| a.len() == 16 && a.chars().all(|c| c.is_ascii_hexdigit())),
            "{ids:?}"
        );
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len(), "never repeat");
        let counted = ids.windows(2).filter(|w| w[0][..12] == w[1][..12]).count();
        assert!(
            counted < 10,
            "{counted} ids in a row share their first 12 digits, as a count's would"
        );
    }
}
