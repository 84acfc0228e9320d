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
    #[arg(long)]
    fhir: bool,
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// An export file, or - for standard input.
    file: PathBuf,
    /// Where the file and this database differ, take the file's (the words
    /// it replaces are kept as earlier versions). Without it, yours are kept.
    #[arg(long)]
    prefer_file: bool,
}

pub async fn export(ctx: &Ctx, a: ExportArgs) -> Result<()> {
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
    // Check everything before touching the database.
    let doc = ExportDoc::parse(&text, catalog)?;
    let store = open::store(ctx, Workload::Command).await?;
    let report = store.import(&doc, a.prefer_file, catalog).await?;
    store.close().await;
    print!("{}", import_summary(&report, a.prefer_file));
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
