//! People on SQLite: persons, safety marks, links from records, contacts,
//! replies owed and past relationships.

use drawbridge_core::people::{
    Contact, EndedBy, Kind, LinkKind, LinkedFact, PastRelationship, Person, PersonDetails, PersonLink, Reply, SafeItem, SafeMark,
};
use drawbridge_core::practice::Outcome;
use drawbridge_core::versions;
use rusqlite::{Connection, Row, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Res, SqliteStore, day_str, from_micros, micros, parse_day, rows, to_json, uuid_of};
use crate::FollowUp;
use crate::error::StoreError;

const PERSON_COLUMNS: &str = "id, added_at, edited_at, name, kind, since, stage, ideal_days, max_days, notes, archived";

fn bad(what: &str, value: &str) -> StoreError {
    StoreError::Database(format!("a stored {what} (\"{value}\") is not one this version knows"))
}

fn person_from_row(r: &Row<'_>) -> Res<Person> {
    let id: String = r.get(0)?;
    let edited: Option<i64> = r.get(2)?;
    let kind: String = r.get(4)?;
    let since: Option<String> = r.get(5)?;
    let stage: i64 = r.get(6)?;
    let ideal: Option<i64> = r.get(7)?;
    let max: Option<i64> = r.get(8)?;
    let archived: i64 = r.get(10)?;
    Ok(Person {
        id: uuid_of(&id)?,
        added_at: from_micros(r.get(1)?)?,
        edited_at: edited.map(from_micros).transpose()?,
        details: PersonDetails {
            name: r.get(3)?,
            kind: Kind::parse(&kind).ok_or_else(|| bad("kind of person", &kind))?,
            since: since.as_deref().map(parse_day).transpose()?,
            stage: u8::try_from(stage).unwrap_or(0),
            ideal_days: ideal.and_then(|d| u16::try_from(d).ok()),
            max_days: max.and_then(|d| u16::try_from(d).ok()),
            notes: r.get(9)?,
        },
        archived: archived != 0,
    })
}

pub(crate) fn insert_person_row(c: &Connection, p: &Person, ignore_existing: bool) -> Res<bool> {
    let sql = if ignore_existing {
        "INSERT INTO people (owner, id, added_at, edited_at, name, kind, since, stage, ideal_days, max_days, notes, archived) \
         VALUES (current_owner(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner, id) DO NOTHING"
    } else {
        "INSERT INTO people (owner, id, added_at, edited_at, name, kind, since, stage, ideal_days, max_days, notes, archived) \
         VALUES (current_owner(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner, id) DO UPDATE SET added_at = excluded.added_at, \
         edited_at = excluded.edited_at, name = excluded.name, kind = excluded.kind, since = excluded.since, stage = excluded.stage, \
         ideal_days = excluded.ideal_days, max_days = excluded.max_days, notes = excluded.notes, archived = excluded.archived"
    };
    let d = &p.details;
    let n = c.prepare_cached(sql)?.execute(params![
        p.id.to_string(),
        micros(p.added_at),
        p.edited_at.map(micros),
        d.name,
        d.kind.id(),
        d.since.map(day_str),
        i64::from(d.stage),
        d.ideal_days.map(i64::from),
        d.max_days.map(i64::from),
        d.notes,
        i64::from(p.archived),
    ])?;
    Ok(n == 1)
}

fn person_row(c: &Connection, id: &str) -> Res<Option<Person>> {
    super::first(
        &mut c.prepare_cached(&format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE owner = current_owner() AND id = ?"
        ))?,
        [id],
        person_from_row,
    )
}

pub(crate) fn all_people(c: &Connection) -> Res<Vec<Person>> {
    rows(
        &mut c.prepare_cached(&format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE owner = current_owner() ORDER BY added_at, id"
        ))?,
        [],
        person_from_row,
    )
}

/// Write new details over a person's, keeping the name and notes replaced.
pub(crate) fn replace_person(c: &Connection, old: &Person, new: &PersonDetails, at: OffsetDateTime) -> Res<()> {
    let key = old.id.to_string();
    super::versions::keep(c, versions::PERSON, &key, "name", Some(&old.details.name), Some(&new.name), at)?;
    super::versions::keep(
        c,
        versions::PERSON,
        &key,
        "notes",
        old.details.notes.as_deref(),
        new.notes.as_deref(),
        at,
    )?;
    let updated = Person {
        edited_at: Some(at),
        details: new.clone(),
        ..old.clone()
    };
    insert_person_row(c, &updated, false).map(drop)
}

