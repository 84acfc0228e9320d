//! Accounts, in server mode: signing in (slowed after repeated failures),
//! making an account with an invitation (or openly, when the server
//! allows it) and seeing its recovery key once, setting a new password
//! with the recovery key, and from Settings a new password, the account's
//! export, and deleting it.
//!
//! The words shown here come from `content/accounts/accounts.toml`.

use std::time::{Duration, Instant};

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use drawbridge_core::account::{check_password, name_problem};
use drawbridge_store::Store;
use drawbridge_store::accounts::SignIn;
use serde::Deserialize;

use crate::AppState;
use crate::extract::{ClientIp, Owner};
use crate::frame::{Chrome, WebError, render};
use crate::security::session::{server_cookie, server_ended_cookie};
use crate::security::throttle::{Keys, Throttle};
use crate::security::{Person, Session};

/// The engine's store (accounts and invitations), in server mode only.
async fn engine(st: &AppState) -> Result<Store, WebError> {
    if !st.is_server() {
        return Err(WebError::NotFound);
    }
    st.store().await.ok_or(WebError::NotFound)
}

/// A recovery key: 25 letters and digits (about 125 bits), in five groups,
/// from an alphabet without look-alikes (no I, L, O or U).
pub fn new_recovery_key() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut raw = [0u8; 25];
    getrandom::fill(&mut raw).expect("the operating system's random number source is unavailable");
    let chars: Vec<char> = raw.iter().map(|b| ALPHABET[usize::from(b & 31)] as char).collect();
    chars.chunks(5).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// A recovery key as typed, in the form it was wrapped with: capitals,
