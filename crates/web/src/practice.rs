//! Practice in the browser: calibration, the experiment library, planning and
//! following up experiments, the evidence ledger, programs, practice settings
//! and the calendar feed. The rules are `drawbridge_core::practice`; Today's
//! composition is `drawbridge_store::today`, shared with the CLI.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use drawbridge_core::practice::{self, Experiment, Outcome, Plan, ProgramEntry, Record, Result as Res, StageText, start_stage};
use drawbridge_core::versions;
use drawbridge_store::{
    CALENDAR_TOKEN_SETTING, CALIBRATION_SETTING, FollowUp, REMINDER_SETTING, RecordEdit, Store, today as practice_today,
};
use serde::Deserialize;
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::AppState;
use crate::extract::{Id, Owner};
use crate::frame::{Chrome, Opt, WebError, opts, render};
use crate::security::{Session, random_token, same_secret};

fn today(st: &AppState) -> Date {
    OffsetDateTime::now_utc().to_offset(st.config().local_offset).date()
}

/// A 0-100 rating field: a range input with its number shown, plus words at 0, 50 and 100.
pub struct Rating {
    pub(crate) name: &'static str,
    pub(crate) label: &'static str,
    pub(crate) hint: &'static str,
    pub(crate) value: u8,
    pub(crate) low: &'static str,
    pub(crate) mid: &'static str,
    pub(crate) high: &'static str,
}

pub(crate) fn rating(name: &'static str, label: &'static str, hint: &'static str, value: u8, anchors: [&'static str; 3]) -> Rating {
    Rating {
        name,
        label,
        hint,
        value,
        low: anchors[0],
        mid: anchors[1],
        high: anchors[2],
    }
}

/// The words of one scale, from content (practice.toml and after.toml).
fn words(w: &'static [String; 3]) -> [&'static str; 3] {
    [w[0].as_str(), w[1].as_str(), w[2].as_str()]
}

fn parse_rating(fields: &[(String, String)], name: &str) -> Option<u8> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.trim().parse::<i64>().ok())
        .and_then(|v| practice::rating("", v).ok())
}

/// A 0-100 rating from a form: the default when the field is absent or
/// blank, and an error in words (never a quiet substitute) when it is there
/// but not a whole number from 0 to 100.
fn checked_rating(fields: &[(String, String)], name: &str, label: &str, default: u8) -> Result<u8, String> {
    let raw = field(fields, name).trim();
    if raw.is_empty() {
        return Ok(default);
    }
    raw.parse::<i64>()
        .ok()
        .and_then(|v| practice::rating("", v).ok())
        .ok_or_else(|| format!("{label} is a number from 0 to 100, and \"{raw}\" is not one. Nothing was saved yet."))
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// What the person typed into `name`, if the form sent it; else `saved`.
fn edited_or(fields: &[(String, String)], name: &str, saved: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or_else(|| saved.to_string(), |(_, v)| v.clone())
}

fn opt_text(fields: &[(String, String)], name: &str) -> Option<String> {
    Some(field(fields, name).trim().to_string()).filter(|s| !s.is_empty())
}

// ---------------------------------------------------------------- Calibration

#[derive(Template, WebTemplate)]
#[template(path = "practice_start.html")]
struct StartPage {
    chrome: Chrome,
    csrf: String,
    stages: Vec<(StageText, Rating)>,
    current: Option<u8>,
}

pub async fn start(State(st): State<AppState>, Owner(s): Owner, Extension(session): Extension<Session>) -> Result<Response, WebError> {
    let saved: Option<[u8; 4]> = s.setting(CALIBRATION_SETTING).await?.and_then(|v| serde_json::from_str(&v).ok());
    let names = ["s1", "s2", "s3", "s4"];
    let stages = st
        .catalog()
        .practice()
        .stages
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                t.clone(),
                rating(
                    names[i],
                    "How much distress would this bring?",
                    "",
                    saved.map(|r| r[i]).unwrap_or(50),
                    words(&st.catalog().practice().scales.distress),
                ),
            )
        })
        .collect();
    Ok(render(&StartPage {
        chrome: Chrome::new("Where to start", "practice"),
        csrf: session.csrf,
        stages,
        current: s.pacing().await?.map(|p| p.stage),
    }))
}

