//! `drawbridge search`: everything you wrote, found by its words.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use drawbridge_core::Catalog;
use drawbridge_core::search::{Kind, Order, Query};
use drawbridge_store::Workload;
use drawbridge_store::search::Hit;
use serde_json::{Value, json};

use crate::{Ctx, UserError, open};

#[derive(clap::Args)]
pub struct SearchArgs {
    /// What to look for. Every word must be there (in any of its forms:
    /// stay finds stayed and staying); "a phrase" in quotes, prefix* for any
    /// word beginning so, -word to leave out; tag:NAME, story:ID,
    /// kind:journal|reset|urge|experiment|reflection, from:DATE and to:DATE
    /// narrow it. Case and accents do not matter. Put a search that
    /// leaves a word out in quotes: drawbridge search 'stay -work'.
    #[arg(required = true, num_args = 1..)]
    query: Vec<String>,
    /// Only this kind of record (journal, reset, urge, experiment,
    /// reflection); give it more than once for several.
    #[arg(long)]
    kind: Vec<String>,
    /// From this day on (a date like 2026-03-14).
    #[arg(long)]
    from: Option<String>,
    /// Up to and including this day.
    #[arg(long)]
    to: Option<String>,
    /// newest (the default) or best: where the words come most often.
    #[arg(long, default_value = "newest")]
    order: String,
    /// How many hits to show.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Print JSON: {"total", "hits": [{"kind", "id", "at", "field",
    /// "snippet", "marks"}]}, marks as [start, end) character offsets into
    /// the snippet.
    #[arg(long)]
    json: bool,
}

/// The command that opens a record, where there is one.
fn open_with(h: &Hit) -> Option<String> {
    let id = crate::practice::short(h.id);
    match h.kind {
        Kind::Journal => Some(format!("drawbridge journal show {id}")),
        Kind::Experiment => Some(format!("drawbridge experiment show {id}")),
        _ => None,
    }
}

/// Byte ranges as character offsets, for readers that count characters.
fn char_marks(text: &str, marks: &[(usize, usize)]) -> Vec<[usize; 2]> {
    let at = |b: usize| text.get(..b).map_or(0, |s| s.chars().count());
    marks.iter().map(|(a, b)| [at(*a), at(*b)]).collect()
}

fn hit_json(h: &Hit) -> Value {
    json!({
        "kind": h.kind.name(),
        "id": h.id.to_string(),
        "at": h.at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "field": h.snippet.field,
        "snippet": h.snippet.text,
        "marks": char_marks(&h.snippet.text, &h.snippet.marks),
    })
}

/// The snippet with its marked words in bold (on a terminal) or as it is.
fn marked(text: &str, marks: &[(usize, usize)], bold: bool) -> String {
    if !bold {
        return text.to_string();
    }
    let mut out = String::new();
    let mut at = 0;
    for &(a, b) in marks {
        if a < at || b > text.len() {
            continue;
        }
        out.push_str(&text[at..a]);
        out.push_str("\x1b[1m");
        out.push_str(&text[a..b]);
        out.push_str("\x1b[0m");
        at = b;
    }
    out.push_str(&text[at..]);
    out
}

pub async fn run(ctx: &Ctx, a: SearchArgs) -> Result<()> {
    let c = Catalog::embedded();
    let order = Order::parse(&a.order).ok_or_else(|| {
        UserError::new(
            format!("--order \"{}\" is not an order I know.", a.order),
            "Use --order newest or --order best.",
        )
    })?;
    let mut text = a.query.join(" ");
    for k in &a.kind {
        text.push_str(&format!(" kind:{k}"));
    }
    if let Some(f) = &a.from {
        text.push_str(&format!(" from:{f}"));
    }
    if let Some(t) = &a.to {
        text.push_str(&format!(" to:{t}"));
    }
    let query = Query::parse(&text, &drawbridge_core::stories::STORIES, ctx.local_offset).map_err(|e| {
        UserError::new(
            e.to_string(),
            "`drawbridge search --help` shows what a search can hold, with examples.",
        )
    })?;
    let store = open::store(ctx, Workload::Command).await?;
    let found = store.search(&query, order, a.limit, c).await;
    store.close().await;
    let found = found?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if a.json {
        let hits: Vec<Value> = found.hits.iter().map(hit_json).collect();
        writeln!(out, "{}", json!({"total": found.total, "hits": hits}))?;
        return Ok(());
    }
    if found.total == 0 {
        writeln!(out, "Nothing you wrote matches that. Fewer words, or a word*, finds more.")?;
        return Ok(());
    }
    let bold = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let shown = found.hits.len();
    if shown < found.total {
        writeln!(out, "{} records match; the first {shown}:", found.total)?;
    } else if found.total == 1 {
        writeln!(out, "1 record matches:")?;
    } else {
        writeln!(out, "{} records match:", found.total)?;
    }
    for h in &found.hits {
        writeln!(out)?;
        writeln!(
            out,
            "{}  {}  {}  ({})",
            h.kind.label(),
            crate::urges::local(ctx, h.at),
            crate::practice::short(h.id),
            h.snippet.field
        )?;
        writeln!(out, "  {}", marked(&h.snippet.text, &h.snippet.marks, bold).replace('\n', " "))?;
        if let Some(cmd) = open_with(h) {
            writeln!(out, "  open: {cmd}")?;
        }
    }
    Ok(())
}
