//! Getting in: the one-time launch link, signing out, and the unlock page
//! in passphrase mode.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use drawbridge_store::StoreError;
use serde::Deserialize;

use crate::AppState;
use crate::frame::{Chrome, GetInPage, WebError, render};
use crate::security::{Session, session_cookie};

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    token: String,
}

pub async fn login(State(st): State<AppState>, Query(q): Query<LoginQuery>) -> Response {
    match st.redeem_launch_token(&q.token) {
        Some(session) => {
            st.keep_session(&session).await;
            let mut res = Redirect::to("/").into_response();
            res.headers_mut().insert(header::SET_COOKIE, session_cookie(&session));
            res
        }
        None => (
            StatusCode::FORBIDDEN,
            render(&GetInPage {
                chrome: Chrome::outside("Open drawbridge from your terminal"),
                used: true,
                signed_out: None,
            }),
        )
            .into_response(),
    }
}

#[derive(Deserialize)]
pub struct SignOutForm {
    #[serde(default)]
    everywhere: String,
}

/// Sign out this browser, or every browser signed in.
pub async fn sign_out(
    State(st): State<AppState>,
    Extension(session): Extension<Session>,
    Form(f): Form<SignOutForm>,
) -> Result<Response, WebError> {
    let all = f.everywhere == "1";
    if st.is_server() {
        return Ok(crate::accounts::log_out(&st, &session, all).await);
    }
    st.end_sessions(if all { None } else { Some(session.id.as_str()) }).await?;
    let mut res = render(&GetInPage {
        chrome: Chrome::outside(if all { "Signed out everywhere" } else { "Signed out" }),
        used: false,
        signed_out: Some(all),
    });
    res.headers_mut().insert(header::SET_COOKIE, crate::security::ended_cookie());
    Ok(res)
}

#[derive(Template, WebTemplate)]
#[template(path = "unlock.html")]
struct UnlockPage {
    chrome: Chrome,
    csrf: String,
    error: String,
}

pub async fn unlock_form(State(st): State<AppState>, Extension(session): Extension<Session>) -> Response {
    if st.is_unlocked().await {
        return Redirect::to("/").into_response();
    }
    render(&UnlockPage {
        chrome: Chrome::outside("Unlock"),
        csrf: session.csrf,
        error: String::new(),
    })
}

#[derive(Deserialize)]
pub struct UnlockForm {
    #[serde(default)]
    passphrase: String,
}

pub async fn unlock(State(st): State<AppState>, Extension(session): Extension<Session>, Form(f): Form<UnlockForm>) -> Response {
    match st.unlock(f.passphrase).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => {
            let error = match e {
                StoreError::WrongKey | StoreError::PassphraseRequired => {
                    "That passphrase did not open your data. Nothing was changed; try again.".to_string()
                }
                other => format!("{other} {}", other.hint().unwrap_or_default()),
            };
            (
                StatusCode::UNAUTHORIZED,
                render(&UnlockPage {
                    chrome: Chrome::outside("Unlock"),
                    csrf: session.csrf,
                    error,
                }),
            )
                .into_response()
        }
    }
}