pub async fn calibrate(Owner(s): Owner, Form(fields): Form<Vec<(String, String)>>) -> Result<Response, WebError> {
    let mut r = [50u8; 4];
    for (i, name) in ["s1", "s2", "s3", "s4"].iter().enumerate() {
        match checked_rating(&fields, name, &format!("The distress for stage {}", i + 1), 50) {
            Ok(v) => r[i] = v,
            Err(e) => return Err(WebError::Invalid(e)),
        }
    }
    s.set_setting(CALIBRATION_SETTING, &serde_json::to_string(&r).unwrap_or_default())
        .await?;
    s.set_stage(start_stage(r)).await?;
    Ok(Redirect::to("/?practice=started").into_response())
}

// ---------------------------------------------------------------- Library

#[derive(Template, WebTemplate)]
#[template(path = "practice_library.html")]
struct LibraryPage {
    chrome: Chrome,
    /// Each stage, its experiments, and whether the person is practising there.
    stages: Vec<(StageText, Vec<Experiment>, bool)>,
    current: Option<u8>,
}

pub async fn library(State(st): State<AppState>, Owner(s): Owner) -> Result<Response, WebError> {
    let c = st.catalog();
    let current = s.pacing().await?.map(|p| p.stage);
    let stages = c
        .practice()
        .stages
        .iter()
        .map(|t| {
            (
                t.clone(),
                c.experiments().iter().filter(|e| e.stage == t.stage).cloned().collect(),
                current == Some(t.stage),
            )
        })
        .collect();
    Ok(render(&LibraryPage {
        chrome: Chrome::new("Experiments", "practice"),
        stages,
        current,
    }))
}

// ---------------------------------------------------------------- Plan

#[derive(Template, WebTemplate)]
#[template(path = "practice_plan.html")]
struct PlanPage {
    chrome: Chrome,
    csrf: String,
    experiment: Option<Experiment>,
    stage_name: String,
    custom: String,
    with_whom: String,
    when: String,
    prediction: String,
    ratings: Vec<Rating>,
    error: String,
}

#[derive(Deserialize, Default)]
pub struct PlanQuery {
    #[serde(default)]
    experiment: String,
}

fn plan_page(st: &AppState, csrf: String, experiment: Option<Experiment>, fields: &[(String, String)], error: String) -> PlanPage {
    let stage_name = experiment
        .as_ref()
        .and_then(|e| st.catalog().practice().stage(e.stage))
        .map(|s| format!("Stage {}: {}", s.stage, s.name))
        .unwrap_or_default();
    let when = Some(field(fields, "when").to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| today(st).to_string());
    PlanPage {
        chrome: Chrome::new("Plan an experiment", "practice"),
        csrf,
        experiment,
        stage_name,
        custom: field(fields, "custom").to_string(),
        with_whom: field(fields, "with").to_string(),
        when,
        prediction: field(fields, "prediction").to_string(),
        ratings: vec![
            rating(
                "belief",
                "How strongly do you believe it will happen?",
                "0 to 100%",
                parse_rating(fields, "belief").unwrap_or(50),
                words(&st.catalog().practice().scales.belief),
            ),
            rating(
                "want",
                "How much do you want this closeness?",
                "the pull",
                parse_rating(fields, "want").unwrap_or(50),
                words(&st.catalog().practice().scales.want),
            ),
            rating(
                "expect",
                "How much distress do you expect?",
                "the push",
                parse_rating(fields, "expect").unwrap_or(30),
                words(&st.catalog().practice().scales.distress),
            ),
        ],
        error,
    }
}

pub async fn plan_form(
    State(st): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<PlanQuery>,
) -> Result<Response, WebError> {
    let experiment = st.catalog().experiment(&q.experiment).cloned();
    Ok(render(&plan_page(&st, session.csrf, experiment, &[], String::new())))
}

