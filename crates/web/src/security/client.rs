//! Where a request came from. Behind a reverse proxy the connection's peer
//! is the proxy, and the browser's address is in `X-Forwarded-For`; but
//! anyone can send that header, so it counts only when the peer is a proxy
//! the configuration lists (`trusted_proxies`). Otherwise the peer is the
//! answer, whatever the header claims.

use std::net::IpAddr;

use axum::http::HeaderMap;

/// The client's address: the peer, or, when the peer is a trusted proxy,
/// the nearest address in `X-Forwarded-For` that is not itself a trusted
/// proxy (each proxy appends the address it was reached from, so the list
/// is read from its end).
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        if headers.contains_key("x-forwarded-for") {
            unlisted_proxy();
        }
        return peer;
    }
    let chain: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    chain
        .iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .or(chain.first())
        .copied()
        .unwrap_or(peer)
}

/// A request came with `X-Forwarded-For` from a peer that is not a listed
/// proxy. Either someone is trying it on, or drawbridge runs behind a
/// proxy the configuration does not name, and then everyone looks like
/// the proxy: one person's failed log-ins would slow everyone's. Said once
/// in the log (without any address), so the operator can set it right.
fn unlisted_proxy() {
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
        tracing::warn!(
            "a request carried X-Forwarded-For from an address not in trusted_proxies; if drawbridge runs behind a \
             reverse proxy, list the proxy's address in trusted_proxies, or every person will share the proxy's \
             address and its log-in limits"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn forwarded(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(v).expect("header"));
        h
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let proxy = ip("10.0.0.2");
        let trusted = [proxy];
        // Anyone else claiming to be this computer is who they are.
        assert_eq!(client_ip(ip("203.0.113.9"), &forwarded("127.0.0.1"), &trusted), ip("203.0.113.9"));
        // Through the proxy: the browser's address, read from the end.
        assert_eq!(client_ip(proxy, &forwarded("198.51.100.4"), &trusted), ip("198.51.100.4"));
        // A forged first entry does not win over what the proxy appended.
        assert_eq!(
            client_ip(proxy, &forwarded("127.0.0.1, 198.51.100.4"), &trusted),
            ip("198.51.100.4")
        );
        // Two proxies in a row, both trusted.
        let two = [proxy, ip("10.0.0.3")];
        assert_eq!(client_ip(proxy, &forwarded("198.51.100.4, 10.0.0.3"), &two), ip("198.51.100.4"));
        // Nothing usable in the header: the proxy itself.
        assert_eq!(client_ip(proxy, &forwarded("not an address"), &trusted), proxy);
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
    }
}
