//! People from the terminal: `people`, `person add|edit|show|safe|contact|
//! link|archive|delete`, `owe`, `replied`, `past add|list|delete` and
//! `pattern`. Every command has `--json`; every value is checked before
//! anything is written, and a mistake says what to do.

use std::io::Write;

use anyhow::Result;
use drawbridge_core::Catalog;
use drawbridge_core::people::{
    self, Drift, EndedBy, Kind, LinkKind, PastRelationship, PatternFound, PeopleText, PersonDetails, SafeItem, SafeState,
};
use drawbridge_store::people::{Linked, LinkedRecords, PeopleError, PersonRow};
use drawbridge_store::{FollowUp, Store, Workload};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::practice::{parse_date, today_date};
use crate::urges::{local, parse_when};
use crate::{Ctx, UserError, open};

#[derive(clap::Args)]
pub struct PeopleArgs {
    /// Only the people past their stay-in-touch interval.
    #[arg(long)]
    drifting: bool,
    /// Also list the archived (past relationships).
    #[arg(long)]
    archived: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Default)]
pub struct DetailArgs {
    /// partner, friend, family, colleague, acquaintance or other.
    #[arg(long)]
    kind: Option<String>,
    /// Since when you have known them, or been together (YYYY-MM-DD).
    #[arg(long)]
    since: Option<String>,
    /// The stage you have reached with them, 0 to 4.
    #[arg(long, allow_negative_numbers = true)]
    stage: Option<i64>,
    /// Ideally be in touch at least every DAYS days.
    #[arg(long, value_name = "DAYS", allow_negative_numbers = true)]
    ideal: Option<i64>,
    /// And let no more than DAYS days pass between contacts.
    #[arg(long, value_name = "DAYS", allow_negative_numbers = true)]
    max: Option<i64>,
    /// Notes, only for you.
    #[arg(long)]
    notes: Option<String>,
}

