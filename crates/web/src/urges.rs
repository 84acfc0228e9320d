//! Urges: logging one, its details, editing (earlier words kept), deleting,
//! and the Moments list.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use drawbridge_core::urge::{EntryError, Urge, UrgeDraft};
use drawbridge_store::UrgeFilter;
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::AppState;
use crate::extract::{Id, Owner};
use crate::frame::{Chrome, Opt, ProblemPage, WebError, day_range, earlier_rows, html_time, local_time, opts, render};
use crate::security::Session;

/// The longest list the Moments page shows at once.
const LIST_LIMIT: u32 = 200;

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    kind: String,
    /// Set when logging from the end of a pause ("paused").
    #[serde(default)]
    did: String,
}

pub async fn urge_create(State(st): State<AppState>, Owner(store): Owner, Form(form): Form<CreateForm>) -> Result<Response, WebError> {
    if form.kind.trim().is_empty() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&ProblemPage {
                chrome: Chrome::new("Not saved", "today"),
                heading: "Which urge was it?",
                message: "Nothing was saved yet: choose what the urge was, then save it again.".into(),
                hint: "Go back to choose it, or tap it on Today.".into(),
            }),
        )
            .into_response());
    }
    let draft = UrgeDraft {
        kind: form.kind,
        did: Some(form.did).filter(|d| !d.is_empty()),
        ..Default::default()
    };
    match st.catalog().urges().check(draft) {
        Ok(entry) => {
            let urge = store.add_urge(entry, OffsetDateTime::now_utc()).await?;
            Ok(Redirect::to(&format!("/urges/{}?saved=1", urge.id)).into_response())
        }
        // Only a hand-made request can send an unknown kind; say so plainly.
        Err(e) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&ProblemPage {
                chrome: Chrome::new("Not saved", "today"),
                heading: "That could not be saved",
                message: e.to_string(),
                hint: String::new(),
            }),
        )
            .into_response()),
    }
}

/// The edit form's current values.
pub struct UrgeFormView {
    kind: Vec<Opt>,
    intensity: Vec<Opt>,
    body: Vec<Opt>,
    did: Vec<Opt>,
    about: String,
    note: String,
    error_field: &'static str,
    error: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "urge_edit.html")]
struct UrgeEditPage {
    chrome: Chrome,
    csrf: String,
    id: Uuid,
    when: String,
    kind_name: String,
    status: &'static str,
    form: UrgeFormView,
    /// Words this urge held before an edit: (field, until when, words).
    earlier: Vec<(String, String, String)>,
}

impl UrgeFormView {
    fn new(st: &AppState, f: &EditForm, error: Option<&EntryError>, intensity_error: bool) -> Self {
        let c = &st.catalog().urges();
        let intensity_choices: Vec<(String, String)> = std::iter::once((String::new(), "Not rated".to_string()))
            .chain((0..=10).map(|n| (n.to_string(), n.to_string())))
            .collect();
        let (error_field, error) = match (error, intensity_error) {
            (_, true) => ("intensity", "Choose a number from 0 to 10, or Not rated.".to_string()),
            (Some(e), _) => (e.field(), e.to_string()),
            _ => ("", String::new()),
        };
        UrgeFormView {
            kind: opts(c.kinds.iter().map(|k| (k.id.as_str(), k.name.as_str())), Some(&f.kind)),
            intensity: opts(intensity_choices.iter().map(|(v, l)| (v.as_str(), l.as_str())), Some(&f.intensity)),
            body: opts(
                std::iter::once(("", "Not noted")).chain(c.body.iter().map(|b| (b.id.as_str(), b.name.as_str()))),
                Some(&f.body),
            ),
            did: opts(
                std::iter::once(("", "Not noted")).chain(c.did.iter().map(|d| (d.id.as_str(), d.name.as_str()))),
                Some(&f.did),
            ),
            about: f.about.clone(),
            note: f.note.clone(),
            error_field,
            error,
        }
    }
}

#[derive(Deserialize, Default)]
pub struct EditForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    intensity: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    about: String,
    #[serde(default)]
    did: String,
    #[serde(default)]
    note: String,
}