pub(crate) fn put_mark(c: &Connection, m: &SafeMark) -> Res<()> {
    c.prepare_cached(
        "INSERT INTO person_safe_marks (owner, person, item, yes, at) VALUES (current_owner(), ?, ?, ?, ?) \
         ON CONFLICT (owner, person, item) DO UPDATE SET yes = excluded.yes, at = excluded.at",
    )?
    .execute(params![m.person.to_string(), m.item.id(), i64::from(m.yes), micros(m.at)])?;
    Ok(())
}

pub(crate) fn all_marks(c: &Connection) -> Res<Vec<SafeMark>> {
    rows(
        &mut c.prepare_cached("SELECT person, item, yes, at FROM person_safe_marks WHERE owner = current_owner() ORDER BY person, item")?,
        [],
        |r| {
            let person: String = r.get(0)?;
            let item: String = r.get(1)?;
            let yes: i64 = r.get(2)?;
            Ok(SafeMark {
                person: uuid_of(&person)?,
                item: SafeItem::parse(&item).ok_or_else(|| bad("safety item", &item))?,
                yes: yes != 0,
                at: from_micros(r.get(3)?)?,
            })
        },
    )
}

/// The table a kind of link points into.
fn table_of(kind: LinkKind) -> &'static str {
    match kind {
        LinkKind::Urge => "urges",
        LinkKind::Experiment => "experiment_records",
        LinkKind::Journal => "journal_entries",
        LinkKind::Reset => "resets",
    }
}

/// Link a record to a person; false when linked already or the record or
/// person is not here.
pub(crate) fn put_link_row(c: &Connection, l: &PersonLink) -> Res<bool> {
    let sql = format!(
        "INSERT INTO person_links (owner, person, kind, item) SELECT current_owner(), ?1, ?2, ?3 \
         WHERE EXISTS (SELECT 1 FROM {} WHERE owner = current_owner() AND id = ?3) \
         AND EXISTS (SELECT 1 FROM people WHERE owner = current_owner() AND id = ?1) \
         ON CONFLICT (owner, person, kind, item) DO NOTHING",
        table_of(l.kind)
    );
    let n = c
        .prepare_cached(&sql)?
        .execute(params![l.person.to_string(), l.kind.id(), l.item.to_string()])?;
    Ok(n == 1)
}

pub(crate) fn all_links(c: &Connection) -> Res<Vec<PersonLink>> {
    rows(
        &mut c.prepare_cached("SELECT person, kind, item FROM person_links WHERE owner = current_owner() ORDER BY person, kind, item")?,
        [],
        |r| {
            let person: String = r.get(0)?;
            let kind: String = r.get(1)?;
            let item: String = r.get(2)?;
            Ok(PersonLink {
                person: uuid_of(&person)?,
                kind: LinkKind::parse(&kind).ok_or_else(|| bad("kind of link", &kind))?,
                item: uuid_of(&item)?,
            })
        },
    )
}

/// What each linked record is, without its words: one query over the four
/// kinds of record.
const FACTS: &str = "SELECT l.person, 'urge', u.id, u.at, NULL, NULL, u.did, 0 FROM person_links l \
     JOIN urges u ON u.owner = l.owner AND u.id = l.item WHERE l.owner = current_owner() AND l.kind = 'urge' AND (?1 IS NULL OR l.person = ?1) \
     UNION ALL SELECT l.person, 'experiment', r.id, COALESCE(r.done_at, r.created_at), r.stage, r.outcome, NULL, r.done_at IS NOT NULL FROM person_links l \
     JOIN experiment_records r ON r.owner = l.owner AND r.id = l.item WHERE l.owner = current_owner() AND l.kind = 'experiment' AND (?1 IS NULL OR l.person = ?1) \
     UNION ALL SELECT l.person, 'journal', j.id, j.at, NULL, NULL, NULL, 0 FROM person_links l \
     JOIN journal_entries j ON j.owner = l.owner AND j.id = l.item WHERE l.owner = current_owner() AND l.kind = 'journal' AND (?1 IS NULL OR l.person = ?1) \
     UNION ALL SELECT l.person, 'reset', s.id, s.at, NULL, NULL, NULL, 0 FROM person_links l \
     JOIN resets s ON s.owner = l.owner AND s.id = l.item WHERE l.owner = current_owner() AND l.kind = 'reset' AND (?1 IS NULL OR l.person = ?1)";

