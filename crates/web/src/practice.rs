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
use drawbridge_store::{CALENDAR_TOKEN_SETTING, CALIBRATION_SETTING, REMINDER_SETTING, Store, today as practice_today};
use serde::Deserialize;
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::AppState;
use crate::pages::{Chrome, Opt, WebError, opts, render, store};
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

const DISTRESS: [&str; 3] = ["calm", "uneasy but manageable", "the most I can imagine"];
const BELIEF: [&str; 3] = ["not at all", "half sure", "completely sure"];
const WANT: [&str; 3] = ["not at all", "somewhat", "very much"];
const CAPACITY: [&str; 3] = ["nothing in reserve", "half", "everything I had"];

fn parse_rating(fields: &[(String, String)], name: &str) -> Option<u8> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.trim().parse::<i64>().ok())
        .and_then(|v| practice::rating("", v).ok())
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
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

pub async fn start(State(st): State<AppState>, Extension(session): Extension<Session>) -> Result<Response, WebError> {
    let s = store(&st).await?;
    let saved: Option<[u8; 4]> = s.setting(CALIBRATION_SETTING).await?.and_then(|v| serde_json::from_str(&v).ok());
    let names = ["s1", "s2", "s3", "s4"];
    let stages = st
        .catalog()
        .practice
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
                    DISTRESS,
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

pub async fn calibrate(State(st): State<AppState>, Form(fields): Form<Vec<(String, String)>>) -> Result<Response, WebError> {
    let s = store(&st).await?;
    let mut r = [50u8; 4];
    for (i, name) in ["s1", "s2", "s3", "s4"].iter().enumerate() {
        r[i] = parse_rating(&fields, name).unwrap_or(50);
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

pub async fn library(State(st): State<AppState>) -> Result<Response, WebError> {
    let s = store(&st).await?;
    let c = st.catalog();
    let current = s.pacing().await?.map(|p| p.stage);
    let stages = c
        .practice
        .stages
        .iter()
        .map(|t| {
            (
                t.clone(),
                c.experiments.iter().filter(|e| e.stage == t.stage).cloned().collect(),
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
        .and_then(|e| st.catalog().practice.stage(e.stage))
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
                BELIEF,
            ),
            rating(
                "want",
                "How much do you want this closeness?",
                "the pull",
                parse_rating(fields, "want").unwrap_or(50),
                WANT,
            ),
            rating(
                "expect",
                "How much distress do you expect?",
                "the push",
                parse_rating(fields, "expect").unwrap_or(30),
                DISTRESS,
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
    Extension(session): Extension<Session>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let s = store(&st).await?;
    let experiment = st.catalog().experiment(field(&fields, "experiment")).cloned();
    let current = s.pacing().await?.map(|p| p.stage).unwrap_or(1);
    let when = Date::parse(field(&fields, "when").trim(), format_description!("[year]-[month]-[day]"));
    let error = match (&experiment, opt_text(&fields, "custom"), opt_text(&fields, "prediction"), &when) {
        (None, None, _, _) => "Write the experiment you have in mind, or choose one from the library.",
        (_, _, None, _) => "Write what you fear will happen, in your own words. It is the prediction this experiment tests.",
        (_, _, _, Err(_)) => "Choose the day you plan to try it.",
        _ => "",
    };
    if !error.is_empty() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&plan_page(&st, session.csrf, experiment, &fields, error.into())),
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
        belief_before: parse_rating(&fields, "belief").unwrap_or(50),
        want: parse_rating(&fields, "want").unwrap_or(50),
        expect: parse_rating(&fields, "expect").unwrap_or(30),
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
}

#[derive(Deserialize, Default)]
pub struct RecordQuery {
    planned: Option<String>,
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
            .map(|a| c.practice.advice_sentence(&a))
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
            .and_then(|x| c.practice.outcome(x.outcome.id()))
            .map(|o| o.name.clone())
            .unwrap_or_default(),
        result: res.cloned(),
        ratings: vec![
            rating(
                "peak",
                "Peak distress during it",
                "0 to 100",
                parse_rating(fields, "peak").unwrap_or(40),
                DISTRESS,
            ),
            rating(
                "after",
                "Distress now, afterwards",
                "0 to 100",
                parse_rating(fields, "after").unwrap_or(20),
                DISTRESS,
            ),
            rating(
                "belief_after",
                "How strongly do you believe the prediction now?",
                "0 to 100%",
                parse_rating(fields, "belief_after").unwrap_or(r.plan.belief_before),
                BELIEF,
            ),
            rating(
                "capacity",
                "I did this at __% of my capacity",
                "no pass or fail: how much you had to give today",
                parse_rating(fields, "capacity").unwrap_or(50),
                CAPACITY,
            ),
        ],
        outcomes: opts(
            c.practice.outcomes.iter().map(|o| (o.id.as_str(), o.name.as_str())),
            chosen.as_deref(),
        ),
        happened: field(fields, "happened").to_string(),
        learned: field(fields, "learned").to_string(),
        flooded: field(fields, "flooded") == "1",
        error,
        advice,
        hard: r.flooded(window) || r.result.as_ref().is_some_and(|x| crate::moment::went_badly(x.outcome, x.flooded)),
    })
}

pub async fn record(
    State(st): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    Query(q): Query<RecordQuery>,
) -> Result<Response, WebError> {
    let s = store(&st).await?;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let r = s.experiment_record(id).await?.ok_or(WebError::NotFound)?;
    Ok(render(
        &record_page(&st, &s, session.csrf, &r, &[], String::new(), q.planned.is_some()).await?,
    ))
}

pub async fn follow_up(
    State(st): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let s = store(&st).await?;
    let id = Uuid::parse_str(&id).map_err(|_| WebError::NotFound)?;
    let r = s.experiment_record(id).await?.ok_or(WebError::NotFound)?;
    let Some(outcome) = Outcome::parse(field(&fields, "outcome")) else {
        let page = record_page(
            &st,
            &s,
            session.csrf,
            &r,
            &fields,
            "Choose how it went against your prediction.".into(),
            false,
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    };
    let result = Res {
        what_happened: opt_text(&fields, "happened"),
        peak: parse_rating(&fields, "peak").unwrap_or(0),
        after: parse_rating(&fields, "after").unwrap_or(0),
        outcome,
        capacity: parse_rating(&fields, "capacity").unwrap_or(50),
        learned: opt_text(&fields, "learned"),
        belief_after: parse_rating(&fields, "belief_after").unwrap_or(r.plan.belief_before),
        flooded: field(&fields, "flooded") == "1",
    };
    let texts: Vec<&str> = [&result.what_happened, &result.learned]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let to = crate::care::redirect_to(&st, &format!("/practice/records/{id}"), &texts);
    s.complete_experiment(id, &result, OffsetDateTime::now_utc()).await?;
    Ok(Redirect::to(&to).into_response())
}

// ---------------------------------------------------------------- Stage and window

#[derive(Deserialize)]
pub struct StageForm {
    #[serde(default)]
    stage: String,
}

pub async fn set_stage(State(st): State<AppState>, Form(f): Form<StageForm>) -> Result<Response, WebError> {
    let s = store(&st).await?;
    if let Ok(n) = f.stage.parse::<u8>()
        && (1..=practice::MAX_STAGE).contains(&n)
    {
        s.set_stage(n).await?;
    }
    Ok(Redirect::to("/").into_response())
}

#[derive(Deserialize)]
pub struct WindowForm {
    #[serde(default)]
    window: String,
    #[serde(default)]
    reminder: String,
}

pub async fn set_window(State(st): State<AppState>, Form(f): Form<WindowForm>) -> Result<Response, WebError> {
    let s = store(&st).await?;
    if let Some(w) = f.window.trim().parse::<i64>().ok().and_then(|w| practice::rating("", w).ok()) {
        s.set_window(w).await?;
    }
    if let Ok(t) = time::Time::parse(f.reminder.trim(), format_description!("[hour]:[minute]")) {
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

pub async fn ledger(State(st): State<AppState>) -> Result<Response, WebError> {
    let s = store(&st).await?;
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
            MonthPoint {
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
            "In {}, you believed your feared predictions {}% on average before an experiment; in {}, {}% before and {}% after.",
            a.month, a.before, b.month, b.before, b.after
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
                        c.practice.stage(t.stage).map(|x| x.name.as_str()).unwrap_or("")
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
}

pub async fn start_program(State(st): State<AppState>, Form(f): Form<ProgramForm>) -> Result<Response, WebError> {
    let s = store(&st).await?;
    let t = today(&st);
    if st.catalog().program(&f.program).is_some() && practice_today::active_program(&s, st.catalog(), t).await?.is_none() {
        s.start_program(&f.program, t).await?;
    }
    Ok(Redirect::to("/").into_response())
}

pub async fn check_off(State(st): State<AppState>, Form(f): Form<ProgramForm>) -> Result<Response, WebError> {
    let s = store(&st).await?;
    let t = today(&st);
    let mut care = false;
    if let Some((mut run, p)) = practice_today::active_program(&s, st.catalog(), t).await?
        && let Some(day) = p.days.iter().find(|d| d.day == run.day_number(t))
        && !run.done(day.day)
    {
        let reflection = Some(f.reflection.trim().to_string()).filter(|r| !r.is_empty());
        care = reflection.as_deref().is_some_and(|r| crate::care::needed(&st, &[r]));
        run.entries.push(ProgramEntry {
            day: day.day,
            done_at: drawbridge_store::truncate_micros(OffsetDateTime::now_utc()),
            reflection,
        });
        s.save_program_run(&run).await?;
    }
    Ok(Redirect::to(if care { "/?checked=1&care=1" } else { "/?checked=1" }).into_response())
}

// ---------------------------------------------------------------- Settings and the calendar feed

#[derive(Template, WebTemplate)]
#[template(path = "practice_settings.html")]
struct SettingsPage {
    chrome: Chrome,
    csrf: String,
    stage: Option<u8>,
    stages: Vec<Opt>,
    window: u8,
    reminder: String,
    feed: String,
    saved: bool,
    programs: Vec<(String, String, String)>,
    running: String,
    finished: Vec<FinishedRun>,
}

/// A program run that has ended, with its summary and the person's reflections.
pub struct FinishedRun {
    title: String,
    started: String,
    checked: usize,
    days: usize,
    summary: String,
    reflections: Vec<(u32, String)>,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn settings(
    State(st): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let s = store(&st).await?;
    let c = st.catalog();
    let pacing = s.pacing().await?;
    let stage = pacing.map(|p| p.stage);
    let current = stage.map(|x| x.to_string());
    let stage_names: Vec<(String, String)> = c
        .practice
        .stages
        .iter()
        .map(|t| (t.stage.to_string(), format!("Stage {}: {}", t.stage, t.name)))
        .collect();
    let reminder = s.reminder_time().await?;
    let feed = match s.setting(CALENDAR_TOKEN_SETTING).await? {
        Some(t) => format!("http://{}/calendar/{t}.ics", st.config().addr),
        None => String::new(),
    };
    let running = practice_today::active_program(&s, c, today(&st))
        .await?
        .map(|(_, p)| p.title.clone())
        .unwrap_or_default();
    let finished = s
        .program_runs()
        .await?
        .into_iter()
        .rev()
        .filter_map(|run| {
            let p = c.program(&run.program)?;
            run.finished(p, today(&st)).then(|| FinishedRun {
                title: p.title.clone(),
                started: run.started_on.to_string(),
                checked: run.entries.len(),
                days: p.days.len(),
                summary: p.summary.trim().to_string(),
                reflections: run
                    .entries
                    .iter()
                    .filter_map(|e| e.reflection.clone().map(|r| (e.day, r)))
                    .collect(),
            })
        })
        .collect();
    Ok(render(&SettingsPage {
        chrome: Chrome::new("Practice settings", "practice"),
        csrf: session.csrf,
        stages: opts(stage_names.iter().map(|(v, l)| (v.as_str(), l.as_str())), current.as_deref()),
        stage,
        window: pacing.map(|p| p.window).unwrap_or(practice::DEFAULT_WINDOW),
        reminder: format!("{:02}:{:02}", reminder.hour(), reminder.minute()),
        feed,
        saved: q.saved.is_some(),
        programs: c
            .programs
            .iter()
            .map(|p| (p.id.clone(), p.title.clone(), p.about.trim().to_string()))
            .collect(),
        running,
        finished,
    }))
}

#[derive(Deserialize)]
pub struct FeedForm {
    #[serde(default)]
    action: String,
}

pub async fn feed_token(State(st): State<AppState>, Form(f): Form<FeedForm>) -> Result<Response, WebError> {
    let s = store(&st).await?;
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
