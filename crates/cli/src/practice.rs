//! Practice from the terminal: `today`, `experiments`, `experiment plan|done|log`,
//! `ledger`, `stage`, `window`, `challenge` and `calendar`. Every command has
//! `--json`; every value is checked before anything is written.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use drawbridge_core::Catalog;
use drawbridge_core::practice::{self, Outcome, Plan, ProgramEntry, Record, Result as Res, rating, start_stage};
use drawbridge_core::versions::{self, TextVersion};
use drawbridge_store::{FollowUp, RecordEdit, Store, Workload, today as practice_today};
use serde_json::{Value, json};
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};
use uuid::Uuid;

use crate::{Ctx, UserError, open};

pub(crate) fn today_date(ctx: &Ctx) -> Date {
    OffsetDateTime::now_utc().to_offset(ctx.local_offset).date()
}

fn pct(name: &'static str, v: i64) -> Result<u8> {
    rating(name, v).map_err(|e| UserError::new(e, "Nothing was saved.").into())
}

pub(crate) fn parse_date(flag: &str, s: &str) -> Result<Date> {
    Date::parse(s, format_description!("[year]-[month]-[day]"))
        .map_err(|_| UserError::new(format!("--{flag} \"{s}\" is not a date I can read."), "Use a date like 2026-11-21.").into())
}

