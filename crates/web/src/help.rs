//! Get help now: crisis lines, public, never behind a sign-in.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use drawbridge_core::crisis::{REGION_SETTING, Region};
use serde::Deserialize;

use crate::AppState;
use crate::frame::{Chrome, Opt, render};
use crate::security::Session;

#[derive(Template, WebTemplate)]
#[template(path = "help.html")]
struct HelpPage {
    chrome: Chrome,
    csrf: String,
    /// (code, name) of the region shown, when it can be kept with one click.
    keep: Option<(String, String)>,
    /// No region chosen yet.
    unset: bool,
    saved: bool,
    region: &'static Region,
    regions: Vec<Opt>,
    others: Vec<(&'static str, &'static str)>,
    safety: &'static drawbridge_core::safety::SafetyText,
    /// The person's own plan, when signed in and unlocked; `Some(empty)` when none is written yet.
    plan: Option<Vec<(String, String)>>,
}

#[derive(Deserialize)]
pub struct HelpQuery {
    region: Option<String>,
    saved: Option<String>,
}

pub async fn help(State(st): State<AppState>, session: Option<Extension<Session>>, Query(q): Query<HelpQuery>) -> Response {
    // Public on purpose. The saved region is used when the person is signed in
    // and unlocked; otherwise the picker (a plain GET form) chooses.
    let mut chosen = q.region.filter(|r| !r.is_empty());
    let mut plan = None;
    let mut saved_region: Option<String> = None;
    let session = session.map(|Extension(s)| s);
    let store = st.store_for(session.as_ref()).await;
    let unlocked = session.is_some() && store.is_some();
    if session.is_some()
        && let Some(store) = store
    {
        saved_region = store.setting(REGION_SETTING).await.ok().flatten();
        if chosen.is_none() {
            chosen = saved_region.clone().or_else(|| st.config().suggested_region.clone());
        }
        if let Ok(p) = store.safety_plan().await {
            let text = &st.catalog().safety();
            plan = Some(
                text.sections
                    .iter()
                    .filter_map(|sec| p.get(&sec.id).map(|v| (sec.title.clone(), v.to_string())))
                    .collect(),
            );
        }
    }
    let dir = &st.catalog().crisis();
    let region = dir.region_or_default(chosen.as_deref());
    let mut chrome = Chrome::new("Get help now", "help");
    chrome.signed_in = session.is_some();
    // One click keeps the region shown, when it is not the saved one.
    let keep = (unlocked && saved_region.as_deref() != Some(region.code.as_str())).then(|| (region.code.clone(), region.name.clone()));
    render(&HelpPage {
        chrome,
        csrf: session.as_ref().map(|s| s.csrf.clone()).unwrap_or_default(),
        keep,
        unset: unlocked && saved_region.is_none(),
        saved: q.saved.is_some(),
        region,
        regions: crate::settings::region_opts(&st, Some(&region.code)),
        others: dir
            .regions()
            .iter()
            .filter(|r| r.code != region.code)
            .map(|r| (r.code.as_str(), r.name.as_str()))
            .collect(),
        safety: st.catalog().safety(),
        plan,
    })
}
