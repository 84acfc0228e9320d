//! Protective-story cards in the terminal: printed after a journal entry or
//! reset is saved and by `journal show`, counted by `drawbridge stories`, and
//! put away by `drawbridge stories put-away ID STORY`, which is kept so the
//! card stays away (and counts as a miss, for your own measure of the cards).

use std::io::Write;

use anyhow::Result;
use drawbridge_core::Catalog;
use drawbridge_core::journal::JournalEntry;
use drawbridge_core::moment::Reset;
use drawbridge_core::stories::{ITEM_JOURNAL, ITEM_RESET, STORIES, Spotted, StoryAnswer, shown};
use drawbridge_store::{JournalFilter, Workload};
use serde_json::json;
use uuid::Uuid;

use crate::practice::short;
use crate::{Ctx, UserError, open};

/// The stories an entry tells, less those put away.
pub(crate) fn of_entry(c: &Catalog, e: &JournalEntry, answers: &[StoryAnswer]) -> Vec<Spotted> {
    let found = c.stories_in_all(e.text.texts());
    shown(found, ITEM_JOURNAL, e.id, answers)
}

/// The stories a reset tells, less those put away.
pub(crate) fn of_reset(c: &Catalog, r: &Reset, answers: &[StoryAnswer]) -> Vec<Spotted> {
    shown(c.stories_in_all(r.entry.texts()), ITEM_RESET, r.id, answers)
}

/// The ids, for JSON.
pub(crate) fn ids(found: &[Spotted]) -> Vec<&'static str> {
    found.iter().map(|s| s.story).collect()
}

/// The cards as the terminal shows them, with how to put each away.
pub(crate) fn cards_text(c: &Catalog, found: &[Spotted], id: Uuid) -> String {
    let t = c.stories();
    let mut out = String::new();
    for s in found {
        let Some(story) = t.story(s.story) else { continue };
        out.push_str(&format!("\n{}: {}\n", t.labels.heading, story.name));
        out.push_str(&format!("  {}\n", story.card));
        out.push_str(&format!("  {}: {}\n", t.labels.check_label, story.check));
        out.push_str(&format!("  {}: {}\n", t.labels.question_label, story.question));
        out.push_str(&format!(
            "  {}: drawbridge stories put-away {} {}\n",
            t.labels.not_this_time,
            short(id),
            s.story
        ));
    }
    if !found.is_empty() {
        out.push_str(&format!("{}\n", t.labels.why));
    }
    out
}

