//! Search over the owner's own words, the same on every engine: the
//! records are read through the engine's ordinary readers (unsealed on
//! PostgreSQL, where the words are sealed at rest), and matched in memory
//! by `drawbridge_core::search`, which folds case and accents and brings
//! word forms together. Nothing of a search is written anywhere.

use drawbridge_core::Catalog;
use drawbridge_core::search::{Doc, Kind, Order, Query, Snippet, Terms, snippet};
use drawbridge_core::stories::{ITEM_JOURNAL, ITEM_RESET, StoryAnswer};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{JournalFilter, Store, StoreError, UrgeFilter};

/// One record found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub kind: Kind,
    pub id: Uuid,
    pub at: OffsetDateTime,
    pub snippet: Snippet,
}

/// What a search found: how many records match, and the first of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub total: usize,
    pub hits: Vec<Hit>,
}

/// The stories shown beside a journal entry or a reset (its cards, less
/// those put away), as the Journal's story filter reads them.
fn shows_stories(c: &Catalog, doc: &Doc, answers: &[StoryAnswer], wanted: &[&str]) -> bool {
    let item = match doc.kind {
        Kind::Journal => ITEM_JOURNAL,
        Kind::Reset => ITEM_RESET,
        _ => return false,
    };
    let found = c.stories_in_all(doc.fields.iter().map(|f| f.text.as_str()));
    wanted
        .iter()
        .all(|w| found.iter().any(|s| s.story == *w) && !answers.iter().any(|a| a.item == item && a.item_id == doc.id && a.story == *w))
}

impl Store {
    /// Every record of the kinds `q` looks in, as search reads it.
    async fn search_docs(&self, q: &Query) -> Result<Vec<Doc>, StoreError> {
        let wants = |k: Kind| q.kinds.is_empty() || q.kinds.contains(&k);
        let mut docs = Vec::new();
        if wants(Kind::Journal) {
            let f = JournalFilter {
                since: q.from,
                until: q.until,
                ..JournalFilter::default()
            };
            docs.extend(self.backend.journal(&f).await?.iter().map(Doc::journal));
        }
        if wants(Kind::Reset) {
            docs.extend(self.backend.resets(i64::MAX).await?.iter().map(Doc::reset));
        }
        if wants(Kind::Urge) {
            let f = UrgeFilter {
                since: q.from,
                until: q.until,
                ..UrgeFilter::default()
            };
            docs.extend(self.backend.urges(&f).await?.iter().filter_map(Doc::urge));
        }
        if wants(Kind::Experiment) {
            docs.extend(self.backend.records(None, u32::MAX).await?.iter().map(Doc::experiment));
        }
        if wants(Kind::Reflection) {
            docs.extend(self.backend.program_runs().await?.iter().filter_map(Doc::reflection));
        }
        Ok(docs)
    }

    /// The records matching `q`, in `order`, the first `limit` of them with
    /// a snippet. `story:` asks the story detector in `catalog`, which reads
    /// only the records that match everything else.
    pub async fn search(&self, q: &Query, order: Order, limit: usize, catalog: &Catalog) -> Result<Found, StoreError> {
        let mut matched: Vec<(Doc, Terms)> = self
            .search_docs(q)
            .await?
            .into_iter()
            .map(|d| {
                let t = d.terms();
                (d, t)
            })
            .filter(|(d, t)| q.matches(d.kind, d.at, t))
            .collect();
        if !q.stories.is_empty() {
            let answers = self.backend.story_answers().await?;
            matched.retain(|(d, _)| shows_stories(catalog, d, &answers, &q.stories));
        }
        let newest = |a: &Doc, b: &Doc| b.at.cmp(&a.at).then(b.id.cmp(&a.id)).then(a.kind.cmp(&b.kind));
        match order {
            Order::Newest => matched.sort_by(|(a, _), (b, _)| newest(a, b)),
            Order::Best => {
                let lengths: usize = matched.iter().map(|(_, t)| t.stems.len()).sum();
                let average = lengths as f64 / matched.len().max(1) as f64;
                let mut scored: Vec<(f64, Doc, Terms)> = matched.into_iter().map(|(d, t)| (q.score(&t, average), d, t)).collect();
                scored.sort_by(|(sa, a, _), (sb, b, _)| sb.total_cmp(sa).then_with(|| newest(a, b)));
                matched = scored.into_iter().map(|(_, d, t)| (d, t)).collect();
            }
        }
        let total = matched.len();
        let hits = matched
            .into_iter()
            .take(limit)
            .map(|(d, _)| Hit {
                kind: d.kind,
                id: d.id,
                at: d.at,
                snippet: snippet(&d, q),
            })
            .collect();
        Ok(Found { total, hits })
    }
}