pub async fn plan(
    State(st): State<AppState>,
    Owner(s): Owner,
    Extension(session): Extension<Session>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let experiment = st.catalog().experiment(field(&fields, "experiment")).cloned();
    let current = s.pacing().await?.map(|p| p.stage).unwrap_or(1);
    let when = Date::parse(field(&fields, "when").trim(), format_description!("[year]-[month]-[day]"));
    let ratings = (
        checked_rating(&fields, "belief", "How strongly you believe it", 50),
        checked_rating(&fields, "want", "How much you want this closeness", 50),
        checked_rating(&fields, "expect", "The distress you expect", 30),
    );
    let bad_rating = [&ratings.0, &ratings.1, &ratings.2]
        .into_iter()
        .find_map(|r| r.as_ref().err().cloned());
    let error = match (&experiment, opt_text(&fields, "custom"), opt_text(&fields, "prediction"), &when) {
        (None, None, _, _) => "Write the experiment you have in mind, or choose one from the library.".to_string(),
        (_, _, None, _) => "Write what you fear will happen, in your own words. It is the prediction this experiment tests.".to_string(),
        (_, _, _, Err(_)) => "Choose the day you plan to try it.".to_string(),
        _ => bad_rating.unwrap_or_default(),
    };
    if !error.is_empty() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&plan_page(&st, session.csrf, experiment, &fields, error)),
        )
            .into_response());
    }
    let plan = Plan {
        stage: experiment.as_ref().map(|e| e.stage).unwrap_or(current),
        experiment: experiment.as_ref().map(|e| e.id.clone()),
        custom: if experiment.is_some() { None } else { opt_text(&fields, "custom") },
        with_whom: opt_text(&fields, "with"),
        planned_for: when.unwrap_or_else(|_| today(&st)),
        prediction: opt_text(&fields, "prediction").unwrap_or_default(),
        belief_before: ratings.0.unwrap_or(50),
        want: ratings.1.unwrap_or(50),
        expect: ratings.2.unwrap_or(30),
    };
    let texts: Vec<&str> = [Some(&plan.prediction), plan.custom.as_ref(), plan.with_whom.as_ref()]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let care = crate::care::needed(&st, &texts);
    let r = s.plan_experiment(plan).await?;
    let to = format!("/practice/records/{}?planned=1{}", r.id, if care { "&care=1" } else { "" });
    Ok(Redirect::to(&to).into_response())
}

// ---------------------------------------------------------------- Follow-up

#[derive(Template, WebTemplate)]
#[template(path = "practice_record.html")]
struct RecordPage {
    chrome: Chrome,
    csrf: String,
    id: Uuid,
    title: String,
    smaller: String,
    with_whom: String,
    planned_for: String,
    prediction: String,
    belief_before: u8,
    planned: bool,
    outcome_name: String,
    result: Option<Res>,
    ratings: Vec<Rating>,
    outcomes: Vec<Opt>,
    happened: String,
    learned: String,
    flooded: bool,
    error: String,
    advice: String,
    hard: bool,
    belief_sentence: String,
    /// The words saved, for the edit form (what was typed, after a refusal).
    edit_prediction: String,
    edit_with: String,
    edit_happened: String,
    edit_learned: String,
    /// Earlier words: (what, when replaced, the words), newest first.
    earlier: Vec<(String, String, String)>,
    edited: bool,
    /// Resets written after this experiment: (id, when).
    resets: Vec<(Uuid, String)>,
}

#[derive(Deserialize, Default)]
pub struct RecordQuery {
    planned: Option<String>,
    edited: Option<String>,
}

/// The record a page's path names, or 404.
async fn load_record(s: &Store, id: Uuid) -> Result<(Uuid, Record), WebError> {
    let r = s.experiment_record(id).await?.ok_or(WebError::NotFound)?;
    Ok((id, r))
}

