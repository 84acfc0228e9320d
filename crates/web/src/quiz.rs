//! The Patterns Quiz (and any instrument) in the browser, the profile page,
//! and the Questionnaires page where instruments and licensed wording are
//! added. A quiz is one section per page; every page's answers are saved when
//! the person moves on, so they can leave and resume, or go back and change.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use drawbridge_core::assess::{self, Instrument, Profile, QuizResult, RegionId};
use drawbridge_store::Store;
use serde::Deserialize;
use time::macros::format_description;
use uuid::Uuid;

use crate::AppState;
use crate::extract::Owner;
use crate::frame::{Chrome, Opt, ProblemPage, WebError, render};
use crate::security::Session;

/// The quiz a new person starts with.
pub const MAIN_QUIZ: &str = "patterns";

async fn instrument(st: &AppState, s: &Store, id: &str) -> Result<Instrument, WebError> {
    s.instrument(st.catalog(), id).await?.ok_or(WebError::NotFound)
}

/// The unfinished attempt at this version of the instrument, if any.
async fn in_progress(s: &Store, inst: &Instrument) -> Result<Option<QuizResult>, WebError> {
    Ok(s.quiz_in_progress(&inst.id).await?.filter(|a| a.instrument_version == inst.version))
}

fn date(st: &AppState, t: time::OffsetDateTime) -> String {
    t.to_offset(st.config().local_offset)
        .format(format_description!("[day padding:none] [month repr:long] [year]"))
        .unwrap_or_default()
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

// ---------------------------------------------------------------- Intro

#[derive(Template, WebTemplate)]
#[template(path = "quiz_intro.html")]
struct IntroPage {
    chrome: Chrome,
    csrf: String,
    id: String,
    title: String,
    about: Vec<String>,
    note: String,
    needs_wording: bool,
    items: usize,
    pages: usize,
    answered: Option<usize>,
    saved: bool,
}

#[derive(Deserialize)]
pub struct IntroQuery {
    saved: Option<String>,
}

pub async fn intro(
    State(st): State<AppState>,
    Owner(s): Owner,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    Query(q): Query<IntroQuery>,
) -> Result<Response, WebError> {
    let inst = instrument(&st, &s, &id).await?;
    let answered = in_progress(&s, &inst).await?.map(|a| a.answers.len());
    Ok(render(&IntroPage {
        chrome: Chrome::new("Patterns Quiz", "patterns"),
        csrf: session.csrf,
        about: paragraphs(&inst.about),
        note: inst.note.clone().unwrap_or_default(),
        needs_wording: inst.needs_wording,
        items: inst.items.len(),
        pages: inst.pages().len(),
        title: inst.title.clone(),
        id: inst.id,
        answered,
        saved: q.saved.is_some(),
    }))
}

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    fresh: String,
    #[serde(default)]
    label: String,
}

/// Start (or carry on with) an attempt and go to its first unanswered page.
pub async fn start(
    State(st): State<AppState>,
    Owner(s): Owner,
    Path(id): Path<String>,
    Form(f): Form<StartForm>,
) -> Result<Response, WebError> {
    let inst = instrument(&st, &s, &id).await?;
    if inst.needs_wording {
        return Ok(Redirect::to(&format!("/quiz/{}", inst.id)).into_response());
    }
    let existing = in_progress(&s, &inst).await?;
    let attempt = match existing {
        Some(a) if f.fresh.is_empty() => a,
        other => {
            if let Some(old) = other {
                s.discard_quiz(old.id).await?;
            }
            let label = Some(f.label.trim().to_string()).filter(|l| !l.is_empty());
            s.start_quiz(&inst, label).await?
        }
    };
    let pages = inst.pages();
    let first_open = pages
        .iter()
        .position(|p| p.items.iter().any(|i| !attempt.answers.contains_key(i)))
        .unwrap_or(pages.len().saturating_sub(1));
    Ok(Redirect::to(&format!("/quiz/{}/{}", inst.id, first_open + 1)).into_response())
}

// ---------------------------------------------------------------- Pages

pub struct QuestionView {
    id: String,
    text: String,
    options: Vec<Opt>,
}

#[derive(Template, WebTemplate)]
#[template(path = "quiz_page.html")]
struct QuizPage {
    chrome: Chrome,
    csrf: String,
    id: String,
    title: String,
    n: usize,
    total: usize,
    section: String,
    intro: String,
    questions: Vec<QuestionView>,
    answered: usize,
    items: usize,
    /// Before finishing with statements left: (page, section) of each such page.
    unanswered: Vec<(usize, String)>,
    /// How many statements are left, when the person asked to finish.
    left: usize,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    unanswered: Option<String>,
}

