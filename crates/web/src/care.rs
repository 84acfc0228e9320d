//! The calm crisis panel. When a saved text contains crisis language, the
//! handler that saved it adds `care=1` to the page it redirects to. This
//! layer sees the flag, gathers the crisis lines for the person's region and
//! puts the panel in the page's frame, above whatever the page shows. The save
//! has already happened; the panel blocks nothing and contacts no one.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use drawbridge_core::crisis::{CrisisLine, REGION_SETTING};

use crate::AppState;

/// What the panel shows.
#[derive(Clone)]
pub struct CarePanel {
    pub title: String,
    pub text: String,
    pub emergency: String,
    /// The emergency number as a `tel:` link dials it, when it is one.
    pub emergency_dial: Option<String>,
    pub lines: Vec<CrisisLine>,
    pub plan_link: String,
    pub dismiss: String,
    /// The same page without the panel.
    pub dismiss_href: String,
}

tokio::task_local! {
    static CARE: Option<CarePanel>;
}

/// The panel for the page being rendered, if it asked for one.
pub(crate) fn current() -> Option<CarePanel> {
    CARE.try_with(Clone::clone).ok().flatten()
}

/// Does any of these saved texts call for the panel?
pub(crate) fn needed(st: &AppState, texts: &[&str]) -> bool {
    let scanner = &st.catalog().scanner();
    texts.iter().any(|t| scanner.scan(t).show_panel)
}

/// `url` with `care=1` added when any text calls for the panel.
pub(crate) fn redirect_to(st: &AppState, url: &str, texts: &[&str]) -> String {
    if !needed(st, texts) {
        return url.to_string();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}care=1")
}

pub async fn layer(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let query = req.uri().query().unwrap_or("");
    if !query.split('&').any(|p| p == "care=1") {
        return CARE.scope(None, next.run(req)).await;
    }
    let rest: Vec<&str> = query.split('&').filter(|p| *p != "care=1" && !p.is_empty()).collect();
    let path = req.uri().path();
    let dismiss_href = if rest.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", rest.join("&"))
    };
    let session = req.extensions().get::<crate::security::Session>();
    let region = match st.store_for(session).await {
        Some(store) => store.setting(REGION_SETTING).await.ok().flatten(),
        None => None,
    };
    let c = st.catalog();
    let region = c.crisis().region_or_default(region.as_deref());
    let panel = CarePanel {
        title: c.safety().panel_title.clone(),
        text: c.safety().panel_text.clone(),
        emergency: region.emergency.clone(),
        emergency_dial: region.emergency_dial(),
        lines: region.lines.iter().take(3).cloned().collect(),
        plan_link: c.safety().panel_plan.clone(),
        dismiss: c.safety().panel_dismiss.clone(),
        dismiss_href,
    };
    CARE.scope(Some(panel), next.run(req)).await
}
