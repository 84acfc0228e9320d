//! In the moment: "I want to pull away" and what it opens (the guided
//! protocols, scripts), after it goes badly (the capacity sentence, the
//! three-column reset, calming rituals, the unsent letter) and the personal
//! safety plan.
//!
//! Protocols work without JavaScript: every step is a page and the person
//! moves on with a link. The start time travels in the links (`t`, Unix
//! seconds), so the server can record how long the pause took when it ends.
//! The unsent letter's text box has no name and sits in no submitted form,
//! so its words cannot reach the server at all.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use drawbridge_core::moment::{
    AfterText, NowOrThen, PACES, PauseText, Protocol, ResetEntry, ResetError, Ritual, Step, StepKind, ThoughtInput, ThoughtRecord,
};
use drawbridge_core::practice::Outcome;
use drawbridge_core::safety::{PLAN_SECTIONS, SafetyPlan, SafetyText};
use drawbridge_core::urge::UrgeKind;
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::AppState;
use crate::extract::{Id, Owner};
use crate::frame::{Chrome, WebError, render};
use crate::practice::{Rating, rating};
use crate::security::Session;

// ---------------------------------------------------------------- Chooser

#[derive(Template, WebTemplate)]
#[template(path = "pause_choose.html")]
struct ChoosePage {
    chrome: Chrome,
    text: &'static PauseText,
    protocols: &'static [Protocol],
}

pub async fn choose(State(st): State<AppState>) -> Response {
    let c = st.catalog();
    render(&ChoosePage {
        chrome: Chrome::new("I want to pull away", "pause"),
        text: c.pause(),
        protocols: c.protocols(),
    })
}

// ---------------------------------------------------------------- Protocol steps

#[derive(Deserialize, Default)]
pub struct StepQuery {
    /// When the protocol started, in Unix seconds.
    t: Option<i64>,
    pace: Option<String>,
    stopped: Option<String>,
}

fn pace_of(q: &StepQuery) -> (&'static str, u32, u32) {
    let name = q.pace.as_deref().unwrap_or("steady");
    PACES.iter().copied().find(|(n, _, _)| *n == name).unwrap_or(PACES[1])
}

fn protocol(st: &AppState, id: &str) -> Result<&'static Protocol, WebError> {
    st.catalog().protocol(id).ok_or(WebError::NotFound)
}