fn facts(c: &Connection, person: Option<Uuid>) -> Res<Vec<(Uuid, LinkedFact)>> {
    rows(&mut c.prepare_cached(FACTS)?, [person.map(|p| p.to_string())], |r| {
        let person: String = r.get(0)?;
        let kind: String = r.get(1)?;
        let item: String = r.get(2)?;
        let stage: Option<i64> = r.get(4)?;
        let outcome: Option<String> = r.get(5)?;
        let done: i64 = r.get(7)?;
        Ok((
            uuid_of(&person)?,
            LinkedFact {
                kind: LinkKind::parse(&kind).ok_or_else(|| bad("kind of link", &kind))?,
                item: uuid_of(&item)?,
                at: from_micros(r.get(3)?)?,
                stage: stage.and_then(|s| u8::try_from(s).ok()),
                outcome: outcome.as_deref().and_then(Outcome::parse),
                did: r.get(6)?,
                done: done != 0,
            },
        ))
    })
}

pub(crate) fn insert_contact(c: &Connection, k: &Contact, ignore_existing: bool) -> Res<bool> {
    let sql = if ignore_existing {
        "INSERT INTO person_contacts (owner, id, person, on_day, logged_at) VALUES (current_owner(), ?, ?, ?, ?) ON CONFLICT (owner, id) DO NOTHING"
    } else {
        "INSERT INTO person_contacts (owner, id, person, on_day, logged_at) VALUES (current_owner(), ?, ?, ?, ?) \
         ON CONFLICT (owner, id) DO UPDATE SET person = excluded.person, on_day = excluded.on_day, logged_at = excluded.logged_at"
    };
    let n = c
        .prepare_cached(sql)?
        .execute(params![k.id.to_string(), k.person.to_string(), day_str(k.on), micros(k.logged_at)])?;
    Ok(n == 1)
}

pub(crate) fn all_contacts(c: &Connection) -> Res<Vec<Contact>> {
    rows(
        &mut c.prepare_cached(
            "SELECT id, person, on_day, logged_at FROM person_contacts WHERE owner = current_owner() ORDER BY on_day, id",
        )?,
        [],
        |r| {
            let id: String = r.get(0)?;
            let person: String = r.get(1)?;
            let on: String = r.get(2)?;
            Ok(Contact {
                id: uuid_of(&id)?,
                person: uuid_of(&person)?,
                on: parse_day(&on)?,
                logged_at: from_micros(r.get(3)?)?,
            })
        },
    )
}

pub(crate) fn insert_reply_row(c: &Connection, x: &Reply, ignore_existing: bool) -> Res<bool> {
    let sql = if ignore_existing {
        "INSERT INTO replies (owner, id, person, since, about, replied_at, felt) VALUES (current_owner(), ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (owner, id) DO NOTHING"
    } else {
        "INSERT INTO replies (owner, id, person, since, about, replied_at, felt) VALUES (current_owner(), ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (owner, id) DO UPDATE SET person = excluded.person, since = excluded.since, about = excluded.about, \
         replied_at = excluded.replied_at, felt = excluded.felt"
    };
    let n = c.prepare_cached(sql)?.execute(params![
        x.id.to_string(),
        x.person.to_string(),
        micros(x.since),
        x.about,
        x.replied_at.map(micros),
        x.felt.map(i64::from),
    ])?;
    Ok(n == 1)
}

pub(crate) fn all_replies(c: &Connection) -> Res<Vec<Reply>> {
    rows(
        &mut c.prepare_cached(
            "SELECT id, person, since, about, replied_at, felt FROM replies WHERE owner = current_owner() ORDER BY since, id",
        )?,
        [],
        |r| {
            let id: String = r.get(0)?;
            let person: String = r.get(1)?;
            let replied: Option<i64> = r.get(4)?;
            let felt: Option<i64> = r.get(5)?;
            Ok(Reply {
                id: uuid_of(&id)?,
                person: uuid_of(&person)?,
                since: from_micros(r.get(2)?)?,
                about: r.get(3)?,
                replied_at: replied.map(from_micros).transpose()?,
                felt: felt.and_then(|f| u8::try_from(f).ok()),
            })
        },
    )
}

