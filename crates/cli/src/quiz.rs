//! `drawbridge quiz`, `drawbridge profile` and `drawbridge instrument`.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use drawbridge_core::Catalog;
use drawbridge_core::assess::{self, Answers, Instrument, Profile, QuizResult, Scores};
use drawbridge_store::Workload;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::{Ctx, UserError, open};

#[derive(clap::Args)]
pub struct QuizArgs {
    /// The questionnaire: an id (patterns, ecr-r, ecr-rs, or one you added) or a TOML file.
    #[arg(long, default_value = "patterns", value_name = "ID|FILE")]
    instrument: String,
    /// Score these answers without asking: a JSON object of item id to value.
    #[arg(long, value_name = "FILE")]
    answers: Option<PathBuf>,
    /// With --answers: also save the result (and a file instrument with it).
    #[arg(long, requires = "answers")]
    save: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Which relationship the answers are about (for per-relationship questionnaires).
    #[arg(long)]
    label: Option<String>,
}

#[derive(clap::Args)]
pub struct ProfileArgs {
    /// Show the latest result of this questionnaire (default: the Patterns Quiz, or the latest of any).
    #[arg(long)]
    instrument: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Subcommand)]
pub enum InstrumentAction {
    /// List the questionnaires you can take or score.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Check a questionnaire file and copy it into your data.
    Add {
        /// The instrument's TOML file.
        file: PathBuf,
    },
    /// Add the licensed wording to a scoring key: a text file with one item per line, in order (or - for stdin).
    Wording { id: String, file: PathBuf },
    /// Remove a questionnaire you added (results are kept).
    Remove { id: String },
}

/// An instrument from a file path, a bundled id, or (opening the store) a stored id.
async fn resolve(ctx: &Ctx, spec: &str) -> Result<(Instrument, Option<String>)> {
    let path = Path::new(spec);
    if path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|e| UserError::new(format!("Could not read {spec}: {e}."), ""))?;
        let inst = Instrument::parse(spec, &text)
            .map_err(|e| UserError::new(e.to_string().replacen("content/", "", 1), "Fix that line and try again."))?;
        return Ok((inst, Some(text)));
    }
    let c = Catalog::embedded();
    let store = open::store(ctx, Workload::Command).await?;
    let found = store.instrument(c, spec).await?;
    store.close().await;
    match found {
        Some(i) => Ok((i, None)),
        None => {
            let known: Vec<String> = c.instruments().iter().map(|i| i.id.clone()).collect();
            Err(UserError::new(
                format!("There is no questionnaire called \"{spec}\" and no file by that name."),
                format!("Use one of {} (or one you added), or the path of a TOML file.", known.join(", ")),
            )
            .into())
        }
    }
}

fn read_answers(path: &Path, inst: &Instrument) -> Result<Answers> {
    let text = std::fs::read_to_string(path).map_err(|e| UserError::new(format!("Could not read {}: {e}.", path.display()), ""))?;
    let raw: BTreeMap<String, Value> = serde_json::from_str(&text).map_err(|e| {
        UserError::new(
            format!("{} is not a JSON object of answers: {e}.", path.display()),
            "Write it like {\"av1\": 5, \"av2\": 3}: item id to a whole number.",
        )
    })?;
    let mut answers = Answers::new();
    for (item, v) in raw {
        let n = v.as_i64().ok_or_else(|| {
            UserError::new(
                format!("The answer to \"{item}\" is {v}, not a whole number."),
                "Give each answer as a whole number.",
            )
        })?;
        answers.insert(item, n);
    }
    inst.check_answers(&answers).map_err(|e| {
        UserError::new(
            format!("In {}: {e}.", path.display()),
            "Nothing was saved; fix the answer and run it again.",
        )
    })?;
    Ok(answers)
}

fn scores_json(inst: &Instrument, scores: &Scores) -> Value {
    json!({
        "instrument": inst.id,
        "version": inst.version,
        "scores": scores,
    })
}

fn print_scores(out: &mut impl Write, inst: &Instrument, scores: &Scores) -> std::io::Result<()> {
    writeln!(out, "{} (version {})", inst.title, inst.version)?;
    for s in &inst.scales {
        match scores.get(&s.id) {
            Some(assess::ScaleScore::Scored { value, answered, items }) => {
                writeln!(out, "  {}: {value:.2} ({answered} of {items} answered)", s.title)?
            }
            Some(assess::ScaleScore::NotEnoughAnswers { answered, items }) => writeln!(
                out,
                "  {}: not enough answers ({answered} of {items}; at least 80% are needed)",
                s.title
            )?,
            None => {}
        }
    }
    Ok(())
}

