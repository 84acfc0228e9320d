//! `drawbridge urge`, `drawbridge urges` and `drawbridge help-now`.

use std::io::Write;

use anyhow::Result;
use drawbridge_core::Catalog;
use drawbridge_core::urge::{Urge, UrgeDraft};
use drawbridge_store::{UrgeFilter, Workload};
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

use crate::{Ctx, UserError, open};

#[derive(clap::Args)]
pub struct UrgeArgs {
    /// What it looked like: fight, busy, go-quiet, find-flaw, delay-reply, cancel, deflect, numb, leave-first.
    kind: String,
    /// How strong it was, 0 (barely there) to 10 (overwhelming).
    #[arg(long, short = 'i', allow_negative_numbers = true)]
    intensity: Option<i64>,
    /// Where you felt it: racing-heart, tight-chest, tense-shoulders, locked-jaw, shallow-breath, stomach, numb, other.
    #[arg(long, short = 'b')]
    body: Option<String>,
    /// Who it was about.
    #[arg(long, short = 'a')]
    about: Option<String>,
    /// What you did: acted, paused, stayed, third-way.
    #[arg(long, short = 'd')]
    did: Option<String>,
    /// A note, only for you.
    #[arg(long, short = 'n')]
    note: Option<String>,
    /// Print the saved urge as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// Only urges on or after this date (YYYY-MM-DD, your local time) or time (RFC 3339).
    #[arg(long)]
    since: Option<String>,
    /// Only urges before this date or time.
    #[arg(long)]
    until: Option<String>,
    /// Only this kind.
    #[arg(long)]
    kind: Option<String>,
    /// Print a JSON array.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct HelpNowArgs {
    /// Region code: US, UK, IE, CA, AU, DE, FR, IN or INTL.
    #[arg(long, env = "DRAWBRIDGE_REGION")]
    region: Option<String>,
    /// Keep --region as your region, for help-now and for Get help now in the app.
    #[arg(long, requires = "region")]
    save: bool,
}

pub async fn log(ctx: &Ctx, a: UrgeArgs) -> Result<()> {
    let catalog = Catalog::embedded();
    // Check before opening anything, so a typo costs nothing.
    let entry = catalog
        .urges()
        .check(UrgeDraft {
            kind: a.kind,
            intensity: a.intensity,
            body: a.body,
            about: a.about,
            did: a.did,
            note: a.note,
        })
        .map_err(|e| UserError::new(e.to_string(), "Nothing was saved; run the command again with a valid value."))?;
    let store = open::store(ctx, Workload::Command).await?;
    let urge = store.add_urge(entry, OffsetDateTime::now_utc()).await?;
    {
        let mut out = std::io::stdout().lock();
        if a.json {
            serde_json::to_writer(&mut out, &urge)?;
            writeln!(out)?;
        } else {
            let name = catalog
                .urges()
                .kind(&urge.entry.kind)
                .map(|k| k.name.as_str())
                .unwrap_or(&urge.entry.kind);
            writeln!(out, "Saved: {name}, {}. Noticing it is the skill.", local(ctx, urge.at))?;
        }
    }
    let texts: Vec<&str> = [&urge.entry.about, &urge.entry.note]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    crate::moment::care_after_save(&store, &texts, a.json).await?;
    store.close().await;
    Ok(())
}

/// A date (local midnight) or a full RFC 3339 time.
pub(crate) fn parse_when(ctx: &Ctx, flag: &str, s: &str) -> Result<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Ok(t);
    }
    Date::parse(s, format_description!("[year]-[month]-[day]"))
        .map(|d| PrimitiveDateTime::new(d, Time::MIDNIGHT).assume_offset(ctx.local_offset))
        .map_err(|_| {
            UserError::new(
                format!("--{flag} \"{s}\" is not a date I can read."),
                "Use a date like 2026-11-21, or a time like 2026-11-21T09:30:00Z.",
            )
            .into()
        })
}

pub(crate) fn local(ctx: &Ctx, t: OffsetDateTime) -> String {
    t.to_offset(ctx.local_offset)
        .format(format_description!(
            "[weekday repr:short] [day padding:none] [month repr:short] [year] [hour]:[minute]"
        ))
        .unwrap_or_default()
}

pub async fn list(ctx: &Ctx, a: ListArgs) -> Result<()> {
    let catalog = Catalog::embedded();
    let since = a.since.as_deref().map(|s| parse_when(ctx, "since", s)).transpose()?;
    let until = a.until.as_deref().map(|s| parse_when(ctx, "until", s)).transpose()?;
    if let Some(k) = &a.kind {
        catalog
            .urges()
            .check(UrgeDraft {
                kind: k.clone(),
                ..Default::default()
            })
            .map_err(|e| UserError::new(e.to_string(), ""))?;
    }
    let store = open::store(ctx, Workload::Command).await?;
    let urges = store
        .urges(&UrgeFilter {
            since,
            until,
            kind: a.kind,
            ..Default::default()
        })
        .await?;
    store.close().await;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if a.json {
        serde_json::to_writer(&mut out, &urges)?;
        writeln!(out)?;
    } else if urges.is_empty() {
        writeln!(
            out,
            "No urges logged{}.",
            if since.is_some() || until.is_some() {
                " in that time"
            } else {
                " yet"
            }
        )?;
    } else {
        for u in &urges {
            writeln!(out, "{}", line(ctx, catalog, u))?;
        }
    }
    out.flush()?;
    Ok(())
}