pub(crate) fn insert_past_row(c: &Connection, p: &PastRelationship, ignore_existing: bool) -> Res<bool> {
    let sql = if ignore_existing {
        "INSERT INTO past_relationships (owner, id, person, began, ended, ended_by, stage, urges, note, added_at) \
         VALUES (current_owner(), ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner, id) DO NOTHING"
    } else {
        "INSERT INTO past_relationships (owner, id, person, began, ended, ended_by, stage, urges, note, added_at) \
         VALUES (current_owner(), ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner, id) DO UPDATE SET person = excluded.person, \
         began = excluded.began, ended = excluded.ended, ended_by = excluded.ended_by, stage = excluded.stage, urges = excluded.urges, \
         note = excluded.note, added_at = excluded.added_at"
    };
    let n = c.prepare_cached(sql)?.execute(params![
        p.id.to_string(),
        p.person.to_string(),
        day_str(p.began),
        day_str(p.ended),
        p.ended_by.id(),
        p.stage.map(i64::from),
        to_json(&p.urges)?,
        p.note,
        micros(p.added_at),
    ])?;
    Ok(n == 1)
}

pub(crate) fn all_past(c: &Connection) -> Res<Vec<PastRelationship>> {
    rows(
        &mut c.prepare_cached(
            "SELECT id, person, began, ended, ended_by, stage, urges, note, added_at FROM past_relationships \
             WHERE owner = current_owner() ORDER BY began, id",
        )?,
        [],
        |r| {
            let id: String = r.get(0)?;
            let person: String = r.get(1)?;
            let (began, ended): (String, String) = (r.get(2)?, r.get(3)?);
            let by: String = r.get(4)?;
            let stage: Option<i64> = r.get(5)?;
            let urges: String = r.get(6)?;
            Ok(PastRelationship {
                id: uuid_of(&id)?,
                person: uuid_of(&person)?,
                began: parse_day(&began)?,
                ended: parse_day(&ended)?,
                ended_by: EndedBy::parse(&by).ok_or_else(|| bad("ending", &by))?,
                stage: stage.and_then(|s| u8::try_from(s).ok()),
                urges: serde_json::from_str(&urges)
                    .map_err(|e| StoreError::Database(format!("a past relationship's urges are not readable: {e}")))?,
                note: r.get(7)?,
                added_at: from_micros(r.get(8)?)?,
            })
        },
    )
}

/// Remove a person and everything that is theirs alone (marks, links,
/// contacts, replies, past relationships, earlier words). The records
/// that were linked stay.
pub(crate) fn delete_person_rows(c: &Connection, id: &str) -> Res<bool> {
    for sql in [
        "DELETE FROM person_safe_marks WHERE owner = current_owner() AND person = ?",
        "DELETE FROM person_links WHERE owner = current_owner() AND person = ?",
        "DELETE FROM person_contacts WHERE owner = current_owner() AND person = ?",
    ] {
        c.prepare_cached(sql)?.execute([id])?;
    }
    for (table, item) in [("replies", versions::REPLY), ("past_relationships", versions::PAST)] {
        c.prepare_cached(&format!(
            "DELETE FROM text_versions WHERE owner = current_owner() AND item = ? AND item_id IN \
             (SELECT id FROM {table} WHERE owner = current_owner() AND person = ?)"
        ))?
        .execute([item, id])?;
        c.prepare_cached(&format!("DELETE FROM {table} WHERE owner = current_owner() AND person = ?"))?
            .execute([id])?;
    }
    c.prepare_cached("DELETE FROM text_versions WHERE owner = current_owner() AND item = ? AND item_id = ?")?
        .execute([versions::PERSON, id])?;
    let n = c
        .prepare_cached("DELETE FROM people WHERE owner = current_owner() AND id = ?")?
        .execute([id])?;
    Ok(n == 1)
}

impl SqliteStore {
    pub(crate) fn insert_person(&self, p: &Person) -> Result<bool, StoreError> {
        self.write(|tx| insert_person_row(tx, p, true))
    }

    pub(crate) fn edit_person(&self, id: Uuid, d: &PersonDetails, at: OffsetDateTime) -> Result<bool, StoreError> {
        self.write(|tx| {
            let Some(old) = person_row(tx, &id.to_string())? else {
                return Ok(false);
            };
            if old.details != *d {
                replace_person(tx, &old, d, at)?;
            }
            Ok(true)
        })
    }