/// dashes where they belong, spaces and other marks dropped.
pub fn normal_recovery_key(typed: &str) -> String {
    let chars: Vec<char> = typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    chars.chunks(5).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

#[derive(Template, WebTemplate)]
#[template(path = "log_in.html")]
struct LogInPage {
    chrome: Chrome,
    name: String,
    error: String,
    /// Sign-up is open to anyone here.
    open_signup: bool,
    /// Just signed out: this browser, or every browser.
    signed_out: Option<bool>,
    /// Why the sign-in form is shown (a session that ended), if it is.
    notice: String,
}

fn log_in_page(st: &AppState, name: String, error: String) -> LogInPage {
    LogInPage {
        chrome: Chrome::outside("Sign in"),
        name,
        error,
        open_signup: st.server().is_some_and(|p| p.open_signup),
        signed_out: None,
        notice: String::new(),
    }
}

/// A page that needs a session, asked for without one (server mode): the
/// sign-in form (401), saying the session ended when the browser had one,
/// and, for a form that was sent, that its words were not saved and where
/// they still are.
pub(crate) fn sign_in_again(st: &AppState, had_session: bool, was_post: bool) -> Response {
    let text = st.catalog().accounts();
    let mut notice = String::new();
    if had_session {
        notice.push_str(&text.session_ended);
    }
    if was_post {
        if !notice.is_empty() {
            notice.push(' ');
        }
        notice.push_str(&text.form_not_saved);
    }
    let mut page = log_in_page(st, String::new(), String::new());
    page.notice = notice;
    (StatusCode::UNAUTHORIZED, render(&page)).into_response()
}

pub async fn log_in_form(State(st): State<AppState>, session: Option<Extension<Session>>) -> Result<Response, WebError> {
    engine(&st).await?;
    if session.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    Ok(render(&log_in_page(&st, String::new(), String::new())))
}

#[derive(Deserialize)]
pub struct LogInForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

/// A try that needs a password or key checked: counted now, before the
/// check, under the keys `keys` picks; or the wait when one is due.
fn attempt(st: &AppState, keys: impl FnOnce(&Throttle) -> Keys) -> Result<Keys, Duration> {
    let now = Instant::now();
    let mut t = st.throttle();
    let keys = keys(&t);
    t.attempt(&keys, now)?;
    Ok(keys)
}

/// The try under `keys` was right.
fn succeeded(st: &AppState, keys: &Keys) {
    st.throttle().succeeded(keys, Instant::now());
}

/// A page for a try that must wait (429), with `Retry-After`.
fn must_wait(st: &AppState, wait: Duration, page: Response) -> Response {
    st.metrics().log_in_throttled();
    let mut res = (StatusCode::TOO_MANY_REQUESTS, page).into_response();
    if let Ok(v) = header::HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// The sign-in page for a try that must wait, saying for how long.
fn throttled(st: &AppState, name: String, wait: Duration) -> Response {
    let mut page = log_in_page(st, name, st.catalog().accounts().throttled(wait.as_secs()));
    page.chrome = Chrome::outside("Please wait a little");
    must_wait(st, wait, render(&page))
}

/// Whether `name` could be an account's name at all: a longer one is
/// refused before any key derivation runs (no account has it).
fn could_be_a_name(name: &str) -> bool {
    name.trim().chars().count() <= drawbridge_core::account::MAX_NAME_CHARS
}

/// Signed in: a new session (a new id; the one the browser held before,
/// if any, ends), and its cookie.
fn signed_in(st: &AppState, person: Person, old: Option<&Session>, to: &str) -> Response {
    let id = st.start_person_session(person, old);
    let mut res = Redirect::to(to).into_response();
    res.headers_mut().insert(header::SET_COOKIE, server_cookie(&id));
    res
}

pub async fn log_in(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    old: Option<Extension<Session>>,
    Form(f): Form<LogInForm>,
) -> Result<Response, WebError> {
    let store = engine(&st).await?;
    let keys = match attempt(&st, |t| t.log_in_keys(&f.name, ip, Instant::now())) {
        Ok(k) => k,
        Err(wait) => return Ok(throttled(&st, f.name, wait)),
    };
    let text = st.catalog().accounts();
    let tried = if could_be_a_name(&f.name) {
        store.sign_in(&f.name, &f.password).await?
    } else {
        SignIn::Refused
    };
    match tried {
        SignIn::In(account, mine) => {
            succeeded(&st, &keys);
            Ok(signed_in(&st, Person::new(&account, mine), old.as_deref(), "/"))
        }
        SignIn::Refused => {
            st.metrics().log_in_failed();
            let page = log_in_page(&st, f.name, text.sign_in_refused.clone());
            Ok((StatusCode::UNAUTHORIZED, render(&page)).into_response())
        }
        SignIn::Disabled => {
            succeeded(&st, &keys);
            let page = log_in_page(&st, f.name, text.sign_in_disabled.clone());
            Ok((StatusCode::FORBIDDEN, render(&page)).into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "sign_up.html")]
struct SignUpPage {
    chrome: Chrome,
    /// The invitation's token, carried through the form.
    invite: String,
    /// Whether this page can make an account (an open invitation, or open
    /// sign-up); otherwise it says how to get one.
    can: bool,
    name: String,
    error: String,
    min_chars: usize,
}

#[derive(Deserialize, Default)]
pub struct SignUpQuery {
    #[serde(default)]
    invite: String,
}

/// Whether `invite` (or open sign-up) lets an account be made now.
async fn may_sign_up(st: &AppState, store: &Store, invite: &str) -> Result<bool, WebError> {
    if invite.is_empty() {
        return Ok(st.server().is_some_and(|p| p.open_signup));
    }
    let now = time::OffsetDateTime::now_utc();
    Ok(store.invitation(invite).await?.is_some_and(|i| i.is_open(now)))
}

fn sign_up_page(invite: String, can: bool, name: String, error: String) -> SignUpPage {
    SignUpPage {
        chrome: Chrome::outside("Make an account"),
        invite,
        can,
        name,
        error,
        min_chars: drawbridge_core::account::MIN_PASSWORD_CHARS,
    }
}

pub async fn sign_up_form(State(st): State<AppState>, Query(q): Query<SignUpQuery>) -> Result<Response, WebError> {
    let store = engine(&st).await?;
    let can = may_sign_up(&st, &store, &q.invite).await?;
    let page = sign_up_page(q.invite, can, String::new(), String::new());
    let status = if can { StatusCode::OK } else { StatusCode::FORBIDDEN };
    Ok((status, render(&page)).into_response())
}

#[derive(Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    invite: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    again: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "recovery_key.html")]
struct RecoveryKeyPage {
    chrome: Chrome,
    name: String,
    key: String,
}

/// The words a new password must pass: long enough, not common, typed the
/// same twice.
fn password_problem(st: &AppState, password: &str, again: &str) -> Option<String> {
    let text = st.catalog().accounts();
    if let Err(p) = check_password(st.catalog().common_passwords(), password) {
        return Some(text.password_problem(p));
    }
    (password != again).then(|| text.passwords_differ.clone())
}

pub async fn sign_up(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    old: Option<Extension<Session>>,
    Form(f): Form<SignUpForm>,
) -> Result<Response, WebError> {
    let store = engine(&st).await?;
    let text = st.catalog().accounts();
    let refuse = |f: SignUpForm, can: bool, error: String| {
        let status = if can {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::FORBIDDEN
        };
        (status, render(&sign_up_page(f.invite, can, f.name, error))).into_response()
    };
    if !may_sign_up(&st, &store, &f.invite).await? {
        let e = text.invitation_needed.clone();
        return Ok(refuse(f, false, e));
    }
    if let Some(e) = name_problem(text, &f.name).or_else(|| password_problem(&st, &f.password, &f.again)) {
        return Ok(refuse(f, true, e));
    }
    // Open sign-up: accounts made from one address are counted, so one
    // place cannot make accounts (each a slow key derivation) endlessly.
    // An invitation is its own limit.
    if f.invite.is_empty()
        && let Err(wait) = attempt(&st, |t| t.sign_up_keys(ip))
    {
        let page = render(&sign_up_page(f.invite, true, f.name, text.throttled(wait.as_secs())));
        return Ok(must_wait(&st, wait, page));
    }
    let key = new_recovery_key();
    let made = if f.invite.is_empty() {
        store
            .create_account(&f.name, drawbridge_store::accounts::Role::Person, &f.password, &key)
            .await
    } else {
        store.accept_invitation(&f.invite, &f.name, &f.password, &key).await
    };
    let (account, mine) = match made {
        Ok(made) => made,
        Err(e @ drawbridge_store::StoreError::NameTaken(_)) => {
            let msg = format!("{e} {}", e.hint().unwrap_or_default());
            return Ok(refuse(f, true, msg));
        }
        Err(drawbridge_store::StoreError::InvitationInvalid) => {
            let e = text.invitation_needed.clone();
            return Ok(refuse(f, false, e));
        }
        Err(e) => return Err(e.into()),
    };
    // Signed in at once, with the recovery key on the page this once: it
    // is not kept anywhere, so it cannot be shown again.
    let id = st.start_person_session(Person::new(&account, mine), old.as_deref());
    let mut res = render(&RecoveryKeyPage {
        chrome: Chrome::outside("Your recovery key"),
        name: account.name,
        key,
    });
    res.headers_mut().insert(header::SET_COOKIE, server_cookie(&id));
    Ok(res)
}

#[derive(Template, WebTemplate)]
#[template(path = "recover.html")]
struct RecoverPage {
    chrome: Chrome,
    name: String,
    error: String,
    min_chars: usize,
}

fn recover_page(name: String, error: String) -> RecoverPage {
    RecoverPage {
        chrome: Chrome::outside("A new password with your recovery key"),
        name,
        error,
        min_chars: drawbridge_core::account::MIN_PASSWORD_CHARS,
    }
}

pub async fn recover_form(State(st): State<AppState>) -> Result<Response, WebError> {
    engine(&st).await?;
    Ok(render(&recover_page(String::new(), String::new())))
}

#[derive(Deserialize)]
pub struct RecoverForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    recovery: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    again: String,
}

/// A forgotten password: the recovery key sets a new one (slowed as
/// signing in is). Every session of the account ends, and this browser is
/// signed in.
pub async fn recover(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    old: Option<Extension<Session>>,
    Form(f): Form<RecoverForm>,
) -> Result<Response, WebError> {
    let store = engine(&st).await?;
    if let Some(e) = password_problem(&st, &f.password, &f.again) {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&recover_page(f.name, e))).into_response());
    }
    let keys = match attempt(&st, |t| t.log_in_keys(&f.name, ip, Instant::now())) {
        Ok(k) => k,
        Err(wait) => {
            let page = recover_page(f.name, st.catalog().accounts().throttled(wait.as_secs()));
            return Ok(must_wait(&st, wait, render(&page)));
        }
    };
    let recovered = if could_be_a_name(&f.name) {
        store
            .recover_account(&f.name, &normal_recovery_key(&f.recovery), &f.password)
            .await?
    } else {
        None
    };
    let Some(owner) = recovered else {
        st.metrics().log_in_failed();
        let page = recover_page(f.name, st.catalog().accounts().recovery_refused.clone());
        return Ok((StatusCode::UNAUTHORIZED, render(&page)).into_response());
    };
    succeeded(&st, &keys);
    st.end_person_sessions(owner, None);
    match store.sign_in(&f.name, &f.password).await? {
        SignIn::In(account, mine) => Ok(signed_in(&st, Person::new(&account, mine), old.as_deref(), "/settings?password=1")),
        SignIn::Disabled => {
            let page = recover_page(f.name, st.catalog().accounts().sign_in_disabled.clone());
            Ok((StatusCode::FORBIDDEN, render(&page)).into_response())
        }
        SignIn::Refused => Err(WebError::NotFound),
    }
}

