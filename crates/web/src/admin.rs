//! The admin pages (server mode, admins only): invitations, and the
//! accounts with what an admin may see of them (name, role, when made and
//! last seen, paused or not; never a word anyone wrote), to pause, resume
//! or delete. `drawbridge admin` does the same in the terminal.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use drawbridge_store::Store;
use drawbridge_store::accounts::Role;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::AppState;
use crate::extract::Id;
use crate::frame::{Chrome, WebError, local_time, render};
use crate::security::Session;

/// Longest an invitation may stay open, in days.
pub const MAX_INVITE_DAYS: i64 = 90;

async fn engine(st: &AppState) -> Result<Store, WebError> {
    st.store().await.filter(|_| st.is_server()).ok_or(WebError::NotFound)
}

pub struct AccountRow {
    id: String,
    name: String,
    role: &'static str,
    created: String,
    last_seen: String,
    paused: bool,
    /// The admin's own account: changed from Settings, not here.
    is_me: bool,
}

pub struct InvitationRow {
    id: String,
    role: &'static str,
    created: String,
    expires: String,
    state: &'static str,
    open: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin.html")]
struct AdminPage {
    chrome: Chrome,
    csrf: String,
    accounts: Vec<AccountRow>,
    invitations: Vec<InvitationRow>,
    /// The link of an invitation just made (shown this once).
    new_link: String,
    error: String,
    done: String,
    max_days: i64,
}

fn role_words(r: Role) -> &'static str {
    match r {
        Role::Person => "person",
        Role::Admin => "admin",
    }
}

/// The address an invitation link starts with: the configured public
/// address, or the one bound.
pub fn base_url(st: &AppState) -> String {
    st.server()
        .and_then(|p| p.public_url.clone())
        .unwrap_or_else(|| format!("http://{}", st.config().addr))
}

async fn page(st: &AppState, session: &Session, new_link: String, error: String, done: String) -> Result<AdminPage, WebError> {
    let store = engine(st).await?;
    let me = session.person.as_ref().map(|p| p.owner);
    let now = OffsetDateTime::now_utc();
    let accounts = store
        .accounts()
        .await?
        .into_iter()
        .map(|a| AccountRow {
            id: a.owner.to_string(),
            name: a.name,
            role: role_words(a.role),
            created: local_time(st, a.created_at),
            last_seen: a.last_seen_at.map(|t| local_time(st, t)).unwrap_or_else(|| "never".into()),
            paused: a.disabled_at.is_some(),
            is_me: Some(a.owner) == me,
        })
        .collect();
    let invitations = store
        .invitations()
        .await?
        .into_iter()
        .map(|i| InvitationRow {
            id: i.id.to_string(),
            role: role_words(i.role),
            created: local_time(st, i.created_at),
            expires: local_time(st, i.expires_at),
            state: if i.used_at.is_some() {
                "used"
            } else if i.is_open(now) {
                "open"
            } else {
                "expired"
            },
            open: i.is_open(now),
        })
        .collect();
    Ok(AdminPage {
        chrome: Chrome::new("Accounts and invitations", "admin"),
        csrf: session.csrf.clone(),
        accounts,
        invitations,
        new_link,
        error,
        done,
        max_days: MAX_INVITE_DAYS,
    })
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub async fn admin(
    State(st): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let done = match q.done.as_str() {
        "paused" => {
            "The account is paused: it cannot sign in, and its sessions have ended. Its words are kept. Any invitation it made that nobody has used is withdrawn."
        }
        "resumed" => {
            "The account can sign in again. Invitations withdrawn when it was paused stay withdrawn; make new ones if they are needed."
        }
        "deleted" => "The account and everything in it are deleted, with any invitation it made that nobody has used.",
        "withdrawn" => "The invitation is withdrawn; its link makes no account now.",
        _ => "",
    };
    Ok(render(&page(&st, &session, String::new(), String::new(), done.into()).await?))
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    days: String,
}

pub async fn invite(
    State(st): State<AppState>,
    Extension(session): Extension<Session>,
    Form(f): Form<InviteForm>,
) -> Result<Response, WebError> {
    let store = engine(&st).await?;
    let role = Role::parse(&f.role);
    let days = f.days.trim().parse::<i64>().ok().filter(|d| (1..=MAX_INVITE_DAYS).contains(d));
    let (Some(role), Some(days)) = (role, days) else {
        let error = format!(
            "An invitation is for a person or an admin, and stays open from 1 to {MAX_INVITE_DAYS} days; \"{}\" days could not be used. No invitation was made.",
            f.days.trim()
        );
        let p = page(&st, &session, String::new(), error, String::new()).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response());
    };
    let by = session.person.as_ref().map(|p| p.owner);
    let (token, _) = store
        .invite(role, OffsetDateTime::now_utc() + time::Duration::days(days), by)
        .await?;
    let link = format!("{}/sign-up?invite={token}", base_url(&st));
    Ok(render(&page(&st, &session, link, String::new(), String::new()).await?))
}

pub async fn withdraw(State(st): State<AppState>, Id(id): Id) -> Result<Response, WebError> {
    if !engine(&st).await?.withdraw_invitation(id).await? {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to("/admin?done=withdrawn").into_response())
}

#[derive(Deserialize)]
pub struct PauseForm {
    #[serde(default)]
    paused: String,
}

/// The admin's own account is not paused or deleted from here.
fn not_me(session: &Session, id: uuid::Uuid) -> Result<(), WebError> {
    match &session.person {
        Some(p) if p.owner == id => Err(WebError::Invalid(
            "Your own account is changed from Settings, not from the admin page.".into(),
        )),
        _ => Ok(()),
    }
}

pub async fn pause(
    State(st): State<AppState>,
    Extension(session): Extension<Session>,
    Id(id): Id,
    Form(f): Form<PauseForm>,
) -> Result<Response, WebError> {
    not_me(&session, id)?;
    let paused = f.paused == "1";
    if !engine(&st).await?.set_account_disabled(id, paused).await? {
        return Err(WebError::NotFound);
    }
    if paused {
        st.end_person_sessions(id, None);
    }
    Ok(Redirect::to(if paused { "/admin?done=paused" } else { "/admin?done=resumed" }).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_delete.html")]
struct DeletePage {
    chrome: Chrome,
    csrf: String,
    id: String,
    name: String,
}

pub async fn delete_confirm(State(st): State<AppState>, Extension(session): Extension<Session>, Id(id): Id) -> Result<Response, WebError> {
    not_me(&session, id)?;
    let account = engine(&st).await?.account(id).await?.ok_or(WebError::NotFound)?;
    Ok(render(&DeletePage {
        chrome: Chrome::new("Delete an account", "admin"),
        csrf: session.csrf,
        id: id.to_string(),
        name: account.name,
    }))
}

pub async fn delete(State(st): State<AppState>, Extension(session): Extension<Session>, Id(id): Id) -> Result<Response, WebError> {
    not_me(&session, id)?;
    if !engine(&st).await?.delete_account(id).await? {
        return Err(WebError::NotFound);
    }
    st.end_person_sessions(id, None);
    Ok(Redirect::to("/admin?done=deleted").into_response())
}
