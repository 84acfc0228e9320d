//! Page handlers. Each gathers what its template needs from the store and the
//! content catalog and renders it; all words live in the templates and in
//! `content/`. POSTs redirect (303) on success, so a reload never repeats a
//! save, and re-render with the person's input and a note beside the field
//! when something needs fixing.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use drawbridge_core::crisis::{REGION_SETTING, Region};
use drawbridge_core::urge::{EntryError, Urge, UrgeDraft, UrgeKind, UrgeSummary};
use drawbridge_store::{StoreError, UrgeFilter};
use serde::Deserialize;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, macros::format_description};
use uuid::Uuid;

use crate::AppState;
use crate::security::{Session, session_cookie};

const CSS: &str = include_str!("../static/app.css");
const ICON: &str = include_str!("../static/icon.svg");
const SCRIPT: &str = include_str!("../static/app.js");
/// The longest list the Moments page shows at once.
const LIST_LIMIT: u32 = 200;

/// What every page needs for its frame.
pub(crate) struct Chrome {
    pub title: &'static str,
    pub area: &'static str,
    pub signed_in: bool,
    /// The calm crisis panel, after a save whose text called for it.
    pub care: Option<crate::care::CarePanel>,
}

impl Chrome {
    pub(crate) fn new(title: &'static str, area: &'static str) -> Self {
        Chrome {
            title,
            area,
            signed_in: true,
            care: crate::care::current(),
        }
    }
    fn outside(title: &'static str) -> Self {
        Chrome {
            title,
            area: "",
            signed_in: false,
            care: None,
        }
    }
}

/// An option in a select or radio group.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(crate) fn opts<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>, current: Option<&str>) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(v, l)| Opt {
            value: v.to_string(),
            label: l.to_string(),
            selected: Some(v) == current,
        })
        .collect()
}

/// Errors a handler can meet, shown as a calm page.
pub enum WebError {
    Store(StoreError),
    NotFound,
    /// A value the person sent that cannot be used, with what to do (422).
    Invalid(String),
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        WebError::Store(e)
    }
}

#[derive(Template)]
#[template(path = "problem.html")]
pub(crate) struct ProblemPage {
    pub(crate) chrome: Chrome,
    pub(crate) heading: &'static str,
    pub(crate) message: String,
    pub(crate) hint: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, heading, message, hint) = match self {
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                "Nothing here",
                "This page does not exist, or what it showed has been deleted.".to_string(),
                String::new(),
            ),
            WebError::Invalid(message) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "That could not be saved",
                message,
                "Go back, change it, and send it again.".to_string(),
            ),
            WebError::Store(e) => {
                // The log gets the kind of problem only, never personal data.
                tracing::error!(error = %e, "storage problem while serving a page");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    e.to_string(),
                    e.hint().unwrap_or_default(),
                )
            }
        };
        let page = ProblemPage {
            chrome: Chrome::new("Something went wrong", ""),
            heading,
            message,
            hint,
        };
        (status, render(&page)).into_response()
    }
}

pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "This page could not be shown. Please try again.").into_response()
        }
    }
}

/// A time as HTML's `<time datetime>` accepts it: UTC, whole seconds.
pub(crate) fn html_time(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z"))
        .unwrap_or_default()
}

pub(crate) fn local_time(st: &AppState, t: OffsetDateTime) -> String {
    t.to_offset(st.config().local_offset)
        .format(format_description!(
            "[weekday repr:short] [day padding:none] [month repr:short] [year], [hour]:[minute]"
        ))
        .unwrap_or_default()
}

pub(crate) async fn store(st: &AppState) -> Result<drawbridge_store::Store, WebError> {
    // The session guard sends locked requests to /unlock before they get here.
    st.store().await.ok_or(WebError::Store(StoreError::PassphraseRequired))
}

// ---------------------------------------------------------------- Today

