//! What nearly every handler starts with, as extractors: the signed-in
//! person's data, unlocked, and an id in the address.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use drawbridge_store::Store;
use uuid::Uuid;

use crate::AppState;
use crate::frame::WebError;
use crate::security::Session;

/// The signed-in person's store, unlocked: in local mode the one store, in
/// server mode the store of the session's account, which reads and writes
/// only that person's rows. The signed-in group's guard sends a locked
/// request to the unlock page before it gets here; should one arrive all
/// the same, it goes there too.
pub struct Owner(pub Store);

impl FromRequestParts<AppState> for Owner {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.is_server() {
            let person = parts.extensions.get::<Session>().and_then(|s| s.person.as_ref());
            return person.map(|p| Owner(p.store.clone())).ok_or(WebError::SignedOut);
        }
        state.store().await.map(Owner).ok_or(WebError::Locked)
    }
}

/// The one id in a route's address (`/urges/{id}`). Anything that cannot be
/// an id is answered as "nothing here", as a deleted record is.
pub struct Id(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| WebError::NotFound)?;
        Uuid::parse_str(&raw).map(Id).map_err(|_| WebError::NotFound)
    }
}

/// Where the request came from: the peer's address, or the one a trusted
/// proxy names (see `security::client`). Unknown (no peer, as in tests
/// that call the router directly) reads as 0.0.0.0.
pub struct ClientIp(pub std::net::IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        Ok(ClientIp(crate::security::client::client_ip(
            peer,
            &parts.headers,
            &state.config().trusted_proxies,
        )))
    }
}
