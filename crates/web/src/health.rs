//! For whoever runs drawbridge (a service manager, a load balancer): is the
//! process answering, and is its database? Plain text, no sign-in, nothing
//! about anyone's data.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;

fn plain(status: StatusCode, text: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

/// `/healthz`: the process answers.
pub async fn healthz() -> Response {
    plain(StatusCode::OK, "ok\n")
}

/// `/readyz`: the database answers too (503 while it waits for its
/// passphrase, or when it does not answer).
pub async fn readyz(State(st): State<AppState>) -> Response {
    let Some(store) = st.store().await else {
        return plain(StatusCode::SERVICE_UNAVAILABLE, "locked: the data waits for its passphrase\n");
    };
    match store.answers().await {
        Ok(()) => plain(StatusCode::OK, "ready\n"),
        Err(e) => {
            // The kind of problem only: never a person's data.
            tracing::warn!(error = %e, "readiness check: the database did not answer");
            plain(StatusCode::SERVICE_UNAVAILABLE, "the database does not answer\n")
        }
    }
}
