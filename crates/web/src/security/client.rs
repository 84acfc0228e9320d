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
