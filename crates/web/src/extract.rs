//! What nearly every handler starts with, as extractors: the signed-in
//! person's data, unlocked, and an id in the address.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use drawbridge_store::Store;
use uuid::Uuid;

use crate::AppState;
use crate::frame::WebError;

/// The signed-in person's store, unlocked. The signed-in group's guard
/// sends a locked request to the unlock page before it gets here; should
/// one arrive all the same, it goes there too.
pub struct Owner(pub Store);

impl FromRequestParts<AppState> for Owner {
    type Rejection = WebError;

    async fn from_request_parts(_parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
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