#[derive(Template, WebTemplate)]
#[template(path = "pause_intro.html")]
struct IntroPage {
    chrome: Chrome,
    text: &'static PauseText,
    p: &'static Protocol,
    minutes: String,
    has_breath: bool,
    paces: Vec<(&'static str, u32, u32, bool)>,
    start: i64,
}

fn minutes(seconds: u32) -> String {
    match seconds {
        0..=89 => format!("about {seconds} seconds"),
        _ => format!("about {} minutes", (seconds + 30) / 60),
    }
}

pub async fn intro(State(st): State<AppState>, Path(id): Path<String>, Query(q): Query<StepQuery>) -> Result<Response, WebError> {
    let p = protocol(&st, &id)?;
    let pace = pace_of(&q);
    Ok(render(&IntroPage {
        chrome: Chrome::new("I want to pull away", "pause"),
        text: st.catalog().pause(),
        p,
        minutes: minutes(p.total_seconds(Some((pace.1, pace.2)))),
        has_breath: p.steps.iter().any(|s| s.kind == StepKind::Breath),
        paces: PACES.iter().map(|&(n, i, e)| (n, i, e, n == pace.0)).collect(),
        start: OffsetDateTime::now_utc().unix_timestamp(),
    }))
}

#[derive(Template, WebTemplate)]
#[template(path = "pause_step.html")]
struct StepPage {
    chrome: Chrome,
    csrf: String,
    text: &'static PauseText,
    p: &'static Protocol,
    step: &'static Step,
    n: usize,
    count: usize,
    seconds: u32,
    pace: (&'static str, u32, u32),
    start: i64,
    last: bool,
}

pub async fn step(
    State(st): State<AppState>,
    Extension(session): Extension<Session>,
    Path((id, n)): Path<(String, usize)>,
    Query(q): Query<StepQuery>,
) -> Result<Response, WebError> {
    let p = protocol(&st, &id)?;
    let step = n.checked_sub(1).and_then(|i| p.steps.get(i)).ok_or(WebError::NotFound)?;
    let pace = pace_of(&q);
    Ok(render(&StepPage {
        chrome: Chrome::new("I want to pull away", "pause"),
        csrf: session.csrf,
        text: st.catalog().pause(),
        p,
        step,
        n,
        count: p.steps.len(),
        seconds: step.seconds_at(Some((pace.1, pace.2))),
        pace,
        start: q.t.unwrap_or_else(|| OffsetDateTime::now_utc().unix_timestamp()),
        last: n == p.steps.len(),
    }))
}

#[derive(Deserialize)]
pub struct FinishForm {
    #[serde(default)]
    t: String,
    #[serde(default)]
    completed: String,
}

/// The end of a protocol, reached by finishing or by stopping: record it.
pub async fn finish(
    State(st): State<AppState>,
    Owner(s): Owner,
    Path(id): Path<String>,
    Form(f): Form<FinishForm>,
) -> Result<Response, WebError> {
    let p = protocol(&st, &id)?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let started = f.t.trim().parse::<i64>().unwrap_or(now);
    let seconds = u32::try_from(
        now.saturating_sub(started)
            .clamp(0, i64::from(drawbridge_core::moment::PAUSE_SECONDS_MAX)),
    )
    .unwrap_or(0);
    let completed = f.completed == "1";
    s.add_pause(&p.id, seconds, completed).await?;
    let to = if completed {
        format!("/pause/{}/done", p.id)
    } else {
        format!("/pause/{}/done?stopped=1", p.id)
    };
    Ok(Redirect::to(&to).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "pause_done.html")]
struct DonePage {
    chrome: Chrome,
    csrf: String,
    text: &'static PauseText,
    p: &'static Protocol,
    stopped: bool,
    kinds: &'static [UrgeKind],
}

pub async fn done(
    State(st): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    Query(q): Query<StepQuery>,
) -> Result<Response, WebError> {
    let p = protocol(&st, &id)?;
    let c = st.catalog();
    Ok(render(&DonePage {
        chrome: Chrome::new("I want to pull away", "pause"),
        csrf: session.csrf,
        text: c.pause(),
        p,
        stopped: q.stopped.is_some(),
        kinds: &c.urges().kinds,
    }))
}

// ---------------------------------------------------------------- Scripts

#[derive(Template, WebTemplate)]
#[template(path = "scripts.html")]
struct ScriptsPage {
    chrome: Chrome,
    groups: Vec<(
        &'static drawbridge_core::moment::ScriptGroup,
        Vec<&'static drawbridge_core::moment::Script>,
    )>,
}

pub async fn scripts(State(st): State<AppState>) -> Response {
    let s = &st.catalog().scripts();
    render(&ScriptsPage {
        chrome: Chrome::new("Scripts", "pause"),
        groups: s.groups.iter().map(|g| (g, s.in_group(&g.id).collect())).collect(),
    })
}

// ---------------------------------------------------------------- After it goes badly

#[derive(Deserialize, Default)]
pub struct AfterQuery {
    record: Option<String>,
    saved: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "after.html")]
struct AfterPage {
    chrome: Chrome,
    csrf: String,
    text: &'static AfterText,
    record: Option<(Uuid, String)>,
    capacity: Rating,
    happened: String,
    felt: String,
    truth: String,
    /// The fuller reset's fields, as typed.
    more: ResetForm,
    now_or_then: Vec<crate::frame::Opt>,
    error: String,
    saved: Option<String>,
    /// What the re-rating of the reset just saved says.
    saved_rerate: Option<String>,
    rituals: &'static [Ritual],
    /// How many resets are saved, for the link to read them again.
    kept: usize,
}

async fn record_title(st: &AppState, s: &drawbridge_store::Store, id: Option<&str>) -> Result<Option<(Uuid, String)>, WebError> {
    let Some(id) = id.and_then(|i| Uuid::parse_str(i.trim()).ok()) else {
        return Ok(None);
    };
    Ok(s.experiment_record(id).await?.map(|r| (r.id, st.catalog().record_title(&r))))
}

fn capacity_rating(text: &'static AfterText, value: u8) -> Rating {
    rating(
        "capacity",
        &text.capacity_label,
        &text.capacity_help,
        value,
        [&text.capacity_low, &text.capacity_mid, &text.capacity_high],
    )
}

pub async fn after(
    State(st): State<AppState>,
    Owner(s): Owner,
    Extension(session): Extension<Session>,
    Query(q): Query<AfterQuery>,
) -> Result<Response, WebError> {
    let text = &st.catalog().after();
    let record = record_title(&st, &s, q.record.as_deref()).await?;
    // The experiment's own capacity rating, when there is one, starts the slider.
    let mut start = 50;
    if let Some((id, _)) = &record
        && let Some(r) = s.experiment_record(*id).await?
        && let Some(res) = r.result
    {
        start = res.capacity;
    }
    let just_saved = match q.saved.as_deref().and_then(|i| Uuid::parse_str(i).ok()) {
        Some(id) => s.reset(id).await?,
        None => None,
    };
    let saved = q.saved.as_ref().map(|_| {
        just_saved
            .as_ref()
            .and_then(|r| r.entry.capacity)
            .map(|c| text.capacity_sentence(c))
            .unwrap_or_default()
    });
    let rerate = just_saved.as_ref().and_then(|r| text.rerate_sentence(&r.entry.thought));
    let kept = s.resets(i64::MAX).await?.len();
    Ok(render(&after_page(
        &st,
        session.csrf,
        record,
        start,
        ResetForm::default(),
        String::new(),
        Saved {
            sentence: saved,
            rerate,
            kept,
        },
    )))
}

/// What the after page says about saved resets: the capacity sentence of the
/// one just saved (if it was), and how many there are to read again.
struct Saved {
    sentence: Option<String>,
    rerate: Option<String>,
    kept: usize,
}

fn after_page(
    st: &AppState,
    csrf: String,
    record: Option<(Uuid, String)>,
    capacity: u8,
    typed: ResetForm,
    error: String,
    saved: Saved,
) -> AfterPage {
    let Saved {
        sentence: saved,
        rerate: saved_rerate,
        kept,
    } = saved;
    let text = &st.catalog().after();
    let now_or_then = crate::frame::opts(
        std::iter::once(("", "No answer")).chain(NowOrThen::ALL.iter().map(|n| (n.id(), text.now_or_then_label(*n)))),
        Some(typed.now_or_then.trim()),
    );
    AfterPage {
        chrome: Chrome::new("After it goes badly", "pause"),
        csrf,
        text,
        record,
        capacity: capacity_rating(text, capacity),
        happened: typed.happened.clone(),
        felt: typed.felt.clone(),
        truth: typed.truth.clone(),
        more: typed,
        now_or_then,
        error,
        saved,
        saved_rerate,
        rituals: &text.rituals,
        kept,
    }
}

#[derive(Deserialize, Default)]
pub struct ResetForm {
    #[serde(default)]
    record: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    happened: String,
    #[serde(default)]
    felt: String,
    #[serde(default)]
    truth: String,
    #[serde(default)]
    feeling_1: String,
    #[serde(default)]
    strength_1: String,
    #[serde(default)]
    feeling_2: String,
    #[serde(default)]
    strength_2: String,
    #[serde(default)]
    feeling_3: String,
    #[serde(default)]
    strength_3: String,
    #[serde(default)]
    hot_thought: String,
    #[serde(default)]
    belief: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    another_view: String,
    #[serde(default)]
    rerated: String,
    #[serde(default)]
    now_or_then: String,
    #[serde(default)]
    then_note: String,
}

impl ResetForm {
    fn thought(&self) -> Result<ThoughtRecord, ResetError> {
        ThoughtRecord::check(ThoughtInput {
            feelings: vec![
                (&self.feeling_1, &self.strength_1),
                (&self.feeling_2, &self.strength_2),
                (&self.feeling_3, &self.strength_3),
            ]
            .into_iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect(),
            hot_thought: Some(&self.hot_thought),
            belief: Some(&self.belief),
            evidence: Some(&self.evidence),
            another_view: Some(&self.another_view),
            rerated: Some(&self.rerated),
            now_or_then: Some(&self.now_or_then),
            then_note: Some(&self.then_note),
        })
    }
}

pub async fn save_reset(
    State(st): State<AppState>,
    Owner(s): Owner,
    Extension(session): Extension<Session>,
    Form(f): Form<ResetForm>,
) -> Result<Response, WebError> {
    let record = record_title(&st, &s, Some(&f.record)).await?;
    let capacity = f.capacity.trim().parse::<i64>().ok();
    let checked = f.thought().and_then(|thought| {
        ResetEntry::with_thought(
            record.as_ref().map(|(id, _)| *id),
            capacity,
            Some(&f.happened),
            Some(&f.felt),
            Some(&f.truth),
            thought,
        )
    });
    match checked {
        Ok(entry) => {
            let texts: Vec<&str> = entry.texts().collect();
            let care = crate::care::needed(&st, &texts);
            let reset = s.add_reset(entry).await?;
            let mut to = format!("/after?saved={}", reset.id);
            if let Some((id, _)) = &record {
                to.push_str(&format!("&record={id}"));
            }
            if care {
                to.push_str("&care=1");
            }
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let start = capacity.and_then(|c| u8::try_from(c.clamp(0, 100)).ok()).unwrap_or(50);
            let kept = s.resets(i64::MAX).await?.len();
            let page = after_page(
                &st,
                session.csrf,
                record,
                start,
                f,
                e.to_string(),
                Saved {
                    sentence: None,
                    rerate: None,
                    kept,
                },
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

// ---------------------------------------------------------------- Resets, read again

/// One saved reset as the page shows it.
pub struct ResetView {
    id: Uuid,
    when: String,
    capacity: Option<String>,
    record: Option<(Uuid, String)>,
    happened: String,
    felt: String,
    truth: String,
    /// (name, strength)
    feelings: Vec<(String, u8)>,
    hot_thought: String,
    belief: Option<u8>,
    evidence: String,
    another_view: String,
    rerated: Option<u8>,
    rerate_sentence: Option<String>,
    now_or_then: Option<String>,
    then_note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "resets.html")]
struct ResetsPage {
    chrome: Chrome,
    text: &'static AfterText,
    resets: Vec<ResetView>,
    /// Showing one reset rather than the list.
    one: bool,
    /// The story cards beside the one reset shown.
    stories: Option<crate::stories::Cards>,
    csrf: String,
}

#[derive(Deserialize, Default)]
pub struct ResetQuery {
    put_away: Option<String>,
}

pub(crate) async fn reset_view(
    st: &AppState,
    s: &drawbridge_store::Store,
    r: drawbridge_core::moment::Reset,
) -> Result<ResetView, WebError> {
    let text = &st.catalog().after();
    let record = match r.entry.record {
        Some(id) => record_title(st, s, Some(&id.to_string())).await?,
        None => None,
    };
    Ok(ResetView {
        id: r.id,
        when: crate::frame::local_time(st, r.at),
        capacity: r.entry.capacity.map(|c| text.capacity_sentence(c)),
        record,
        rerate_sentence: text.rerate_sentence(&r.entry.thought),
        now_or_then: r.entry.thought.now_or_then.map(|n| text.now_or_then_label(n).to_string()),
        happened: r.entry.happened.unwrap_or_default(),
        felt: r.entry.felt.unwrap_or_default(),
        truth: r.entry.truth.unwrap_or_default(),
        feelings: r.entry.thought.feelings.into_iter().map(|f| (f.name, f.strength)).collect(),
        hot_thought: r.entry.thought.hot_thought.unwrap_or_default(),
        belief: r.entry.thought.belief,
        evidence: r.entry.thought.evidence.unwrap_or_default(),
        another_view: r.entry.thought.another_view.unwrap_or_default(),
        rerated: r.entry.thought.rerated,
        then_note: r.entry.thought.then_note.unwrap_or_default(),
    })
}

/// Every saved reset, newest first: what the reset page promises, that
/// you can come back to it whenever you like.
pub async fn resets(State(st): State<AppState>, Owner(s): Owner, Extension(session): Extension<Session>) -> Result<Response, WebError> {
    let mut views = Vec::new();
    for r in s.resets(i64::MAX).await? {
        views.push(reset_view(&st, &s, r).await?);
    }
    Ok(render(&ResetsPage {
        chrome: Chrome::new("Your resets", "pause"),
        text: st.catalog().after(),
        resets: views,
        one: false,
        stories: None,
        csrf: session.csrf,
    }))
}

pub async fn reset(
    State(st): State<AppState>,
    Owner(s): Owner,
    Extension(session): Extension<Session>,
    Id(id): Id,
    Query(q): Query<ResetQuery>,
) -> Result<Response, WebError> {
    let r = s.reset(id).await?.ok_or(WebError::NotFound)?;
    let stories = crate::stories::for_reset(&st, &s, &r, q.put_away.is_some()).await?;
    let view = reset_view(&st, &s, r).await?;
    Ok(render(&ResetsPage {
        chrome: Chrome::new("A reset", "pause"),
        text: st.catalog().after(),
        resets: vec![view],
        one: true,
        stories: Some(stories),
        csrf: session.csrf,
    }))
}

/// Whether an experiment's result calls for the after-it-goes-badly link.
pub(crate) fn went_badly(outcome: Outcome, flooded: bool) -> bool {
    flooded || matches!(outcome, Outcome::Worse | Outcome::AsFeared)
}

// ---------------------------------------------------------------- The unsent letter

#[derive(Template, WebTemplate)]
#[template(path = "letter.html")]
struct LetterPage {
    chrome: Chrome,
    text: &'static AfterText,
}

pub async fn letter(State(st): State<AppState>) -> Response {
    render(&LetterPage {
        chrome: Chrome::new("An unsent letter", "pause"),
        text: st.catalog().after(),
    })
}

// ---------------------------------------------------------------- Safety plan

#[derive(Template, WebTemplate)]
#[template(path = "safety_plan.html")]
struct PlanPage {
    chrome: Chrome,
    text: &'static SafetyText,
    sections: Vec<(&'static drawbridge_core::safety::PlanSection, String)>,
    empty: bool,
    saved: bool,
    updated: String,
    /// Sections as they were before a change: (section, until when, words).
    earlier: Vec<(String, String, String)>,
}

#[derive(Deserialize, Default)]
pub struct PlanQuery {
    saved: Option<String>,
}

pub async fn plan(State(st): State<AppState>, Owner(s): Owner, Query(q): Query<PlanQuery>) -> Result<Response, WebError> {
    let text = &st.catalog().safety();
    let plan = s.safety_plan().await?;
    let updated = plan
        .updated_at
        .as_deref()
        .and_then(|t| OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
        .map(|t| crate::frame::local_time(&st, t))
        .unwrap_or_default();
    Ok(render(&PlanPage {
        chrome: Chrome::new("My safety plan", "help"),
        text,
        sections: text
            .sections
            .iter()
            .map(|sec| (sec, plan.get(&sec.id).unwrap_or_default().to_string()))
            .collect(),
        empty: plan.is_empty(),
        saved: q.saved.is_some(),
        updated,
        earlier: crate::frame::earlier_rows(&st, s.versions_of_kind(drawbridge_core::versions::SAFETY_PLAN).await?)
            .into_iter()
            .map(|(id, when, words)| {
                let title = text.sections.iter().find(|x| x.id == id).map_or(id, |x| x.title.clone());
                (title, when, words)
            })
            .collect(),
    }))
}

#[derive(Template, WebTemplate)]
#[template(path = "safety_plan_edit.html")]
struct PlanEditPage {
    chrome: Chrome,
    csrf: String,
    text: &'static SafetyText,
    sections: Vec<(&'static drawbridge_core::safety::PlanSection, String)>,
    error_field: String,
    error: String,
}

pub async fn plan_edit(State(st): State<AppState>, Owner(s): Owner, Extension(session): Extension<Session>) -> Result<Response, WebError> {
    let text = &st.catalog().safety();
    let plan = s.safety_plan().await?;
    Ok(render(&PlanEditPage {
        chrome: Chrome::new("Edit my safety plan", "help"),
        csrf: session.csrf,
        text,
        sections: text
            .sections
            .iter()
            .map(|sec| (sec, plan.get(&sec.id).unwrap_or_default().to_string()))
            .collect(),
        error_field: String::new(),
        error: String::new(),
    }))
}

pub async fn plan_save(
    State(st): State<AppState>,
    Owner(s): Owner,
    Extension(session): Extension<Session>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let text = &st.catalog().safety();
    let mut plan = SafetyPlan::default();
    let mut failure = None;
    for id in PLAN_SECTIONS {
        let v = fields.iter().find(|(k, _)| k == id).map(|(_, v)| v.as_str()).unwrap_or("");
        if let Err(e) = plan.set(id, v) {
            failure = Some((id.to_string(), e.to_string()));
            break;
        }
    }
    if let Some((field, error)) = failure {
        let page = PlanEditPage {
            chrome: Chrome::new("Edit my safety plan", "help"),
            csrf: session.csrf,
            text,
            sections: text
                .sections
                .iter()
                .map(|sec| {
                    let typed = fields
                        .iter()
                        .find(|(k, _)| *k == sec.id)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default();
                    (sec, typed)
                })
                .collect(),
            error_field: field,
            error,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    s.set_safety_plan(&plan).await?;
    Ok(Redirect::to("/safety-plan?saved=1").into_response())
}