/// Log out: this session, or every session of the account.
pub(crate) async fn log_out(st: &AppState, session: &Session, everywhere: bool) -> Response {
    if let Some(p) = &session.person {
        if everywhere {
            st.end_person_sessions(p.owner, None);
        } else {
            let _ = st.end_sessions(Some(&session.id)).await;
        }
    }
    let mut page = log_in_page(st, String::new(), String::new());
    page.chrome = Chrome::outside(if everywhere { "Signed out everywhere" } else { "Signed out" });
    page.signed_out = Some(everywhere);
    let mut res = render(&page);
    res.headers_mut().insert(header::SET_COOKIE, server_ended_cookie());
    res
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    old: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    again: String,
}

/// A new password, with the old one: the key is wrapped again, the words
/// stay as they are, and every other session of the account ends.
pub async fn change_password(
    State(st): State<AppState>,
    Extension(session): Extension<Session>,
    Form(f): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let store = engine(&st).await?;
    let person = session.person.clone().ok_or(WebError::SignedOut)?;
    let refused = |error: String| async { crate::settings::refused(&st, &person.store, &session, error).await };
    if let Some(e) = password_problem(&st, &f.password, &f.again) {
        return refused(e).await;
    }
    let keys = match attempt(&st, |t| t.owner_keys(person.owner)) {
        Ok(k) => k,
        Err(wait) => {
            let page = refused(st.catalog().accounts().throttled(wait.as_secs())).await?;
            return Ok(must_wait(&st, wait, page));
        }
    };
    if !store.change_password(person.owner, &f.old, &f.password).await? {
        return refused(st.catalog().accounts().password_wrong.clone()).await;
    }
    succeeded(&st, &keys);
    // Every other browser signs in again; this one goes on under a new id.
    st.end_person_sessions(person.owner, Some(&session.id));
    let mut res = Redirect::to("/settings?password=1").into_response();
    if let Some(id) = st.renew_person_session(&session) {
        res.headers_mut().insert(header::SET_COOKIE, server_cookie(&id));
    }
    Ok(res)
}