async fn record_page(
    st: &AppState,
    s: &Store,
    csrf: String,
    r: &Record,
    fields: &[(String, String)],
    error: String,
    planned: bool,
) -> Result<RecordPage, WebError> {
    let c = st.catalog();
    let res = r.result.as_ref();
    let chosen = Some(field(fields, "outcome").to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| res.map(|x| x.outcome.id().to_string()));
    let advice = if r.result.is_some() {
        practice_today::today(s, c, OffsetDateTime::now_utc(), st.config().local_offset)
            .await?
            .advice
            .map(|a| c.practice().advice_sentence(&a))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let window = s.pacing().await?.map(|p| p.window).unwrap_or(practice::DEFAULT_WINDOW);
    Ok(RecordPage {
        chrome: Chrome::new("Experiment", "practice"),
        csrf,
        id: r.id,
        title: st.catalog().record_title(r),
        smaller: r
            .plan
            .experiment
            .as_deref()
            .and_then(|e| c.experiment(e))
            .map(|e| e.smaller.clone())
            .unwrap_or_default(),
        with_whom: r.plan.with_whom.clone().unwrap_or_default(),
        planned_for: r.plan.planned_for.to_string(),
        prediction: r.plan.prediction.clone(),
        belief_before: r.plan.belief_before,
        planned,
        outcome_name: res
            .and_then(|x| c.practice().outcome(x.outcome.id()))
            .map(|o| o.name.clone())
            .unwrap_or_default(),
        result: res.cloned(),
        ratings: vec![
            rating(
                "peak",
                "Peak distress during it",
                "0 to 100",
                parse_rating(fields, "peak").unwrap_or(40),
                words(&st.catalog().practice().scales.distress),
            ),
            rating(
                "after",
                "Distress now, afterwards",
                "0 to 100",
                parse_rating(fields, "after").unwrap_or(20),
                words(&st.catalog().practice().scales.distress),
            ),
            rating(
                "belief_after",
                "How strongly do you believe the prediction now?",
                "0 to 100%",
                parse_rating(fields, "belief_after").unwrap_or(r.plan.belief_before),
                words(&st.catalog().practice().scales.belief),
            ),
            rating(
                "capacity",
                "I did this at __% of my capacity",
                "no pass or fail: how much you had to give today",
                parse_rating(fields, "capacity").unwrap_or(50),
                {
                    let a = &st.catalog().after();
                    [a.capacity_low.as_str(), a.capacity_mid.as_str(), a.capacity_high.as_str()]
                },
            ),
        ],
        outcomes: opts(
            c.practice().outcomes.iter().map(|o| (o.id.as_str(), o.name.as_str())),
            chosen.as_deref(),
        ),
        happened: field(fields, "happened").to_string(),
        learned: field(fields, "learned").to_string(),
        flooded: field(fields, "flooded") == "1",
        error,
        advice,
        hard: r.flooded(window) || r.result.as_ref().is_some_and(|x| crate::moment::went_badly(x.outcome, x.flooded)),
        belief_sentence: res
            .map(|x| c.practice().belief_change_sentence(r.plan.belief_before, x.belief_after))
            .unwrap_or_default(),
        edit_prediction: edited_or(fields, "prediction", &r.plan.prediction),
        edit_with: edited_or(fields, "with", r.plan.with_whom.as_deref().unwrap_or_default()),
        edit_happened: edited_or(fields, "happened", res.and_then(|x| x.what_happened.as_deref()).unwrap_or_default()),
        edit_learned: edited_or(fields, "learned", res.and_then(|x| x.learned.as_deref()).unwrap_or_default()),
        earlier: crate::frame::earlier_rows(st, s.versions(versions::EXPERIMENT, &r.id.to_string()).await?),
        edited: false,
        resets: s
            .resets_for_record(r.id)
            .await?
            .into_iter()
            .map(|x| (x.id, crate::frame::local_time(st, x.at)))
            .collect(),
    })
}

pub async fn record(
    State(st): State<AppState>,
    Owner(s): Owner,
    Extension(session): Extension<Session>,
    Id(id): Id,
    Query(q): Query<RecordQuery>,
) -> Result<Response, WebError> {
    let (_, r) = load_record(&s, id).await?;
    let mut page = record_page(&st, &s, session.csrf, &r, &[], String::new(), q.planned.is_some()).await?;
    page.edited = q.edited.is_some();
    Ok(render(&page))
}

pub async fn follow_up(
    State(st): State<AppState>,
    Owner(s): Owner,
    Extension(session): Extension<Session>,
    Id(id): Id,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (id, r) = load_record(&s, id).await?;
    let csrf = session.csrf.clone();
    let refuse = async |status: StatusCode, error: String| -> Result<Response, WebError> {
        let page = record_page(&st, &s, csrf.clone(), &r, &fields, error, false).await?;
        Ok((status, render(&page)).into_response())
    };
    if let Some(at) = r.done_at {
        // A second follow-up (a resent form, a second tab) never replaces the first.
        let day = at.to_offset(st.config().local_offset).date();
        return refuse(
            StatusCode::CONFLICT,
            format!(
                "This experiment was followed up already, on {day}, so this second follow-up was not saved: what you wrote then is kept. You can change its words below; the earlier words stay readable."
            ),
        )
        .await;
    }
    if r.plan.planned_for > today(&st) {
        let msg = format!(
            "This experiment is planned for {}, which has not come yet. Follow it up on or after that day.",
            r.plan.planned_for
        );
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, msg).await;
    }
    let Some(outcome) = Outcome::parse(field(&fields, "outcome")) else {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose how it went against your prediction.".into(),
        )
        .await;
    };
    let ratings = [
        checked_rating(&fields, "peak", "Peak distress", 0),
        checked_rating(&fields, "after", "Distress afterwards", 0),
        checked_rating(&fields, "capacity", "Your capacity", 50),
        checked_rating(&fields, "belief_after", "Your belief now", r.plan.belief_before),
    ];
    if let Some(e) = ratings.iter().find_map(|r| r.as_ref().err().cloned()) {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, e).await;
    }
    let [peak, after, capacity, belief_after] = ratings.map(|r| r.unwrap_or(0));
    let result = Res {
        what_happened: opt_text(&fields, "happened"),
        peak,
        after,
        outcome,
        capacity,
        learned: opt_text(&fields, "learned"),
        belief_after,
        flooded: field(&fields, "flooded") == "1",
    };
    let texts: Vec<&str> = [&result.what_happened, &result.learned]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let to = crate::care::redirect_to(&st, &format!("/practice/records/{id}"), &texts);
    match s.complete_experiment(id, &result, OffsetDateTime::now_utc()).await? {
        FollowUp::Saved => Ok(Redirect::to(&to).into_response()),
        // Followed up in another tab between the read above and this write.
        FollowUp::AlreadyDone(_) => Ok(Redirect::to(&format!("/practice/records/{id}")).into_response()),
        FollowUp::NotFound => Err(WebError::NotFound),
    }
}