#[derive(clap::Subcommand)]
pub enum PersonAction {
    /// Add someone. Earlier urges about them and experiments with them, by this exact name, are linked.
    Add {
        name: String,
        #[command(flatten)]
        details: DetailArgs,
        #[arg(long)]
        json: bool,
    },
    /// Change someone's details; earlier names and notes are kept.
    Edit {
        name: String,
        /// A new name or nickname.
        #[arg(long)]
        rename: Option<String>,
        #[command(flatten)]
        details: DetailArgs,
        /// Clear the since date, the intervals or the notes.
        #[arg(long, value_name = "FIELD", value_parser = ["since", "ideal", "max", "notes"])]
        clear: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Where things stand with someone, and their timeline.
    Show {
        name: String,
        /// How many timeline entries to show.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Mark a sign of safety: consistent, respects-space, kind, repairs, private.
    Safe {
        name: String,
        item: String,
        /// Not shown, or not yet.
        #[arg(long)]
        no: bool,
        #[arg(long)]
        json: bool,
    },
    /// We were in touch (today, or on --date).
    Contact {
        name: String,
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Link a record to someone: urge, experiment, journal or reset, by id.
    Link {
        name: String,
        kind: String,
        id: String,
        /// Remove the link instead.
        #[arg(long)]
        remove: bool,
    },
    /// Archive someone (keep them for the record, off the list), or --restore.
    Archive {
        name: String,
        #[arg(long)]
        restore: bool,
    },
    /// Remove someone, with their marks, contacts, replies and past relationships.
    Delete {
        name: String,
        /// Keep the urges, experiments, journal entries and resets that name them (unlinked).
        #[arg(long, conflicts_with = "delete_records", required_unless_present = "delete_records")]
        keep_records: bool,
        /// Remove those records too.
        #[arg(long)]
        delete_records: bool,
    },
}

#[derive(clap::Args)]
pub struct OweArgs {
    name: String,
    /// Since when (YYYY-MM-DD or an RFC 3339 time); now if left out.
    #[arg(long)]
    since: Option<String>,
    /// What it is about, in a few words.
    #[arg(long)]
    about: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct RepliedArgs {
    name: String,
    /// How replying felt, 0 (easy) to 100 (the hardest).
    #[arg(long, allow_negative_numbers = true)]
    felt: Option<i64>,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Subcommand)]
pub enum PastAction {
    /// Add a past relationship or friendship. A name that is not a person yet becomes an archived one.
    Add {
        name: String,
        #[arg(long)]
        began: String,
        #[arg(long)]
        ended: String,
        /// me, them, both or drifted.
        #[arg(long)]
        ended_by: String,
        /// The stage you reached with them, 0 to 4.
        #[arg(long, allow_negative_numbers = true)]
        stage: Option<i64>,
        /// The urges that came before the end, by kind, comma-separated.
        #[arg(long, value_delimiter = ',')]
        urges: Vec<String>,
        /// What kind of relationship it was (when the name is new): partner, friend...
        #[arg(long, default_value = "partner")]
        kind: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List past relationships, oldest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a past relationship by its id (or its first characters).
    Delete { id: String },
}

#[derive(clap::Args)]
pub struct PatternArgs {
    #[arg(long)]
    json: bool,
}

fn not_saved(e: impl std::fmt::Display) -> anyhow::Error {
    UserError::new(e.to_string(), "Nothing was saved; run the command again with a valid value.").into()
}

fn people_err(e: PeopleError) -> anyhow::Error {
    match e {
        PeopleError::Store(s) => s.into(),
        other => not_saved(other),
    }
}

fn kind(s: &str) -> Result<Kind> {
    Kind::parse(s).ok_or_else(|| not_saved(people::PersonError::Kind(s.into())))
}

fn opt_num<T>(v: Option<i64>, f: fn(i64) -> Result<T, people::PersonError>) -> Result<Option<T>> {
    v.map(f).transpose().map_err(not_saved)
}

fn text(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The person by name, or an error that lists who there is.
async fn named(store: &Store, name: &str) -> Result<people::Person> {
    if let Some(p) = store.person_named(name).await? {
        return Ok(p);
    }
    let all = store.people().await?;
    let hint = if all.is_empty() {
        "There is nobody here yet. `drawbridge person add NAME --kind friend` adds someone.".to_string()
    } else {
        let names: Vec<&str> = all.iter().map(|p| p.details.name.as_str()).collect();
        format!(
            "The people here are: {}. `drawbridge person add` adds someone new.",
            names.join(", ")
        )
    };
    Err(UserError::new(format!("There is no one called \"{}\".", name.trim()), hint).into())
}

fn print_json(v: &impl serde::Serialize) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

fn people_text() -> &'static PeopleText {
    Catalog::embedded().people()
}

fn stage_name(n: u8) -> String {
    Catalog::embedded()
        .practice()
        .stage(n)
        .map_or_else(|| "not started".to_string(), |s| s.name.clone())
}

fn urge_name(k: &str) -> String {
    Catalog::embedded()
        .urges()
        .kind(k)
        .map_or_else(|| k.to_string(), |u| u.name.clone())
}

pub async fn list(ctx: &Ctx, a: PeopleArgs) -> Result<()> {
    let store = open::store(ctx, Workload::Command).await?;
    let rows = store.people_rows(today_date(ctx), ctx.local_offset, people_text()).await?;
    store.close().await;
    let rows: Vec<&PersonRow> = rows
        .iter()
        .filter(|r| a.archived || !r.archived)
        .filter(|r| !a.drifting || r.drifting != Drift::None)
        .collect();
    if a.json {
        return print_json(&rows);
    }
    let t = people_text();
    let mut out = std::io::stdout().lock();
    if rows.is_empty() {
        let said = if a.drifting {
            "Nobody is past the time you hoped to be in touch."
        } else {
            "There is nobody here yet. `drawbridge person add NAME --kind friend` adds someone."
        };
        writeln!(out, "{said}")?;
        return Ok(());
    }
    for r in rows {
        let archived = if r.archived { ", archived" } else { "" };
        writeln!(
            out,
            "{} ({}{archived}), stage {}",
            r.name,
            t.kind_name(r.kind).to_lowercase(),
            r.stage
        )?;
        writeln!(out, "  {}", t.last_sentence(r.last_contact, r.days_since))?;
        if let Some(d) = t.drift_sentence(r.drifting, r.days_since, r.ideal_days, r.max_days) {
            writeln!(out, "  {d}")?;
        }
        for o in &r.owed {
            let w = people::waiting(o.since, OffsetDateTime::now_utc());
            writeln!(out, "  {}", t.owed.replace("{name}", &r.name).replace("{waiting}", &w))?;
        }
        let shown: Vec<&str> = r
            .safe
            .iter()
            .filter(|s| matches!(s.state, SafeState::Yes | SafeState::Suggested))
            .filter_map(|s| t.safe_item(s.item).map(|x| x.name.as_str()))
            .collect();
        if !shown.is_empty() {
            writeln!(out, "  Has shown: {}", shown.join("; "))?;
        }
    }
    Ok(())
}

fn details_from(name: String, d: &DetailArgs, base: Option<&PersonDetails>) -> Result<PersonDetails> {
    let kind = match (&d.kind, base) {
        (Some(k), _) => kind(k)?,
        (None, Some(b)) => b.kind,
        (None, None) => {
            return Err(UserError::new(
                "Say what kind of person they are in your life.",
                "Add --kind partner, friend, family, colleague, acquaintance or other.",
            )
            .into());
        }
    };
    let since = d.since.as_deref().map(|s| parse_date("since", s)).transpose()?;
    Ok(PersonDetails {
        name,
        kind,
        since: since.or(base.and_then(|b| b.since)),
        stage: opt_num(d.stage, people::stage)?.or(base.map(|b| b.stage)).unwrap_or(0),
        ideal_days: opt_num(d.ideal, people::interval)?.or(base.and_then(|b| b.ideal_days)),
        max_days: opt_num(d.max, people::interval)?.or(base.and_then(|b| b.max_days)),
        notes: text(d.notes.clone()).or(base.and_then(|b| b.notes.clone())),
    })
}

pub async fn person(ctx: &Ctx, action: PersonAction) -> Result<()> {
    let today = today_date(ctx);
    match action {
        PersonAction::Add { name, details, json } => {
            let d = details_from(name, &details, None)?;
            let d = d.checked(today).map_err(not_saved)?;
            let store = open::store(ctx, Workload::Command).await?;
            let (p, linked) = store.add_person(d, today).await.map_err(people_err)?;
            if json {
                print_json(&json!({"person": p, "linked": linked}))?;
            } else {
                let earlier = match linked {
                    0 => String::new(),
                    1 => " One earlier record that named them is linked.".into(),
                    n => format!(" {n} earlier records that named them are linked."),
                };
                println!("Added {}.{earlier}", p.details.name);
            }
            if let Some(n) = &p.details.notes {
                crate::moment::care_after_save(&store, &[n], json).await?;
            }
            store.close().await;
        }
        PersonAction::Edit {
            name,
            rename,
            details,
            clear,
            json,
        } => {
            let store = open::store(ctx, Workload::Command).await?;
            let p = named(&store, &name).await?;
            let mut d = details_from(text(rename).unwrap_or(p.details.name.clone()), &details, Some(&p.details))?;
            for c in &clear {
                match c.as_str() {
                    "since" => d.since = None,
                    "ideal" => d.ideal_days = None,
                    "max" => d.max_days = None,
                    _ => d.notes = None,
                }
            }
            store.edit_person(p.id, d, today).await.map_err(people_err)?;
            let now = store.person(p.id).await?;
            if json {
                print_json(&now)?;
            } else {
                println!("Saved. Earlier names and notes are kept (`drawbridge person show` lists them).");
            }
            if let Some(n) = now.as_ref().and_then(|p| p.details.notes.as_ref()) {
                crate::moment::care_after_save(&store, &[n], json).await?;
            }
            store.close().await;
        }
        PersonAction::Show { name, limit, json } => {
            let store = open::store(ctx, Workload::Command).await?;
            let p = named(&store, &name).await?;
            let page = store
                .person_page(p.id, today, ctx.local_offset, people_text(), limit)
                .await?
                .ok_or_else(|| UserError::new("They were removed just now.", ""))?;
            let earlier = store.versions(drawbridge_core::versions::PERSON, &p.id.to_string()).await?;
            store.close().await;
            if json {
                return print_json(&json!({"person": page, "earlier_versions": earlier}));
            }
            show(ctx, &page, &earlier)?;
        }
        PersonAction::Safe { name, item, no, json } => {
            let Some(it) = SafeItem::parse(&item) else {
                return Err(UserError::new(
                    format!("\"{item}\" is not one of the signs of safety."),
                    "Use consistent, respects-space, kind, repairs or private.",
                )
                .into());
            };
            let store = open::store(ctx, Workload::Command).await?;
            let p = named(&store, &name).await?;
            store.mark_safe(p.id, it, !no).await?;
            store.close().await;
            let t = people_text();
            let label = t.safe_item(it).map_or(it.id(), |s| s.name.as_str());
            if json {
                print_json(&json!({"person": p.id, "item": it, "yes": !no}))?;
            } else if no {
                println!("Marked for {}: {label}, not shown yet. That can change.", p.details.name);
            } else {
                println!("Marked for {}: {label}.", p.details.name);
            }
        }
        PersonAction::Contact { name, date, json } => {
            let on = date.as_deref().map(|d| parse_date("date", d)).transpose()?.unwrap_or(today);
            if on > today {
                return Err(not_saved(format!("--date {on} is in the future. Use today or an earlier day.")));
            }
            let store = open::store(ctx, Workload::Command).await?;
            let p = named(&store, &name).await?;
            let c = store.add_contact(p.id, on).await?;
            store.close().await;
            if json {
                print_json(&c)?;
            } else {
                println!("Noted: in touch with {} on {on}. The clock starts again.", p.details.name);
            }
        }
        PersonAction::Link { name, kind, id, remove } => {
            let Some(k) = LinkKind::parse(&kind) else {
                return Err(UserError::new(
                    format!("\"{kind}\" is not a kind of record."),
                    "Use urge, experiment, journal or reset.",
                )
                .into());
            };
            let item = Uuid::parse_str(id.trim()).map_err(|_| {
                UserError::new(
                    format!("\"{id}\" is not a whole id."),
                    "Use the full id, as `--json` prints it (for example from `drawbridge urges --json`).",
                )
            })?;
            let store = open::store(ctx, Workload::Command).await?;
            let p = named(&store, &name).await?;
            let done = if remove {
                store.unlink(p.id, k, item).await?
            } else {
                store.link(p.id, k, item).await?
            };
            store.close().await;
            match (remove, done) {
                (false, true) => println!("Linked to {}.", p.details.name),
                (true, true) => println!("No longer linked to {}.", p.details.name),
                (true, false) => println!("That {kind} was not linked to {}.", p.details.name),
                (false, false) => {
                    return Err(UserError::new(
                        format!(
                            "Nothing was linked: either it is linked to {} already, or there is no {kind} with that id.",
                            p.details.name
                        ),
                        "`drawbridge person show NAME` lists what is linked.",
                    )
                    .into());
                }
            }
        }
        PersonAction::Archive { name, restore } => {
            let store = open::store(ctx, Workload::Command).await?;
            let p = named(&store, &name).await?;
            store.archive_person(p.id, !restore).await?;
            store.close().await;
            if restore {
                println!("{} is back among the people in your life.", p.details.name);
            } else {
                println!("{} is archived: kept, with everything linked, and off the list.", p.details.name);
            }
        }
        PersonAction::Delete { name, delete_records, .. } => {
            let store = open::store(ctx, Workload::Command).await?;
            let p = named(&store, &name).await?;
            let records = if delete_records {
                LinkedRecords::Delete
            } else {
                LinkedRecords::Keep
            };
            store.delete_person(p.id, records).await?;
            store.close().await;
            let what = if delete_records {
                "and the records that named them"
            } else {
                "The records that named them are kept, unlinked"
            };
            if delete_records {
                println!("Removed {}, {what}.", p.details.name);
            } else {
                println!("Removed {}. {what}.", p.details.name);
            }
        }
    }
    Ok(())
}

fn show(ctx: &Ctx, page: &drawbridge_store::people::PersonPage, earlier: &[drawbridge_core::versions::TextVersion]) -> Result<()> {
    let t = people_text();
    let r = &page.row;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{} ({})", r.name, t.kind_name(r.kind).to_lowercase())?;
    if let Some(s) = r.since {
        writeln!(out, "In your life since {s}.")?;
    }
    writeln!(out, "Stage {}: {}.", r.stage, stage_name(r.stage))?;
    writeln!(out, "{}", t.last_sentence(r.last_contact, r.days_since))?;
    if let Some(d) = t.drift_sentence(r.drifting, r.days_since, r.ideal_days, r.max_days) {
        writeln!(out, "{d}")?;
    }
    if let Some(n) = &page.notes {
        writeln!(out, "\nNotes: {n}")?;
    }
    writeln!(out, "\nHow safe they have shown themselves")?;
    for s in &r.safe {
        let name = t.safe_item(s.item).map_or(s.item.id(), |x| x.name.as_str());
        let state = match s.state {
            SafeState::Yes => "shown",
            SafeState::No => "not yet",
            SafeState::Suggested => "suggested by your records",
            SafeState::Open => "open",
        };
        writeln!(out, "  {name}: {state}")?;
        for why in &s.rests_on {
            writeln!(out, "    {why}")?;
        }
    }
    if !r.owed.is_empty() {
        writeln!(out, "\nReplies owed")?;
        for o in &r.owed {
            let w = people::waiting(o.since, OffsetDateTime::now_utc());
            let about = o.about.as_deref().map(|a| format!(" ({a})")).unwrap_or_default();
            writeln!(out, "  {}{about}", t.owed.replace("{name}", &r.name).replace("{waiting}", &w))?;
        }
    }
    if !page.stage_over_time.is_empty() {
        writeln!(out, "\nStage over time")?;
        for (d, s) in &page.stage_over_time {
            writeln!(out, "  {d}: stage {s}")?;
        }
    }
    writeln!(out, "\nTimeline, newest first ({} of {})", page.timeline.len(), page.timeline_total)?;
    if page.timeline.is_empty() {
        writeln!(out, "  Nothing linked yet.")?;
    }
    let catalog = Catalog::embedded();
    for e in &page.timeline {
        let when = local(ctx, e.at);
        let line = match &e.linked {
            Linked::Urge(u) => {
                let did = u
                    .entry
                    .did
                    .as_deref()
                    .and_then(|d| catalog.urges().did.iter().find(|x| x.id == d))
                    .map(|d| format!(". {}.", d.name))
                    .unwrap_or_default();
                format!("Urge: {}{did}", urge_name(&u.entry.kind))
            }
            Linked::Experiment(x) => {
                let outcome = x
                    .result
                    .as_ref()
                    .map(|r| {
                        let name = catalog
                            .practice()
                            .outcome(r.outcome.id())
                            .map_or(r.outcome.id(), |o| o.name.as_str());
                        format!(" {name}.")
                    })
                    .unwrap_or_else(|| " Planned.".into());
                format!("Experiment at stage {}: \"{}\".{outcome}", x.plan.stage, x.plan.prediction)
            }
            Linked::Journal(j) => format!("Journal: {}", j.text.title.as_deref().unwrap_or(first_line(&j.text.body))),
            Linked::Reset(s) => format!("Reset: {}", s.entry.happened.as_deref().unwrap_or("(no words)")),
            Linked::Contact(_) => "In touch".to_string(),
            Linked::Reply(x) => match x.replied_at {
                Some(_) => format!("Replied{}", x.felt.map(|f| format!(" (it felt {f} of 100)")).unwrap_or_default()),
                None => "A reply owed".to_string(),
            },
            Linked::Past(p) => format!("Ended ({}), {} to {}", t.ended_by_name(p.ended_by).to_lowercase(), p.began, p.ended),
        };
        writeln!(out, "  {when}  {line}")?;
    }
    if !earlier.is_empty() {
        writeln!(out, "\nEarlier words")?;
        for v in earlier {
            writeln!(out, "  {} (until {}): {}", v.field, local(ctx, v.replaced_at), v.text)?;
        }
    }
    Ok(())
}

fn first_line(s: &str) -> &str {
    let line = s.lines().next().unwrap_or("");
    match line.char_indices().nth(80) {
        Some((i, _)) => &line[..i],
        None => line,
    }
}

pub async fn owe(ctx: &Ctx, a: OweArgs) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    let since = a.since.as_deref().map(|s| parse_when(ctx, "since", s)).transpose()?.unwrap_or(now);
    if since > now {
        return Err(not_saved(format!("--since {} is in the future.", a.since.unwrap_or_default())));
    }
    let store = open::store(ctx, Workload::Command).await?;
    let p = named(&store, &a.name).await?;
    let r = store.owe_reply(p.id, since, a.about).await.map_err(people_err)?;
    if a.json {
        print_json(&r)?;
    } else {
        println!(
            "Noted: a reply to {}. No rush and no alarm; `drawbridge replied {}` closes it.",
            p.details.name, p.details.name
        );
    }
    if let Some(about) = &r.about {
        crate::moment::care_after_save(&store, &[about], a.json).await?;
    }
    store.close().await;
    Ok(())
}

pub async fn replied(ctx: &Ctx, a: RepliedArgs) -> Result<()> {
    let felt = a
        .felt
        .map(|f| drawbridge_core::practice::rating("How it felt", f))
        .transpose()
        .map_err(not_saved)?;
    let store = open::store(ctx, Workload::Command).await?;
    let p = named(&store, &a.name).await?;
    let oldest = store
        .replies()
        .await?
        .into_iter()
        .filter(|r| r.person == p.id && r.replied_at.is_none())
        .min_by_key(|r| r.since);
    let Some(r) = oldest else {
        store.close().await;
        return Err(UserError::new(
            format!("There is no reply owed to {}.", p.details.name),
            format!("`drawbridge owe {}` notes one.", p.details.name),
        )
        .into());
    };
    let said = store.replied(r.id, felt).await?;
    store.close().await;
    let took = people::waiting(r.since, OffsetDateTime::now_utc());
    match said {
        FollowUp::Saved if a.json => print_json(&json!({"reply": r.id, "replied": true, "waited": took}))?,
        FollowUp::Saved => println!("Replied to {}, after {took}. That is staying.", p.details.name),
        FollowUp::AlreadyDone(_) | FollowUp::NotFound => println!("That reply was closed already."),
    }
    Ok(())
}

pub async fn past(ctx: &Ctx, action: PastAction) -> Result<()> {
    let today = today_date(ctx);
    let catalog = Catalog::embedded();
    let kinds: Vec<&str> = catalog.urges().kinds.iter().map(|k| k.id.as_str()).collect();
    match action {
        PastAction::Add {
            name,
            began,
            ended,
            ended_by,
            stage,
            urges,
            kind: k,
            note,
            json,
        } => {
            let began = parse_date("began", &began)?;
            let ended = parse_date("ended", &ended)?;
            let by = EndedBy::parse(&ended_by).ok_or_else(|| not_saved(people::PastError::EndedBy(ended_by.clone())))?;
            let stage = opt_num(stage, people::stage)?;
            let k = kind(&k)?;
            let draft = PastRelationship {
                id: Uuid::now_v7(),
                person: Uuid::nil(),
                began,
                ended,
                ended_by: by,
                stage,
                urges,
                note: text(note),
                added_at: OffsetDateTime::now_utc(),
            };
            // Check before a person is made for it.
            let draft = draft.checked(today, &kinds).map_err(not_saved)?;
            let store = open::store(ctx, Workload::Command).await?;
            let who = store.archived_person(name.trim(), k, today).await.map_err(people_err)?;
            let p = store
                .add_past(PastRelationship { person: who.id, ..draft }, today, &kinds)
                .await
                .map_err(people_err)?;
            if json {
                print_json(&p)?;
            } else {
                let archived = if who.archived { " (kept as an archived person)" } else { "" };
                println!(
                    "Added the relationship with {}{archived}. `drawbridge pattern` lines it up with the others.",
                    who.details.name
                );
            }
            if let Some(n) = &p.note {
                crate::moment::care_after_save(&store, &[n], json).await?;
            }
            store.close().await;
        }
        PastAction::List { json } => {
            let store = open::store(ctx, Workload::Command).await?;
            let all = store.past_relationships().await?;
            let everyone = store.people().await?;
            store.close().await;
            if json {
                return print_json(&all);
            }
            if all.is_empty() {
                println!("No past relationships yet. `drawbridge past add NAME --began D --ended D --ended-by me` adds one.");
            }
            let t = people_text();
            for p in &all {
                let name = everyone
                    .iter()
                    .find(|x| x.id == p.person)
                    .map_or("someone", |x| x.details.name.as_str());
                println!(
                    "{}  {name}: {} to {} ({}), {}",
                    &p.id.to_string()[..8],
                    p.began,
                    p.ended,
                    people::span_words(p.days() as f64),
                    t.ended_by_name(p.ended_by).to_lowercase()
                );
            }
        }
        PastAction::Delete { id } => {
            let store = open::store(ctx, Workload::Command).await?;
            let prefix = id.trim().to_lowercase();
            let matches: Vec<PastRelationship> = store
                .past_relationships()
                .await?
                .into_iter()
                .filter(|p| !prefix.is_empty() && p.id.to_string().starts_with(&prefix))
                .collect();
            let [one] = matches.as_slice() else {
                store.close().await;
                return Err(UserError::new(
                    if matches.is_empty() {
                        format!("No past relationship has an id starting with \"{id}\".")
                    } else {
                        format!("More than one past relationship has an id starting with \"{id}\".")
                    },
                    "`drawbridge past list` shows each id's first characters.",
                )
                .into());
            };
            store.delete_past(one.id).await?;
            store.close().await;
            println!("Removed that past relationship.");
        }
    }
    Ok(())
}

pub async fn pattern(ctx: &Ctx, a: PatternArgs) -> Result<()> {
    let store = open::store(ctx, Workload::Command).await?;
    let found = people::find_pattern(&store.past_relationships().await?);
    let rows = store.people_rows(today_date(ctx), ctx.local_offset, people_text()).await?;
    store.close().await;
    let t = people_text();
    let said = t.pattern_sentences(&found, &stage_name, &urge_name);
    let near: Vec<(String, String)> = match &found {
        PatternFound::Found(p) => {
            let current: Vec<(Uuid, Option<time::Date>, u8)> =
                rows.iter().filter(|r| !r.archived).map(|r| (r.id, r.since, r.stage)).collect();
            people::nearing(p, &current, today_date(ctx))
                .into_iter()
                .filter_map(|n| {
                    let r = rows.iter().find(|r| r.id == n.person)?;
                    Some((r.name.clone(), t.nearing_sentence(&n, &r.name)))
                })
                .collect()
        }
        PatternFound::TooFew { .. } => Vec::new(),
    };
    if a.json {
        let nearing: Vec<_> = near.iter().map(|(n, s)| json!({"name": n, "said": s})).collect();
        return print_json(&json!({"pattern": found, "said": said, "nearing": nearing}));
    }
    let mut out = std::io::stdout().lock();
    for s in &said {
        writeln!(out, "{s}")?;
    }
    for (_, s) in &near {
        writeln!(out, "\n{s}")?;
        writeln!(out, "{}", t.nearing_kind)?;
        for step in &t.nearing_plan {
            writeln!(out, "  {}: {}", step.title, step.text)?;
        }
    }
    Ok(())
}