fn text(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

#[derive(clap::Args)]
pub struct TodayArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct ExperimentsArgs {
    /// Only this stage of the needs gradient (1-4).
    #[arg(long)]
    stage: Option<u8>,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct PlanArgs {
    /// A library experiment id (see `drawbridge experiments`).
    id: Option<String>,
    /// Your own experiment instead, in your words.
    #[arg(long, conflicts_with = "id")]
    custom: Option<String>,
    /// What you fear will happen, in your words.
    #[arg(long)]
    prediction: String,
    /// How strongly you believe it, 0-100.
    #[arg(long)]
    belief: i64,
    /// How much you want this closeness, 0-100.
    #[arg(long)]
    want: i64,
    /// How much distress you expect, 0-100.
    #[arg(long)]
    expect: i64,
    /// Who with.
    #[arg(long = "with")]
    with_whom: Option<String>,
    /// The day you plan it for (YYYY-MM-DD; default today).
    #[arg(long)]
    when: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct DoneArgs {
    /// Peak distress during, 0-100.
    #[arg(long)]
    peak: i64,
    /// Distress afterwards, 0-100.
    #[arg(long)]
    after: i64,
    /// How it went against your prediction: as-feared, better, worse or mixed.
    #[arg(long)]
    outcome: String,
    /// How strongly you now believe the prediction, 0-100.
    #[arg(long)]
    belief_after: i64,
    /// I did this at __% of my capacity, 0-100.
    #[arg(long)]
    capacity: i64,
    /// I flooded: shut down, panicked or had to leave.
    #[arg(long)]
    flooded: bool,
    /// What I learned.
    #[arg(long)]
    learned: Option<String>,
    /// What happened.
    #[arg(long)]
    happened: Option<String>,
}

#[derive(clap::Subcommand)]
pub enum ExperimentAction {
    /// Plan an experiment: what you fear, how strongly, and what you expect.
    Plan(PlanArgs),
    /// Follow up a planned experiment (its id, or the first characters of it).
    Done {
        record: String,
        #[command(flatten)]
        done: DoneArgs,
        #[arg(long)]
        json: bool,
    },
    /// Change the words of a saved experiment: the prediction, who with,
    /// what happened, what you learned. The earlier words are kept and shown
    /// by `experiment show`.
    Edit {
        record: String,
        #[arg(long)]
        prediction: Option<String>,
        /// Who with ("" clears it).
        #[arg(long = "with")]
        with_whom: Option<String>,
        /// What happened ("" clears it).
        #[arg(long)]
        happened: Option<String>,
        /// What I learned ("" clears it).
        #[arg(long)]
        learned: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show one experiment: the plan, how it went, and any earlier words.
    Show {
        record: String,
        #[arg(long)]
        json: bool,
    },
    /// Plan and follow up at once, for one you have already done.
    Log {
        #[command(flatten)]
        plan: PlanArgs,
        #[command(flatten)]
        done: DoneArgs,
        /// The day you did it (YYYY-MM-DD; default today).
        #[arg(long)]
        date: Option<String>,
    },
}

#[derive(clap::Args)]
pub struct StageArgs {
    /// Move to this stage (1-4). Without it, shows your stage and the engine's advice.
    stage: Option<u8>,
    /// Rate how much distress one example of each stage would bring (four numbers, 0-100) to find where to start.
    #[arg(long, num_args = 4, value_names = ["S1", "S2", "S3", "S4"], conflicts_with = "stage")]
    calibrate: Option<Vec<i64>>,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct WindowArgs {
    /// Set the window of tolerance (0-100): peaks above it count as flooding.
    window: Option<i64>,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Subcommand)]
pub enum ChallengeAction {
    /// Start a program (default: the 7-day connection challenge).
    Start {
        /// connection-7 or ladder-4w.
        #[arg(long, default_value = "connection-7")]
        program: String,
        /// Stop the program under way (its days and reflections are kept) and start this one.
        #[arg(long)]
        switch: bool,
        #[arg(long)]
        json: bool,
    },
    /// Stop the program under way. Its checked-off days and reflections are kept.
    Stop {
        #[arg(long)]
        json: bool,
    },
    /// Where you are in the program today.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Check off today's practice day, with a short reflection. Run it again
    /// to change today's reflection: the earlier words are kept.
    Done {
        #[arg(long)]
        reflection: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
pub struct CalendarArgs {
    /// Write the feed to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub async fn today(ctx: &Ctx, a: TodayArgs) -> Result<()> {
    let c = Catalog::embedded();
    let store = open::store(ctx, Workload::Command).await?;
    let now = OffsetDateTime::now_utc();
    let t = practice_today::today(&store, c, now, ctx.local_offset).await?;
    let counts = store.urge_counts_by_did(now - time::Duration::days(7)).await?;
    let lately = practice_today::lately(&store, now, ctx.local_offset).await?;
    store.close().await;
    let day_prompt = c.prompts().for_day(today_date(ctx), &lately, 0);
    let urges = c.urges().summarise(counts.iter().map(|(d, n)| (d.as_deref(), *n)));
    let why = t.suggestion.as_ref().map(|s| c.practice().why_sentence(&s.why, c.profile()));
    if a.json {
        let v = json!({
            "date": today_date(ctx).to_string(),
            "stage": t.pacing.map(|p| p.stage),
            "window": t.pacing.map(|p| p.window),
            "step_up_offered": t.advice.as_ref().is_some_and(|x| x.offers_step_up()),
            "advice": t.advice,
            "advice_text": t.advice.as_ref().map(|x| c.practice().advice_sentence(x)),
            "suggestion": t.suggestion.as_ref().map(|s| json!({
                "experiment": s.experiment, "title": t.experiment.as_ref().map(|e| e.title.clone()),
                "stage": t.experiment.as_ref().map(|e| e.stage), "smaller": s.smaller, "why": why, "because": s.why,
            })),
            "follow_ups": t.follow_ups.iter().map(|r| json!({"id": r.id, "title": c.record_title(r), "planned_for": r.plan.planned_for.to_string()})).collect::<Vec<_>>(),
            "program": t.program.as_ref().map(|p| json!({"program": p.run.program, "title": p.title, "day": p.day.day, "day_number": p.day_number,
                "length": p.length, "prompt": p.prompt, "done": p.done, "experiment": p.experiment.as_ref().map(|e| e.id.clone())})),
            "window_proposal": t.window_proposal,
            "urges_last_7_days": urges,
            "journal_prompt": {"id": day_prompt.prompt.id, "text": day_prompt.prompt.text, "hint": day_prompt.prompt.hint,
                "reason": day_prompt.reason, "why": day_prompt.why},
        });
        writeln!(std::io::stdout().lock(), "{v}")?;
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "Today, {}", today_date(ctx))?;
    match (t.pacing, &t.advice) {
        (Some(p), Some(adv)) => {
            let name = c.practice().stage(p.stage).map(|s| s.name.as_str()).unwrap_or("");
            writeln!(out, "\nStage {}: {name}.\n{}", p.stage, c.practice().advice_sentence(adv))?;
        }
        _ => writeln!(
            out,
            "\n{}\nRun `drawbridge stage --calibrate S1 S2 S3 S4` (see `drawbridge stage`).",
            c.practice().advice_start
        )?,
    }
    if let (Some(s), Some(e)) = (&t.suggestion, &t.experiment) {
        writeln!(
            out,
            "\nToday's suggestion: {} ({}, stage {}, about {} minutes)",
            e.title, e.id, e.stage, e.minutes
        )?;
        writeln!(out, "  {}", if s.smaller { &e.smaller } else { &e.instructions })?;
        if let Some(w) = &why {
            writeln!(out, "  {w}")?;
        }
    }
    if let Some(p) = &t.program {
        let state = if p.done { " (checked off)" } else { "" };
        writeln!(
            out,
            "\n{}, day {} of {}: {}{state}\n  {}",
            p.title, p.day.day, p.length, p.day.title, p.prompt
        )?;
        if let Some(e) = &p.experiment {
            writeln!(out, "  Experiment: {} ({})", e.title, e.id)?;
        }
    }
    if !t.follow_ups.is_empty() {
        writeln!(out, "\nFollow-ups due:")?;
        for r in &t.follow_ups {
            writeln!(out, "  {}  {} (planned for {})", short(r.id), c.record_title(r), r.plan.planned_for)?;
        }
        writeln!(
            out,
            "  Follow up with `drawbridge experiment done ID --peak N --after N --outcome O --belief-after N --capacity N`."
        )?;
    }
    if let Some(w) = t.window_proposal {
        writeln!(out, "\n{}", c.practice().window_proposal.replace("{window}", &w.to_string()))?;
    }
    writeln!(
        out,
        "\nUrges in the last 7 days: {}, caught before acting: {}.",
        urges.total, urges.caught
    )?;
    writeln!(
        out,
        "\n{}: {}\n  {}\n  {}: drawbridge journal write --prompt {}",
        c.prompts().labels.heading,
        day_prompt.prompt.text,
        day_prompt.why,
        c.prompts().labels.write,
        day_prompt.prompt.id
    )?;
    Ok(())
}

/// The first 12 characters of an id: how the terminal shows it.
pub(crate) fn short(id: Uuid) -> String {
    id.simple().to_string()[..12].to_string()
}

pub async fn experiments(_ctx: &Ctx, a: ExperimentsArgs) -> Result<()> {
    let c = Catalog::embedded();
    if let Some(s) = a.stage
        && practice::Stage::new(s).is_none()
    {
        return Err(UserError::new(
            format!("There is no stage {s}."),
            format!("Stages run from {}.", practice::Stage::range()),
        )
        .into());
    }
    let list: Vec<&practice::Experiment> = c.experiments().iter().filter(|e| a.stage.is_none_or(|s| e.stage == s)).collect();
    let mut out = std::io::stdout().lock();
    if a.json {
        writeln!(out, "{}", serde_json::to_string(&list)?)?;
        return Ok(());
    }
    let mut stage = 0;
    for e in list {
        if e.stage != stage {
            stage = e.stage;
            let name = c.practice().stage(stage).map(|s| s.name.as_str()).unwrap_or("");
            writeln!(out, "\nStage {stage}: {name}")?;
        }
        writeln!(out, "  {:<36} {} ({} min)", e.id, e.title, e.minutes)?;
    }
    Ok(())
}

async fn build_plan(ctx: &Ctx, store: &Store, c: &Catalog, a: &PlanArgs) -> Result<Plan> {
    let current = store.pacing().await?.map(|p| p.stage).unwrap_or(1);
    let (experiment, custom, stage) = match (&a.id, text(a.custom.clone())) {
        (Some(id), _) => {
            let e = c.experiment(id).ok_or_else(|| {
                UserError::new(
                    format!("There is no experiment \"{id}\"."),
                    "See `drawbridge experiments` for the ids, or use --custom TEXT.",
                )
            })?;
            (Some(e.id.clone()), None, e.stage)
        }
        (None, Some(t)) => (None, Some(t), current),
        (None, None) => {
            return Err(UserError::new(
                "Which experiment?",
                "Give a library id (see `drawbridge experiments`) or --custom TEXT.",
            )
            .into());
        }
    };
    let prediction = text(Some(a.prediction.clone()))
        .ok_or_else(|| UserError::new("The prediction is empty.", "Write what you fear will happen, in your words."))?;
    Ok(Plan {
        experiment,
        custom,
        stage,
        with_whom: text(a.with_whom.clone()),
        planned_for: match &a.when {
            Some(d) => parse_date("when", d)?,
            None => today_date(ctx),
        },
        prediction,
        belief_before: pct("--belief", a.belief)?,
        want: pct("--want", a.want)?,
        expect: pct("--expect", a.expect)?,
    })
}

fn build_result(d: &DoneArgs) -> Result<Res> {
    let outcome = Outcome::parse(&d.outcome).ok_or_else(|| {
        UserError::new(
            format!("\"{}\" is not an outcome.", d.outcome),
            "Use one of: as-feared, better, worse, mixed.",
        )
    })?;
    Ok(Res {
        what_happened: text(d.happened.clone()),
        peak: pct("--peak", d.peak)?,
        after: pct("--after", d.after)?,
        outcome,
        capacity: pct("--capacity", d.capacity)?,
        learned: text(d.learned.clone()),
        belief_after: pct("--belief-after", d.belief_after)?,
        flooded: d.flooded,
    })
}

fn record_json(c: &Catalog, r: &Record) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    v["title"] = Value::String(c.record_title(r));
    v
}

pub async fn experiment(ctx: &Ctx, action: ExperimentAction) -> Result<()> {
    let c = Catalog::embedded();
    match action {
        ExperimentAction::Plan(a) => {
            let store = open::store(ctx, Workload::Command).await?;
            let plan = build_plan(ctx, &store, c, &a).await?;
            let r = store.plan_experiment(plan).await?;
            let texts = plan_texts(&r);
            if a.json {
                println!("{}", record_json(c, &r));
            } else {
                println!(
                    "Planned: {} for {}. Its id is {}.",
                    c.record_title(&r),
                    r.plan.planned_for,
                    short(r.id)
                );
                println!(
                    "Afterwards: drawbridge experiment done {} --peak N --after N --outcome as-feared|better|worse|mixed --belief-after N --capacity N",
                    short(r.id)
                );
            }
            crate::moment::care_after_save(&store, &texts, a.json).await?;
            store.close().await;
            Ok(())
        }
        ExperimentAction::Done { record, done, json } => {
            let result = build_result(&done)?;
            let store = open::store(ctx, Workload::Command).await?;
            let id = find_record(&store, &record).await?;
            if let Some(r) = store.experiment_record(id).await?
                && r.result.is_none()
                && r.plan.planned_for > today_date(ctx)
            {
                store.close().await;
                return Err(UserError::new(
                    format!("This experiment is planned for {}, which has not come yet.", r.plan.planned_for),
                    "Follow it up on or after that day. If you have done it already, `drawbridge experiment log` records it on the day you did it.",
                )
                .into());
            }
            match store.complete_experiment(id, &result, OffsetDateTime::now_utc()).await? {
                FollowUp::Saved => {}
                FollowUp::AlreadyDone(at) => {
                    store.close().await;
                    return Err(UserError::new(
                        format!(
                            "This experiment was followed up already, on {}. Nothing was changed: what you wrote then is kept.",
                            at.to_offset(ctx.local_offset).date()
                        ),
                        format!(
                            "To change its words, use `drawbridge experiment edit {} --happened TEXT --learned TEXT`; the earlier words are kept. `drawbridge experiment show {}` shows it all.",
                            short(id),
                            short(id)
                        ),
                    )
                    .into());
                }
                FollowUp::NotFound => {
                    store.close().await;
                    return Err(UserError::new(
                        "That experiment is no longer here.",
                        "`drawbridge today` lists the ones to follow up.",
                    )
                    .into());
                }
            }
            let r = store
                .experiment_record(id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the record just saved could not be read back"))?;
            let t = practice_today::today(&store, c, OffsetDateTime::now_utc(), ctx.local_offset).await?;
            if json {
                println!("{}", json!({"record": record_json(c, &r), "advice": t.advice}));
            } else {
                println!(
                    "Saved. You took a risk at {}% of your capacity; that counts, however it went.",
                    result.capacity
                );
                if let Some(a) = &t.advice {
                    println!("{}", c.practice().advice_sentence(a));
                }
                if result.flooded
                    || matches!(
                        result.outcome,
                        drawbridge_core::practice::Outcome::Worse | drawbridge_core::practice::Outcome::AsFeared
                    )
                {
                    println!(
                        "If it was hard: `drawbridge reset --record {} --capacity {}` walks through it, and `drawbridge pause` helps right now.",
                        short(id),
                        result.capacity
                    );
                }
            }
            crate::moment::care_after_save(&store, &result_texts(&result), json).await?;
            store.close().await;
            Ok(())
        }
        ExperimentAction::Edit {
            record,
            prediction,
            with_whom,
            happened,
            learned,
            json,
        } => {
            let edit = RecordEdit {
                prediction: match prediction.map(|p| p.trim().to_string()) {
                    Some(p) if p.is_empty() => {
                        return Err(UserError::new(
                            "--prediction cannot be empty: an experiment starts from what you fear.",
                            "Give the words you want it to say.",
                        )
                        .into());
                    }
                    p => p,
                },
                with_whom: with_whom.map(|t| text(Some(t))),
                what_happened: happened.map(|t| text(Some(t))),
                learned: learned.map(|t| text(Some(t))),
            };
            if edit == RecordEdit::default() {
                return Err(UserError::new(
                    "Nothing to change.",
                    "Give --prediction, --with, --happened or --learned with the new words.",
                )
                .into());
            }
            let store = open::store(ctx, Workload::Command).await?;
            let id = find_record(&store, &record).await?;
            let before = store.experiment_record(id).await?;
            if (edit.what_happened.is_some() || edit.learned.is_some()) && before.as_ref().is_some_and(|r| r.result.is_none()) {
                store.close().await;
                return Err(UserError::new(
                    "This experiment has not been followed up yet, so there is no \"what happened\" to change.",
                    format!("Follow it up first: `drawbridge experiment done {} ...`.", short(id)),
                )
                .into());
            }
            store.edit_experiment(id, &edit).await?;
            let r = store
                .experiment_record(id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the record just saved could not be read back"))?;
            let kept = store.versions(versions::EXPERIMENT, &id.to_string()).await?;
            if json {
                println!("{}", json!({"record": record_json(c, &r), "earlier": kept}));
            } else {
                println!(
                    "Saved. The earlier words are kept: `drawbridge experiment show {}` shows them.",
                    short(id)
                );
            }
            let mut texts: Vec<&str> = Vec::new();
            texts.extend(edit.prediction.as_deref());
            for t in [&edit.with_whom, &edit.what_happened, &edit.learned]
                .into_iter()
                .flatten()
                .flatten()
            {
                texts.push(t);
            }
            crate::moment::care_after_save(&store, &texts, json).await?;
            store.close().await;
            Ok(())
        }
        ExperimentAction::Show { record, json } => {
            let store = open::store(ctx, Workload::Command).await?;
            let id = find_record(&store, &record).await?;
            let r = store
                .experiment_record(id)
                .await?
                .ok_or_else(|| UserError::new("That experiment is no longer here.", "`drawbridge today` lists yours."))?;
            let kept = store.versions(versions::EXPERIMENT, &id.to_string()).await?;
            store.close().await;
            if json {
                println!("{}", json!({"record": record_json(c, &r), "earlier": kept}));
                return Ok(());
            }
            print!("{}", show_record(c, &r, &kept, ctx.local_offset));
            Ok(())
        }
        ExperimentAction::Log { plan, done, date } => {
            let result = build_result(&done)?;
            let store = open::store(ctx, Workload::Command).await?;
            let mut p = build_plan(ctx, &store, c, &plan).await?;
            let day = match &date {
                Some(d) => parse_date("date", d)?,
                None => today_date(ctx),
            };
            if day > today_date(ctx) {
                store.close().await;
                return Err(UserError::new(
                    format!("--date {day} is still ahead, and `experiment log` is for one you have done already."),
                    "Give the day you did it (today or earlier), or plan it for that day with `drawbridge experiment plan --when DATE`.",
                )
                .into());
            }
            p.planned_for = day;
            // Noon on that day, local time: the day is what counts.
            let at = PrimitiveDateTime::new(day, Time::from_hms(12, 0, 0).unwrap_or(Time::MIDNIGHT)).assume_offset(ctx.local_offset);
            let r = store.log_experiment(p, result, at).await?;
            if plan.json {
                println!("{}", record_json(c, &r));
            } else {
                println!("Logged: {} on {}.", c.record_title(&r), day);
            }
            let mut texts = plan_texts(&r);
            if let Some(res) = &r.result {
                texts.extend(result_texts(res));
            }
            crate::moment::care_after_save(&store, &texts, plan.json).await?;
            store.close().await;
            Ok(())
        }
    }
}

/// One record in words: the plan, how it went, and earlier versions.
fn show_record(c: &Catalog, r: &Record, kept: &[TextVersion], offset: time::UtcOffset) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(o, "{} ({})", c.record_title(r), short(r.id));
    let _ = write!(o, "Planned for {}", r.plan.planned_for);
    if let Some(w) = &r.plan.with_whom {
        let _ = write!(o, ", with {w}");
    }
    let _ = writeln!(o, ".");
    let _ = writeln!(o, "What you feared: {} (believed {}%)", r.plan.prediction, r.plan.belief_before);
    match &r.result {
        None => {
            let _ = writeln!(o, "Not followed up yet.");
        }
        Some(res) => {
            let outcome = c
                .practice()
                .outcome(res.outcome.id())
                .map(|o| o.name.as_str())
                .unwrap_or(res.outcome.id());
            let _ = writeln!(o, "How it went: {outcome}.");
            let _ = writeln!(o, "{}", c.practice().belief_change_sentence(r.plan.belief_before, res.belief_after));
            let _ = writeln!(
                o,
                "Peak distress {}, afterwards {}; at {}% of your capacity.",
                res.peak, res.after, res.capacity
            );
            if let Some(h) = &res.what_happened {
                let _ = writeln!(o, "What happened: {h}");
            }
            if let Some(l) = &res.learned {
                let _ = writeln!(o, "What you learned: {l}");
            }
        }
    }
    if !kept.is_empty() {
        let _ = writeln!(o, "\nEarlier words, newest first:");
        for v in kept {
            let _ = writeln!(
                o,
                "  {} ({}, replaced {}): {}",
                v.field,
                short(r.id),
                v.replaced_at.to_offset(offset).date(),
                v.text
            );
        }
    }
    o
}

/// The free text of a plan, for the safety scanner.
fn plan_texts(r: &Record) -> Vec<&str> {
    [Some(&r.plan.prediction), r.plan.custom.as_ref(), r.plan.with_whom.as_ref()]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect()
}

/// The free text of a result, for the safety scanner.
fn result_texts(r: &Res) -> Vec<&str> {
    [&r.what_happened, &r.learned].into_iter().flatten().map(String::as_str).collect()
}

/// A record by full id or by the first characters of it (at least 4).
pub(crate) async fn find_record(store: &Store, s: &str) -> Result<Uuid> {
    if let Ok(id) = Uuid::parse_str(s) {
        return Ok(id);
    }
    let prefix = s.replace('-', "").to_lowercase();
    if prefix.len() < 4 {
        return Err(UserError::new(
            format!("\"{s}\" is too short to find a record."),
            "Use at least the first 4 characters of its id.",
        )
        .into());
    }
    if !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(UserError::new(
            format!("\"{s}\" is not a record id."),
            "Ids are letters a-f and digits; `drawbridge today` lists them.",
        )
        .into());
    }
    let hits = store.experiment_ids_starting_with(&prefix).await?;
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => Err(UserError::new(
            format!("No experiment has an id starting with \"{s}\"."),
            "`drawbridge today` lists follow-ups with their ids.",
        )
        .into()),
        _ => Err(UserError::new(
            format!("More than one experiment starts with \"{s}\"."),
            "Give a few more characters.",
        )
        .into()),
    }
}

pub async fn ledger(ctx: &Ctx, a: TodayArgs) -> Result<()> {
    let c = Catalog::embedded();
    let store = open::store(ctx, Workload::Command).await?;
    let stages = store.ledger_counts().await?;
    let months = store.belief_by_month().await?;
    let learned = store.learned(20).await?;
    store.close().await;
    let total = practice::StageTally::total(&stages);
    if a.json {
        let v = json!({
            "overall": { "done": total.done, "as_feared": total.as_feared, "not_as_feared": total.not_as_feared(), "better": total.better, "mixed": total.mixed, "worse": total.worse },
            "stages": stages.iter().map(|s| json!({"stage": s.stage, "done": s.done, "as_feared": s.as_feared, "not_as_feared": s.not_as_feared(), "worse": s.worse})).collect::<Vec<_>>(),
            "belief_by_month": months,
            "learned": learned.iter().map(|(d, l)| json!({"date": d.to_string(), "line": l})).collect::<Vec<_>>(),
        });
        println!("{v}");
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    if total.done == 0 {
        writeln!(out, "No experiments followed up yet. Each one you do adds a line of evidence here.")?;
        return Ok(());
    }
    let times = |n: u32| if n == 1 { "1 time".to_string() } else { format!("{n} times") };
    writeln!(
        out,
        "Your evidence so far: {} experiment{}.",
        total.done,
        if total.done == 1 { "" } else { "s" }
    )?;
    writeln!(
        out,
        "  The feared outcome came true as feared {}, and did not {} ({} went worse).",
        times(total.as_feared),
        times(total.not_as_feared()),
        total.worse
    )?;
    for s in stages.iter().filter(|s| s.done > 0) {
        let name = c.practice().stage(s.stage).map(|x| x.name.as_str()).unwrap_or("");
        writeln!(
            out,
            "  Stage {} ({name}): {} done; as feared {}, not as feared {}.",
            s.stage,
            s.done,
            s.as_feared,
            s.not_as_feared()
        )?;
    }
    writeln!(
        out,
        "\nHow strongly you believed the feared prediction, before and after (average per month):"
    )?;
    for m in &months {
        writeln!(
            out,
            "  {}: {:.0}% before, {:.0}% after ({} experiment{})",
            m.month,
            m.before,
            m.after,
            m.count,
            if m.count == 1 { "" } else { "s" }
        )?;
    }
    if !learned.is_empty() {
        writeln!(out, "\nWhat you learned:")?;
        for (d, l) in &learned {
            writeln!(out, "  {d}: {l}")?;
        }
    }
    Ok(())
}

pub async fn stage(ctx: &Ctx, a: StageArgs) -> Result<()> {
    let c = Catalog::embedded();
    let store = open::store(ctx, Workload::Command).await?;
    if let Some(r) = &a.calibrate {
        let mut ratings = [0u8; 4];
        for (i, v) in r.iter().enumerate().take(4) {
            ratings[i] = pct("a calibration rating", *v)?;
        }
        let s = start_stage(ratings);
        store
            .set_setting(drawbridge_store::CALIBRATION_SETTING, &serde_json::to_string(&ratings)?)
            .await?;
        store.set_stage(s).await?;
        store.close().await;
        let name = c.practice().stage(s).map(|x| x.name.as_str()).unwrap_or("");
        println!("You start at stage {s}: {name}. You can choose another stage at any time with `drawbridge stage N`.");
        return Ok(());
    }
    if let Some(s) = a.stage {
        if practice::Stage::new(s).is_none() {
            return Err(UserError::new(
                format!("There is no stage {s}."),
                format!("Stages run from {}.", practice::Stage::range()),
            )
            .into());
        }
        store.set_stage(s).await?;
        store.close().await;
        println!("You are now practising at stage {s}. It is your choice, and you can change it again whenever you like.");
        return Ok(());
    }
    let t = practice_today::today(&store, c, OffsetDateTime::now_utc(), ctx.local_offset).await?;
    store.close().await;
    if a.json {
        println!(
            "{}",
            json!({"stage": t.pacing.map(|p| p.stage), "window": t.pacing.map(|p| p.window), "advice": t.advice})
        );
        return Ok(());
    }
    match (t.pacing, &t.advice) {
        (Some(p), Some(adv)) => println!("Stage {} of 4. {}", p.stage, c.practice().advice_sentence(adv)),
        _ => {
            println!("{}", c.practice().advice_start);
            println!("Rate how much distress each of these would bring, from 0 (none) to 100 (the most you can imagine):");
            for s in &c.practice().stages {
                println!("  {}. {}", s.stage, s.example);
            }
            println!("Then run: drawbridge stage --calibrate S1 S2 S3 S4");
        }
    }
    Ok(())
}

pub async fn window(ctx: &Ctx, a: WindowArgs) -> Result<()> {
    let c = Catalog::embedded();
    let store = open::store(ctx, Workload::Command).await?;
    if let Some(w) = a.window {
        let w = pct("The window", w)?;
        store.set_window(w).await?;
        store.close().await;
        println!("Your window is now {w}: experiments whose peak goes above it count as flooding, and the engine eases off.");
        return Ok(());
    }
    let window = store.pacing().await?.map(|p| p.window).unwrap_or(practice::DEFAULT_WINDOW);
    let (floods, lowest) = store.flood_peaks().await?;
    store.close().await;
    let proposal = (floods >= 2).then_some(lowest).flatten().filter(|w| *w != window);
    if a.json {
        println!("{}", json!({"window": window, "proposal": proposal}));
    } else {
        println!("Your window of tolerance is {window}.");
        if let Some(w) = proposal {
            println!("{}", c.practice().window_proposal.replace("{window}", &w.to_string()));
            println!("To use it: drawbridge window {w}");
        }
    }
    Ok(())
}

pub async fn challenge(ctx: &Ctx, action: ChallengeAction) -> Result<()> {
    let c = Catalog::embedded();
    let store = open::store(ctx, Workload::Command).await?;
    let today = today_date(ctx);
    match action {
        ChallengeAction::Start { program, switch, json } => {
            let p = c.program(&program).ok_or_else(|| {
                let ids: Vec<&str> = c.programs().iter().map(|p| p.id.as_str()).collect();
                UserError::new(
                    format!("There is no program \"{program}\"."),
                    format!("Use one of: {}.", ids.join(", ")),
                )
            })?;
            if let Some((mut run, active)) = practice_today::active_program(&store, c, today).await? {
                if !switch {
                    store.close().await;
                    return Err(UserError::new(
                        format!("{} is under way (day {}).", active.title, run.day_number(today)),
                        format!(
                            "Carry on with it (`drawbridge challenge status` shows today), stop it with `drawbridge challenge stop`, or switch with `drawbridge challenge start --program {} --switch`. Its days and reflections are kept either way.",
                            p.id
                        ),
                    )
                    .into());
                }
                run.stopped_on = Some(today);
                store.save_program_run(&run).await?;
                if !json {
                    println!(
                        "Stopped {} on day {}; its days and reflections are kept.",
                        active.title,
                        run.day_number(today)
                    );
                }
            }
            let run = store.start_program(&p.id, today).await?;
            store.close().await;
            if json {
                println!("{}", serde_json::to_string(&run)?);
            } else {
                println!("{} starts today.\n{}", p.title, p.about.trim());
            }
            Ok(())
        }
        ChallengeAction::Status { json } => {
            let t = practice_today::today(&store, c, OffsetDateTime::now_utc(), ctx.local_offset).await?;
            let finished = store
                .program_runs()
                .await?
                .into_iter()
                .rev()
                .find(|r| c.program(&r.program).is_some_and(|p| r.finished(p, today)));
            // The run shown: the one under way, else the last one finished.
            let shown = t.program.as_ref().map(|p| p.run.clone()).or_else(|| finished.clone());
            let earlier = match &shown {
                Some(r) => store.versions(versions::PROGRAM_RUN, &r.id.to_string()).await?,
                None => Vec::new(),
            };
            store.close().await;
            if json {
                println!("{}", json!({"program": t.program, "last_finished": finished, "earlier": earlier}));
                return Ok(());
            }
            match &t.program {
                Some(p) => {
                    println!("{}, day {} of {}: {}", p.title, p.day.day, p.length, p.day.title);
                    println!("  {}", p.prompt);
                    if let Some(e) = &p.experiment {
                        println!("  Experiment: {} ({}). {}", e.title, e.id, e.instructions);
                    }
                    println!("  At the end of the day: {}", p.day.reflection);
                    println!(
                        "  {}",
                        if p.done {
                            "Checked off."
                        } else {
                            "Check it off with `drawbridge challenge done --reflection TEXT`."
                        }
                    );
                }
                None => match finished.and_then(|r| c.program(&r.program).map(|p| (r, p))) {
                    Some((r, p)) => {
                        println!(
                            "{} is complete: {} of {} days checked off.\n{}",
                            p.title,
                            r.entries.len(),
                            p.days.len(),
                            p.summary.trim()
                        );
                    }
                    None => println!("No program is running. Start one with `drawbridge challenge start`."),
                },
            }
            if let Some(run) = &shown {
                let written: Vec<&ProgramEntry> = run.entries.iter().filter(|e| e.reflection.is_some()).collect();
                if !written.is_empty() {
                    println!("\nYour reflections:");
                    for e in written {
                        println!("  Day {}: {}", e.day, e.reflection.as_deref().unwrap_or_default());
                    }
                }
                if !earlier.is_empty() {
                    println!("\nEarlier words, newest first:");
                    for v in &earlier {
                        println!(
                            "  {} (until {}): {}",
                            v.field,
                            v.replaced_at.to_offset(ctx.local_offset).date(),
                            v.text
                        );
                    }
                }
            }
            Ok(())
        }
        ChallengeAction::Stop { json } => {
            let Some((mut run, p)) = practice_today::active_program(&store, c, today).await? else {
                store.close().await;
                return Err(UserError::new(
                    "No program is running, so there is nothing to stop.",
                    "Start one with `drawbridge challenge start`.",
                )
                .into());
            };
            run.stopped_on = Some(today);
            store.save_program_run(&run).await?;
            store.close().await;
            if json {
                println!("{}", serde_json::to_string(&run)?);
            } else {
                println!(
                    "Stopped {} on day {}. The {} day{} you checked off and what you wrote are kept; `drawbridge challenge start` begins again whenever you like.",
                    p.title,
                    run.day_number(today),
                    run.entries.len(),
                    if run.entries.len() == 1 { "" } else { "s" }
                );
            }
            Ok(())
        }
        ChallengeAction::Done { reflection, json } => {
            let Some((mut run, p)) = practice_today::active_program(&store, c, today).await? else {
                store.close().await;
                return Err(UserError::new("No program is running.", "Start one with `drawbridge challenge start`.").into());
            };
            let n = run.day_number(today);
            let Some(day) = p.days.iter().find(|d| d.day == n) else {
                store.close().await;
                return Err(UserError::new(
                    format!("Today is day {n}, a rest day in {}.", p.title),
                    "The next practice day is in `drawbridge challenge status`.",
                )
                .into());
            };
            let saved_reflection = text(reflection.clone());
            let again = run.done(day.day);
            if again {
                // A second check-off changes the day's reflection; the words it
                // had are kept as an earlier version. Without a reflection it
                // changes nothing.
                if reflection.is_some() {
                    run.set_reflection(day.day, saved_reflection.clone());
                    store.save_program_run(&run).await?;
                }
            } else {
                run.entries.push(ProgramEntry {
                    day: day.day,
                    done_at: drawbridge_store::truncate_micros(OffsetDateTime::now_utc()),
                    reflection: saved_reflection.clone(),
                });
                store.save_program_run(&run).await?;
            }
            if json {
                println!(
                    "{}",
                    json!({"run": run, "day": day.day, "finished": run.finished(p, today), "changed": again && reflection.is_some()})
                );
            } else if again {
                println!(
                    "{}",
                    match &reflection {
                        Some(_) => format!(
                            "Day {} was checked off already; its reflection now says what you just wrote, and the earlier words are kept.",
                            day.day
                        ),
                        None => format!(
                            "Day {} is checked off already. To change its reflection, give --reflection TEXT.",
                            day.day
                        ),
                    }
                );
            } else {
                println!(
                    "Day {} checked off. {}",
                    day.day,
                    if run.finished(p, today) {
                        p.summary.trim()
                    } else {
                        "See you tomorrow."
                    }
                );
            }
            let texts: Vec<&str> = saved_reflection.iter().map(String::as_str).collect();
            crate::moment::care_after_save(&store, &texts, json).await?;
            store.close().await;
            Ok(())
        }
    }
}

pub async fn calendar(ctx: &Ctx, a: CalendarArgs) -> Result<()> {
    let store = open::store(ctx, Workload::Command).await?;
    let events = practice_today::calendar_events(&store, today_date(ctx)).await?;
    store.close().await;
    let ics = practice::ics(&events, OffsetDateTime::now_utc());
    match a.out {
        Some(path) => {
            std::fs::write(&path, ics).map_err(|e| UserError::new(format!("Could not write {}: {e}.", path.display()), ""))?;
            eprintln!(
                "Wrote the calendar to {}. Import it into your calendar app, or subscribe to the feed from Settings in the app.",
                path.display()
            );
        }
        None => print!("{ics}"),
    }
    Ok(())
}