pub async fn quiz(ctx: &Ctx, a: QuizArgs) -> Result<()> {
    let (inst, source) = resolve(ctx, &a.instrument).await?;
    let Some(path) = &a.answers else {
        return ask(ctx, &inst, a.label).await;
    };
    let answers = read_answers(path, &inst)?;
    let scores = inst.score(&answers);
    let mut saved = None;
    if a.save {
        let store = open::store(ctx, Workload::Command).await?;
        let c = Catalog::embedded();
        if let Some(src) = &source
            && c.instrument(&inst.id).is_none()
            && store.instrument(c, &inst.id).await?.is_none()
        {
            store.put_instrument(&inst.id, src).await?;
            eprintln!("Copied the questionnaire \"{}\" into your data.", inst.id);
        }
        let now = drawbridge_store::truncate_micros(OffsetDateTime::now_utc());
        let r = QuizResult::finished(&inst, answers, a.label, now);
        store.save_quiz_result(&r).await?;
        store.close().await;
        saved = Some(r.id);
    }
    let mut out = std::io::stdout().lock();
    if a.json {
        let mut v = scores_json(&inst, &scores);
        if let Some(id) = saved {
            v["saved"] = Value::String(id.to_string());
        }
        writeln!(out, "{v}")?;
    } else {
        print_scores(&mut out, &inst, &scores)?;
        if saved.is_some() {
            writeln!(out, "Saved. `drawbridge profile` shows it with your earlier results.")?;
        }
    }
    Ok(())
}

/// The terminal quiz: one statement at a time, saved as you go, so quitting
/// (q) and starting again later picks up where you were.
async fn ask(ctx: &Ctx, inst: &Instrument, label: Option<String>) -> Result<()> {
    if inst.needs_wording {
        return Err(UserError::new(
            format!("\"{}\" is a scoring key without its wording yet.", inst.id),
            format!(
                "Add the wording you are licensed to use with `drawbridge instrument wording {} FILE`, or score answers with --answers.",
                inst.id
            ),
        )
        .into());
    }
    let c = Catalog::embedded();
    let store = open::store(ctx, Workload::Command).await?;
    let attempt = match store.quiz_in_progress(&inst.id).await? {
        Some(a) if a.instrument_version == inst.version => a,
        _ => store.start_quiz(inst, label).await?,
    };
    let mut answers = attempt.answers.clone();
    let order: Vec<&str> = inst
        .pages()
        .iter()
        .flat_map(|p| p.items.clone())
        .filter_map(|id| inst.item(&id).map(|i| i.id.as_str()))
        .collect();
    let total = order.len();
    let mut out = std::io::stderr();
    writeln!(out, "{}\n\n{}\n", inst.title, inst.about.trim())?;
    let labels = &inst.response.labels;
    let scale_help: String = if labels.is_empty() {
        format!("{} to {}", inst.response.min, inst.response.max)
    } else {
        labels
            .iter()
            .enumerate()
            .map(|(n, l)| format!("{} {l}", inst.response.min + n as i64))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    writeln!(out, "Answer with a number: {scale_help}.")?;
    writeln!(
        out,
        "Enter keeps an earlier answer, s skips, b goes back, q saves and stops for now.\n"
    )?;
    if !answers.is_empty() {
        writeln!(out, "Welcome back: {} of {total} answered so far.\n", answers.len())?;
    }
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut i = order.iter().position(|id| !answers.contains_key(*id)).unwrap_or(0);
    while i < total {
        let id = order[i];
        let item = inst.item(id).map(|it| it.text.as_str()).unwrap_or(id);
        let current = answers.get(id).map(|v| format!(" [{v}]")).unwrap_or_default();
        write!(out, "({}/{total}) {item}{current} ", i + 1)?;
        out.flush()?;
        let Some(line) = lines.next() else {
            writeln!(out)?;
            break;
        };
        let line = line?;
        match line.trim() {
            "q" => break,
            "b" => i = i.saturating_sub(1),
            "s" => {
                answers.remove(id);
                store.save_quiz_answers(attempt.id, &answers).await?;
                i += 1;
            }
            "" if answers.contains_key(id) => i += 1,
            t => match t.parse::<i64>() {
                Ok(n) if (inst.response.min..=inst.response.max).contains(&n) => {
                    answers.insert(id.to_string(), n);
                    store.save_quiz_answers(attempt.id, &answers).await?;
                    i += 1;
                }
                _ => writeln!(
                    out,
                    "  Please type a number from {} to {} (or s, b, q).",
                    inst.response.min, inst.response.max
                )?,
            },
        }
    }
    if i < total {
        store.close().await;
        writeln!(
            out,
            "\nSaved {} of {total} answers. Run `drawbridge quiz` again to carry on.",
            answers.len()
        )?;
        return Ok(());
    }
    let scores = inst.score(&answers);
    store.finish_quiz(attempt.id, &scores).await?;
    let results = store.quiz_results(Some(&inst.id)).await?;
    store.close().await;
    writeln!(out, "\nThank you. Here is what your answers suggest.\n")?;
    let latest = results
        .last()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("the result just saved could not be read back"))?;
    print_profile(ctx, c, inst, &latest, &results)?;
    Ok(())
}