#[derive(Template, WebTemplate)]
#[template(path = "today.html")]
struct TodayPage {
    chrome: Chrome,
    csrf: String,
    kinds: &'static [UrgeKind],
    summary: UrgeSummary,
    /// No finished quiz yet: invite the person to start with it.
    invite_quiz: bool,
    /// A quiz is under way: how many answered of how many.
    quiz_progress: Option<(usize, usize)>,
    practice: Option<PracticeView>,
    programs: Vec<(String, String)>,
    checked: bool,
    reflection_saved: bool,
    /// Pauses taken in the last 7 days, and their time in words.
    pauses_week: usize,
    pause_minutes: String,
    /// The region chooser, until a region is chosen (the suggestion first).
    region_choice: Option<Vec<Opt>>,
    suggested: Option<String>,
    region_saved: bool,
}

/// Today's practice, in words.
pub struct PracticeView {
    stage: u8,
    stage_name: String,
    advice: String,
    /// A stage the engine offers (up after readiness, down after floods).
    offer: Option<u8>,
    offer_up: bool,
    suggestion: Option<drawbridge_core::practice::Experiment>,
    /// The running program gives today's experiment.
    program_leads: bool,
    why: String,
    smaller: bool,
    follow_ups: Vec<(Uuid, String, String)>,
    program: Option<drawbridge_store::today::ProgramToday>,
    window_proposal: Option<(u8, String)>,
}

#[derive(Deserialize, Default)]
pub struct TodayQuery {
    checked: Option<String>,
    reflection: Option<String>,
    region: Option<String>,
}

pub async fn today(
    State(st): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<TodayQuery>,
) -> Result<Response, WebError> {
    let store = store(&st).await?;
    let since = OffsetDateTime::now_utc() - Duration::days(7);
    let counts = store.urge_counts_by_did(since).await?;
    let recent_pauses: Vec<_> = store.pauses(500).await?.into_iter().filter(|p| p.at >= since).collect();
    let pause_seconds: u32 = recent_pauses.iter().map(|p| p.seconds).sum();
    let pause_minutes = match pause_seconds {
        0..=89 => format!("{pause_seconds} seconds"),
        s => format!("{} minutes", (s + 30) / 60),
    };
    let summary = st.catalog().urges().summarise(counts.iter().map(|(d, n)| (d.as_deref(), *n)));
    let invite_quiz = store.quiz_results(None).await?.is_empty();
    let quiz_progress = match store.quiz_in_progress(crate::quiz::MAIN_QUIZ).await? {
        Some(a) => st
            .catalog()
            .instrument(crate::quiz::MAIN_QUIZ)
            .map(|i| (a.answers.len(), i.items.len())),
        None => None,
    };
    let c = st.catalog();
    // Until a region is chosen, Today asks once, calmly, with the system's
    // suggestion chosen in the list (nothing is saved until the person does).
    let suggested = st
        .config()
        .suggested_region
        .as_deref()
        .and_then(|code| c.crisis().region(code))
        .map(|r| r.name.clone());
    let region_choice = match store.setting(REGION_SETTING).await? {
        Some(_) => None,
        None => {
            let pick = st.config().suggested_region.clone().unwrap_or_default();
            Some(opts(
                std::iter::once(("", "Choose where you are"))
                    .chain(c.crisis().regions().iter().map(|r| (r.code.as_str(), r.name.as_str()))),
                Some(pick.as_str()),
            ))
        }
    };
    let t = drawbridge_store::today::today(&store, c, OffsetDateTime::now_utc(), st.config().local_offset).await?;
    let program_leads = t.program.as_ref().is_some_and(|p| p.experiment.is_some());
    let practice = t.pacing.map(|p| {
        let (offer, offer_up) = match t.advice {
            Some(drawbridge_core::practice::Advice::StepUp { to, .. }) => (Some(to), true),
            Some(drawbridge_core::practice::Advice::StepDown { to }) => (Some(to), false),
            _ => (None, false),
        };
        PracticeView {
            stage: p.stage,
            stage_name: c.practice().stage(p.stage).map(|s| s.name.clone()).unwrap_or_default(),
            advice: t.advice.as_ref().map(|a| c.practice().advice_sentence(a)).unwrap_or_default(),
            offer,
            offer_up,
            why: t
                .suggestion
                .as_ref()
                .map(|s| c.practice().why_sentence(&s.why, c.profile()))
                .unwrap_or_default(),
            smaller: t.suggestion.as_ref().is_some_and(|s| s.smaller),
            // One clear choice: while a program gives today's experiment,
            // the daily suggestion steps aside.
            suggestion: if program_leads { None } else { t.experiment.clone() },
            program_leads,
            follow_ups: t
                .follow_ups
                .iter()
                .map(|r| (r.id, c.record_title(r), r.plan.planned_for.to_string()))
                .collect(),
            program: t.program.clone(),
            window_proposal: t
                .window_proposal
                .map(|w| (w, c.practice().window_proposal.replace("{window}", &w.to_string()))),
        }
    });
    let programs = if t.program.is_none() {
        c.programs().iter().map(|p| (p.id.clone(), p.title.clone())).collect()
    } else {
        Vec::new()
    };
    Ok(render(&TodayPage {
        chrome: Chrome::new("Today", "today"),
        csrf: session.csrf,
        kinds: &c.urges().kinds,
        summary,
        invite_quiz,
        quiz_progress,
        practice,
        programs,
        checked: q.checked.is_some(),
        reflection_saved: q.reflection.is_some(),
        pauses_week: recent_pauses.len(),
        pause_minutes,
        region_choice,
        suggested,
        region_saved: q.region.as_deref() == Some("saved"),
    }))
}