    pub(crate) fn set_person_archived(&self, id: Uuid, archived: bool) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .prepare_cached("UPDATE people SET archived = ? WHERE owner = current_owner() AND id = ?")?
                .execute(params![i64::from(archived), id.to_string()])?;
            Ok(n == 1)
        })
    }

    pub(crate) fn people(&self) -> Result<Vec<Person>, StoreError> {
        self.with(|c| all_people(c))
    }

    pub(crate) fn delete_person(&self, id: Uuid) -> Result<bool, StoreError> {
        self.write(|tx| delete_person_rows(tx, &id.to_string()))
    }

    pub(crate) fn put_safe_mark(&self, m: &SafeMark) -> Result<bool, StoreError> {
        self.write(|tx| {
            if person_row(tx, &m.person.to_string())?.is_none() {
                return Ok(false);
            }
            put_mark(tx, m)?;
            Ok(true)
        })
    }

    pub(crate) fn safe_marks(&self) -> Result<Vec<SafeMark>, StoreError> {
        self.with(|c| all_marks(c))
    }

    pub(crate) fn put_link(&self, l: &PersonLink) -> Result<bool, StoreError> {
        self.write(|tx| put_link_row(tx, l))
    }

    pub(crate) fn delete_link(&self, l: &PersonLink) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .prepare_cached("DELETE FROM person_links WHERE owner = current_owner() AND person = ? AND kind = ? AND item = ?")?
                .execute(params![l.person.to_string(), l.kind.id(), l.item.to_string()])?;
            Ok(n == 1)
        })
    }

    pub(crate) fn person_links(&self) -> Result<Vec<PersonLink>, StoreError> {
        self.with(|c| all_links(c))
    }

    pub(crate) fn person_facts(&self, person: Option<Uuid>) -> Result<Vec<(Uuid, LinkedFact)>, StoreError> {
        self.with(|c| facts(c, person))
    }

    pub(crate) fn add_contact(&self, k: &Contact) -> Result<(), StoreError> {
        self.write(|tx| insert_contact(tx, k, true).map(drop))
    }

    pub(crate) fn contacts(&self) -> Result<Vec<Contact>, StoreError> {
        self.with(|c| all_contacts(c))
    }

    pub(crate) fn insert_reply(&self, x: &Reply) -> Result<(), StoreError> {
        self.write(|tx| insert_reply_row(tx, x, true).map(drop))
    }

    /// Close a reply owed; one closed already is left as it was.
    pub(crate) fn close_reply(&self, id: Uuid, at: OffsetDateTime, felt: Option<u8>) -> Result<FollowUp, StoreError> {
        self.write(|tx| {
            let done: Option<Option<i64>> = super::first(
                &mut tx.prepare_cached("SELECT replied_at FROM replies WHERE owner = current_owner() AND id = ?")?,
                [id.to_string()],
                |r| Ok(r.get::<_, Option<i64>>(0)?),
            )?;
            match done {
                None => Ok(FollowUp::NotFound),
                Some(Some(t)) => Ok(FollowUp::AlreadyDone(from_micros(t)?)),
                Some(None) => {
                    tx.prepare_cached("UPDATE replies SET replied_at = ?, felt = ? WHERE owner = current_owner() AND id = ?")?
                        .execute(params![micros(at), felt.map(i64::from), id.to_string()])?;
                    Ok(FollowUp::Saved)
                }
            }
        })
    }

    pub(crate) fn replies(&self) -> Result<Vec<Reply>, StoreError> {
        self.with(|c| all_replies(c))
    }

    pub(crate) fn insert_past(&self, p: &PastRelationship) -> Result<(), StoreError> {
        self.write(|tx| insert_past_row(tx, p, true).map(drop))
    }

    pub(crate) fn past_relationships(&self) -> Result<Vec<PastRelationship>, StoreError> {
        self.with(|c| all_past(c))
    }

    pub(crate) fn delete_past(&self, id: Uuid) -> Result<bool, StoreError> {
        let key = id.to_string();
        self.write(|tx| {
            tx.prepare_cached("DELETE FROM text_versions WHERE owner = current_owner() AND item = ? AND item_id = ?")?
                .execute([versions::PAST, key.as_str()])?;
            let n = tx
                .prepare_cached("DELETE FROM past_relationships WHERE owner = current_owner() AND id = ?")?
                .execute([&key])?;
            Ok(n == 1)
        })
    }
}
