//! `drawbridge journal` (write, list, show, edit, delete, drafts) and
//! `drawbridge prompts`.

use std::io::{IsTerminal, Read, Write};

use anyhow::Result;
use drawbridge_core::Catalog;
use drawbridge_core::journal::{JournalDraft, JournalEntry, JournalError, JournalInput, JournalText};
use drawbridge_core::versions::{self, TextVersion};
use drawbridge_store::{JournalFilter, Store, Workload};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::practice::short;
use crate::{Ctx, UserError, open};

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct JournalArgs {
    #[command(subcommand)]
    action: Option<JournalAction>,
    #[command(flatten)]
    list: ListArgs,
}

#[derive(clap::Args, Default)]
pub struct ListArgs {
    /// Only entries on or after this date (YYYY-MM-DD, your local time) or time (RFC 3339).
    #[arg(long)]
    since: Option<String>,
    /// Only entries before this date or time.
    #[arg(long)]
    until: Option<String>,
    /// Only entries with this tag (any case; the # is optional).
    #[arg(long)]
    tag: Option<String>,
    /// Only entries (and resets) whose card tells this story, by its id:
    /// prefer-alone, will-disappoint, need-nothing, just-who-i-am,
    /// just-independent, need-space, dont-care, done-with-this.
    #[arg(long)]
    story: Option<String>,
    /// Print a JSON array.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Subcommand)]
pub enum JournalAction {
    /// Write an entry: TEXT, or standard input, or your $EDITOR in a terminal.
    Write(WriteArgs),
    /// Show one entry in full, with every earlier version of it.
    Show {
        /// Its id, or the first characters of it.
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Change an entry; the words it had are kept as an earlier version.
    Edit(EditArgs),
    /// Delete an entry and its earlier versions (asks first).
    Delete {
        id: String,
        /// Delete without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Words kept as a draft and not yet saved as an entry, in full.
    Drafts {
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
pub struct WriteArgs {
    /// The prompt it answers (`drawbridge prompts` lists them).
    #[arg(long)]
    prompt: Option<String>,
    /// A tag of your own; give --tag again for more.
    #[arg(long = "tag")]
    tags: Vec<String>,
    #[arg(long)]
    title: Option<String>,
    /// How your body felt: racing-heart, tight-chest, tense-shoulders, locked-jaw, shallow-breath, stomach, numb, other.
    #[arg(long)]
    body_signal: Option<String>,
    /// The entry itself (Markdown is fine).
    text: Option<String>,
    /// Print the saved entry as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct EditArgs {
    id: String,
    /// A new title ("" takes it away).
    #[arg(long)]
    title: Option<String>,
    /// Replace the tags with these.
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// Take every tag away.
    #[arg(long, conflicts_with = "tags")]
    no_tags: bool,
    #[arg(long)]
    body_signal: Option<String>,
    /// The new text; without it, standard input, or your $EDITOR in a terminal.
    text: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct PromptsArgs {
    /// Only this theme.
    #[arg(long)]
    theme: Option<String>,
    #[arg(long)]
    json: bool,
}

fn journal_error(e: JournalError, kept: Option<Uuid>) -> anyhow::Error {
    let hint = match kept {
        Some(id) => format!(
            "Your words are kept as a draft ({}); `drawbridge journal drafts` shows them in full.",
            short(id)
        ),
        None => "Nothing was saved; run the command again with a valid value.".to_string(),
    };
    UserError::new(e.to_string(), hint).into()
}

fn check(c: &Catalog, input: JournalInput<'_>) -> Result<JournalText, JournalError> {
    JournalText::check(input, |p| c.prompts().get(p).is_some(), |b| c.urges().body_signal(b).is_some())
}

/// The words of an entry, from TEXT, standard input, or an editor.
fn words(given: Option<String>, start: &str) -> Result<Option<String>> {
    if let Some(t) = given {
        return Ok(Some(t));
    }
    if !std::io::stdin().is_terminal() {
        let t = crate::input::stdin_text()?;
        return Ok((!t.trim().is_empty()).then_some(t));
    }
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| std::env::var("EDITOR").ok().filter(|v| !v.trim().is_empty()));
    let Some(editor) = editor else {
        eprintln!("Write your entry, then press Ctrl-D on a new line to save it (Ctrl-C leaves without saving).");
        let mut t = String::new();
        std::io::stdin().lock().read_to_string(&mut t)?;
        return Ok(Some(t));
    };
    let path = std::env::temp_dir().join(format!("drawbridge-entry-{}.md", Uuid::now_v7().simple()));
    {
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        o.open(&path)?.write_all(start.as_bytes())?;
    }
    let mut parts = editor.split_whitespace();
    let program = parts.next().unwrap_or("vi");
    let status = std::process::Command::new(program).args(parts).arg(&path).status();
    let text = std::fs::read(&path).ok();
    let _ = std::fs::remove_file(&path);
    match status {
        Err(e) => Err(UserError::new(
            format!("The editor \"{program}\" could not be started ({e})."),
            "Set $EDITOR to an editor you have, or give the text after the command.",
        )
        .into()),
        Ok(_) => match text {
            Some(bytes) => Ok(Some(crate::input::decode(&bytes, "The edited text")?)),
            None => Ok(None),
        },
    }
}

pub async fn run(ctx: &Ctx, a: JournalArgs) -> Result<()> {
    match a.action {
        None => list(ctx, a.list).await,
        Some(JournalAction::Write(w)) => write(ctx, w).await,
        Some(JournalAction::Show { id, json }) => show(ctx, &id, json).await,
        Some(JournalAction::Edit(e)) => edit(ctx, e).await,
        Some(JournalAction::Delete { id, yes }) => delete(ctx, &id, yes).await,
        Some(JournalAction::Drafts { json }) => drafts(ctx, json).await,
    }
}

async fn write(ctx: &Ctx, a: WriteArgs) -> Result<()> {
    let c = Catalog::embedded();
    // Check everything but the words before anything opens, so a typo costs nothing.
    let probe = |body: &str| {
        check(
            c,
            JournalInput {
                title: a.title.as_deref(),
                body,
                tags: a.tags.clone(),
                prompt: a.prompt.as_deref(),
                body_signal: a.body_signal.as_deref(),
                ..Default::default()
            },
        )
    };
    probe("-").map_err(|e| journal_error(e, None))?;
    if a.text.is_none()
        && std::io::stdin().is_terminal()
        && let Some(p) = a.prompt.as_deref().and_then(|p| c.prompts().get(p))
    {
        eprintln!("{}\n{}", p.text, p.hint);
    }
    let body = words(a.text.clone(), "")?.unwrap_or_default();
    let store = open::store(ctx, Workload::Command).await?;
    let id = Uuid::now_v7();
    let text = match probe(&body) {
        Ok(t) => t,
        Err(e) => {
            let kept = if body.trim().is_empty() {
                None
            } else {
                store
                    .keep_journal_draft(JournalDraft {
                        id,
                        saved_at: OffsetDateTime::now_utc(),
                        title: a.title.clone().unwrap_or_default(),
                        body: body.clone(),
                        tags: a.tags.join(", "),
                        prompt: a.prompt.clone(),
                    })
                    .await?;
                Some(id)
            };
            store.close().await;
            return Err(journal_error(e, kept));
        }
    };
    let (entry, _) = store.save_journal(id, text, OffsetDateTime::now_utc()).await?;
    let found = crate::stories::of_entry(c, &entry, &store.story_answers().await?);
    {
        let mut out = std::io::stdout().lock();
        if a.json {
            writeln!(out, "{}", entry_json(&entry, &found))?;
        } else {
            writeln!(out, "Saved: \u{201c}{}\u{201d} ({}).", entry.heading(), short(entry.id))?;
            write!(out, "{}", crate::stories::cards_text(c, &found, entry.id))?;
        }
    }
    care(&store, &entry, a.json).await?;
    store.close().await;
    Ok(())
}

async fn care(store: &Store, e: &JournalEntry, json: bool) -> Result<()> {
    let texts: Vec<&str> = e.text.texts().collect();
    crate::moment::care_after_save(store, &texts, json).await
}

/// An entry as JSON: every key always there, with the ids of the stories
/// whose cards stand beside it.
fn entry_json(e: &JournalEntry, stories: &[drawbridge_core::stories::Spotted]) -> Value {
    let rfc = |t: OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    json!({
        "id": e.id,
        "at": rfc(e.at),
        "edited_at": e.edited_at.map(rfc),
        "title": e.text.title,
        "body": e.text.body,
        "tags": e.text.tags,
        "prompt": e.text.prompt,
        "body_signal": e.text.body_signal,
        "urge": e.text.urge,
        "record": e.text.record,
        "reset": e.text.reset,
        "stories": crate::stories::ids(stories),
    })
}

/// An entry by full id or the first characters of it (at least 4).
async fn find(store: &Store, s: &str) -> Result<JournalEntry> {
    let wanted = s.trim().replace('-', "").to_lowercase();
    if wanted.len() < 4 || !wanted.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(UserError::new(
            format!("\"{s}\" is not an entry id."),
            "Use at least the first 4 characters of its id; `drawbridge journal` lists them.",
        )
        .into());
    }
    let hits = store.journal_ids_starting_with(&wanted).await?;
    match hits.as_slice() {
        [id] => store.journal_entry(*id).await?.ok_or_else(|| {
            UserError::new(
                format!("The entry starting with \"{s}\" was deleted just now."),
                "`drawbridge journal` lists your entries with their ids.",
            )
            .into()
        }),
        [] => Err(UserError::new(
            format!("No journal entry has an id starting with \"{s}\"."),
            "`drawbridge journal` lists your entries with their ids.",
        )
        .into()),
        _ => Err(UserError::new(
            format!("More than one entry starts with \"{s}\"."),
            "Give a few more characters of the id.",
        )
        .into()),
    }
}

async fn list(ctx: &Ctx, a: ListArgs) -> Result<()> {
    let c = Catalog::embedded();
    let story = match a.story.as_deref().map(str::trim) {
        None => None,
        Some(s) => Some(drawbridge_core::stories::STORIES.iter().copied().find(|x| *x == s).ok_or_else(|| {
            UserError::new(
                format!("\"{s}\" is not one of the stories."),
                format!("The stories are {}.", drawbridge_core::stories::STORIES.join(", ")),
            )
        })?),
    };
    let since = a.since.as_deref().map(|s| crate::urges::parse_when(ctx, "since", s)).transpose()?;
    let until = a.until.as_deref().map(|s| crate::urges::parse_when(ctx, "until", s)).transpose()?;
    let store = open::store(ctx, Workload::Command).await?;
    let entries = store
        .journal(&JournalFilter {
            since,
            until,
            tag: a.tag.clone(),
            limit: None,
        })
        .await?;
    // Stories are read only where they are shown (JSON) or asked for.
    let wants_stories = a.json || story.is_some();
    let answers = if wants_stories { store.story_answers().await? } else { Vec::new() };
    let entries: Vec<(JournalEntry, Vec<drawbridge_core::stories::Spotted>)> = entries
        .into_iter()
        .map(|e| {
            let found = if wants_stories {
                crate::stories::of_entry(c, &e, &answers)
            } else {
                Vec::new()
            };
            (e, found)
        })
        .filter(|(_, found)| story.is_none_or(|s| found.iter().any(|f| f.story == s)))
        .collect();
    // Resets stand in the timeline too (they carry no tags).
    let resets: Vec<_> = if a.json || a.tag.is_some() {
        Vec::new()
    } else {
        store
            .resets(i64::MAX)
            .await?
            .into_iter()
            .filter(|r| since.is_none_or(|s| r.at >= s) && until.is_none_or(|u| r.at < u))
            .filter(|r| story.is_none_or(|s| crate::stories::of_reset(c, r, &answers).iter().any(|f| f.story == s)))
            .collect()
    };
    store.close().await;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if a.json {
        writeln!(out, "{}", Value::Array(entries.iter().map(|(e, f)| entry_json(e, f)).collect()))?;
    } else if entries.is_empty() && resets.is_empty() {
        let filtered = since.is_some() || until.is_some() || a.tag.is_some() || story.is_some();
        writeln!(
            out,
            "{}",
            if filtered {
                "No entries match that."
            } else {
                "No journal entries yet. `drawbridge journal write` starts one; `drawbridge prompts` has questions to write from."
            }
        )?;
    } else {
        let mut lines: Vec<(time::OffsetDateTime, String)> = Vec::new();
        for (e, _) in &entries {
            let mut line = format!("{}  {}  {}", short(e.id), crate::urges::local(ctx, e.at), e.heading());
            for t in &e.text.tags {
                line.push_str(&format!("  #{t}"));
            }
            if e.edited_at.is_some() {
                line.push_str("  (edited)");
            }
            lines.push((e.at, line));
        }
        for r in &resets {
            let words = r.entry.first_words().unwrap_or("");
            let first: String = words.lines().next().unwrap_or("").chars().take(60).collect();
            lines.push((r.at, format!("{}  {}  reset: {first}", short(r.id), crate::urges::local(ctx, r.at))));
        }
        lines.sort_by_key(|l| std::cmp::Reverse(l.0));
        for (_, line) in lines {
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
    Ok(())
}

fn version_json(v: &TextVersion) -> Value {
    json!({"field": v.field, "text": v.text,
        "replaced_at": v.replaced_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()})
}

async fn show(ctx: &Ctx, id: &str, json: bool) -> Result<()> {
    let c = Catalog::embedded();
    let store = open::store(ctx, Workload::Command).await?;
    let e = find(&store, id).await?;
    let kept = store.versions(versions::JOURNAL, &e.id.to_string()).await?;
    let found = crate::stories::of_entry(c, &e, &store.story_answers().await?);
    store.close().await;
    let mut out = std::io::stdout().lock();
    if json {
        let mut v = entry_json(&e, &found);
        v["versions"] = Value::Array(kept.iter().map(version_json).collect());
        writeln!(out, "{v}")?;
        return Ok(());
    }
    writeln!(out, "{}", e.heading())?;
    let mut meta = vec![crate::urges::local(ctx, e.at)];
    if let Some(t) = e.edited_at {
        meta.push(format!("edited {}", crate::urges::local(ctx, t)));
    }
    if let Some(b) = e.text.body_signal.as_deref().and_then(|b| c.urges().body_signal(b)) {
        meta.push(b.name.to_lowercase());
    }
    meta.extend(e.text.tags.iter().map(|t| format!("#{t}")));
    writeln!(out, "{}  ({})", meta.join(" · "), short(e.id))?;
    if let Some(p) = e.text.prompt.as_deref().and_then(|p| c.prompts().get(p)) {
        writeln!(out, "Answering: {}", p.text)?;
    }
    writeln!(out, "\n{}", e.text.body)?;
    write!(out, "{}", crate::stories::cards_text(c, &found, e.id))?;
    if !kept.is_empty() {
        writeln!(out, "\nEarlier versions, newest first:")?;
        for v in &kept {
            writeln!(out, "\n  {} until {}:", v.field, crate::urges::local(ctx, v.replaced_at))?;
            for l in v.text.lines() {
                writeln!(out, "    {l}")?;
            }
        }
    }
    Ok(())
}

async fn edit(ctx: &Ctx, a: EditArgs) -> Result<()> {
    let c = Catalog::embedded();
    let store = open::store(ctx, Workload::Command).await?;
    let e = find(&store, &a.id).await?;
    let old = &e.text;
    let given = a.text.is_some() || std::io::stdin().is_terminal();
    let new_body = if given {
        words(a.text.clone(), &old.body)?
    } else {
        // Piped words replace the body; nothing piped keeps it.
        let t = crate::input::stdin_text()?;
        (!t.trim().is_empty()).then_some(t)
    };
    let body = new_body.clone().unwrap_or_else(|| old.body.clone());
    let tags = if a.no_tags {
        Vec::new()
    } else if a.tags.is_empty() {
        old.tags.clone()
    } else {
        a.tags.clone()
    };
    let title = a.title.clone().or_else(|| old.title.clone());
    let input = JournalInput {
        title: title.as_deref(),
        body: &body,
        tags: tags.clone(),
        prompt: old.prompt.as_deref(),
        body_signal: a.body_signal.as_deref().or(old.body_signal.as_deref()),
        urge: old.urge,
        record: old.record,
        reset: old.reset,
    };
    let text = match check(c, input) {
        Ok(t) => t,
        Err(err) => {
            // Words typed in an editor or piped in are kept as a draft of this entry.
            let kept = if new_body.as_deref().is_some_and(|b| !b.trim().is_empty()) {
                store
                    .keep_journal_draft(JournalDraft {
                        id: e.id,
                        saved_at: OffsetDateTime::now_utc(),
                        title: title.clone().unwrap_or_default(),
                        body: body.clone(),
                        tags: tags.join(", "),
                        prompt: old.prompt.clone(),
                    })
                    .await?;
                Some(e.id)
            } else {
                None
            };
            store.close().await;
            return Err(journal_error(err, kept));
        }
    };
    let changed = text != e.text && store.edit_journal(e.id, text).await?;

    let now = store.journal_entry(e.id).await?.unwrap_or(e);
    let found = crate::stories::of_entry(c, &now, &store.story_answers().await?);
    {
        let mut out = std::io::stdout().lock();
        if a.json {
            writeln!(out, "{}", entry_json(&now, &found))?;
        } else if changed {
            writeln!(
                out,
                "Saved your changes to \u{201c}{}\u{201d}. The words it had are kept: `drawbridge journal show {}`.",
                now.heading(),
                short(now.id)
            )?;
            write!(out, "{}", crate::stories::cards_text(c, &found, now.id))?;
        } else {
            writeln!(out, "Nothing changed, so nothing was saved.")?;
        }
    }
    if changed {
        care(&store, &now, a.json).await?;
    }
    store.close().await;
    Ok(())
}

async fn delete(ctx: &Ctx, id: &str, yes: bool) -> Result<()> {
    let store = open::store(ctx, Workload::Command).await?;
    let e = find(&store, id).await?;
    let mut out = std::io::stdout().lock();
    if !yes {
        if !std::io::stdin().is_terminal() {
            store.close().await;
            return Err(UserError::new(
                format!(
                    "Deleting \u{201c}{}\u{201d} removes it and its earlier versions, and cannot be undone.",
                    e.heading()
                ),
                "Run it in a terminal to be asked, or add --yes.",
            )
            .into());
        }
        eprint!(
            "Delete \u{201c}{}\u{201d} ({}) and its earlier versions? This cannot be undone. [y/N] ",
            e.heading(),
            crate::urges::local(ctx, e.at)
        );
        let mut typed = String::new();
        std::io::stdin().read_line(&mut typed)?;
        if !matches!(typed.trim().to_lowercase().as_str(), "y" | "yes") {
            writeln!(out, "Nothing was deleted.")?;
            store.close().await;
            return Ok(());
        }
    }
    store.delete_journal(e.id).await?;
    store.close().await;
    writeln!(out, "Deleted \u{201c}{}\u{201d}.", e.heading())?;
    Ok(())
}

async fn drafts(ctx: &Ctx, json: bool) -> Result<()> {
    let store = open::store(ctx, Workload::Command).await?;
    let all = store.journal_drafts().await?;
    store.close().await;
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string(&all)?)?;
        return Ok(());
    }
    if all.is_empty() {
        writeln!(out, "No drafts: everything you wrote is saved.")?;
    }
    for d in &all {
        let title = if d.title.trim().is_empty() { "(no title)" } else { d.title.trim() };
        writeln!(out, "{}  kept {}  {title}", short(d.id), crate::urges::local(ctx, d.saved_at))?;
        if !d.tags.trim().is_empty() {
            writeln!(out, "  tags: {}", d.tags.trim())?;
        }
        for l in d.body.lines() {
            writeln!(out, "    {l}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

pub fn prompts(a: PromptsArgs) -> Result<()> {
    let c = Catalog::embedded();
    let p = c.prompts();
    if let Some(t) = &a.theme
        && !drawbridge_core::prompts::THEMES.contains(&t.as_str())
    {
        return Err(UserError::new(
            format!("\"{t}\" is not a prompt theme."),
            format!("The themes are {}.", drawbridge_core::prompts::THEMES.join(", ")),
        )
        .into());
    }
    let shown: Vec<_> = p
        .prompts
        .iter()
        .filter(|x| a.theme.as_deref().is_none_or(|t| x.theme == t))
        .collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if a.json {
        writeln!(out, "{}", serde_json::to_string(&shown)?)?;
    } else {
        let mut theme = "";
        for x in shown {
            if x.theme != theme {
                theme = &x.theme;
                writeln!(out, "\n{} ({theme})", p.theme_name(theme))?;
            }
            writeln!(out, "  {}\n    {}\n    {}", x.id, x.text, x.hint)?;
        }
        writeln!(out, "\nWrite from one: drawbridge journal write --prompt ID")?;
    }
    out.flush()?;
    Ok(())
}
