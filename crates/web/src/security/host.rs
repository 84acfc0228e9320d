//! The Host check: only the address served is answered, so a page that
//! rebinds its own DNS name to 127.0.0.1 gets nothing.

use std::collections::HashSet;
use std::net::SocketAddr;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::frame::WebError;

/// The Host values that name `addr`: the address itself, and on loopback
/// its other spellings (`localhost`, `127.0.0.1`, `[::1]`) with its port.
pub fn allowed_hosts(addr: SocketAddr) -> HashSet<String> {
    let port = addr.port();
    let mut hosts = HashSet::from([addr.to_string()]);
    if addr.ip().is_loopback() {
        hosts.insert(format!("localhost:{port}"));
        hosts.insert(format!("127.0.0.1:{port}"));
        hosts.insert(format!("[::1]:{port}"));
    }
    hosts
}

pub async fn host_check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if state.allows_host(host) {
        next.run(req).await
    } else {
        WebError::WrongHost(format!("http://{}", state.config().addr)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_answered_by_its_names_and_another_address_by_itself_only() {
        let local = allowed_hosts("127.0.0.1:7878".parse().expect("addr"));
        for h in ["127.0.0.1:7878", "localhost:7878", "[::1]:7878"] {
            assert!(local.contains(h), "{h}");
        }
        assert!(!local.contains("localhost:7879"));
        let lan = allowed_hosts("192.168.1.5:7878".parse().expect("addr"));
        assert_eq!(lan, HashSet::from(["192.168.1.5:7878".to_string()]));
    }
}
