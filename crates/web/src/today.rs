//! Today: the one-tap urge log, the week in words, and practice for today.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use drawbridge_core::crisis::REGION_SETTING;
use drawbridge_core::urge::{UrgeKind, UrgeSummary};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::AppState;
use crate::extract::Owner;
use crate::frame::{Chrome, Opt, WebError, opts, render};
use crate::security::Session;

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
    prompt: PromptCard,
}

/// The journal question of the day.
pub struct PromptCard {
    id: String,
    text: String,
    hint: String,
    why: String,
    /// The address of the next question along.
    another: String,
    labels: drawbridge_core::prompts::PromptLabels,
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
    /// How many times "a different question" was asked for.
    turn: Option<u32>,
}

pub async fn today(
    State(st): State<AppState>,
    Owner(store): Owner,
    Extension(session): Extension<Session>,
    Query(q): Query<TodayQuery>,
) -> Result<Response, WebError> {
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
    let now = OffsetDateTime::now_utc();
    let lately = drawbridge_store::today::lately(&store, now, st.config().local_offset).await?;
    let turn = q.turn.unwrap_or(0) % 1000;
    let day = c.prompts().for_day(now.to_offset(st.config().local_offset).date(), &lately, turn);
    let prompt = PromptCard {
        id: day.prompt.id.clone(),
        text: day.prompt.text.clone(),
        hint: day.prompt.hint.clone(),
        why: day.why.to_string(),
        another: format!("/?turn={}#prompt-heading", turn + 1),
        labels: c.prompts().labels.clone(),
    };
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
        prompt,
    }))
}
