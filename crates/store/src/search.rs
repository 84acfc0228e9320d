//! Search over the owner's own words, the same on every engine: the
//! records are read through the engine's ordinary readers (unsealed on
//! PostgreSQL, where the words are sealed at rest), and matched in memory
//! by `drawbridge_core::search`, which folds case and accents and brings
//! word forms together. Nothing of a search is written anywhere.

use drawbridge_core::Catalog;
use drawbridge_core::practice::ProgramRun;
use drawbridge_core::search::{Doc, Kind, Order, Query, Snippet, Terms, snippet};
use drawbridge_core::stories::{ITEM_JOURNAL, ITEM_RESET, StoryAnswer};
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use uuid::Uuid;

use crate::{JournalFilter, Store, StoreError, UrgeFilter};

/// A record an index found: what it is, when, and (when asked for) its
/// terms, to order by how well it matches.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub kind: Kind,
    pub id: Uuid,
    pub at: OffsetDateTime,
    pub terms: Option<Terms>,
}

/// One owner's records as search reads them, unsealed, with the engine's
/// mark of the last change when they were read.
struct Kept {
    owner: Uuid,
    changed: i64,
    docs: Arc<Vec<(Doc, Terms)>>,
}

/// How many people's unsealed records a server keeps at once (the most
/// recent searchers); the oldest goes first.
const KEPT_OWNERS: usize = 8;

static UNSEALED: Mutex<Vec<Kept>> = Mutex::new(Vec::new());

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

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

/// Puts what was found in `order`: newest first, or best first by
/// `Query::score` (lengths against their average), ties newest first. The
/// one ordering for the index's candidates and the records matched in memory.
fn ordered<T>(
    found: &mut Vec<T>,
    q: &Query,
    order: Order,
    key: impl Fn(&T) -> (OffsetDateTime, Uuid, Kind),
    terms: impl Fn(&T) -> Option<&Terms>,
) {
    let newest = |a: &T, b: &T| {
        let ((ta, ia, ka), (tb, ib, kb)) = (key(a), key(b));
        tb.cmp(&ta).then(ib.cmp(&ia)).then(ka.cmp(&kb))
    };
    match order {
        Order::Newest => found.sort_by(newest),
        Order::Best => {
            let length = |c: &T| terms(c).map_or(0, |t| t.stems.len());
            let average = found.iter().map(length).sum::<usize>() as f64 / found.len().max(1) as f64;
            let empty = Terms::default();
            let mut scored: Vec<(f64, T)> = found
                .drain(..)
                .map(|c| (terms(&c).map_or_else(|| q.score(&empty, average), |t| q.score(t, average)), c))
                .collect();
            scored.sort_by(|(sa, a), (sb, b)| sb.total_cmp(sa).then_with(|| newest(a, b)));
            found.extend(scored.into_iter().map(|(_, c)| c));
        }
    }
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

    /// One record as search reads it, by kind and id. Program runs are
    /// read once into `runs` and looked through for every reflection after.
    async fn search_doc(&self, kind: Kind, id: Uuid, runs: &mut Option<Vec<ProgramRun>>) -> Result<Option<Doc>, StoreError> {
        Ok(match kind {
            Kind::Journal => self.backend.journal_entry(id).await?.as_ref().map(Doc::journal),
            Kind::Reset => self.backend.reset(id).await?.as_ref().map(Doc::reset),
            Kind::Urge => self.backend.urge(id).await?.as_ref().and_then(Doc::urge),
            Kind::Experiment => self.backend.record(id).await?.as_ref().map(Doc::experiment),
            Kind::Reflection => {
                if runs.is_none() {
                    *runs = Some(self.backend.program_runs().await?);
                }
                runs.iter().flatten().find(|r| r.id == id).and_then(Doc::reflection)
            }
        })
    }

    /// The records matching `q`, in `order`, the first `limit` of them with
    /// a snippet. `story:` asks the story detector in `catalog`, which reads
    /// only the records that match everything else. An engine with an index
    /// (SQLite's FTS5) finds them there; otherwise every record is read and
    /// matched in memory. Either way the matching is `Query::matches`'s.
    pub async fn search(&self, q: &Query, order: Order, limit: usize, catalog: &Catalog) -> Result<Found, StoreError> {
        let best = order == Order::Best;
        let Some(mut found) = self.backend.search_candidates(q, best).await? else {
            return self.search_in_memory(q, order, limit, catalog).await;
        };
        if !q.stories.is_empty() {
            let answers = self.backend.story_answers().await?;
            let mut kept = Vec::new();
            for c in found {
                if !matches!(c.kind, Kind::Journal | Kind::Reset) {
                    continue;
                }
                if let Some(d) = self.search_doc(c.kind, c.id, &mut None).await?
                    && shows_stories(catalog, &d, &answers, &q.stories)
                {
                    kept.push(c);
                }
            }
            found = kept;
        }
        ordered(&mut found, q, order, |c| (c.at, c.id, c.kind), |c| c.terms.as_ref());
        let total = found.len();
        let mut hits = Vec::new();
        let mut runs = None;
        for c in found.into_iter().take(limit) {
            if let Some(d) = self.search_doc(c.kind, c.id, &mut runs).await? {
                hits.push(Hit {
                    kind: c.kind,
                    id: c.id,
                    at: c.at,
                    snippet: snippet(&d, q),
                });
            }
        }
        Ok(Found { total, hits })
    }

    /// Every record of the owner with its terms: kept in this process's
    /// memory while the engine's mark of the last change stands (a server's next
    /// search then reads nothing), else read and unsealed anew.
    async fn unsealed(&self) -> Result<Arc<Vec<(Doc, Terms)>>, StoreError> {
        let owner = self.owner();
        let changed = self.backend.texts_changed().await?;
        if let Some(n) = changed
            && let Some(kept) = lock(&UNSEALED).iter().find(|k| k.owner == owner && k.changed == n)
        {
            return Ok(kept.docs.clone());
        }
        let docs: Vec<(Doc, Terms)> = self
            .search_docs(&Query::default())
            .await?
            .into_iter()
            .map(|d| {
                let t = d.terms();
                (d, t)
            })
            .collect();
        let docs = Arc::new(docs);
        if let Some(n) = changed {
            let mut kept = lock(&UNSEALED);
            kept.retain(|k| k.owner != owner);
            if kept.len() >= KEPT_OWNERS {
                kept.remove(0);
            }
            kept.push(Kept {
                owner,
                changed: n,
                docs: docs.clone(),
            });
        }
        Ok(docs)
    }

    async fn search_in_memory(&self, q: &Query, order: Order, limit: usize, catalog: &Catalog) -> Result<Found, StoreError> {
        let all = self.unsealed().await?;
        let mut matched: Vec<&(Doc, Terms)> = all.iter().filter(|(d, t)| q.matches(d.kind, d.at, t)).collect();
        if !q.stories.is_empty() {
            let answers = self.backend.story_answers().await?;
            matched.retain(|(d, _)| shows_stories(catalog, d, &answers, &q.stories));
        }
        ordered(&mut matched, q, order, |(d, _)| (d.at, d.id, d.kind), |(_, t)| Some(t));
        let total = matched.len();
        let hits = matched
            .into_iter()
            .take(limit)
            .map(|(d, _)| Hit {
                kind: d.kind,
                id: d.id,
                at: d.at,
                snippet: snippet(d, q),
            })
            .collect();
        Ok(Found { total, hits })
    }
}
