//! `drawbridge export` and `drawbridge import`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use drawbridge_core::Catalog;
use drawbridge_store::{ExportDoc, Workload};

use crate::{Ctx, UserError, open};

#[derive(clap::Args)]
pub struct ExportArgs {
    /// Write to FILE instead of standard output. The file is not encrypted.
    #[arg(long, short = 'o', value_name = "FILE")]
    out: Option<PathBuf>,
    /// Write your finished quiz results as FHIR R4 QuestionnaireResponses (a Bundle) instead.
    #[arg(long, conflicts_with = "journal_markdown")]
    fhir: bool,
    /// Write each journal entry as a Markdown file (with its date, title,
    /// tags and question at the top) into DIR instead, the form journaling
    /// tools trade in. A file already there with other words is never
    /// overwritten.
    #[arg(long, value_name = "DIR", conflicts_with = "out")]
    journal_markdown: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// An export file, or - for standard input.
    file: PathBuf,
    /// Where the file and this database differ, take the file's (the words
    /// it replaces are kept as earlier versions). Without it, yours are kept.
    #[arg(long, conflicts_with = "from")]
    prefer_file: bool,
    /// Bring in a journal from another tool: jrnl (its `jrnl --format json`
    /// export) or daylio (its CSV export).
    #[arg(long, value_enum)]
    from: Option<Source>,
    /// Show what would come in, and save nothing.
    #[arg(long, requires = "from")]
    dry_run: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Source {
    Jrnl,
    Daylio,
}

pub async fn export(ctx: &Ctx, a: ExportArgs) -> Result<()> {
    if let Some(dir) = &a.journal_markdown {
        return journal_markdown(ctx, dir).await;
    }
    let store = open::store(ctx, Workload::Command).await?;
    let (json, what) = if a.fhir {
        let catalog = Catalog::embedded();
        let instruments = store.instruments(catalog).await?;
        let results: Vec<_> = store
            .quiz_results(None)
            .await?
            .into_iter()
            .map(|r| {
                let inst = instruments.iter().find(|i| i.id == r.instrument).cloned();
                (r, inst)
            })
            .collect();
        let n = results.len();
        (
            serde_json::to_string_pretty(&drawbridge_store::fhir::bundle(&results))?,
            format!("{n} quiz result{}", if n == 1 { "" } else { "s" }),
        )
    } else {
        let doc = store.export().await?;
        let n = doc.urges.len();
        (
            serde_json::to_string_pretty(&doc)?,
            format!(
                "{n} urge{} and {} quiz result{}",
                if n == 1 { "" } else { "s" },
                doc.quiz_results.len(),
                if doc.quiz_results.len() == 1 { "" } else { "s" }
            ),
        )
    };
    store.close().await;
    let mut json = json;
    json.push('\n');
    match a.out {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(json.as_bytes())?;
            out.flush()?;
        }
        Some(path) => {
            write_private(&path, json.as_bytes()).with_context(|| format!("Could not write {}", path.display()))?;
            eprintln!(
                "Exported {what} to {}. This file is not encrypted: keep it somewhere private.",
                path.display()
            );
        }
    }
    Ok(())
}

/// A string as YAML writes it in double quotes.
fn yaml_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One entry as a Markdown file: YAML front matter, then the body as written.
pub(crate) fn entry_markdown(
    e: &drawbridge_core::journal::JournalEntry,
    c: &Catalog,
    answers: &[drawbridge_core::stories::StoryAnswer],
) -> String {
    let when = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let mut out = String::from("---\n");
    out.push_str(&format!("id: {}\n", e.id));
    out.push_str(&format!("date: {}\n", when(e.at)));
    if let Some(t) = e.edited_at {
        out.push_str(&format!("edited: {}\n", when(t)));
    }
    if let Some(t) = &e.text.title {
        out.push_str(&format!("title: {}\n", yaml_quoted(t)));
    }
    let tags: Vec<String> = e.text.tags.iter().map(|t| yaml_quoted(t)).collect();
    out.push_str(&format!("tags: [{}]\n", tags.join(", ")));
    if let Some(p) = &e.text.prompt {
        let text = c.prompts().get(p).map_or(p.as_str(), |x| x.text.as_str());
        out.push_str(&format!("prompt: {}\n", yaml_quoted(text)));
    }
    if let Some(b) = &e.text.body_signal {
        let name = c.urges().body_signal(b).map_or(b.as_str(), |x| x.name.as_str());
        out.push_str(&format!("body: {}\n", yaml_quoted(name)));
    }
    let stories: Vec<String> = crate::stories::of_entry(c, e, answers)
        .iter()
        .map(|s| yaml_quoted(s.story))
        .collect();
    out.push_str(&format!("stories: [{}]\n", stories.join(", ")));
    out.push_str("---\n\n");
    out.push_str(&e.text.body);
    out.push('\n');
    out
}

