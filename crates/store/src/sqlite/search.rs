//! Search on SQLite: FTS5 inside the encrypted file (schemas 15 and 16). Records
//! marked by the triggers in `search_dirty` are reindexed before each
//! search, from the same `drawbridge_core::search::Doc` every engine
//! matches, and the query becomes an FTS5 expression that finds exactly
//! what the in-memory matcher would.

use drawbridge_core::search::{Doc, Kind, Part, Query, Terms};
use rusqlite::params;
use rusqlite::types::Value;
use uuid::Uuid;

use super::{SqliteStore, from_micros, micros, rows, uuid_of};
use crate::error::StoreError;
use crate::search::Candidate;

fn kind_of(name: &str) -> Option<Kind> {
    Kind::ALL.into_iter().find(|k| k.name() == name)
}

/// One FTS5 string, quoted (our tokens hold no quotes, but double any).
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A part as an FTS5 expression over the matching column.
fn fts(p: &Part) -> String {
    match p {
        Part::Word(s) => format!("stems : {}", quoted(s)),
        Part::Phrase(ws) => format!("stems : {}", quoted(&ws.join(" "))),
        Part::Prefix(w) => format!("words : {} *", quoted(w)),
    }
}

fn joined(t: &[String]) -> String {
    t.join(" ")
}

fn split(s: &str) -> Vec<String> {
    s.split(' ').filter(|t| !t.is_empty()).map(String::from).collect()
}

