//! The web app's defences, one concern a file, applied by route group.
//!
//! drawbridge serves personal data on a loopback port, where any web page
//! the person visits could try to reach it. So:
//! - [`host`]: the Host header must name the bound address (stops DNS
//!   rebinding);
//! - [`session`]: a one-time launch token, printed in the terminal, is
//!   exchanged for an HttpOnly, SameSite=Strict session cookie; a route in
//!   the signed-in group needs that session, and the data unlocked;
//! - [`csrf`]: every POST must carry the session's CSRF token and an Origin
//!   (or Referer) of this server;
//! - [`headers`]: every response carries a strict CSP and friends, and pages
//!   are never cached;
//! - [`client`]: where a request came from, with `X-Forwarded-For` believed
//!   only from a proxy the configuration trusts.
//!
//! The router (`crate::router`) groups routes by the guard they need, so a
//! new route is put in a group and cannot forget its guard. Only the help
//! page, the way in and the static files are public: crisis lines must
//! never sit behind a sign-in.

pub mod client;
pub mod csrf;
pub mod headers;
pub mod host;
pub mod session;
pub mod throttle;

pub use session::{Person, SERVER_COOKIE, SESSION_COOKIE, SESSION_DAYS, Session, Sessions, ended_cookie, session_cookie};

/// Largest request body accepted, in bytes. Forms here are small; a note of
/// ten thousand characters fits with room to spare.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Largest journal form: the longest entry (200,000 characters), each
/// character up to four bytes and each byte written as `%XX` in a form,
/// with room for its title and tags.
pub const JOURNAL_LIMIT: usize = 2_500_000;

/// The largest body a request to `path` may send.
pub fn body_limit(path: &str) -> usize {
    if path == "/journal" || path.starts_with("/journal/") {
        JOURNAL_LIMIT
    } else {
        BODY_LIMIT
    }
}

/// 32 random bytes as hex: launch tokens, session ids, CSRF tokens.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    // If the OS cannot give randomness we cannot run safely; an all-zero token
    // would be guessable, so fail loudly at start-up instead (see `AppState::new`).
    getrandom::fill(&mut b).expect("the operating system's random number source is unavailable");
    hex::encode(b)
}

/// What is kept of a secret that must be recognised again (a server
/// session's id): its hash, never the secret.
pub fn hashed(secret: &str) -> String {
    use blake2::Digest;
    hex::encode(blake2::Blake2s256::digest(secret.as_bytes()))
}

/// Compare secrets without leaking where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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
}