fn date(ctx: &Ctx, t: OffsetDateTime) -> String {
    t.to_offset(ctx.local_offset)
        .format(format_description!("[day padding:none] [month repr:long] [year]"))
        .unwrap_or_default()
}

fn fmt_score(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "not enough answers".into())
}

fn print_profile(ctx: &Ctx, c: &Catalog, inst: &Instrument, latest: &QuizResult, results: &[QuizResult]) -> Result<()> {
    let text = &c.profile();
    let scores = latest.scores.clone().unwrap_or_default();
    let p = Profile::new(inst, &scores);
    let mut out = std::io::stdout().lock();
    let taken = date(ctx, latest.finished_at.unwrap_or(latest.updated_at));
    let label = latest.label.as_deref().map(|l| format!(" (about {l})")).unwrap_or_default();
    writeln!(out, "{}{label}, {taken}", inst.title)?;
    writeln!(out, "{}\n", text.disclaimer)?;
    if let (Some(av), Some(ax)) = (p.avoidance, p.anxiety) {
        writeln!(
            out,
            "Discomfort with closeness: {av:.1} and worry about being left: {ax:.1}, on a scale of {} to {}.",
            p.min, p.max
        )?;
        if let Some(r) = p.region.and_then(|r| text.region(r)) {
            writeln!(out, "Your answers lean {}.\n{}\n", r.leaning, r.description)?;
        }
    } else {
        writeln!(out, "There were not enough answers to place you on the map.\n")?;
    }
    if !p.strategies.is_empty() {
        writeln!(out, "Protective strategies, strongest first:")?;
        for (n, s) in p.strategies.iter().enumerate() {
            let Some(t) = text.strategy(&s.id) else { continue };
            writeln!(out, "  {}. {} ({:.1}). {}", n + 1, t.name, s.score, t.summary)?;
            if n < 2 {
                writeln!(out, "     What it protects: {}\n     What it costs: {}", t.protects, t.costs)?;
            }
        }
        writeln!(out)?;
    }
    if !p.capacities.is_empty() {
        writeln!(out, "Capacities, the one to build first at the top:")?;
        for (n, s) in p.capacities.iter().enumerate() {
            let Some(t) = text.capacity(&s.id) else { continue };
            writeln!(out, "  {}. {} ({:.1}). {}", n + 1, t.name, s.score, t.practice)?;
        }
        writeln!(out)?;
    }
    if results.len() > 1 {
        writeln!(
            out,
            "Over time ({} results since {}):",
            results.len(),
            date(ctx, results[0].finished_at.unwrap_or(results[0].updated_at))
        )?;
        for h in assess::history(inst, results) {
            let (Some(first), Some(last)) = (h.since_first, h.since_last) else {
                continue;
            };
            writeln!(
                out,
                "  {}: {} now; {:+.1} since the first time, {:+.1} since the last. {}",
                h.title,
                fmt_score(h.values.last().copied().flatten()),
                first.delta,
                last.delta,
                text.change_sentence(&last)
            )?;
        }
    }
    Ok(())
}

/// The result the profile shows: the latest of the chosen instrument, or of
/// the Patterns Quiz, or of anything.
fn pick(results: &[QuizResult], instrument: Option<&str>) -> Option<QuizResult> {
    match instrument {
        Some(i) => results.iter().rev().find(|r| r.instrument == i),
        None => results.iter().rev().find(|r| r.instrument == "patterns").or_else(|| results.last()),
    }
    .cloned()
}