#[derive(clap::Args)]
pub struct StoriesArgs {
    #[command(subcommand)]
    action: Option<StoriesAction>,
    /// Print JSON: {"stories": [{"id", "name", "texts", "put_away"}], "cards": N, "put_away": N}.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Subcommand)]
pub enum StoriesAction {
    /// Say "not this time" to a card: ID is the journal entry or reset (its
    /// first characters will do), STORY the story's id as the card shows it.
    PutAway { id: String, story: String },
}

pub async fn run(ctx: &Ctx, a: StoriesArgs) -> Result<()> {
    match a.action {
        None => summary(ctx, a.json).await,
        Some(StoriesAction::PutAway { id, story }) => put_away(ctx, &id, &story).await,
    }
}

/// How many texts tell each story, and how many cards were put away.
async fn summary(ctx: &Ctx, json: bool) -> Result<()> {
    let c = Catalog::embedded();
    let store = open::store(ctx, Workload::Command).await?;
    let entries = store.journal(&JournalFilter::default()).await?;
    let resets = store.resets(i64::MAX).await?;
    let answers = store.story_answers().await?;
    store.close().await;
    // Per story: texts with its card still beside them, and cards put away.
    let mut counts: Vec<(&str, usize, usize)> = STORIES.iter().map(|s| (*s, 0, 0)).collect();
    for found in entries
        .iter()
        .map(|e| of_entry(c, e, &answers))
        .chain(resets.iter().map(|r| of_reset(c, r, &answers)))
    {
        for s in found {
            if let Some(row) = counts.iter_mut().find(|r| r.0 == s.story) {
                row.1 += 1;
            }
        }
    }
    for a in &answers {
        if let Some(row) = counts.iter_mut().find(|r| r.0 == a.story) {
            row.2 += 1;
        }
    }
    let shown_total: usize = counts.iter().map(|r| r.1).sum();
    let away_total = answers.len();
    let mut out = std::io::stdout().lock();
    if json {
        let rows: Vec<_> = counts
            .iter()
            .map(|(id, n, away)| json!({"id": id, "name": c.stories().story(id).map(|s| s.name.clone()), "texts": n, "put_away": away}))
            .collect();
        writeln!(out, "{}", json!({"stories": rows, "cards": shown_total, "put_away": away_total}))?;
        return Ok(());
    }
    if shown_total == 0 && away_total == 0 {
        writeln!(
            out,
            "No story cards yet. When a journal entry or reset tells one of the old protective stories, its card shows beside it."
        )?;
        return Ok(());
    }
    for (id, n, away) in &counts {
        if *n == 0 && *away == 0 {
            continue;
        }
        let name = c.stories().story(id).map_or(*id, |s| s.name.as_str());
        let texts = if *n == 1 { "1 text".to_string() } else { format!("{n} texts") };
        let line = match (*n, *away) {
            (_, 0) => format!("beside {texts}"),
            (0, a) => format!("put away {a} time{}", if a == 1 { "" } else { "s" }),
            (_, a) => format!("beside {texts}; put away {a} time{}", if a == 1 { "" } else { "s" }),
        };
        writeln!(out, "{name} ({id}): {line}")?;
    }
    let all = shown_total + away_total;
    if away_total > 0 {
        writeln!(
            out,
            "\nOf {all} card{}, you put away {away_total} ({}%); each counts as a card that missed.",
            if all == 1 { "" } else { "s" },
            away_total * 100 / all
        )?;
    }
    Ok(())
}

/// "Not this time" for one card.
async fn put_away(ctx: &Ctx, id: &str, story: &str) -> Result<()> {
    let c = Catalog::embedded();
    let Some(story) = STORIES.iter().copied().find(|s| *s == story.trim()) else {
        return Err(UserError::new(
            format!("\"{story}\" is not one of the stories."),
            format!("The stories are {}.", STORIES.join(", ")),
        )
        .into());
    };
    let wanted = id.trim().replace('-', "").to_lowercase();
    if wanted.len() < 4 || !wanted.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(UserError::new(
            format!("\"{id}\" is not an entry or reset id."),
            "Use at least the first 4 characters of the id the card shows.",
        )
        .into());
    }
    let store = open::store(ctx, Workload::Command).await?;
    let mut hits: Vec<(&str, Vec<Spotted>, Uuid)> = Vec::new();
    for eid in store.journal_ids_starting_with(&wanted).await? {
        if let Some(e) = store.journal_entry(eid).await? {
            hits.push((ITEM_JOURNAL, c.stories_in_all(e.text.texts()), eid));
        }
    }
    for r in store.resets(i64::MAX).await? {
        if r.id.simple().to_string().starts_with(&wanted) {
            hits.push((ITEM_RESET, c.stories_in_all(r.entry.texts()), r.id));
        }
    }
    let (item, found, item_id) = match hits.len() {
        1 => hits.remove(0),
        0 => {
            store.close().await;
            return Err(UserError::new(
                format!("No journal entry or reset has an id starting with \"{id}\"."),
                "`drawbridge journal` lists both with their ids.",
            )
            .into());
        }
        _ => {
            store.close().await;
            return Err(UserError::new(
                format!("More than one entry or reset starts with \"{id}\"."),
                "Give a few more characters of the id.",
            )
            .into());
        }
    };
    if !found.iter().any(|s| s.story == story) {
        store.close().await;
        return Err(UserError::new(
            format!("There is no \"{story}\" card beside {}.", short(item_id)),
            "`drawbridge journal show ID` shows the cards an entry has.",
        )
        .into());
    }
    let new = store.put_story_away(item, item_id, story).await?;
    store.close().await;
    let t = c.stories();
    if new {
        println!("{}", t.labels.dismissed);
    } else {
        println!("That card was put away already.");
    }
    Ok(())
}