/// The file an entry is written to: its date and time, then its id.
fn entry_file_name(e: &drawbridge_core::journal::JournalEntry) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]-[hour][minute]");
    format!("{}-{}.md", e.at.format(&fmt).unwrap_or_default(), e.id.simple())
}

async fn journal_markdown(ctx: &Ctx, dir: &std::path::Path) -> Result<()> {
    let c = Catalog::embedded();
    if dir.exists() && !dir.is_dir() {
        return Err(UserError::new(
            format!("{} is a file, not a folder.", dir.display()),
            "Name a folder (it is made if it does not exist). Nothing was written.",
        )
        .into());
    }
    let store = open::store(ctx, Workload::Command).await?;
    let entries = store.journal(&drawbridge_store::JournalFilter::default()).await?;
    let answers = store.story_answers().await?;
    store.close().await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("Could not make the folder {}", dir.display()))?;
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir).with_context(|| format!("Could not make the folder {}", dir.display()))?;
    let (mut written, mut same, mut kept) = (0usize, 0usize, Vec::new());
    for e in &entries {
        let path = dir.join(entry_file_name(e));
        let text = entry_markdown(e, c, &answers);
        match std::fs::read(&path) {
            Ok(old) if old == text.as_bytes() => same += 1,
            // Words already there that differ (edited in another tool,
            // say) are never overwritten.
            Ok(_) => kept.push(path),
            Err(_) => {
                write_private(&path, text.as_bytes()).with_context(|| format!("Could not write {}", path.display()))?;
                written += 1;
            }
        }
    }
    let n = |k: usize| format!("{k} entr{}", if k == 1 { "y" } else { "ies" });
    eprintln!(
        "Wrote {} to {}{}. These files are not encrypted: keep them somewhere private.",
        n(written),
        dir.display(),
        if same > 0 {
            format!(" ({} already there, unchanged)", n(same))
        } else {
            String::new()
        }
    );
    if !kept.is_empty() {
        eprintln!(
            "{} already in the folder with other words were left as they are, so nothing in them is lost. To write today's versions, export into an empty folder:",
            n(kept.len())
        );
        for p in &kept {
            eprintln!("  {}", p.display());
        }
    }
    Ok(())
}

/// Write atomically (temporary file, then rename) with owner-only permissions.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let tmp = dir.join(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("export")));
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

pub async fn import(ctx: &Ctx, a: ImportArgs) -> Result<()> {
    let catalog = Catalog::embedded();
    let text = if a.file.as_os_str() == "-" {
        crate::input::stdin_text()?
    } else {
        let bytes = std::fs::read(&a.file).map_err(|e| {
            UserError::new(
                format!("Could not read {}: {e}.", a.file.display()),
                "Check the path; it should be a file made by drawbridge export.",
            )
        })?;
        crate::input::decode(&bytes, &a.file.display().to_string())?
    };
    if let Some(from) = a.from {
        return import_journal(ctx, from, &text, a.dry_run, &a.file).await;
    }
    // Check everything before touching the database.
    let doc = ExportDoc::parse(&text, catalog)?;
    let store = open::store(ctx, Workload::Command).await?;
    let report = store.import(&doc, a.prefer_file, catalog).await?;
    store.close().await;
    print!("{}", import_summary(&report, a.prefer_file));
    Ok(())
}