impl EditForm {
    fn from_urge(u: &Urge) -> Self {
        EditForm {
            kind: u.entry.kind.clone(),
            intensity: u.entry.intensity.map(|n| n.to_string()).unwrap_or_default(),
            body: u.entry.body.clone().unwrap_or_default(),
            about: u.entry.about.clone().unwrap_or_default(),
            did: u.entry.did.clone().unwrap_or_default(),
            note: u.entry.note.clone().unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
pub struct EditQuery {
    saved: Option<String>,
    updated: Option<String>,
}

fn edit_page(
    st: &AppState,
    csrf: String,
    urge: &Urge,
    form: UrgeFormView,
    status: &'static str,
    earlier: Vec<(String, String, String)>,
) -> UrgeEditPage {
    UrgeEditPage {
        chrome: Chrome::new("Urge details", "moments"),
        csrf,
        id: urge.id,
        when: local_time(st, urge.at),
        kind_name: st
            .catalog()
            .urges()
            .kind(&urge.entry.kind)
            .map(|k| k.name.clone())
            .unwrap_or_else(|| urge.entry.kind.clone()),
        status,
        form,
        earlier,
    }
}

pub async fn urge_edit(
    State(st): State<AppState>,
    Owner(store): Owner,
    Extension(session): Extension<Session>,
    Id(id): Id,
    Query(q): Query<EditQuery>,
) -> Result<Response, WebError> {
    let urge = store.urge(id).await?.ok_or(WebError::NotFound)?;
    let form = UrgeFormView::new(&st, &EditForm::from_urge(&urge), None, false);
    let status = if q.saved.is_some() {
        "saved"
    } else if q.updated.is_some() {
        "updated"
    } else {
        ""
    };
    let earlier = earlier_rows(&st, store.versions(drawbridge_core::versions::URGE, &id.to_string()).await?);
    Ok(render(&edit_page(&st, session.csrf, &urge, form, status, earlier)))
}

pub async fn urge_update(
    State(st): State<AppState>,
    Owner(store): Owner,
    Extension(session): Extension<Session>,
    Id(id): Id,
    Form(f): Form<EditForm>,
) -> Result<Response, WebError> {
    let urge = store.urge(id).await?.ok_or(WebError::NotFound)?;
    let intensity = match f.intensity.trim() {
        "" => Ok(None),
        s => s.parse::<i64>().map(Some),
    };
    let Ok(intensity) = intensity else {
        let form = UrgeFormView::new(&st, &f, None, true);
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&edit_page(&st, session.csrf, &urge, form, "", Vec::new())),
        )
            .into_response());
    };
    let draft = UrgeDraft {
        kind: f.kind.clone(),
        intensity,
        body: Some(f.body.clone()),
        about: Some(f.about.clone()),
        did: Some(f.did.clone()),
        note: Some(f.note.clone()),
    };
    match st.catalog().urges().check(draft) {
        Ok(entry) => {
            let texts: Vec<&str> = [&entry.about, &entry.note].into_iter().flatten().map(String::as_str).collect();
            let to = crate::care::redirect_to(&st, &format!("/urges/{id}?updated=1"), &texts);
            if !store.update_urge(id, entry).await? {
                return Err(WebError::NotFound);
            }
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let form = UrgeFormView::new(&st, &f, Some(&e), false);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&edit_page(&st, session.csrf, &urge, form, "", Vec::new())),
            )
                .into_response())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "urge_delete.html")]
struct UrgeDeletePage {
    chrome: Chrome,
    csrf: String,
    id: Uuid,
    when: String,
    kind_name: String,
}

pub async fn urge_delete_confirm(
    State(st): State<AppState>,
    Owner(store): Owner,
    Extension(session): Extension<Session>,
    Id(id): Id,
) -> Result<Response, WebError> {
    let urge = store.urge(id).await?.ok_or(WebError::NotFound)?;
    Ok(render(&UrgeDeletePage {
        chrome: Chrome::new("Delete this urge?", "moments"),
        csrf: session.csrf,
        id,
        when: local_time(&st, urge.at),
        kind_name: st
            .catalog()
            .urges()
            .kind(&urge.entry.kind)
            .map(|k| k.name.clone())
            .unwrap_or(urge.entry.kind),
    }))
}