/// Change a record's words. What each changed field said is kept and shown
/// on the record's page under "Earlier words".
pub async fn edit_record(
    State(st): State<AppState>,
    Owner(s): Owner,
    Extension(session): Extension<Session>,
    Id(id): Id,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (id, r) = load_record(&s, id).await?;
    let Some(prediction) = opt_text(&fields, "prediction") else {
        let page = record_page(
            &st,
            &s,
            session.csrf,
            &r,
            &fields,
            "The prediction cannot be empty: write what you feared, in your own words. Nothing was changed.".into(),
            false,
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    };
    let has = |name: &str| fields.iter().any(|(k, _)| k == name);
    let edit = RecordEdit {
        prediction: Some(prediction),
        with_whom: has("with").then(|| opt_text(&fields, "with")),
        what_happened: (r.result.is_some() && has("happened")).then(|| opt_text(&fields, "happened")),
        learned: (r.result.is_some() && has("learned")).then(|| opt_text(&fields, "learned")),
    };
    s.edit_experiment(id, &edit).await?;
    let mut texts: Vec<&str> = edit.prediction.iter().map(String::as_str).collect();
    for t in [&edit.with_whom, &edit.what_happened, &edit.learned]
        .into_iter()
        .flatten()
        .flatten()
    {
        texts.push(t);
    }
    let to = crate::care::redirect_to(&st, &format!("/practice/records/{id}?edited=1"), &texts);
    Ok(Redirect::to(&to).into_response())
}

// ---------------------------------------------------------------- Stage and window

#[derive(Deserialize)]
pub struct StageForm {
    #[serde(default)]
    stage: String,
}

pub async fn set_stage(
    State(st): State<AppState>,
    Owner(s): Owner,
    Extension(session): Extension<Session>,
    Form(f): Form<StageForm>,
) -> Result<Response, WebError> {
    let Some(n) = practice::Stage::parse(&f.stage) else {
        let msg = format!(
            "The stages are {}, and \"{}\" is not one of them. Your stage was not changed.",
            practice::Stage::range(),
            f.stage.trim()
        );
        return settings_refused(&st, &s, session, msg).await;
    };
    s.set_stage(n.get()).await?;
    Ok(Redirect::to("/").into_response())
}

#[derive(Deserialize)]
pub struct WindowForm {
    #[serde(default)]
    window: String,
    #[serde(default)]
    reminder: String,
}

pub async fn set_window(
    State(st): State<AppState>,
    Owner(s): Owner,
    Extension(session): Extension<Session>,
    Form(f): Form<WindowForm>,
) -> Result<Response, WebError> {
    let fields = vec![("window".to_string(), f.window.clone())];
    let window = match checked_rating(&fields, "window", "The window of tolerance", 0) {
        Ok(w) => (!f.window.trim().is_empty()).then_some(w),
        Err(e) => return settings_refused(&st, &s, session, e).await,
    };
    let reminder = match f.reminder.trim() {
        "" => None,
        r => match time::Time::parse(r, format_description!("[hour]:[minute]")) {
            Ok(t) => Some(t),
            Err(_) => {
                let msg = format!("The reminder time is hours and minutes, like 19:00, and \"{r}\" is not one. Nothing was saved yet.");
                return settings_refused(&st, &s, session, msg).await;
            }
        },
    };
    if let Some(w) = window {
        s.set_window(w).await?;
    }
    if let Some(t) = reminder {
        s.set_setting(REMINDER_SETTING, &format!("{:02}:{:02}", t.hour(), t.minute()))
            .await?;
    }
    Ok(Redirect::to("/practice/settings?saved=1").into_response())
}

// ---------------------------------------------------------------- Ledger

pub struct TallyRow {
    label: String,
    done: u32,
    as_feared: u32,
    not_as_feared: u32,
    worse: u32,
}

pub struct MonthPoint {
    month: String,
    /// The month's label under the chart, on every few points so they never crowd.
    label: String,
    before: String,
    after: String,
    count: u32,
    x: String,
    y_before: String,
    y_after: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "practice_ledger.html")]