/// Entries from jrnl or Daylio: all read and checked first; one already
/// here (the same moment and the same words) is not added again.
async fn import_journal(ctx: &Ctx, from: Source, text: &str, dry_run: bool, file: &std::path::Path) -> Result<()> {
    let c = Catalog::embedded();
    let (name, read) = match from {
        Source::Jrnl => ("jrnl", crate::importers::jrnl(c, text, ctx.local_offset)),
        Source::Daylio => ("Daylio", crate::importers::daylio(c, text, ctx.local_offset)),
    };
    let incoming = read.map_err(|p| {
        UserError::new(
            format!("{} ({}): {}.", file.display(), p.place, p.message),
            format!("Nothing was imported. Fix that line in the {name} file, or make the export again, then import it again."),
        )
    })?;
    let store = open::store(ctx, Workload::Command).await?;
    let have = store.journal(&drawbridge_store::JournalFilter::default()).await?;
    let is_here = |i: &crate::importers::Incoming| {
        have.iter()
            .any(|e| e.at == i.at && e.text.body == i.text.body && e.text.title == i.text.title)
    };
    let (here, new): (Vec<_>, Vec<_>) = incoming.into_iter().partition(|i| is_here(i));
    let n = |k: usize| format!("{k} entr{}", if k == 1 { "y" } else { "ies" });
    let mut out = std::io::stdout().lock();
    if dry_run {
        writeln!(out, "From {name}: {} would come in; {} already here.", n(new.len()), n(here.len()))?;
        for i in &new {
            let mut line = format!(
                "  {}  {}",
                crate::urges::local(ctx, i.at),
                i.text.title.as_deref().unwrap_or_else(|| i.text.body.lines().next().unwrap_or(""))
            );
            for t in &i.text.tags {
                line.push_str(&format!("  #{t}"));
            }
            writeln!(out, "{line}")?;
        }
        writeln!(out, "Nothing was saved (--dry-run).")?;
        store.close().await;
        return Ok(());
    }
    for i in &new {
        store.save_journal(uuid::Uuid::now_v7(), i.text.clone(), i.at).await?;
    }
    store.close().await;
    writeln!(out, "From {name}: added {}; {} already here.", n(new.len()), n(here.len()))?;
    Ok(())
}

/// What an import did, in words, counted from the report itself.
pub fn import_summary(r: &drawbridge_store::ImportReport, prefer_file: bool) -> String {
    let mut out = format!("{}\n", r.counted());
    out.push_str(&r.differences(prefer_file, "To take the file's instead, import again with --prefer-file."));
    out.push('\n');
    for c in &r.conflicts {
        out.push_str(&format!("  - {c}\n"));
    }
    out
}

/// `drawbridge doctor`: each check in words, the first problem with what to
/// do. Nothing is written: a damaged database stays exactly as it is.
pub async fn doctor(ctx: &Ctx) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match Catalog::embedded().check() {
        Ok(()) => writeln!(
            out,
            "Built-in content: all {} sets read and checked.",
            drawbridge_core::content::SETS.len()
        )?,
        Err(e) => writeln!(
            out,
            "Built-in content: damaged ({e}). Please report this: this copy of drawbridge was built wrongly."
        )?,
    }
    match &ctx.paths.database_url {
        Some(_) => writeln!(out, "Data: {}.", ctx.paths.shown())?,
        None => writeln!(
            out,
            "Data folder: {}",
            ctx.paths.db.parent().map(|p| p.display().to_string()).unwrap_or_default()
        )?,
    }
    if ctx.paths.database_url.is_none() && !ctx.paths.db.exists() {
        writeln!(out, "No database yet: it is created the first time you save something.")?;
        return Ok(());
    }
    match drawbridge_store::KeyFile::read(&ctx.paths.key)? {
        None if ctx.paths.database_url.is_some() => {
            writeln!(out, "Key file: none yet at {}.", ctx.paths.key.display())?;
        }
        None => {
            return Err(drawbridge_store::StoreError::KeyFileMissing {
                db: ctx.paths.db.clone(),
                key: ctx.paths.key.clone(),
            }
            .into());
        }
        Some(kf) => writeln!(
            out,
            "Key file: readable{}.",
            if kf.needs_passphrase() { ", protected by a passphrase" } else { "" }
        )?,
    }
    let store = open::store(ctx, Workload::Command).await?;
    let ciphers = store.cipher_provider().await.unwrap_or_else(|_| "unknown".into());
    match &ctx.paths.database_url {
        Some(_) => writeln!(out, "Database: reached, and your words open with your key (sealed by {ciphers}).")?,
        None => writeln!(out, "Database: opens with its key (encryption by {ciphers}).")?,
    }
    let problems = store.check().await;
    let place = store.place().to_path_buf();
    store.close().await;
    match problems? {
        p if p.is_empty() => {
            match &ctx.paths.database_url {
                Some(_) => writeln!(out, "Every sealed value checked: all open, none damaged.")?,
                None => writeln!(out, "Every page checked: no damage found.")?,
            }
            Ok(())
        }
        p => Err(drawbridge_store::StoreError::Damaged {
            path: place,
            detail: format!(
                "a check of every {} found {} problem{}",
                if ctx.paths.database_url.is_some() { "sealed value" } else { "page" },
                p.len(),
                if p.len() == 1 { "" } else { "s" }
            ),
        }
        .into()),
    }
}