/// Pages with statements not yet answered: (page number, its title, how many).
fn pages_left(inst: &drawbridge_core::assess::Instrument, answers: &drawbridge_core::assess::Answers) -> Vec<(usize, String, usize)> {
    inst.pages()
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let n = p.items.iter().filter(|item| !answers.contains_key(*item)).count();
            (n > 0).then(|| (i + 1, p.title.clone(), n))
        })
        .collect()
}

pub async fn page(
    State(st): State<AppState>,
    Owner(s): Owner,
    Extension(session): Extension<Session>,
    Path((id, n)): Path<(String, usize)>,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let inst = instrument(&st, &s, &id).await?;
    let Some(attempt) = in_progress(&s, &inst).await? else {
        return Ok(Redirect::to(&format!("/quiz/{}", inst.id)).into_response());
    };
    let pages = inst.pages();
    let section = n.checked_sub(1).and_then(|i| pages.get(i)).ok_or(WebError::NotFound)?;
    let left = if q.unanswered.is_some() {
        pages_left(&inst, &attempt.answers)
    } else {
        Vec::new()
    };
    let labels: Vec<(String, String)> = (inst.response.min..=inst.response.max)
        .map(|v| {
            let idx = usize::try_from(v - inst.response.min).unwrap_or(0);
            (
                v.to_string(),
                inst.response.labels.get(idx).cloned().unwrap_or_else(|| v.to_string()),
            )
        })
        .collect();
    let questions = section
        .items
        .iter()
        .filter_map(|i| inst.item(i))
        .map(|item| {
            let current = attempt.answers.get(&item.id).map(|v| v.to_string());
            QuestionView {
                id: item.id.clone(),
                text: item.text.clone(),
                options: crate::frame::opts(labels.iter().map(|(v, l)| (v.as_str(), l.as_str())), current.as_deref()),
            }
        })
        .collect();
    Ok(render(&QuizPage {
        chrome: Chrome::new("Patterns Quiz", "patterns"),
        csrf: session.csrf,
        title: inst.title.clone(),
        n,
        total: pages.len(),
        section: section.title.clone(),
        intro: section.intro.clone().unwrap_or_default(),
        questions,
        answered: attempt.answers.len(),
        items: inst.items.len(),
        left: left.iter().map(|(_, _, k)| k).sum(),
        unanswered: left.into_iter().map(|(p, t, _)| (p, t)).collect(),
        id: inst.id,
    }))
}

/// Save this page's answers, then go where the person asked.
pub async fn save_page(
    State(st): State<AppState>,
    Owner(s): Owner,
    Path((id, n)): Path<(String, usize)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let inst = instrument(&st, &s, &id).await?;
    let Some(attempt) = in_progress(&s, &inst).await? else {
        return Ok(Redirect::to(&format!("/quiz/{}", inst.id)).into_response());
    };
    let pages = inst.pages();
    let section = n.checked_sub(1).and_then(|i| pages.get(i)).ok_or(WebError::NotFound)?;
    let mut answers = attempt.answers.clone();
    let mut nav = "next";
    let confirmed = fields.iter().any(|(k, v)| k == "confirm" && v == "1");
    for (k, v) in &fields {
        if k == "nav" {
            nav = match v.as_str() {
                "back" => "back",
                "finish" => "finish",
                "later" => "later",
                _ => "next",
            };
        }
        let Some(item) = k.strip_prefix("a-") else { continue };
        let value = v
            .parse::<i64>()
            .ok()
            .filter(|v| (inst.response.min..=inst.response.max).contains(v));
        match value {
            Some(v) if section.items.iter().any(|i| i == item) => {
                answers.insert(item.to_string(), v);
            }
            // Only a hand-made request sends these; refuse rather than guess.
            _ => {
                return Ok((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    render(&ProblemPage {
                        chrome: Chrome::new("Not saved", "patterns"),
                        heading: "That answer could not be saved",
                        message: format!("\"{item}\" is not a question on this page, or \"{v}\" is not one of its answers."),
                        hint: String::new(),
                    }),
                )
                    .into_response());
            }
        }
    }
    s.save_quiz_answers(attempt.id, &answers).await?;
    let to = match nav {
        "back" => format!("/quiz/{}/{}", inst.id, n.saturating_sub(1).max(1)),
        "later" => format!("/quiz/{}?saved=1", inst.id),
        // Statements left unanswered get a gentle word first; finishing
        // anyway is the person's choice.
        "finish" if !confirmed && !pages_left(&inst, &answers).is_empty() => {
            format!("/quiz/{}/{}?unanswered=1#unanswered", inst.id, n)
        }
        "finish" => {
            s.finish_quiz(attempt.id, &inst.score(&answers)).await?;
            format!("/profile?result={}", attempt.id)
        }
        _ if n >= pages.len() => format!("/quiz/{}/{}", inst.id, pages.len()),
        _ => format!("/quiz/{}/{}", inst.id, n + 1),
    };
    Ok(Redirect::to(&to).into_response())
}