impl SqliteStore {
    /// Bring the index up to date with every record marked as changed.
    fn search_refresh(&self) -> Result<(), StoreError> {
        let marked: Vec<(String, String)> = self.write(|tx| {
            rows(
                &mut tx.prepare_cached("DELETE FROM search_dirty WHERE owner = current_owner() RETURNING kind, item")?,
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })?;
        if marked.is_empty() {
            return Ok(());
        }
        let done = self.reindex(&marked);
        if done.is_err() {
            // Marked again, so the next search tries once more.
            let _ = self.write(|tx| {
                for (kind, item) in &marked {
                    tx.execute(
                        "INSERT OR IGNORE INTO search_dirty (owner, kind, item) VALUES (current_owner(), ?, ?)",
                        params![kind, item],
                    )?;
                }
                Ok(())
            });
        }
        done
    }

    fn reindex(&self, marked: &[(String, String)]) -> Result<(), StoreError> {
        let runs = if marked.iter().any(|(k, _)| k == Kind::Reflection.name()) {
            self.program_runs()?
        } else {
            Vec::new()
        };
        let mut docs: Vec<(String, String, Option<Doc>)> = Vec::with_capacity(marked.len());
        for (kind, item) in marked {
            let id = uuid_of(item)?;
            let doc = match kind_of(kind) {
                Some(Kind::Journal) => self.journal_entry(id)?.as_ref().map(Doc::journal),
                Some(Kind::Reset) => self.reset(id)?.as_ref().map(Doc::reset),
                Some(Kind::Urge) => self.urge(id)?.as_ref().and_then(Doc::urge),
                Some(Kind::Experiment) => self.record(id)?.as_ref().map(Doc::experiment),
                Some(Kind::Reflection) => runs.iter().find(|r| r.id == id).and_then(Doc::reflection),
                None => None,
            };
            docs.push((kind.clone(), item.clone(), doc));
        }
        self.write(|tx| {
            let mut gone = tx.prepare_cached("DELETE FROM search_docs WHERE owner = current_owner() AND kind = ? AND item = ?")?;
            let mut put = tx.prepare_cached("INSERT INTO search_docs (owner, kind, item, at) VALUES (current_owner(), ?, ?, ?)")?;
            let mut put_text =
                tx.prepare_cached("INSERT INTO search_text (n, owner, stems, words, tags) VALUES (?, current_owner(), ?, ?, ?)")?;
            for (kind, item, doc) in &docs {
                gone.execute(params![kind, item])?;
                if let Some(d) = doc {
                    let t = d.terms();
                    put.execute(params![kind, item, micros(d.at)])?;
                    let n = tx.last_insert_rowid();
                    put_text.execute(params![n, joined(&t.stems), joined(&t.words), joined(&t.tags)])?;
                }
            }
            Ok(())
        })
    }

    /// SQLite keeps an index, so search never needs this.
    pub(crate) fn texts_changed(&self) -> Result<Option<i64>, StoreError> {
        Ok(None)
    }

    /// The records matching `q` (all but `story:`), from the index; with
    /// their terms when `with_terms` (to order by how well they match).
    pub(crate) fn search_candidates(&self, q: &Query, with_terms: bool) -> Result<Option<Vec<Candidate>>, StoreError> {
        self.search_refresh()?;
        let mut include: Vec<String> = q.include.iter().map(fts).collect();
        include.extend(q.tags.iter().map(|t| format!("tags : {}", quoted(t))));
        let mut args: Vec<Value> = Vec::new();
        // From the index when there are words to look for, so only the
        // records that have them are read; else from the records in time.
        let mut sql = String::from("SELECT d.kind, d.item, d.at");
        if with_terms {
            sql.push_str(", t.stems, t.words, t.tags");
        }
        if include.is_empty() {
            sql.push_str(" FROM search_docs d");
        } else {
            // CROSS JOIN keeps the index first: SQLite never walks the records
            // by time and asks the index about each.
            sql.push_str(" FROM search_fts f CROSS JOIN search_docs d ON d.n = f.rowid");
        }
        if with_terms {
            sql.push_str(" JOIN search_text t ON t.n = d.n");
        }
        sql.push_str(" WHERE d.owner = current_owner()");
        if !include.is_empty() {
            sql.push_str(" AND f.search_fts MATCH ?");
            args.push(Value::Text(include.join(" AND ")));
        }
        if !q.exclude.is_empty() {
            args.push(Value::Text(q.exclude.iter().map(fts).collect::<Vec<_>>().join(" OR ")));
            sql.push_str(" AND d.n NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)");
        }
        if !q.kinds.is_empty() {
            let marks = vec!["?"; q.kinds.len()].join(", ");
            sql.push_str(&format!(" AND d.kind IN ({marks})"));
            args.extend(q.kinds.iter().map(|k| Value::Text(k.name().to_string())));
        }
        if let Some(f) = q.from {
            sql.push_str(" AND d.at >= ?");
            args.push(Value::Integer(micros(f)));
        }
        if let Some(u) = q.until {
            sql.push_str(" AND d.at < ?");
            args.push(Value::Integer(micros(u)));
        }
        let raw: Vec<(String, String, i64, Option<Terms>)> = self.with(|c| {
            rows(&mut c.prepare_cached(&sql)?, rusqlite::params_from_iter(args.iter()), |r| {
                let terms = if with_terms {
                    Some(Terms {
                        stems: split(&r.get::<_, String>(3)?),
                        words: split(&r.get::<_, String>(4)?),
                        tags: split(&r.get::<_, String>(5)?),
                    })
                } else {
                    None
                };
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, terms))
            })
        })?;
        let mut out = Vec::with_capacity(raw.len());
        for (kind, item, at, terms) in raw {
            let Some(kind) = kind_of(&kind) else { continue };
            let id: Uuid = uuid_of(&item)?;
            out.push(Candidate {
                kind,
                id,
                at: from_micros(at)?,
                terms,
            });
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_become_fts5_expressions_over_their_column() {
        assert_eq!(fts(&Part::Word("stay".into())), "stems : \"stay\"");
        assert_eq!(fts(&Part::Phrase(vec!["reach".into(), "out".into()])), "stems : \"reach out\"");
        assert_eq!(fts(&Part::Prefix("lonel".into())), "words : \"lonel\" *");
        assert_eq!(quoted("a\"b"), "\"a\"\"b\"");
    }
}
