//! In the moment, in the terminal: `drawbridge pause`, `scripts`, `reset`,
//! `letter`, `scan` and `safety-plan`, and the calm crisis panel printed after
//! any save whose text calls for it.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::time::{Duration, Instant};

use anyhow::Result;
use drawbridge_core::Catalog;
use drawbridge_core::crisis::REGION_SETTING;
use drawbridge_core::moment::{PACES, Protocol, ResetEntry, StepKind, ThoughtInput, ThoughtRecord};
use drawbridge_core::safety::{PLAN_SECTIONS, SafetyPlan};
use drawbridge_core::urge::UrgeDraft;
use drawbridge_store::{Store, Workload};
use time::OffsetDateTime;

use crate::{Ctx, UserError, open};

// ---------------------------------------------------------------- The panel

/// After a save: if any saved text contains crisis language, print the calm
/// panel (crisis lines for the region and where the safety plan is). The save
/// has already happened. With `--json` the panel goes to standard error, so
/// the JSON on standard output stays clean.
pub async fn care_after_save(store: &Store, texts: &[&str], json: bool) -> Result<()> {
    let c = Catalog::embedded();
    if !texts.iter().any(|t| c.scanner().scan(t).show_panel) {
        return Ok(());
    }
    let region = store.setting(REGION_SETTING).await.ok().flatten();
    let text = panel_text(c, region.as_deref());
    if json {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
    Ok(())
}

fn panel_text(c: &Catalog, region: Option<&str>) -> String {
    let r = c.crisis().region_or_default(region);
    let mut s = String::new();
    s.push('\n');
    s.push_str(&format!("{}\n", c.safety().panel_title));
    s.push_str(&format!("{}\n", wrap(&c.safety().panel_text)));
    s.push_str(&format!("  Emergency: {}\n", r.emergency));
    for l in r.lines.iter().take(3) {
        s.push_str(&format!("  {}: {}\n", l.name, l.contact));
    }
    s.push_str("Your safety plan and every line for your region: drawbridge help-now\n");
    s
}

/// Collapse the line breaks of a content paragraph.
fn wrap(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------- pause

#[derive(clap::Args)]
pub struct PauseArgs {
    /// The short version: locate the feeling, five slow breaths, one question.
    #[arg(long, group = "which")]
    short: bool,
    /// Grounding: this is now, not then.
    #[arg(long, group = "which")]
    grounding: bool,
    /// A check-in with the part of you that wants to pull away.
    #[arg(long, group = "which")]
    parts: bool,
    /// Breathing pace: quicker (in 3, out 4), steady (in 4, out 6) or slower (in 5, out 7).
    #[arg(long, default_value = "steady")]
    pace: String,
    /// Afterwards, log the urge as paused with this kind (go-quiet, busy, ...), without asking.
    #[arg(long)]
    log: Option<String>,
}

/// How much faster than real time the countdown runs; for tests only.
fn speed() -> f64 {
    std::env::var("DRAWBRIDGE_PAUSE_SPEED")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 1.0)
        .unwrap_or(1.0)
}

/// Wait one displayed second; false when Ctrl-C came first.
async fn second(ctrl_c: &mut std::pin::Pin<Box<impl std::future::Future<Output = std::io::Result<()>>>>) -> bool {
    let wait = Duration::from_secs_f64(1.0 / speed());
    tokio::select! {
        _ = tokio::time::sleep(wait) => true,
        _ = ctrl_c.as_mut() => false,
    }
}

pub async fn pause(ctx: &Ctx, a: PauseArgs) -> Result<()> {
    let c = Catalog::embedded();
    let id = if a.short {
        "short"
    } else if a.grounding {
        "grounding"
    } else if a.parts {
        "parts"
    } else {
        "pause"
    };
    let p: &Protocol = c
        .protocol(id)
        .ok_or_else(|| anyhow::anyhow!("the built-in protocol \"{id}\" is missing"))?;
    let (_, inhale, exhale) = PACES.iter().copied().find(|(n, _, _)| *n == a.pace).ok_or_else(|| {
        UserError::new(
            format!("There is no pace called \"{}\".", a.pace),
            "Use --pace quicker, steady or slower.",
        )
    })?;
    // Check the kind to log before starting, so a typo is caught now.
    if let Some(kind) = &a.log {
        c.urges()
            .check(UrgeDraft {
                kind: kind.clone(),
                did: Some("paused".into()),
                ..Default::default()
            })
            .map_err(|e| UserError::new(e.to_string(), "Nothing was started; run the command again with a valid kind."))?;
    }
    // Open the store first: a passphrase prompt belongs before the pause, not after.
    let store = open::store(ctx, Workload::Command).await?;
    let tty = std::io::stdout().is_terminal();
    let started = Instant::now();
    let mut out = std::io::stdout();
    writeln!(out, "{}\n{}\n", p.title, wrap(&p.intro))?;
    writeln!(out, "(Ctrl-C stops at any point.)\n")?;
    let mut ctrl_c = Box::pin(tokio::signal::ctrl_c());
    let mut completed = true;
    'steps: for (n, step) in p.steps.iter().enumerate() {
        writeln!(out, "Step {} of {}: {}", n + 1, p.steps.len(), step.title)?;
        writeln!(out, "{}", wrap(&step.prompt))?;
        for q in &step.questions {
            writeln!(out, "  - {q}")?;
        }
        if step.kind == StepKind::Breath {
            for b in 1..=step.breaths {
                for (word, len) in [("in", inhale), ("out", exhale)] {
                    for left in (1..=len).rev() {
                        if tty {
                            write!(out, "\r  Breath {b} of {}: breathe {word}, {left}   ", step.breaths)?;
                            out.flush()?;
                        }
                        if !second(&mut ctrl_c).await {
                            completed = false;
                            break 'steps;
                        }
                    }
                }
                if !tty {
                    writeln!(out, "  Breath {b} of {}.", step.breaths)?;
                }
            }
        } else {
            if !tty {
                writeln!(out, "  ({} seconds)", step.seconds)?;
            }
            for left in (1..=step.seconds).rev() {
                if tty {
                    write!(out, "\r  {}:{:02} left   ", left / 60, left % 60)?;
                    out.flush()?;
                }
                if !second(&mut ctrl_c).await {
                    completed = false;
                    break 'steps;
                }
            }
        }
        if tty {
            write!(out, "\r{:30}\r", "")?;
        }
        writeln!(out)?;
    }
    let seconds = u32::try_from(started.elapsed().as_secs()).unwrap_or(u32::MAX);
    if completed {
        writeln!(out, "{}", wrap(&p.done))?;
    } else {
        writeln!(out, "\n\n{}", wrap(&c.pause().stopped))?;
    }
    store.add_pause(&p.id, seconds, completed).await?;
    // Offer to log the urge, with "paused" already filled in.
    let kind = match a.log {
        Some(k) => Some(k),
        None if std::io::stdin().is_terminal() && completed => {
            let kinds: Vec<&str> = c.urges().kinds.iter().map(|k| k.id.as_str()).collect();
            writeln!(out, "\n{}", wrap(&c.pause().log_offer))?;
            write!(out, "Type its kind ({}) or press Enter to skip: ", kinds.join(", "))?;
            out.flush()?;
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            Some(line.trim().to_string()).filter(|l| !l.is_empty())
        }
        None => None,
    };
    if let Some(kind) = kind {
        match c.urges().check(UrgeDraft {
            kind,
            did: Some("paused".into()),
            ..Default::default()
        }) {
            Ok(entry) => {
                store.add_urge(entry, OffsetDateTime::now_utc()).await?;
                writeln!(out, "Logged as paused.")?;
            }
            Err(e) => writeln!(out, "Not logged: {e} You can log it with `drawbridge urge KIND --did paused`.")?,
        }
    } else if completed {
        writeln!(out, "To log it: drawbridge urge KIND --did paused")?;
    }
    store.close().await;
    Ok(())
}