// ---------------------------------------------------------------- Profile

pub struct StrategyView {
    name: String,
    score: String,
    /// At or above the scale's midpoint: a habit that stands out now.
    stands_out: bool,
    summary: String,
    protects: String,
    costs: String,
}

pub struct CapacityView {
    id: String,
    name: String,
    score: String,
    summary: String,
    practice: String,
}

pub struct Point {
    x: String,
    y: String,
    n: usize,
    date: String,
    avoidance: String,
    anxiety: String,
}

pub struct HistoryRow {
    title: String,
    values: Vec<String>,
    since_first: String,
    since_last: String,
    sentence: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "profile.html")]
struct ProfilePage {
    chrome: Chrome,
    has_result: bool,
    quiz_in_progress: bool,
    title: String,
    taken: String,
    label: String,
    disclaimer: String,
    map_intro: String,
    scale_max: String,
    mid: String,
    /// The latest result on the map, and the earlier ones (oldest first).
    now: Option<Point>,
    trail: Vec<Point>,
    region_name: String,
    region_leaning: String,
    region_description: String,
    quadrants: [String; 4],
    strategies: Vec<StrategyView>,
    capacities: Vec<CapacityView>,
    dates: Vec<String>,
    history: Vec<HistoryRow>,
    /// How many protective habits stand out (at or above the midpoint).
    standing: usize,
    results: Vec<(Uuid, String, String)>,
}

#[derive(Deserialize)]
pub struct ProfileQuery {
    result: Option<String>,
}

/// Map coordinates: the plot runs from 40 to 300 on both axes; worry grows upwards.
fn point(p: &Profile, n: usize, date: String) -> Option<Point> {
    let (x, y) = p.position()?;
    Some(Point {
        x: format!("{:.1}", 40.0 + x * 260.0),
        y: format!("{:.1}", 300.0 - y * 260.0),
        n,
        date,
        avoidance: format!("{:.1}", p.avoidance.unwrap_or_default()),
        anxiety: format!("{:.1}", p.anxiety.unwrap_or_default()),
    })
}

/// A change as the table shows it: the difference of the two values as they
/// are shown (6.2 to 5.8 is -0.4), so the numbers on the page always add up.
fn signed(before: Option<f64>, after: Option<f64>) -> String {
    let shown = |v: f64| (v * 10.0).round() / 10.0;
    match (before, after) {
        (Some(a), Some(b)) => {
            let d = shown(b) - shown(a);
            // No "-0.0": a change too small to show is no change.
            if d.abs() < 0.05 { "0.0".into() } else { format!("{d:+.1}") }
        }
        _ => "–".into(),
    }
}

/// Column headings for results: their dates, with the time added where two
/// fall on the same day, so no two columns look alike.
fn result_labels(st: &AppState, results: &[QuizResult]) -> Vec<String> {
    let when: Vec<time::OffsetDateTime> = results.iter().map(|r| r.finished_at.unwrap_or(r.updated_at)).collect();
    let days: Vec<String> = when.iter().map(|t| date(st, *t)).collect();
    days.iter()
        .zip(&when)
        .map(|(d, t)| {
            if days.iter().filter(|x| *x == d).count() > 1 {
                let hm = t
                    .to_offset(st.config().local_offset)
                    .format(format_description!("[hour]:[minute]"))
                    .unwrap_or_default();
                format!("{d}, {hm}")
            } else {
                d.clone()
            }
        })
        .collect()
}

