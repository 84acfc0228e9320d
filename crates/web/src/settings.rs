//! Settings: the region for Get help now, where the data is, signing out.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use drawbridge_core::crisis::REGION_SETTING;
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
    let region = store.setting(REGION_SETTING).await?;
    Ok(render(&SettingsPage {
        chrome: Chrome::new("Settings", "settings"),
        csrf: session.csrf,
        regions: region_opts(&st, region.as_deref()),
        saved: q.saved.is_some(),
        error: String::new(),
        db_path: st.config().location.db.display().to_string(),
        db_server: db_server(&st),
    }))
}

pub async fn settings_save(
    State(st): State<AppState>,
    Owner(store): Owner,
    Extension(session): Extension<Session>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, WebError> {
    let Some(r) = st.catalog().crisis().region(&f.region) else {
        // Never a quiet substitute: the form comes back and says why.
        let region = store.setting(REGION_SETTING).await?;
        let page = SettingsPage {
            chrome: Chrome::new("Settings", "settings"),
            csrf: session.csrf,
            regions: region_opts(&st, region.as_deref()),
            saved: false,
            error: format!(
                "\"{}\" is not one of the regions drawbridge knows. Choose one from the list; your region was not changed.",
                f.region.trim()
            ),
            db_path: st.config().location.db.display().to_string(),
            db_server: db_server(&st),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    };
    store.set_setting(REGION_SETTING, &r.code).await?;
    let to = match f.back.as_str() {
        "today" => "/?region=saved",
        "help" => "/help?saved=1",
        _ => "/settings?saved=1",
    };
    Ok(Redirect::to(to).into_response())
}