pub async fn profile(ctx: &Ctx, a: ProfileArgs) -> Result<()> {
    let c = Catalog::embedded();
    let store = open::store(ctx, Workload::Command).await?;
    let all = store.quiz_results(None).await?;
    let Some(latest) = pick(&all, a.instrument.as_deref()) else {
        store.close().await;
        return Err(UserError::new(
            "There is no finished quiz yet.",
            "Take the Patterns Quiz in the app, or run `drawbridge quiz`.",
        )
        .into());
    };
    let inst = store.instrument(c, &latest.instrument).await?;
    store.close().await;
    let inst = inst.ok_or_else(|| {
        UserError::new(
            format!(
                "The questionnaire \"{}\" of your latest result is no longer here.",
                latest.instrument
            ),
            "Add it again with `drawbridge instrument add FILE`.",
        )
    })?;
    let results: Vec<QuizResult> = all.into_iter().filter(|r| r.instrument == inst.id).collect();
    if a.json {
        let scores = latest.scores.clone().unwrap_or_default();
        let v = json!({
            "result": { "id": latest.id, "instrument": latest.instrument, "version": latest.instrument_version, "label": latest.label,
                        "taken_at": latest.finished_at.and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()) },
            "scores": scores,
            "profile": Profile::new(&inst, &scores),
            "history": assess::history(&inst, &results),
            "results": results.len(),
        });
        writeln!(std::io::stdout().lock(), "{v}")?;
        return Ok(());
    }
    print_profile(ctx, c, &inst, &latest, &results)
}

pub async fn instrument(ctx: &Ctx, action: InstrumentAction) -> Result<()> {
    let c = Catalog::embedded();
    match action {
        InstrumentAction::List { json } => {
            let store = open::store(ctx, Workload::Command).await?;
            let all = store.instruments(c).await?;
            store.close().await;
            let mut out = std::io::stdout().lock();
            if json {
                let list: Vec<Value> = all
                    .iter()
                    .map(|i| json!({"id": i.id, "title": i.title, "version": i.version, "items": i.items.len(), "needs_wording": i.needs_wording}))
                    .collect();
                writeln!(out, "{}", Value::Array(list))?;
                return Ok(());
            }
            for i in all {
                let state = if i.needs_wording {
                    " (scoring key: add its wording to take it here)"
                } else {
                    ""
                };
                writeln!(out, "{}  {} · {} items{state}", i.id, i.title, i.items.len())?;
            }
            Ok(())
        }
        InstrumentAction::Add { file } => {
            let text =
                std::fs::read_to_string(&file).map_err(|e| UserError::new(format!("Could not read {}: {e}.", file.display()), ""))?;
            let name = file.display().to_string();
            let inst = Instrument::parse(&name, &text).map_err(|e| {
                UserError::new(
                    e.to_string().replacen("content/", "", 1),
                    "Nothing was added; fix that line and try again.",
                )
            })?;
            if c.instrument(&inst.id).is_some() {
                return Err(UserError::new(
                    format!("\"{}\" is the id of a questionnaire that comes with drawbridge.", inst.id),
                    "Give yours another id, or use `drawbridge instrument wording` to add wording to a bundled key.",
                )
                .into());
            }
            let store = open::store(ctx, Workload::Command).await?;
            let existed = store.instrument(c, &inst.id).await?.is_some();
            store.put_instrument(&inst.id, &text).await?;
            store.close().await;
            println!(
                "{} \"{}\" ({} items, {} scales).",
                if existed { "Replaced" } else { "Added" },
                inst.id,
                inst.items.len(),
                inst.scales.len()
            );
            Ok(())
        }
        InstrumentAction::Wording { id, file } => {
            let text = if file.as_os_str() == "-" {
                crate::input::stdin_text()?
            } else {
                let bytes = std::fs::read(&file).map_err(|e| UserError::new(format!("Could not read {}: {e}.", file.display()), ""))?;
                crate::input::decode(&bytes, &file.display().to_string())?
            };
            let store = open::store(ctx, Workload::Command).await?;
            let inst = store.instrument(c, &id).await?.ok_or_else(|| {
                UserError::new(
                    format!("There is no questionnaire called \"{id}\"."),
                    "See `drawbridge instrument list`.",
                )
            })?;
            let worded = inst.with_wording(&text).map_err(|e| UserError::new(e, "Nothing was changed."))?;
            let source = worded.to_toml().map_err(|e| anyhow::anyhow!(e))?;
            Instrument::parse(&id, &source).map_err(|e| anyhow::anyhow!("the worded questionnaire did not validate: {e}"))?;
            store.put_instrument(&id, &source).await?;
            store.close().await;
            println!(
                "Added wording for {} items of \"{id}\". It can now be taken in the app or with `drawbridge quiz --instrument {id}`.",
                worded.items.len()
            );
            Ok(())
        }
        InstrumentAction::Remove { id } => {
            let store = open::store(ctx, Workload::Command).await?;
            let removed = store.remove_instrument(&id).await?;
            store.close().await;
            if removed {
                println!("Removed \"{id}\". Your results with it are kept.");
                Ok(())
            } else {
                Err(UserError::new(
                    format!("You have not added a questionnaire called \"{id}\"."),
                    "See `drawbridge instrument list`.",
                )
                .into())
            }
        }
    }
}