struct LedgerPage {
    chrome: Chrome,
    overall: TallyRow,
    stages: Vec<TallyRow>,
    months: Vec<MonthPoint>,
    line_before: String,
    line_after: String,
    summary: String,
    learned: Vec<(String, String)>,
}

/// "2026-11" as "Nov 2026".
fn month_label(month: &str) -> String {
    const NAMES: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    match month.split_once('-') {
        Some((y, m)) => match m.parse::<usize>().ok().and_then(|m| NAMES.get(m.wrapping_sub(1))) {
            Some(name) => format!("{name} {y}"),
            None => month.to_string(),
        },
        None => month.to_string(),
    }
}

pub async fn ledger(State(st): State<AppState>, Owner(s): Owner) -> Result<Response, WebError> {
    let c = st.catalog();
    let stages = s.ledger_counts().await?;
    let months = s.belief_by_month().await?;
    let learned = s.learned(30).await?;
    let row = |label: String, t: &practice::StageTally| TallyRow {
        label,
        done: t.done,
        as_feared: t.as_feared,
        not_as_feared: t.not_as_feared(),
        worse: t.worse,
    };
    let total = practice::StageTally::total(&stages);
    // The chart: the last 24 months at most, x across 44..384, y 0-100% down 220..20.
    let shown: Vec<&drawbridge_store::BeliefMonth> = months.iter().rev().take(24).collect::<Vec<_>>().into_iter().rev().collect();
    let n = shown.len().max(2) - 1;
    let points: Vec<MonthPoint> = shown
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let x = if shown.len() == 1 {
                214.0
            } else {
                44.0 + 340.0 * i as f64 / n as f64
            };
            // At most about six labels across: the first, the last, and evenly between.
            let every = shown.len().div_ceil(6).max(1);
            let labelled = i == 0 || i + 1 == shown.len() || (i % every == 0 && shown.len() - 1 - i >= every);
            MonthPoint {
                label: if labelled { month_label(&m.month) } else { String::new() },
                month: m.month.clone(),
                before: format!("{:.0}", m.before),
                after: format!("{:.0}", m.after),
                count: m.count,
                x: format!("{x:.1}"),
                y_before: format!("{:.1}", 220.0 - 2.0 * m.before),
                y_after: format!("{:.1}", 220.0 - 2.0 * m.after),
            }
        })
        .collect();
    let line = |f: fn(&MonthPoint) -> &String| points.iter().map(|p| format!("{},{}", p.x, f(p))).collect::<Vec<_>>().join(" ");
    let summary = match (points.first(), points.last()) {
        (Some(a), Some(b)) if points.len() > 1 => format!(
            "In {}, you believed your feared predictions {}% on average before an experiment and {}% after; in {}, {}% before and {}% after.",
            a.month, a.before, a.after, b.month, b.before, b.after
        ),
        (Some(a), _) => format!(
            "So far you believed your feared predictions {}% on average before, and {}% after.",
            a.before, a.after
        ),
        _ => String::new(),
    };
    Ok(render(&LedgerPage {
        chrome: Chrome::new("Evidence", "practice"),
        overall: row("All stages".into(), &total),
        stages: stages
            .iter()
            .filter(|t| t.done > 0)
            .map(|t| {
                row(
                    format!(
                        "Stage {}: {}",
                        t.stage,
                        c.practice().stage(t.stage).map(|x| x.name.as_str()).unwrap_or("")
                    ),
                    t,
                )
            })
            .collect(),
        line_before: line(|p| &p.y_before),
        line_after: line(|p| &p.y_after),
        months: points,
        summary,
        learned: learned.into_iter().map(|(d, l)| (d.to_string(), l)).collect(),
    }))
}