pub async fn profile(State(st): State<AppState>, Owner(s): Owner, Query(q): Query<ProfileQuery>) -> Result<Response, WebError> {
    let text = &st.catalog().profile();
    let all = s.quiz_results(None).await?;
    let chosen = match q.result.as_deref().and_then(|r| Uuid::parse_str(r).ok()) {
        Some(id) => all.iter().find(|r| r.id == id).cloned(),
        None => all.iter().rev().find(|r| r.instrument == MAIN_QUIZ).or_else(|| all.last()).cloned(),
    };
    let main = st.catalog().instrument(MAIN_QUIZ);
    let quiz_in_progress = match main {
        Some(m) => in_progress(&s, m).await?.is_some(),
        None => false,
    };
    let quadrant = |r: RegionId| text.region(r).map(|t| t.name.clone()).unwrap_or_default();
    let mut page = ProfilePage {
        chrome: Chrome::new("Your patterns", "patterns"),
        has_result: false,
        quiz_in_progress,
        title: String::new(),
        taken: String::new(),
        label: String::new(),
        disclaimer: text.disclaimer.clone(),
        map_intro: text.map_intro.clone(),
        scale_max: String::new(),
        mid: String::new(),
        now: None,
        trail: Vec::new(),
        region_name: String::new(),
        region_leaning: String::new(),
        region_description: String::new(),
        quadrants: [
            quadrant(RegionId::Secure),
            quadrant(RegionId::Ghost),
            quadrant(RegionId::Firefighter),
            quadrant(RegionId::Architect),
        ],
        strategies: Vec::new(),
        capacities: Vec::new(),
        dates: Vec::new(),
        standing: 0,
        history: Vec::new(),
        results: all
            .iter()
            .rev()
            .map(|r| (r.id, r.instrument.clone(), date(&st, r.finished_at.unwrap_or(r.updated_at))))
            .collect(),
    };
    let Some(latest) = chosen else {
        return Ok(render(&page));
    };
    let Some(inst) = s.instrument(st.catalog(), &latest.instrument).await? else {
        return Err(WebError::NotFound);
    };
    // This instrument's results up to the one shown, oldest first.
    let results: Vec<QuizResult> = all
        .iter()
        .filter(|r| r.instrument == inst.id && r.finished_at <= latest.finished_at)
        .cloned()
        .collect();
    let scores = latest.scores.clone().unwrap_or_default();
    let p = Profile::new(&inst, &scores);
    page.has_result = true;
    page.title = inst.title.clone();
    page.taken = date(&st, latest.finished_at.unwrap_or(latest.updated_at));
    page.label = latest.label.clone().unwrap_or_default();
    page.scale_max = format!("{}", inst.response.max);
    page.mid = format!("{}", p.midpoint);
    for (n, r) in results.iter().enumerate() {
        let rp = Profile::new(&inst, &r.scores.clone().unwrap_or_default());
        if let Some(pt) = point(&rp, n + 1, date(&st, r.finished_at.unwrap_or(r.updated_at))) {
            if r.id == latest.id {
                page.now = Some(pt);
            } else {
                page.trail.push(pt);
            }
        }
    }
    if let Some(r) = p.region.and_then(|r| text.region(r)) {
        page.region_name = r.name.clone();
        page.region_leaning = r.leaning.clone();
        page.region_description = r.description.clone();
    }
    page.strategies = p
        .strategies
        .iter()
        .filter_map(|r| {
            text.strategy(&r.id).map(|t| StrategyView {
                name: t.name.clone(),
                score: format!("{:.1}", r.score),
                stands_out: r.score >= p.midpoint,
                summary: t.summary.clone(),
                protects: t.protects.clone(),
                costs: t.costs.clone(),
            })
        })
        .collect();
    page.standing = page.strategies.iter().filter(|s| s.stands_out).count();
    page.capacities = p
        .capacities
        .iter()
        .filter_map(|r| {
            text.capacity(&r.id).map(|t| CapacityView {
                id: r.id.clone(),
                name: t.name.clone(),
                score: format!("{:.1}", r.score),
                summary: t.summary.clone(),
                practice: t.practice.clone(),
            })
        })
        .collect();
    if results.len() > 1 {
        page.dates = result_labels(&st, &results);
        page.history = assess::history(&inst, &results)
            .into_iter()
            .map(|h| HistoryRow {
                sentence: h.since_last.map(|c| text.change_sentence(&c).to_string()).unwrap_or_default(),
                title: h.title,
                values: h
                    .values
                    .iter()
                    .map(|v| v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "–".into()))
                    .collect(),
                since_first: signed(h.values.iter().flatten().next().copied(), *h.values.last().unwrap_or(&None)),
                since_last: signed(
                    h.values.len().checked_sub(2).and_then(|i| h.values[i]),
                    *h.values.last().unwrap_or(&None),
                ),
            })
            .collect();
    }
    Ok(render(&page))
}

