//! Today's practice, composed once for the CLI and the web: the stage and the
//! engine's advice, the day's suggestion with its reason, follow-ups due, the
//! program day, and a window proposal when one is due. All the rules are the
//! pure functions of `drawbridge_core::practice`; this gathers their inputs
//! with a handful of small queries.

use drawbridge_core::Catalog;
use drawbridge_core::assess::Profile;
use drawbridge_core::practice::{
    self, Advice, CalendarEvent, Experiment, Pacing, Program, ProgramDay, ProgramRun, Record, Suggestion, program_day, program_experiment,
};
use drawbridge_core::prompts::{self, Lately};
use serde::Serialize;
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::{Store, StoreError};

/// How far back pacing and suggestions look.
const LOOKBACK_DAYS: i64 = 21;

#[derive(Debug, Clone, Serialize)]
pub struct ProgramToday {
    pub run: ProgramRun,
    pub title: String,
    pub day_number: u32,
    pub day: ProgramDay,
    pub prompt: String,
    pub experiment: Option<Experiment>,
    pub done: bool,
    /// Today's reflection, once checked off with one.
    pub reflection: Option<String>,
    pub length: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct TodayPractice {
    /// None until the calibration has set a starting stage.
    pub pacing: Option<Pacing>,
    pub advice: Option<Advice>,
    pub suggestion: Option<Suggestion>,
    pub experiment: Option<Experiment>,
    pub follow_ups: Vec<Record>,
    pub program: Option<ProgramToday>,
    /// A window to propose from the person's own floods, when it differs.
    pub window_proposal: Option<u8>,
}

/// The latest Patterns Quiz profile, if any.
pub async fn latest_profile(store: &Store, catalog: &Catalog) -> Result<Option<Profile>, StoreError> {
    let Some(inst) = catalog.instrument("patterns") else {
        return Ok(None);
    };
    let results = store.quiz_results(Some("patterns")).await?;
    Ok(results.last().and_then(|r| r.scores.as_ref()).map(|s| Profile::new(inst, s)))
}

/// The active program run (the newest unfinished one) with its program.
pub async fn active_program<'c>(
    store: &Store,
    catalog: &'c Catalog,
    today: time::Date,
) -> Result<Option<(ProgramRun, &'c Program)>, StoreError> {
    let runs = store.program_runs().await?;
    Ok(runs.into_iter().rev().find_map(|run| {
        let p = catalog.program(&run.program)?;
        (!run.finished(p, today)).then_some((run, p))
    }))
}

pub async fn today(store: &Store, catalog: &Catalog, now: OffsetDateTime, offset: UtcOffset) -> Result<TodayPractice, StoreError> {
    let today = now.to_offset(offset).date();
    let pacing = store.pacing().await?;
    let records = store.pacing_records(today - Duration::days(LOOKBACK_DAYS)).await?;
    let follow_ups = store.follow_ups(today).await?;
    let profile = latest_profile(store, catalog).await?;
    let (floods, lowest) = store.flood_peaks().await?;
    let (advice, suggestion) = match pacing {
        Some(p) => {
            let changes = store.stage_changes().await?;
            let advice = practice::advise(p, &records, &changes, now, offset);
            let recent: Vec<(String, time::Date)> = records
                .iter()
                .filter_map(|r| r.plan.experiment.clone().map(|e| (e, r.day(offset))))
                .collect();
            let s = practice::suggest(
                catalog.experiments(),
                p.stage,
                profile.as_ref(),
                &recent,
                today,
                advice.suggests_smaller(),
            );
            (Some(advice), s)
        }
        None => (None, None),
    };
    let experiment = suggestion.as_ref().and_then(|s| catalog.experiment(&s.experiment)).cloned();
    let program = match active_program(store, catalog, today).await? {
        Some((run, p)) => program_day(p, &run, today).map(|day| {
            let stage = pacing.map(|x| x.stage).unwrap_or(1);
            ProgramToday {
                title: p.title.clone(),
                day_number: run.day_number(today),
                prompt: day.prompt_for(profile.as_ref().and_then(|pr| pr.region)).to_string(),
                experiment: program_experiment(day, catalog.experiments(), stage, run.id).cloned(),
                done: run.done(day.day),
                reflection: run.entries.iter().find(|e| e.day == day.day).and_then(|e| e.reflection.clone()),
                length: p.length(),
                day: day.clone(),
                run,
            }
        }),
        None => None,
    };
    let window_proposal = match (floods >= 2, lowest, pacing) {
        (true, Some(w), Some(p)) if w != p.window => Some(w),
        _ => None,
    };
    Ok(TodayPractice {
        pacing,
        advice,
        suggestion,
        experiment,
        follow_ups,
        program,
        window_proposal,
    })
}

/// The events of the calendar feed: a daily practice reminder, and one
/// all-day event per follow-up due. No personal text goes in.
pub async fn calendar_events(store: &Store, today: time::Date) -> Result<Vec<CalendarEvent>, StoreError> {
    let time = store.reminder_time().await?;
    let mut events = vec![CalendarEvent {
        uid: "daily-practice@drawbridge".into(),
        day: today,
        time: Some(time),
        summary: "drawbridge: a small step of practice".into(),
        description: "Open drawbridge to see today's suggestion.".into(),
        daily: true,
    }];
    for r in store.follow_ups(today + time::Duration::days(30)).await? {
        events.push(CalendarEvent {
            uid: format!("follow-up-{}@drawbridge", r.id),
            day: r.plan.planned_for.max(today),
            time: None,
            summary: "drawbridge: follow up on an experiment".into(),
            description: "Open drawbridge to note how it went.".into(),
            daily: false,
        });
    }
    Ok(events)
}

/// What happened lately, for the prompt of the day: the newest flood, reset,
/// hard and good experiment in the last few days, and the newest urge.
pub async fn lately(store: &Store, now: OffsetDateTime, offset: UtcOffset) -> Result<Lately, StoreError> {
    let today = now.to_offset(offset).date();
    let since = today - Duration::days(prompts::EVENT_DAYS);
    let mut l = Lately::default();
    let newest = |slot: &mut Option<time::Date>, day: time::Date| {
        if slot.is_none_or(|d| d < day) {
            *slot = Some(day);
        }
    };
    for r in store.pacing_records(since).await? {
        let (Some(done), Some(res)) = (r.done_at, r.result.as_ref()) else {
            continue;
        };
        let day = done.to_offset(offset).date();
        // The pacing query reaches further back than this rule looks.
        if day < since {
            continue;
        }
        if res.flooded {
            newest(&mut l.flood, day);
        }
        match res.outcome {
            practice::Outcome::Better => newest(&mut l.good_experiment, day),
            practice::Outcome::AsFeared | practice::Outcome::Worse => newest(&mut l.hard_experiment, day),
            practice::Outcome::Mixed => {}
        }
    }
    if let Some(r) = store.resets(1).await?.first() {
        l.rupture = Some(r.at.to_offset(offset).date());
    }
    let urges = store
        .urges(&crate::UrgeFilter {
            since: Some(now - Duration::days(prompts::URGE_DAYS)),
            limit: Some(1),
            ..Default::default()
        })
        .await?;
    l.urge = urges.first().map(|u| u.at.to_offset(offset).date());
    Ok(l)
}