// ---------------------------------------------------------------- Urges

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    kind: String,
    /// Set when logging from the end of a pause ("paused").
    #[serde(default)]
    did: String,
}

pub async fn urge_create(State(st): State<AppState>, Form(form): Form<CreateForm>) -> Result<Response, WebError> {
    let store = store(&st).await?;
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

/// Earlier versions as pages show them: (field, until when, words).
pub(crate) fn earlier_rows(st: &AppState, versions: Vec<drawbridge_core::versions::TextVersion>) -> Vec<(String, String, String)> {
    versions
        .into_iter()
        .map(|v| (v.field, local_time(st, v.replaced_at), v.text))
        .collect()
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
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    Query(q): Query<EditQuery>,
) -> Result<Response, WebError> {
    let store = store(&st).await?;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
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
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    Form(f): Form<EditForm>,
) -> Result<Response, WebError> {
    let store = store(&st).await?;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
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
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let store = store(&st).await?;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
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

pub async fn urge_delete(State(st): State<AppState>, Path(id): Path<String>) -> Result<Response, WebError> {
    let store = store(&st).await?;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    store.delete_urge(id).await?;
    Ok(Redirect::to("/moments?deleted=1").into_response())
}

// ---------------------------------------------------------------- Moments

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

/// A date from a date input, as the start of that day in local time.
fn local_day_start(st: &AppState, s: &str) -> Option<OffsetDateTime> {
    let d = Date::parse(s.trim(), format_description!("[year]-[month]-[day]")).ok()?;
    Some(PrimitiveDateTime::new(d, Time::MIDNIGHT).assume_offset(st.config().local_offset))
}

pub async fn moments(State(st): State<AppState>, Query(q): Query<MomentsQuery>) -> Result<Response, WebError> {
    let store = store(&st).await?;
    let c = &st.catalog().urges();
    let mut date_error = String::new();
    let mut day = |s: &str| -> Option<OffsetDateTime> {
        if s.trim().is_empty() {
            return None;
        }
        let d = local_day_start(&st, s);
        if d.is_none() {
            date_error = "Dates look like 2026-11-21. Showing every date for now.".into();
        }
        d
    };
    let since = day(&q.from);
    let until = day(&q.to).map(|d| d + Duration::days(1));
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

// ---------------------------------------------------------------- Settings

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

fn region_opts(st: &AppState, current: Option<&str>) -> Vec<Opt> {
    let current = st.catalog().crisis().region_or_default(current).code.clone();
    opts(
        st.catalog().crisis().regions().iter().map(|r| (r.code.as_str(), r.name.as_str())),
        Some(&current),
    )
}

pub async fn settings(
    State(st): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<SettingsQuery>,
) -> Result<Response, WebError> {
    let store = store(&st).await?;
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
    Extension(session): Extension<Session>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, WebError> {
    let store = store(&st).await?;
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

// ---------------------------------------------------------------- Help

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
    let unlocked = session.is_some() && st.is_unlocked().await;
    if session.is_some()
        && let Some(store) = st.store().await
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
        regions: region_opts(&st, Some(&region.code)),
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

// ---------------------------------------------------------------- Getting in

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    token: String,
}

#[derive(Template)]
#[template(path = "get_in.html")]
struct GetInPage {
    chrome: Chrome,
    used: bool,
    /// Just signed out: this one browser, or every browser.
    signed_out: Option<bool>,
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
    st.end_sessions(if all { None } else { Some(session.id.as_str()) }).await?;
    let mut res = render(&GetInPage {
        chrome: Chrome::outside(if all { "Signed out everywhere" } else { "Signed out" }),
        used: false,
        signed_out: Some(all),
    });
    res.headers_mut().insert(header::SET_COOKIE, crate::security::ended_cookie());
    Ok(res)
}

pub fn how_to_get_in(_st: &AppState) -> Response {
    render(&GetInPage {
        chrome: Chrome::outside("Open drawbridge from your terminal"),
        used: false,
        signed_out: None,
    })
}

#[derive(Template)]
#[template(path = "wrong_host.html")]
struct WrongHostPage {
    chrome: Chrome,
    address: String,
}

pub fn wrong_host(st: &AppState) -> Response {
    render(&WrongHostPage {
        chrome: Chrome::outside("Wrong address"),
        address: format!("http://{}", st.config().addr),
    })
}

pub enum Refusal {
    Origin,
    Csrf,
    TooLarge,
}

pub fn refused(_st: &AppState, why: Refusal) -> Response {
    let (heading, message) = match why {
        Refusal::Origin | Refusal::Csrf => (
            "That was not sent from drawbridge",
            "For your safety, drawbridge only accepts forms sent from its own pages. Go back, reload the page and try again; nothing was changed.".to_string(),
        ),
        Refusal::TooLarge => (
            "That was too long to save",
            "The form held more text than drawbridge accepts at once. Go back, shorten it, and save again; nothing was changed.".to_string(),
        ),
    };
    render(&ProblemPage {
        chrome: Chrome::new("Not saved", ""),
        heading,
        message,
        hint: String::new(),
    })
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

// ---------------------------------------------------------------- Assets

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        SCRIPT,
    )
        .into_response()
}

pub async fn icon() -> Response {
    (
        [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "max-age=86400")],
        ICON,
    )
        .into_response()
}

pub async fn not_found() -> Response {
    WebError::NotFound.into_response()
}

/// Every error a person can meet gets the normal page frame, with the
/// navigation and Get help now. The extractors' own refusals (a path part
/// that is not a number, a query that cannot be read, a body too large) come
/// as bare text; they are replaced here by a page in plain words.
pub(crate) async fn frame_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return res;
    }
    let (heading, message, hint) = match status {
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY | StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "This address is not quite right",
            "Part of this address or form could not be read, so nothing was changed.",
            "The link may be old or mistyped. Today, in the menu, is a good place to start again.",
        ),
        StatusCode::NOT_FOUND => ("Nothing here", "This page does not exist, or what it showed has been deleted.", ""),
        StatusCode::METHOD_NOT_ALLOWED => (
            "This page cannot do that",
            "The page exists, but not for what was asked of it, so nothing was changed.",
            "Open it from the menu instead.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "That was too long to send",
            "What was sent is larger than drawbridge accepts in one go, so nothing was saved.",
            "Go back, shorten it or split it in two, and send it again.",
        ),
        _ => (
            "Something went wrong",
            "This could not be done just now. Nothing you saved before is affected.",
            "Please try again in a moment.",
        ),
    };
    let page = ProblemPage {
        chrome: Chrome::new(heading, ""),
        heading,
        message: message.to_string(),
        hint: hint.to_string(),
    };
    let mut framed = render(&page);
    *framed.status_mut() = status;
    framed
}