pub async fn urge_delete(Owner(store): Owner, Id(id): Id) -> Result<Response, WebError> {
    // Nothing of this person's has that id (deleted already, or another's).
    if !store.delete_urge(id).await? {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to("/moments?deleted=1").into_response())
}

#[derive(Deserialize, Default)]
pub struct MomentsQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    did: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    deleted: Option<String>,
}

pub struct UrgeRow {
    id: Uuid,
    when: String,
    when_iso: String,
    kind: String,
    intensity: String,
    body: String,
    did: String,
    about: String,
    note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "moments.html")]
struct MomentsPage {
    chrome: Chrome,
    /// Pauses in the same dates: (when, when for `<time>`, which, minutes, finished).
    pauses: Vec<(String, String, String, String, bool)>,
    resets: usize,
    kinds: Vec<Opt>,
    dids: Vec<Opt>,
    from: String,
    to: String,
    date_error: String,
    filtered: bool,
    rows: Vec<UrgeRow>,
    more: bool,
    limit: u32,
    deleted: bool,
}

pub async fn moments(State(st): State<AppState>, Owner(store): Owner, Query(q): Query<MomentsQuery>) -> Result<Response, WebError> {
    let c = &st.catalog().urges();
    let (since, until, date_error) = day_range(&st, &q.from, &q.to);
    let kind = Some(q.kind.clone()).filter(|k| c.kind(k).is_some());
    let did = Some(q.did.clone()).filter(|d| c.did_choice(d).is_some());
    let filter = UrgeFilter {
        since,
        until,
        kind: kind.clone(),
        did: did.clone(),
        limit: Some(LIST_LIMIT + 1),
    };
    let mut urges = store.urges(&filter).await?;
    let more = urges.len() > LIST_LIMIT as usize;
    urges.truncate(LIST_LIMIT as usize);
    let rows = urges
        .iter()
        .map(|u| UrgeRow {
            id: u.id,
            when: local_time(&st, u.at),
            when_iso: html_time(u.at),
            kind: c
                .kind(&u.entry.kind)
                .map(|k| k.name.clone())
                .unwrap_or_else(|| u.entry.kind.clone()),
            intensity: u.entry.intensity.map(|n| n.to_string()).unwrap_or_default(),
            body: u
                .entry
                .body
                .as_deref()
                .and_then(|b| c.body_signal(b))
                .map(|b| b.name.clone())
                .unwrap_or_default(),
            did: u
                .entry
                .did
                .as_deref()
                .and_then(|d| c.did_choice(d))
                .map(|d| d.name.clone())
                .unwrap_or_default(),
            about: u.entry.about.clone().unwrap_or_default(),
            note: u.entry.note.clone().unwrap_or_default(),
        })
        .collect();
    let protocols = &st.catalog().protocols();
    let pauses = store
        .pauses(500)
        .await?
        .into_iter()
        .filter(|p| since.is_none_or(|s| p.at >= s) && until.is_none_or(|u| p.at < u))
        .take(LIST_LIMIT as usize)
        .map(|p| {
            let name = protocols
                .iter()
                .find(|x| x.id == p.protocol)
                .map_or_else(|| p.protocol.clone(), |x| x.title.clone());
            let minutes = (p.seconds + 30) / 60;
            let length = if minutes == 0 {
                format!("{} seconds", p.seconds)
            } else {
                format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
            };
            (local_time(&st, p.at), html_time(p.at), name, length, p.completed)
        })
        .collect();
    let resets = store.resets(i64::MAX).await?.len();
    Ok(render(&MomentsPage {
        chrome: Chrome::new("Moments", "moments"),
        pauses,
        resets,
        kinds: opts(
            std::iter::once(("", "All kinds")).chain(c.kinds.iter().map(|k| (k.id.as_str(), k.name.as_str()))),
            kind.as_deref().or(Some("")),
        ),
        dids: opts(
            std::iter::once(("", "Anything")).chain(c.did.iter().map(|d| (d.id.as_str(), d.name.as_str()))),
            did.as_deref().or(Some("")),
        ),
        from: q.from.trim().to_string(),
        to: q.to.trim().to_string(),
        filtered: since.is_some() || until.is_some() || kind.is_some() || did.is_some(),
        date_error,
        rows,
        more,
        limit: LIST_LIMIT,
        deleted: q.deleted.is_some(),
    }))
}