fn line(ctx: &Ctx, c: &Catalog, u: &Urge) -> String {
    let e = &u.entry;
    let mut parts = vec![
        local(ctx, u.at),
        c.urges().kind(&e.kind).map(|k| k.name.clone()).unwrap_or_else(|| e.kind.clone()),
    ];
    if let Some(n) = e.intensity {
        parts.push(format!("{n}/10"));
    }
    if let Some(b) = e.body.as_deref().and_then(|b| c.urges().body_signal(b)) {
        parts.push(b.name.to_lowercase());
    }
    if let Some(d) = e.did.as_deref().and_then(|d| c.urges().did_choice(d)) {
        parts.push(d.name.clone());
    }
    if let Some(a) = &e.about {
        parts.push(format!("about {a}"));
    }
    if let Some(n) = &e.note {
        parts.push(format!("\u{201c}{}\u{201d}", n.replace('\n', " ")));
    }
    parts.join(" · ")
}

pub async fn help_now(ctx: &Ctx, a: HelpNowArgs) -> Result<()> {
    let catalog = Catalog::embedded();
    if a.save {
        let code = a.region.as_deref().unwrap_or_default();
        let Some(r) = catalog.crisis().region(code) else {
            let codes: Vec<&str> = catalog.crisis().regions().iter().map(|r| r.code.as_str()).collect();
            return Err(UserError::new(
                format!("\"{code}\" is not a region drawbridge knows, so nothing was saved."),
                format!("Use one of: {}.", codes.join(", ")),
            )
            .into());
        };
        let store = open::store(ctx, Workload::Command).await?;
        store.set_setting(drawbridge_core::crisis::REGION_SETTING, &r.code).await?;
        store.close().await;
        eprintln!("Saved: your region is {} ({}).", r.name, r.code);
    }
    let mut region = a.region.or_else(|| ctx.file.region.clone());
    // Read the saved region and the safety plan only if that needs no
    // passphrase: crisis lines are never behind a prompt.
    let locked = drawbridge_store::KeyFile::read(&ctx.paths.key)
        .ok()
        .flatten()
        .is_some_and(|k| k.needs_passphrase());
    let mut plan = None;
    // A database server that is slow to answer never holds the lines back.
    let wait = std::time::Duration::from_secs(2);
    if (ctx.paths.db.exists() || ctx.paths.database_url.is_some())
        && !locked
        && let Ok(Ok(store)) = tokio::time::timeout(wait, open::store(ctx, Workload::Command)).await
    {
        if region.is_none() {
            region = store.setting(drawbridge_core::crisis::REGION_SETTING).await.ok().flatten();
        }
        plan = store.safety_plan().await.ok();
        store.close().await;
    }
    let unset = region.is_none();
    let r = catalog.crisis().region_or_default(region.as_deref());
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}",
        catalog.safety().help_hope.split_whitespace().collect::<Vec<_>>().join(" ")
    )?;
    writeln!(out)?;
    writeln!(out, "If you or someone else is in immediate danger, call {}.", r.emergency)?;
    writeln!(out)?;
    if unset {
        // First run: say how to choose, with the system's suggestion.
        match crate::system::suggested_region(catalog).and_then(|c| catalog.crisis().region(&c)) {
            Some(s) => writeln!(
                out,
                "Your region is not set yet, so these are the lines for {}. This computer looks like it is in {}: `drawbridge help-now --region {} --save` shows its lines and keeps that choice.",
                r.name.to_lowercase(),
                s.name,
                s.code
            )?,
            None => writeln!(
                out,
                "Your region is not set yet, so these are the lines for {}. `drawbridge help-now --region CODE --save` keeps your choice (the codes are listed below).",
                r.name.to_lowercase()
            )?,
        }
        writeln!(out)?;
    }
    writeln!(out, "{}:", r.name)?;
    for l in &r.lines {
        writeln!(out, "  {}: {}", l.name, l.contact)?;
        writeln!(out, "    {} {}", l.about, l.hours)?;
        if let Some(w) = &l.web {
            writeln!(out, "    {w}")?;
        }
    }
    writeln!(out)?;
    let others: Vec<&str> = catalog.crisis().regions().iter().map(|r| r.code.as_str()).collect();
    writeln!(out, "Other regions: drawbridge help-now --region {}", others.join("|"))?;
    writeln!(out)?;
    match plan {
        Some(p) => write!(out, "{}", crate::moment::plan_text(catalog, &p))?,
        None if locked => writeln!(
            out,
            "{}: it is behind your passphrase, so it is not shown here. See it with `drawbridge safety-plan`.",
            catalog.safety().plan_title
        )?,
        None => write!(out, "{}", crate::moment::plan_text(catalog, &Default::default()))?,
    }
    Ok(())
}
