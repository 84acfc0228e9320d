//! Settings: the region for Get help now, where the data is, signing out.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use drawbridge_core::crisis::REGION_SETTING;
use drawbridge_store::Store;
use serde::Deserialize;

use crate::AppState;
use crate::extract::Owner;
use crate::frame::{Chrome, Opt, WebError, opts, render};
use crate::security::Session;

#[derive(Template, WebTemplate)]
#[template(path = "settings.html")]
struct SettingsPage {
    chrome: Chrome,
    csrf: String,
    regions: Vec<Opt>,
    saved: bool,
    error: String,
    db_path: String,
    /// The PostgreSQL server and database, when the data is kept there.
    db_server: String,
    /// Server mode: the account signed in (its name), for its section.
    account: Option<String>,
    /// A new password was just set.
    password_changed: bool,
    /// Server mode: how long a session lasts idle, and at most, in words.
    idle: String,
    lifetime: String,
    min_chars: usize,
    is_admin: bool,
}

/// A duration as a sentence says it: "45 minutes", "1 hour", "12 hours".
pub(crate) fn duration_words(d: std::time::Duration) -> String {
    let minutes = d.as_secs().div_ceil(60);
    let (n, unit) = if minutes >= 60 && minutes.is_multiple_of(60) {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// The Settings page as it stands, with a message (saved, or what was
/// wrong) for this showing.
async fn page(st: &AppState, store: &Store, session: &Session, saved: bool, error: String) -> Result<SettingsPage, WebError> {
    let region = store.setting(REGION_SETTING).await?;
    Ok(SettingsPage {
        chrome: Chrome::new("Settings", "settings"),
        csrf: session.csrf.clone(),
        regions: region_opts(st, region.as_deref()),
        saved,
        error,
        db_path: st.config().location.db.display().to_string(),
        db_server: db_server(st),
        account: session.person.as_ref().map(|p| p.name.clone()),
        password_changed: false,
        idle: st.server().map(|p| duration_words(p.idle)).unwrap_or_default(),
        lifetime: st.server().map(|p| duration_words(p.lifetime)).unwrap_or_default(),
        min_chars: drawbridge_core::account::MIN_PASSWORD_CHARS,
        is_admin: session.person.as_ref().is_some_and(|p| p.is_admin()),
    })
}

/// Settings again, saying what could not be done (422), nothing changed.
pub(crate) async fn refused(st: &AppState, store: &Store, session: &Session, error: String) -> Result<Response, WebError> {
    let page = page(st, store, session, false, error).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

/// The PostgreSQL database the data is in (never its password), or empty
/// for the local file.
fn db_server(st: &AppState) -> String {
    st.config()
        .location
        .database_url
        .as_deref()
        .map(drawbridge_store::shown_url)
        .unwrap_or_default()
}

#[derive(Deserialize)]
pub struct SettingsQuery {
    saved: Option<String>,
    password: Option<String>,
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    region: String,
    /// Where to go once saved: Today or Get help now, when chosen there.
    #[serde(default)]
    back: String,
}

pub(crate) fn region_opts(st: &AppState, current: Option<&str>) -> Vec<Opt> {
    let current = st.catalog().crisis().region_or_default(current).code.clone();
    opts(
        st.catalog().crisis().regions().iter().map(|r| (r.code.as_str(), r.name.as_str())),
        Some(&current),
    )
}

pub async fn settings(
    State(st): State<AppState>,
    Owner(store): Owner,
    Extension(session): Extension<Session>,
    Query(q): Query<SettingsQuery>,
) -> Result<Response, WebError> {
    let mut p = page(&st, &store, &session, q.saved.is_some(), String::new()).await?;
    p.password_changed = q.password.is_some() && p.account.is_some();
    Ok(render(&p))
}

pub async fn settings_save(
    State(st): State<AppState>,
    Owner(store): Owner,
    Extension(session): Extension<Session>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, WebError> {
    let Some(r) = st.catalog().crisis().region(&f.region) else {
        // Never a quiet substitute: the form comes back and says why.
        let error = format!(
            "\"{}\" is not one of the regions drawbridge knows. Choose one from the list; your region was not changed.",
            f.region.trim()
        );
        return refused(&st, &store, &session, error).await;
    };
    store.set_setting(REGION_SETTING, &r.code).await?;
    let to = match f.back.as_str() {
        "today" => "/?region=saved",
        "help" => "/help?saved=1",
        _ => "/settings?saved=1",
    };
    Ok(Redirect::to(to).into_response())
}

#[cfg(test)]
mod tests {
    use super::duration_words;
    use std::time::Duration;

    #[test]
    fn durations_are_said_in_whole_hours_or_minutes() {
        assert_eq!(duration_words(Duration::from_secs(3600)), "1 hour");
        assert_eq!(duration_words(Duration::from_secs(12 * 3600)), "12 hours");
        assert_eq!(duration_words(Duration::from_secs(90 * 60)), "90 minutes");
        assert_eq!(duration_words(Duration::from_secs(60)), "1 minute");
        assert_eq!(duration_words(Duration::from_secs(61)), "2 minutes");
    }
}