/// The account's export: the same JSON document a local drawbridge writes,
/// so it imports there (and a local export imports here).
pub async fn export(State(st): State<AppState>, Owner(s): Owner) -> Result<Response, WebError> {
    engine(&st).await?;
    let doc = s.export().await?;
    let body = serde_json::to_string_pretty(&doc).map_err(|e| WebError::Store(drawbridge_store::StoreError::Database(e.to_string())))?;
    let name = format!("drawbridge-export-{}.json", time::OffsetDateTime::now_utc().date());
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response())
}

/// The largest export file taken in one upload (years of writing fit).
pub const IMPORT_LIMIT: usize = 32 * 1024 * 1024;

#[derive(Template, WebTemplate)]
#[template(path = "account_import.html")]
struct ImportPage {
    chrome: Chrome,
    csrf: String,
    error: String,
    /// After an import: what was added, what differed and what was done.
    counted: String,
    differences: String,
    conflicts: Vec<String>,
}

fn import_page(session: &Session, error: String) -> ImportPage {
    ImportPage {
        chrome: Chrome::new("Bring in an export", "settings"),
        csrf: session.csrf.clone(),
        error,
        counted: String::new(),
        differences: String::new(),
        conflicts: Vec::new(),
    }
}

pub async fn import_form(State(st): State<AppState>, Extension(session): Extension<Session>) -> Result<Response, WebError> {
    engine(&st).await?;
    Ok(render(&import_page(&session, String::new())))
}