// ---------------------------------------------------------------- scripts

#[derive(clap::Args)]
pub struct ScriptsArgs {
    /// Only this group: name-the-urge, space-and-connected, repair, stay-with-tender or for-people-around.
    group: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn scripts(a: ScriptsArgs) -> Result<()> {
    let c = Catalog::embedded();
    let s = &c.scripts();
    let groups: Vec<_> = match &a.group {
        Some(g) => vec![s.group(g).ok_or_else(|| {
            let ids: Vec<&str> = s.groups.iter().map(|g| g.id.as_str()).collect();
            UserError::new(
                format!("There is no script group \"{g}\"."),
                format!("Use one of: {}.", ids.join(", ")),
            )
        })?],
        None => s.groups.iter().collect(),
    };
    let mut out = std::io::stdout().lock();
    if a.json {
        let v: Vec<serde_json::Value> = groups
            .iter()
            .map(|g| {
                serde_json::json!({
                    "group": g.id, "title": g.title,
                    "scripts": s.in_group(&g.id).map(|x| serde_json::json!({"id": x.id, "text": x.text.trim(), "when": x.when})).collect::<Vec<_>>(),
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::Value::Array(v))?;
        return Ok(());
    }
    for g in groups {
        writeln!(out, "{} ({})", g.title, g.id)?;
        writeln!(out, "{}\n", wrap(&g.intro))?;
        for x in s.in_group(&g.id) {
            writeln!(out, "  \"{}\"", wrap(&x.text))?;
            writeln!(out, "    {}\n", wrap(&x.when))?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- scan

#[derive(clap::Args)]
pub struct ScanArgs {
    /// Print JSON: {"show_panel": bool, "matches": [{"topic", "phrase", "rule"}], "stories": [ids]}.
    #[arg(long)]
    json: bool,
}

pub fn scan(a: ScanArgs) -> Result<()> {
    let c = Catalog::embedded();
    let text = crate::input::stdin_text()?;
    let r = c.scanner().scan(&text);
    let stories = c.stories_in(&text);
    let mut out = std::io::stdout().lock();
    if a.json {
        let mut v = serde_json::to_value(&r)?;
        v["stories"] = serde_json::json!(crate::stories::ids(&stories));
        writeln!(out, "{v}")?;
        return Ok(());
    }
    if !stories.is_empty() {
        let names: Vec<String> = stories
            .iter()
            .map(|s| format!("{} (\u{201c}{}\u{201d})", s.story, s.phrase))
            .collect();
        writeln!(out, "Protective stories a card would name: {}.", names.join(", "))?;
    }
    if r.show_panel {
        writeln!(out, "The calm crisis panel would show. Matched:")?;
        for m in &r.matches {
            if m.rule.starts_with("word model") {
                writeln!(out, "  \"{}\" ({}; {})", m.phrase, m.topic.as_str(), m.rule)?;
            } else {
                writeln!(out, "  \"{}\" ({}; rule: {})", m.phrase, m.topic.as_str(), m.rule)?;
            }
        }
    } else {
        writeln!(out, "No crisis language found; the panel would not show.")?;
    }
    Ok(())
}

// ---------------------------------------------------------------- reset

#[derive(clap::Args)]
pub struct ResetArgs {
    /// The experiment this follows (its id or the first characters of it).
    #[arg(long)]
    record: Option<String>,
    /// How much of your capacity the risk took, 0 to 100.
    #[arg(long, allow_negative_numbers = true)]
    capacity: Option<i64>,
    /// What happened: the facts, as a camera would have seen them.
    #[arg(long)]
    happened: Option<String>,
    /// What it felt like.
    #[arg(long)]
    felt: Option<String>,
    /// What is actually true.
    #[arg(long = "true")]
    truth: Option<String>,
    /// A feeling and how strong it was, 0 to 100: "ashamed=80" (repeat for more).
    #[arg(long = "feeling", value_name = "NAME=N")]
    feelings: Vec<String>,
    /// The hot thought: the one that hurt most.
    #[arg(long)]
    hot_thought: Option<String>,
    /// How much you believe the hot thought, 0 to 100.
    #[arg(long, allow_negative_numbers = true)]
    belief: Option<String>,
    /// The evidence: what you know that does not fit the hot thought.
    #[arg(long)]
    evidence: Option<String>,
    /// Another way to see it.
    #[arg(long)]
    another_view: Option<String>,
    /// How much you believe the hot thought now, 0 to 100.
    #[arg(long, allow_negative_numbers = true)]
    rerate: Option<String>,
    /// Is this about now, or about then? now, then, both or not-sure.
    #[arg(long)]
    now_or_then: Option<String>,
    /// What "then" it echoes, if you want to say.
    #[arg(long)]
    then_note: Option<String>,
    /// Print the saved reset as JSON.
    #[arg(long)]
    json: bool,
}

impl ResetArgs {
    /// The thought record as typed, checked.
    fn thought(&self) -> Result<ThoughtRecord> {
        let mut feelings = Vec::new();
        for f in &self.feelings {
            let Some((name, n)) = f.rsplit_once('=').or_else(|| f.rsplit_once(':')) else {
                return Err(UserError::new(
                    format!("\"{f}\" needs a strength after the name."),
                    "Write it as --feeling \"ashamed=80\": the feeling, =, then 0 to 100. Nothing was saved.",
                )
                .into());
            };
            feelings.push((name, n));
        }
        ThoughtRecord::check(ThoughtInput {
            feelings,
            hot_thought: self.hot_thought.as_deref(),
            belief: self.belief.as_deref(),
            evidence: self.evidence.as_deref(),
            another_view: self.another_view.as_deref(),
            rerated: self.rerate.as_deref(),
            now_or_then: self.now_or_then.as_deref(),
            then_note: self.then_note.as_deref(),
        })
        .map_err(|e| UserError::new(e.to_string(), "Nothing was saved.").into())
    }
}

pub async fn reset(ctx: &Ctx, a: ResetArgs) -> Result<()> {
    let c = Catalog::embedded();
    // Check what can be checked before opening anything.
    let thought = a.thought()?;
    ResetEntry::with_thought(
        None,
        a.capacity,
        a.happened.as_deref(),
        a.felt.as_deref(),
        a.truth.as_deref(),
        thought.clone(),
    )
    .map_err(|e| {
        UserError::new(
            e.to_string(),
            "Nothing was saved. Try --capacity N, --happened, --felt, --true or --hot-thought.",
        )
    })?;
    let store = open::store(ctx, Workload::Command).await?;
    let record = match &a.record {
        Some(r) => Some(crate::practice::find_record(&store, r).await?),
        None => None,
    };
    let entry = ResetEntry::with_thought(
        record,
        a.capacity,
        a.happened.as_deref(),
        a.felt.as_deref(),
        a.truth.as_deref(),
        thought,
    )
    .map_err(|e| UserError::new(e.to_string(), "Nothing was saved."))?;
    let saved = store.add_reset(entry).await?;
    if a.json {
        println!("{}", serde_json::to_string(&saved)?);
    } else {
        println!("{}", wrap(&c.after().saved));
        if let Some(cap) = saved.entry.capacity {
            println!("{}", c.after().capacity_sentence(cap));
            println!("{}", wrap(&c.after().capacity_after));
        }
        if let Some(line) = c.after().rerate_sentence(&saved.entry.thought) {
            println!("{}", wrap(&line));
        }
        print!(
            "{}",
            crate::stories::cards_text(c, &crate::stories::of_reset(c, &saved, &[]), saved.id)
        );
    }
    let texts: Vec<&str> = saved.entry.texts().collect();
    care_after_save(&store, &texts, a.json).await?;
    store.close().await;
    Ok(())
}

// ---------------------------------------------------------------- letter

/// The unsent letter: read what the person types, then let it go. The text
/// lives only in this process's memory and is overwritten before exit.
pub fn letter() -> Result<()> {
    let c = Catalog::embedded();
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        println!("{}\n{}\n", c.after().letter_title, wrap(&c.after().letter_intro));
        println!("Write below. When you are done, press Ctrl-D on an empty line.\n");
    }
    // Read as bytes: any encoding is fine for words that are never kept.
    let mut bytes = Vec::new();
    stdin.lock().read_to_end(&mut bytes)?;
    // Overwrite the words in memory before letting go of them.
    bytes.iter_mut().for_each(|b| *b = 0);
    drop(bytes);
    println!("\n{}", wrap(&c.after().letter_released));
    Ok(())
}

// ---------------------------------------------------------------- safety plan

#[derive(clap::Subcommand)]
pub enum PlanAction {
    /// Show your plan (the default).
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Write one section. Without TEXT, the section is read from standard input.
    Set {
        /// warning-signs, on-my-own, people-places, ask-for-help, professionals, safer-surroundings or matters-most.
        section: String,
        text: Option<String>,
    },
    /// Clear one section.
    Clear { section: String },
}

pub async fn safety_plan(ctx: &Ctx, action: Option<PlanAction>) -> Result<()> {
    let c = Catalog::embedded();
    let store = open::store(ctx, Workload::Command).await?;
    let mut plan = store.safety_plan().await?;
    let result = match action.unwrap_or(PlanAction::Show { json: false }) {
        PlanAction::Show { json } => {
            let earlier = store.versions_of_kind(drawbridge_core::versions::SAFETY_PLAN).await?;
            if json {
                let mut v = serde_json::to_value(&plan)?;
                v["earlier"] = serde_json::to_value(&earlier)?;
                println!("{v}");
            } else {
                print!("{}", plan_text(c, &plan));
                if !earlier.is_empty() {
                    println!("\nEarlier words, newest first:");
                    for v in &earlier {
                        let title = c
                            .safety()
                            .sections
                            .iter()
                            .find(|s| s.id == v.item_id)
                            .map_or(v.item_id.as_str(), |s| s.title.as_str());
                        println!("  {title} (until {}): {}", v.replaced_at.date(), v.text);
                    }
                }
            }
            Ok(())
        }
        PlanAction::Set { section, text } => {
            let text = match text {
                Some(t) => t,
                None => crate::input::stdin_text()?,
            };
            edit(&store, &mut plan, &section, &text, c).await
        }
        PlanAction::Clear { section } => edit(&store, &mut plan, &section, "", c).await,
    };
    store.close().await;
    result
}

async fn edit(store: &Store, plan: &mut SafetyPlan, section: &str, text: &str, c: &Catalog) -> Result<()> {
    plan.set(section, text)
        .map_err(|e| UserError::new(e.to_string(), "Nothing was changed."))?;
    store.set_safety_plan(plan).await?;
    let title = c.safety().section(section).map(|s| s.title.as_str()).unwrap_or(section);
    if text.trim().is_empty() {
        println!("Cleared: {title}.");
    } else {
        println!("{} ({title})", wrap(&c.safety().plan_saved));
    }
    Ok(())
}

/// The plan as text: every section, with a prompt where nothing is written.
pub fn plan_text(c: &Catalog, plan: &SafetyPlan) -> String {
    let mut s = format!("{}\n", c.safety().plan_title);
    if plan.is_empty() {
        s.push_str(&format!("{}\n", wrap(&c.safety().plan_empty)));
        s.push_str("Write a section with: drawbridge safety-plan set SECTION \"TEXT\" (sections: ");
        s.push_str(&PLAN_SECTIONS.join(", "));
        s.push_str(")\n");
        return s;
    }
    for sec in &c.safety().sections {
        s.push_str(&format!("\n{}\n", sec.title));
        match plan.get(&sec.id) {
            Some(v) => {
                for line in v.lines() {
                    s.push_str(&format!("  {line}\n"));
                }
            }
            None => s.push_str(&format!("  (not written yet: drawbridge safety-plan set {} \"...\")\n", sec.id)),
        }
    }
    s
}
