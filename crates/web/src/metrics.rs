//! `/metrics` in Prometheus' text format, for whoever runs drawbridge:
//! requests by method, route pattern and status, their latency as a
//! histogram, failed and slowed log-ins (server mode), and (on
//! PostgreSQL) how the connection pool is used. No ids,
//! no addresses, no personal data: a route is its pattern (`/urges/{id}`).
//! Served only to the addresses the configuration allows (loopback unless
//! told otherwise), the client's address read as `security::client` reads it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// The histogram's upper bounds, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    /// How many took at most each bound (not cumulative here; summed when written).
    within: [u64; BUCKETS.len()],
}

/// One route's series, by method and status.
type ByMethodAndStatus = BTreeMap<(String, u16), Series>;

/// Every request's method, route pattern, status and time, counted.
#[derive(Default)]
pub struct Metrics {
    /// By route pattern, then method and status: a route's name is made
    /// once, the first time it is answered, not on every request.
    series: Mutex<BTreeMap<String, ByMethodAndStatus>>,
    log_in_failures: AtomicU64,
    log_in_throttled: AtomicU64,
}

impl Metrics {
    /// A log-in (or a recovery) whose name and secret did not match.
    pub fn log_in_failed(&self) {
        self.log_in_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// A log-in turned away to wait, after repeated failures.
    pub fn log_in_throttled(&self) {
        self.log_in_throttled.fetch_add(1, Ordering::Relaxed);
    }

    pub fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let add = |s: &mut Series| {
            s.count += 1;
            s.sum += seconds;
            if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
                s.within[i] += 1;
            }
        };
        let mut all = self.series.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !all.contains_key(route) {
            all.insert(route.to_string(), BTreeMap::new());
        }
        let Some(by_status) = all.get_mut(route) else { return };
        match by_status.iter_mut().find(|((m, st), _)| m == method && *st == status) {
            Some((_, s)) => add(s),
            None => add(by_status.entry((method.to_string(), status)).or_default()),
        }
    }

    /// The text Prometheus reads.
    pub fn render(&self, pool: Option<(u32, usize)>) -> String {
        let all = self.series.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out = String::new();
        out.push_str("# HELP drawbridge_requests_total Requests answered, by method, route pattern and status.\n");
        out.push_str("# TYPE drawbridge_requests_total counter\n");
        let flat: Vec<((&str, &str, u16), &Series)> = all
            .iter()
            .flat_map(|(route, m)| {
                m.iter()
                    .map(move |((method, status), s)| ((method.as_str(), route.as_str(), *status), s))
            })
            .collect();
        for ((method, route, status), s) in flat.iter().copied() {
            let _ = writeln!(
                out,
                "drawbridge_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                s.count
            );
        }
        out.push_str("# HELP drawbridge_request_duration_seconds Time to answer a request, by method and route pattern.\n");
        out.push_str("# TYPE drawbridge_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((method, route, _), s) in flat.iter().copied() {
            let r = by_route.entry((method, route)).or_default();
            r.count += s.count;
            r.sum += s.sum;
            for (i, n) in s.within.iter().enumerate() {
                r.within[i] += n;
            }
        }
        for ((method, route), s) in &by_route {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            let mut running = 0;
            for (bound, n) in BUCKETS.iter().zip(s.within) {
                running += n;
                let _ = writeln!(
                    out,
                    "drawbridge_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {running}"
                );
            }
            let _ = writeln!(
                out,
                "drawbridge_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(out, "drawbridge_request_duration_seconds_sum{{{labels}}} {}", s.sum);
            let _ = writeln!(out, "drawbridge_request_duration_seconds_count{{{labels}}} {}", s.count);
        }
        out.push_str("# HELP drawbridge_log_in_failures_total Log-ins and recoveries whose name and secret did not match.\n");
        out.push_str("# TYPE drawbridge_log_in_failures_total counter\n");
        let _ = writeln!(
            out,
            "drawbridge_log_in_failures_total {}",
            self.log_in_failures.load(Ordering::Relaxed)
        );
        out.push_str("# HELP drawbridge_log_in_throttled_total Log-ins asked to wait after repeated failures.\n");
        out.push_str("# TYPE drawbridge_log_in_throttled_total counter\n");
        let _ = writeln!(
            out,
            "drawbridge_log_in_throttled_total {}",
            self.log_in_throttled.load(Ordering::Relaxed)
        );
        if let Some((size, idle)) = pool {
            out.push_str("# HELP drawbridge_db_connections Connections to PostgreSQL the pool holds, by whether they are in use.\n");
            out.push_str("# TYPE drawbridge_db_connections gauge\n");
            let _ = writeln!(out, "drawbridge_db_connections{{state=\"idle\"}} {idle}");
            let _ = writeln!(
                out,
                "drawbridge_db_connections{{state=\"busy\"}} {}",
                (size as usize).saturating_sub(idle)
            );
        }
        out
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// `/metrics`, for the allowed addresses only: anyone else is told no.
pub async fn metrics(State(st): State<AppState>, req: Request) -> Response {
    let client = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| crate::security::client::client_ip(c.0.ip(), req.headers(), &st.config().trusted_proxies));
    if !client.is_some_and(|ip| st.config().metrics_from.contains(&ip)) {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "metrics are served only to the addresses the configuration allows (metrics_allow)\n",
        )
            .into_response();
    }
    let pool = match st.store().await {
        Some(s) => s.pool_use(),
        None => None,
    };
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        st.metrics().render(pool),
    )
        .into_response()
}