/// An export file from a local drawbridge (or from this account) brought
/// in, checked whole before anything is written, then imported in one
/// transaction by the same rules as `drawbridge import`: what is new is
/// added, what is the same is left, and what differs is named, keeping
/// the account's words unless the file's are asked for (then the words
/// they replace are kept as earlier versions).
pub async fn import(
    State(st): State<AppState>,
    Owner(s): Owner,
    Extension(session): Extension<Session>,
    mut upload: axum::extract::Multipart,
) -> Result<Response, WebError> {
    engine(&st).await?;
    let refuse = |status: StatusCode, error: String| (status, render(&import_page(&session, error))).into_response();
    let mut file: Option<Vec<u8>> = None;
    let mut prefer_file = false;
    loop {
        match upload.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                let Ok(bytes) = field.bytes().await else {
                    let limit = IMPORT_LIMIT / (1024 * 1024);
                    let msg = format!("The file could not be read whole; files up to {limit} MB are taken. Nothing was changed.");
                    return Ok(refuse(StatusCode::PAYLOAD_TOO_LARGE, msg));
                };
                match name.as_str() {
                    "file" => file = Some(bytes.to_vec()),
                    "prefer" => prefer_file = bytes.as_ref() == b"1",
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => {
                let msg = "The upload could not be read. Choose the file again and send it; nothing was changed.".to_string();
                return Ok(refuse(StatusCode::BAD_REQUEST, msg));
            }
        }
    }
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        let msg = "Choose an export file first: the one drawbridge export or Download everything made. Nothing was changed.";
        return Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, msg.into()));
    };
    let text = match std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes)) {
        Ok(t) => t.to_string(),
        Err(_) => {
            let msg = "That file is not text, so it is not an export drawbridge made. Nothing was changed.";
            return Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, msg.into()));
        }
    };
    let doc = match drawbridge_store::ExportDoc::parse(&text, st.catalog()) {
        Ok(d) => d,
        Err(e) => {
            let msg = format!("{e} {}", e.hint().unwrap_or_default());
            return Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, msg.trim().to_string()));
        }
    };
    let report = s.import(&doc, prefer_file, st.catalog()).await?;
    let mut page = import_page(&session, String::new());
    page.counted = report.counted();
    page.differences = report.differences(prefer_file, "To take the file's instead, bring it in again with the box ticked.");
    page.conflicts = report.conflicts;
    Ok(render(&page))
}

#[derive(Template, WebTemplate)]
#[template(path = "account_delete.html")]
struct DeletePage {
    chrome: Chrome,
    csrf: String,
    name: String,
    error: String,
}

pub async fn delete_confirm(State(st): State<AppState>, Extension(session): Extension<Session>) -> Result<Response, WebError> {
    engine(&st).await?;
    let person = session.person.clone().ok_or(WebError::SignedOut)?;
    Ok(render(&DeletePage {
        chrome: Chrome::new("Delete your account", "settings"),
        csrf: session.csrf,
        name: person.name.clone(),
        error: String::new(),
    }))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    password: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "account_deleted.html")]
struct DeletedPage {
    chrome: Chrome,
}

/// Delete the account, with its password: every row it owns goes, in one
/// transaction, now, and every session of it ends.
pub async fn delete(
    State(st): State<AppState>,
    Extension(session): Extension<Session>,
    Form(f): Form<DeleteForm>,
) -> Result<Response, WebError> {
    let store = engine(&st).await?;
    let person = session.person.clone().ok_or(WebError::SignedOut)?;
    let page = |error: String| {
        render(&DeletePage {
            chrome: Chrome::new("Delete your account", "settings"),
            csrf: session.csrf.clone(),
            name: person.name.clone(),
            error,
        })
    };
    let keys = match attempt(&st, |t| t.owner_keys(person.owner)) {
        Ok(k) => k,
        Err(wait) => return Ok(must_wait(&st, wait, page(st.catalog().accounts().throttled(wait.as_secs())))),
    };
    if !store.verify_password(person.owner, &f.password).await? {
        let page = page(st.catalog().accounts().password_wrong.clone());
        return Ok((StatusCode::UNAUTHORIZED, page).into_response());
    }
    succeeded(&st, &keys);
    person.store.delete_owner_and_everything().await?;
    st.end_person_sessions(person.owner, None);
    let mut res = render(&DeletedPage {
        chrome: Chrome::outside("Your account is deleted"),
    });
    res.headers_mut().insert(header::SET_COOKIE, server_ended_cookie());
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recovery_key_is_read_back_however_it_is_typed() {
        let k = new_recovery_key();
        assert_eq!(k.len(), 29, "{k}");
        assert_eq!(k.split('-').count(), 5);
        assert_eq!(normal_recovery_key(&k), k);
        assert_eq!(normal_recovery_key(&k.to_lowercase()), k);
        assert_eq!(normal_recovery_key(&k.replace('-', " ")), k);
        assert_eq!(normal_recovery_key(&format!("  {} ", k.replace('-', ""))), k);
        assert_ne!(new_recovery_key(), k, "each key is new");
    }
}