// ---------------------------------------------------------------- Programs

#[derive(Deserialize)]
pub struct ProgramForm {
    #[serde(default)]
    program: String,
    #[serde(default)]
    reflection: String,
    #[serde(default)]
    switch: String,
}

pub async fn start_program(State(st): State<AppState>, Owner(s): Owner, Form(f): Form<ProgramForm>) -> Result<Response, WebError> {
    let t = today(&st);
    if st.catalog().program(&f.program).is_none() {
        return Err(WebError::NotFound);
    }
    if let Some((mut run, _)) = practice_today::active_program(&s, st.catalog(), t).await? {
        // Starting another is a switch, asked for on Practice settings: the
        // one under way stops, and its days and reflections stay.
        if f.switch != "1" {
            return Ok(Redirect::to("/practice/settings").into_response());
        }
        run.stopped_on = Some(t);
        s.save_program_run(&run).await?;
    }
    s.start_program(&f.program, t).await?;
    Ok(Redirect::to("/").into_response())
}

pub async fn check_off(State(st): State<AppState>, Owner(s): Owner, Form(f): Form<ProgramForm>) -> Result<Response, WebError> {
    let t = today(&st);
    let mut care = false;
    let mut changed = false;
    if let Some((mut run, p)) = practice_today::active_program(&s, st.catalog(), t).await?
        && let Some(day) = p.days.iter().find(|d| d.day == run.day_number(t))
    {
        let reflection = Some(f.reflection.trim().to_string()).filter(|r| !r.is_empty());
        care = reflection.as_deref().is_some_and(|r| crate::care::needed(&st, &[r]));
        if run.done(day.day) {
            // Checked off already: this changes the day's reflection, and
            // the words it had are kept as an earlier version.
            changed = run.set_reflection(day.day, reflection);
        } else {
            run.entries.push(ProgramEntry {
                day: day.day,
                done_at: drawbridge_store::truncate_micros(OffsetDateTime::now_utc()),
                reflection,
            });
        }
        s.save_program_run(&run).await?;
    }
    let to = match (changed, care) {
        (true, true) => "/?reflection=1&care=1",
        (true, false) => "/?reflection=1",
        (false, true) => "/?checked=1&care=1",
        (false, false) => "/?checked=1",
    };
    Ok(Redirect::to(to).into_response())
}

/// Stop the program under way; its days and reflections are kept.
pub async fn stop_program(State(st): State<AppState>, Owner(s): Owner) -> Result<Response, WebError> {
    let t = today(&st);
    if let Some((mut run, _)) = practice_today::active_program(&s, st.catalog(), t).await? {
        run.stopped_on = Some(t);
        s.save_program_run(&run).await?;
    }
    Ok(Redirect::to("/practice/settings?saved=1").into_response())
}

// ---------------------------------------------------------------- Settings and the calendar feed

#[derive(Template, WebTemplate)]
#[template(path = "practice_settings.html")]
struct SettingsPage {
    chrome: Chrome,
    csrf: String,
    error: String,
    stage: Option<u8>,
    stages: Vec<Opt>,
    window: u8,
    reminder: String,
    feed: String,
    /// The calendar feed is offered (local mode only).
    feed_offered: bool,
    saved: bool,
    programs: Vec<(String, String, String)>,
    running: String,
    current: Option<FinishedRun>,
    finished: Vec<FinishedRun>,
}

