//! The search page: everything the person wrote, found by its words, with
//! the words marked in a short snippet and a link to each record.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Response;
use drawbridge_core::search::{Kind, Order, Query as Search};
use drawbridge_core::stories::STORIES;
use serde::Deserialize;

use crate::AppState;
use crate::extract::Owner;
use crate::frame::{Chrome, Opt, WebError, html_time, local_time, opts, render};

/// Hits shown on one page.
const SHOWN: usize = 50;

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    order: String,
}

/// One hit as the page shows it.
pub struct HitRow {
    kind: &'static str,
    href: String,
    when: String,
    when_iso: String,
    field: &'static str,
    /// The snippet in pieces, each marked (a word looked for) or not.
    parts: Vec<(String, bool)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    orders: Vec<Opt>,
    error: String,
    order_error: String,
    searched: bool,
    total: usize,
    rows: Vec<HitRow>,
    shown: usize,
}

fn href(kind: Kind, id: uuid::Uuid) -> String {
    match kind {
        Kind::Journal => format!("/journal/{id}"),
        Kind::Reset => format!("/after/resets/{id}"),
        Kind::Urge => format!("/urges/{id}"),
        Kind::Experiment => format!("/practice/records/{id}"),
        Kind::Reflection => "/practice".to_string(),
    }
}

/// A snippet cut into marked and unmarked pieces.
fn parts(text: &str, marks: &[(usize, usize)]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut at = 0;
    for &(a, b) in marks {
        if a < at || b > text.len() || !text.is_char_boundary(a) || !text.is_char_boundary(b) {
            continue;
        }
        if a > at {
            out.push((text[at..a].to_string(), false));
        }
        out.push((text[a..b].to_string(), true));
        at = b;
    }
    if at < text.len() {
        out.push((text[at..].to_string(), false));
    }
    out
}

pub async fn page(State(st): State<AppState>, Owner(store): Owner, Query(p): Query<SearchQuery>) -> Result<Response, WebError> {
    let typed = p.q.trim().to_string();
    let (order, order_error) = match p.order.trim() {
        "" => (Order::Newest, String::new()),
        o => match Order::parse(o) {
            Some(order) => (order, String::new()),
            None => (
                Order::Newest,
                format!("\u{201c}{o}\u{201d} is not an order; choose one from the list."),
            ),
        },
    };
    let order_name = if order == Order::Best { "best" } else { "newest" };
    let mut error = String::new();
    let mut rows = Vec::new();
    let mut total = 0;
    let searched = !typed.is_empty() && order_error.is_empty();
    if searched {
        match Search::parse(&typed, &STORIES, st.config().local_offset) {
            Err(e) => error = e.to_string(),
            Ok(query) => {
                let found = store.search(&query, order, SHOWN, st.catalog()).await?;
                total = found.total;
                rows = found
                    .hits
                    .into_iter()
                    .map(|h| HitRow {
                        kind: h.kind.label(),
                        href: href(h.kind, h.id),
                        when: local_time(&st, h.at),
                        when_iso: html_time(h.at),
                        field: h.snippet.field,
                        parts: parts(&h.snippet.text, &h.snippet.marks),
                    })
                    .collect();
            }
        }
    }
    let shown = rows.len();
    Ok(render(&SearchPage {
        chrome: Chrome::new("Search", "journal"),
        q: typed,
        orders: opts([("newest", "Newest first"), ("best", "Best match first")], Some(order_name)),
        searched: searched && error.is_empty(),
        error,
        order_error,
        total,
        rows,
        shown,
    }))
}