// ---------------------------------------------------------------- Questionnaires

pub struct InstrumentRow {
    id: String,
    title: String,
    items: usize,
    needs_wording: bool,
    added: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "questionnaires.html")]
struct QuestionnairesPage {
    chrome: Chrome,
    csrf: String,
    rows: Vec<InstrumentRow>,
    keys: Vec<Opt>,
    source: String,
    source_error: String,
    wording: String,
    wording_error: String,
    done: String,
}

#[derive(Deserialize, Default)]
pub struct QuestionnairesQuery {
    #[serde(default)]
    done: String,
}

async fn questionnaires_page(st: &AppState, s: &Store, csrf: String, form: QuestionnairesPage) -> Result<QuestionnairesPage, WebError> {
    let stored: Vec<String> = s.stored_instruments().await?.into_iter().map(|i| i.id).collect();
    let all = s.instruments(st.catalog()).await?;
    let keys = crate::frame::opts(
        all.iter().filter(|i| i.needs_wording).map(|i| (i.id.as_str(), i.title.as_str())),
        None,
    );
    let rows = all
        .into_iter()
        .map(|i| InstrumentRow {
            added: stored.contains(&i.id),
            items: i.items.len(),
            needs_wording: i.needs_wording,
            title: i.title,
            id: i.id,
        })
        .collect();
    Ok(QuestionnairesPage { csrf, rows, keys, ..form })
}

fn blank(done: String) -> QuestionnairesPage {
    QuestionnairesPage {
        chrome: Chrome::new("Questionnaires", "settings"),
        csrf: String::new(),
        rows: Vec::new(),
        keys: Vec::new(),
        source: String::new(),
        source_error: String::new(),
        wording: String::new(),
        wording_error: String::new(),
        done,
    }
}

pub async fn questionnaires(
    State(st): State<AppState>,
    Owner(s): Owner,
    Extension(session): Extension<Session>,
    Query(q): Query<QuestionnairesQuery>,
) -> Result<Response, WebError> {
    Ok(render(&questionnaires_page(&st, &s, session.csrf, blank(q.done)).await?))
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    source: String,
}

pub async fn add_instrument(
    State(st): State<AppState>,
    Owner(s): Owner,
    Extension(session): Extension<Session>,
    Form(f): Form<AddForm>,
) -> Result<Response, WebError> {
    let error = match Instrument::parse("the pasted questionnaire", &f.source) {
        Err(e) => Some(e.to_string().replacen("content/", "", 1)),
        Ok(inst) if st.catalog().instrument(&inst.id).is_some() => Some(format!(
            "\"{}\" is the id of a questionnaire that comes with drawbridge. Give yours another id, or add wording to a bundled key below.",
            inst.id
        )),
        Ok(inst) => {
            s.put_instrument(&inst.id, &f.source).await?;
            return Ok(Redirect::to(&format!("/settings/questionnaires?done={}", inst.id)).into_response());
        }
    };
    let mut form = blank(String::new());
    form.source = f.source;
    form.source_error = error.unwrap_or_default();
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&questionnaires_page(&st, &s, session.csrf, form).await?),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct WordingForm {
    #[serde(default)]
    instrument: String,
    #[serde(default)]
    wording: String,
}

pub async fn add_wording(
    State(st): State<AppState>,
    Owner(s): Owner,
    Extension(session): Extension<Session>,
    Form(f): Form<WordingForm>,
) -> Result<Response, WebError> {
    let inst = instrument(&st, &s, &f.instrument).await?;
    let worded = inst.with_wording(&f.wording).and_then(|w| w.to_toml().map(|t| (w, t)));
    match worded {
        Ok((w, source)) => {
            s.put_instrument(&w.id, &source).await?;
            Ok(Redirect::to(&format!("/settings/questionnaires?done={}", w.id)).into_response())
        }
        Err(e) => {
            let mut form = blank(String::new());
            form.wording = f.wording;
            form.wording_error = e;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&questionnaires_page(&st, &s, session.csrf, form).await?),
            )
                .into_response())
        }
    }
}