/// A program run that has ended, with its summary and the person's reflections.
pub struct FinishedRun {
    title: String,
    started: String,
    /// The day it was stopped early, if it was.
    stopped: String,
    checked: usize,
    days: usize,
    summary: String,
    reflections: Vec<(u32, String)>,
    /// Reflections as they were before a change: (which day, until when, words).
    earlier: Vec<(String, String, String)>,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn settings(
    State(st): State<AppState>,
    Owner(s): Owner,
    Extension(session): Extension<Session>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    Ok(render(
        &settings_page(&st, &s, session.csrf, q.saved.is_some(), String::new()).await?,
    ))
}

/// Practice settings with a message about a value that was refused (422).
async fn settings_refused(st: &AppState, s: &Store, session: Session, error: String) -> Result<Response, WebError> {
    let page = settings_page(st, s, session.csrf, false, error).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

async fn settings_page(st: &AppState, s: &Store, csrf: String, saved: bool, error: String) -> Result<SettingsPage, WebError> {
    let c = st.catalog();
    let pacing = s.pacing().await?;
    let stage = pacing.map(|p| p.stage);
    let current = stage.map(|x| x.to_string());
    let stage_names: Vec<(String, String)> = c
        .practice()
        .stages
        .iter()
        .map(|t| (t.stage.to_string(), format!("Stage {}: {}", t.stage, t.name)))
        .collect();
    let reminder = s.reminder_time().await?;
    let feed = match s.setting(CALENDAR_TOKEN_SETTING).await? {
        Some(t) => format!("http://{}/calendar/{t}.ics", st.config().addr),
        None => String::new(),
    };
    let earlier = s.versions_of_kind(versions::PROGRAM_RUN).await?;
    let mut finished = Vec::new();
    let mut under_way = None;
    for run in s.program_runs().await?.into_iter().rev() {
        let Some(p) = c.program(&run.program) else { continue };
        let id = run.id.to_string();
        let shown = FinishedRun {
            title: p.title.clone(),
            started: run.started_on.to_string(),
            stopped: run.stopped_on.map(|d| d.to_string()).unwrap_or_default(),
            checked: run.entries.len(),
            days: p.days.len(),
            summary: p.summary.trim().to_string(),
            reflections: run
                .entries
                .iter()
                .filter_map(|e| e.reflection.clone().map(|r| (e.day, r)))
                .collect(),
            earlier: earlier
                .iter()
                .filter(|v| v.item_id == id)
                .map(|v| (v.field.clone(), crate::frame::local_time(st, v.replaced_at), v.text.clone()))
                .collect(),
        };
        if run.finished(p, today(st)) {
            finished.push(shown);
        } else if under_way.is_none() {
            under_way = Some(shown);
        }
    }
    Ok(SettingsPage {
        chrome: Chrome::new("Practice settings", "practice"),
        csrf,
        error,
        stages: opts(stage_names.iter().map(|(v, l)| (v.as_str(), l.as_str())), current.as_deref()),
        stage,
        window: pacing.map(|p| p.window).unwrap_or(practice::DEFAULT_WINDOW),
        reminder: format!("{:02}:{:02}", reminder.hour(), reminder.minute()),
        feed,
        feed_offered: !st.is_server(),
        saved,
        programs: c
            .programs()
            .iter()
            .map(|p| (p.id.clone(), p.title.clone(), p.about.trim().to_string()))
            .collect(),
        // The run under way is the newest one not finished, as Today reads it.
        running: under_way.as_ref().map(|r: &FinishedRun| r.title.clone()).unwrap_or_default(),
        current: under_way,
        finished,
    })
}

#[derive(Deserialize)]
pub struct FeedForm {
    #[serde(default)]
    action: String,
}

pub async fn feed_token(Owner(s): Owner, Form(f): Form<FeedForm>) -> Result<Response, WebError> {
    if f.action == "revoke" {
        s.set_setting(CALENDAR_TOKEN_SETTING, "").await?;
    } else {
        s.set_setting(CALENDAR_TOKEN_SETTING, &random_token()).await?;
    }
    Ok(Redirect::to("/practice/settings?saved=1").into_response())
}

/// The read-only feed. Public like the help page, but only with the current
/// token; a revoked or wrong token gets 404, as if nothing were here.
pub async fn calendar_feed(State(st): State<AppState>, Path(file): Path<String>) -> Result<Response, WebError> {
    let s = st.store().await.ok_or(WebError::NotFound)?;
    let token = file.strip_suffix(".ics").ok_or(WebError::NotFound)?;
    let current = s.setting(CALENDAR_TOKEN_SETTING).await?.unwrap_or_default();
    if current.is_empty() || !same_secret(token, &current) {
        return Err(WebError::NotFound);
    }
    let events = practice_today::calendar_events(&s, today(&st)).await?;
    let body = practice::ics(&events, OffsetDateTime::now_utc());
    Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], body).into_response())
}
