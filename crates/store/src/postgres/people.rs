//! People on PostgreSQL: a name, notes, what a reply is about and a past
//! relationship's note are sealed under the owner's key; kinds, stages,
//! dates and ids are plain.

use drawbridge_core::people::{
    Contact, EndedBy, Kind, LinkKind, LinkedFact, PastRelationship, Person, PersonDetails, PersonLink, Reply, SafeItem, SafeMark,
};
use drawbridge_core::practice::Outcome;
use drawbridge_core::versions;
use sqlx::postgres::PgRow;
use sqlx::{Connection, PgConnection, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{PgStore, from_micros, micros};
use crate::FollowUp;
use crate::backend::{Fut, People};
use crate::error::StoreError;

const PEOPLE: &str = "people";
const REPLIES: &str = "replies";
const PAST: &str = "past_relationships";

fn bad(what: &str, value: &str) -> StoreError {
    StoreError::Database(format!("a stored {what} (\"{value}\") is not one this version knows"))
}

/// Adding a link, for each table a link can point into.
macro_rules! link_sql {
    ($table:literal) => {
        concat!(
            "INSERT INTO person_links (owner, person, kind, item) SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM ",
            $table,
            " WHERE owner = $1 AND id = $4) AND EXISTS (SELECT 1 FROM people WHERE owner = $1 AND id = $2) \
             ON CONFLICT (owner, person, kind, item) DO NOTHING"
        )
    };
}

fn link_sql(kind: LinkKind) -> &'static str {
    match kind {
        LinkKind::Urge => link_sql!("urges"),
        LinkKind::Experiment => link_sql!("experiment_records"),
        LinkKind::Journal => link_sql!("journal_entries"),
        LinkKind::Reset => link_sql!("resets"),
    }
}

const FACTS: &str = "SELECT l.person, 'urge' AS kind, u.id, u.at, NULL::smallint AS stage, NULL::text AS outcome, u.did, false AS done \
     FROM person_links l JOIN urges u ON u.owner = l.owner AND u.id = l.item \
     WHERE l.owner = $1 AND l.kind = 'urge' AND ($2::uuid IS NULL OR l.person = $2) \
     UNION ALL SELECT l.person, 'experiment', r.id, COALESCE(r.done_at, r.created_at), r.stage::smallint, r.outcome, NULL, r.done_at IS NOT NULL \
     FROM person_links l JOIN experiment_records r ON r.owner = l.owner AND r.id = l.item \
     WHERE l.owner = $1 AND l.kind = 'experiment' AND ($2::uuid IS NULL OR l.person = $2) \
     UNION ALL SELECT l.person, 'journal', j.id, j.at, NULL, NULL, NULL, false \
     FROM person_links l JOIN journal_entries j ON j.owner = l.owner AND j.id = l.item \
     WHERE l.owner = $1 AND l.kind = 'journal' AND ($2::uuid IS NULL OR l.person = $2) \
     UNION ALL SELECT l.person, 'reset', s.id, s.at, NULL, NULL, NULL, false \
     FROM person_links l JOIN resets s ON s.owner = l.owner AND s.id = l.item \
     WHERE l.owner = $1 AND l.kind = 'reset' AND ($2::uuid IS NULL OR l.person = $2)";

impl PgStore {
    fn person_of(&self, r: &PgRow) -> Result<Person, StoreError> {
        let err = self.err();
        let id: Uuid = r.try_get("id").map_err(&err)?;
        let key = id.to_string();
        let name: Vec<u8> = r.try_get("name_sealed").map_err(&err)?;
        let notes: Option<Vec<u8>> = r.try_get("notes_sealed").map_err(&err)?;
        let kind: String = r.try_get("kind").map_err(&err)?;
        let stage: i16 = r.try_get("stage").map_err(&err)?;
        let ideal: Option<i32> = r.try_get("ideal_days").map_err(&err)?;
        let max: Option<i32> = r.try_get("max_days").map_err(&err)?;
        let edited: Option<i64> = r.try_get("edited_at").map_err(&err)?;
        Ok(Person {
            id,
            added_at: from_micros(r.try_get("added_at").map_err(&err)?)?,
            edited_at: edited.map(from_micros).transpose()?,
            details: PersonDetails {
                name: self.seal.open(Self::place(PEOPLE, "name", &key), &name)?,
                kind: Kind::parse(&kind).ok_or_else(|| bad("kind of person", &kind))?,
                since: r.try_get("since").map_err(&err)?,
                stage: u8::try_from(stage).unwrap_or(0),
                ideal_days: ideal.and_then(|d| u16::try_from(d).ok()),
                max_days: max.and_then(|d| u16::try_from(d).ok()),
                notes: self.seal.open_opt(Self::place(PEOPLE, "notes", &key), notes.as_deref())?,
            },
            archived: r.try_get("archived").map_err(&err)?,
        })
    }

    /// Add a person, or with `replace` write over the one with its id.
    /// Returns whether a row was written.
    pub(crate) async fn add_person_row(&self, c: &mut PgConnection, p: &Person, replace: bool) -> Result<bool, StoreError> {
        let key = p.id.to_string();
        let d = &p.details;
        let name = self.seal.seal(Self::place(PEOPLE, "name", &key), &d.name)?;
        let notes = self.seal.seal_opt(Self::place(PEOPLE, "notes", &key), d.notes.as_deref())?;
        let sql = if replace {
            "INSERT INTO people (owner, id, added_at, edited_at, name_sealed, kind, since, stage, ideal_days, max_days, notes_sealed, archived) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (owner, id) DO UPDATE SET added_at = excluded.added_at, \
             edited_at = excluded.edited_at, name_sealed = excluded.name_sealed, kind = excluded.kind, since = excluded.since, \
             stage = excluded.stage, ideal_days = excluded.ideal_days, max_days = excluded.max_days, notes_sealed = excluded.notes_sealed, \
             archived = excluded.archived"
        } else {
            "INSERT INTO people (owner, id, added_at, edited_at, name_sealed, kind, since, stage, ideal_days, max_days, notes_sealed, archived) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (owner, id) DO NOTHING"
        };
        let done = sqlx::query(sql)
            .bind(self.owner)
            .bind(p.id)
            .bind(micros(p.added_at))
            .bind(p.edited_at.map(micros))
            .bind(name)
            .bind(d.kind.id())
            .bind(d.since)
            .bind(i16::from(d.stage))
            .bind(d.ideal_days.map(i32::from))
            .bind(d.max_days.map(i32::from))
            .bind(notes)
            .bind(p.archived)
            .execute(c)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    async fn person_row(&self, c: &mut PgConnection, id: Uuid, lock: bool) -> Result<Option<Person>, StoreError> {
        let sql = if lock {
            "SELECT * FROM people WHERE owner = $1 AND id = $2 FOR UPDATE"
        } else {
            "SELECT * FROM people WHERE owner = $1 AND id = $2"
        };
        let row = sqlx::query(sql)
            .bind(self.owner)
            .bind(id)
            .fetch_optional(c)
            .await
            .map_err(self.err())?;
        row.map(|r| self.person_of(&r)).transpose()
    }

    pub(crate) async fn all_people(&self, c: &mut PgConnection) -> Result<Vec<Person>, StoreError> {
        let rows = sqlx::query("SELECT * FROM people WHERE owner = $1 ORDER BY added_at, id")
            .bind(self.owner)
            .fetch_all(c)
            .await
            .map_err(self.err())?;
        rows.iter().map(|r| self.person_of(r)).collect()
    }

    /// Write new details over a person's, keeping the name and notes replaced.
    pub(crate) async fn replace_person(
        &self,
        c: &mut PgConnection,
        old: &Person,
        new: &PersonDetails,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let key = old.id.to_string();
        self.keep(c, (versions::PERSON, &key, "name"), Some(&old.details.name), Some(&new.name), at)
            .await?;
        self.keep(
            c,
            (versions::PERSON, &key, "notes"),
            old.details.notes.as_deref(),
            new.notes.as_deref(),
            at,
        )
        .await?;
        let updated = Person {
            edited_at: Some(at),
            details: new.clone(),
            ..old.clone()
        };
        self.add_person_row(c, &updated, true).await.map(drop)
    }

    pub(crate) async fn put_mark_row(&self, c: &mut PgConnection, m: &SafeMark) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO person_safe_marks (owner, person, item, yes, at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (owner, person, item) DO UPDATE SET yes = excluded.yes, at = excluded.at",
        )
        .bind(self.owner)
        .bind(m.person)
        .bind(m.item.id())
        .bind(m.yes)
        .bind(micros(m.at))
        .execute(c)
        .await
        .map_err(self.err())?;
        Ok(())
    }

    pub(crate) async fn all_marks(&self, c: &mut PgConnection) -> Result<Vec<SafeMark>, StoreError> {
        let rows = sqlx::query("SELECT person, item, yes, at FROM person_safe_marks WHERE owner = $1 ORDER BY person, item")
            .bind(self.owner)
            .fetch_all(c)
            .await
            .map_err(self.err())?;
        let err = self.err();
        rows.iter()
            .map(|r| {
                let item: String = r.try_get("item").map_err(&err)?;
                Ok(SafeMark {
                    person: r.try_get("person").map_err(&err)?,
                    item: SafeItem::parse(&item).ok_or_else(|| bad("safety item", &item))?,
                    yes: r.try_get("yes").map_err(&err)?,
                    at: from_micros(r.try_get("at").map_err(&err)?)?,
                })
            })
            .collect()
    }

    /// Link a record to a person; false when linked already, or the record
    /// or the person is not here.
    pub(crate) async fn put_link_row(&self, c: &mut PgConnection, l: &PersonLink) -> Result<bool, StoreError> {
        let done = sqlx::query(link_sql(l.kind))
            .bind(self.owner)
            .bind(l.person)
            .bind(l.kind.id())
            .bind(l.item)
            .execute(c)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn all_links(&self, c: &mut PgConnection) -> Result<Vec<PersonLink>, StoreError> {
        let rows = sqlx::query("SELECT person, kind, item FROM person_links WHERE owner = $1 ORDER BY person, kind, item")
            .bind(self.owner)
            .fetch_all(c)
            .await
            .map_err(self.err())?;
        let err = self.err();
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind").map_err(&err)?;
                Ok(PersonLink {
                    person: r.try_get("person").map_err(&err)?,
                    kind: LinkKind::parse(&kind).ok_or_else(|| bad("kind of link", &kind))?,
                    item: r.try_get("item").map_err(&err)?,
                })
            })
            .collect()
    }

    pub(crate) async fn add_contact_row(&self, c: &mut PgConnection, k: &Contact, replace: bool) -> Result<bool, StoreError> {
        let sql = if replace {
            "INSERT INTO person_contacts (owner, id, person, on_day, logged_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (owner, id) DO UPDATE SET person = excluded.person, on_day = excluded.on_day, logged_at = excluded.logged_at"
        } else {
            "INSERT INTO person_contacts (owner, id, person, on_day, logged_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (owner, id) DO NOTHING"
        };
        let done = sqlx::query(sql)
            .bind(self.owner)
            .bind(k.id)
            .bind(k.person)
            .bind(k.on)
            .bind(micros(k.logged_at))
            .execute(c)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn all_contacts(&self, c: &mut PgConnection) -> Result<Vec<Contact>, StoreError> {
        let rows = sqlx::query("SELECT id, person, on_day, logged_at FROM person_contacts WHERE owner = $1 ORDER BY on_day, id")
            .bind(self.owner)
            .fetch_all(c)
            .await
            .map_err(self.err())?;
        let err = self.err();
        rows.iter()
            .map(|r| {
                Ok(Contact {
                    id: r.try_get("id").map_err(&err)?,
                    person: r.try_get("person").map_err(&err)?,
                    on: r.try_get("on_day").map_err(&err)?,
                    logged_at: from_micros(r.try_get("logged_at").map_err(&err)?)?,
                })
            })
            .collect()
    }

    pub(crate) async fn add_reply_row(&self, c: &mut PgConnection, x: &Reply, replace: bool) -> Result<bool, StoreError> {
        let about = self
            .seal
            .seal_opt(Self::place(REPLIES, "about", &x.id.to_string()), x.about.as_deref())?;
        let sql = if replace {
            "INSERT INTO replies (owner, id, person, since, about_sealed, replied_at, felt) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (owner, id) DO UPDATE SET person = excluded.person, since = excluded.since, about_sealed = excluded.about_sealed, \
             replied_at = excluded.replied_at, felt = excluded.felt"
        } else {
            "INSERT INTO replies (owner, id, person, since, about_sealed, replied_at, felt) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (owner, id) DO NOTHING"
        };
        let done = sqlx::query(sql)
            .bind(self.owner)
            .bind(x.id)
            .bind(x.person)
            .bind(micros(x.since))
            .bind(about)
            .bind(x.replied_at.map(micros))
            .bind(x.felt.map(i16::from))
            .execute(c)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn all_replies(&self, c: &mut PgConnection) -> Result<Vec<Reply>, StoreError> {
        let rows = sqlx::query("SELECT * FROM replies WHERE owner = $1 ORDER BY since, id")
            .bind(self.owner)
            .fetch_all(c)
            .await
            .map_err(self.err())?;
        let err = self.err();
        rows.iter()
            .map(|r| {
                let id: Uuid = r.try_get("id").map_err(&err)?;
                let about: Option<Vec<u8>> = r.try_get("about_sealed").map_err(&err)?;
                let replied: Option<i64> = r.try_get("replied_at").map_err(&err)?;
                let felt: Option<i16> = r.try_get("felt").map_err(&err)?;
                Ok(Reply {
                    id,
                    person: r.try_get("person").map_err(&err)?,
                    since: from_micros(r.try_get("since").map_err(&err)?)?,
                    about: self
                        .seal
                        .open_opt(Self::place(REPLIES, "about", &id.to_string()), about.as_deref())?,
                    replied_at: replied.map(from_micros).transpose()?,
                    felt: felt.and_then(|f| u8::try_from(f).ok()),
                })
            })
            .collect()
    }

    pub(crate) async fn add_past_row(&self, c: &mut PgConnection, p: &PastRelationship, replace: bool) -> Result<bool, StoreError> {
        let note = self
            .seal
            .seal_opt(Self::place(PAST, "note", &p.id.to_string()), p.note.as_deref())?;
        let urges = serde_json::to_string(&p.urges).map_err(|e| StoreError::Database(format!("could not encode urges: {e}")))?;
        let sql = if replace {
            "INSERT INTO past_relationships (owner, id, person, began, ended, ended_by, stage, urges, note_sealed, added_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (owner, id) DO UPDATE SET person = excluded.person, \
             began = excluded.began, ended = excluded.ended, ended_by = excluded.ended_by, stage = excluded.stage, urges = excluded.urges, \
             note_sealed = excluded.note_sealed, added_at = excluded.added_at"
        } else {
            "INSERT INTO past_relationships (owner, id, person, began, ended, ended_by, stage, urges, note_sealed, added_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (owner, id) DO NOTHING"
        };
        let done = sqlx::query(sql)
            .bind(self.owner)
            .bind(p.id)
            .bind(p.person)
            .bind(p.began)
            .bind(p.ended)
            .bind(p.ended_by.id())
            .bind(p.stage.map(i16::from))
            .bind(urges)
            .bind(note)
            .bind(micros(p.added_at))
            .execute(c)
            .await
            .map_err(self.err())?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn all_past(&self, c: &mut PgConnection) -> Result<Vec<PastRelationship>, StoreError> {
        let rows = sqlx::query("SELECT * FROM past_relationships WHERE owner = $1 ORDER BY began, id")
            .bind(self.owner)
            .fetch_all(c)
            .await
            .map_err(self.err())?;
        let err = self.err();
        rows.iter()
            .map(|r| {
                let id: Uuid = r.try_get("id").map_err(&err)?;
                let by: String = r.try_get("ended_by").map_err(&err)?;
                let stage: Option<i16> = r.try_get("stage").map_err(&err)?;
                let urges: String = r.try_get("urges").map_err(&err)?;
                let note: Option<Vec<u8>> = r.try_get("note_sealed").map_err(&err)?;
                Ok(PastRelationship {
                    id,
                    person: r.try_get("person").map_err(&err)?,
                    began: r.try_get("began").map_err(&err)?,
                    ended: r.try_get("ended").map_err(&err)?,
                    ended_by: EndedBy::parse(&by).ok_or_else(|| bad("ending", &by))?,
                    stage: stage.and_then(|s| u8::try_from(s).ok()),
                    urges: serde_json::from_str(&urges)
                        .map_err(|e| StoreError::Database(format!("a past relationship's urges are not readable: {e}")))?,
                    note: self.seal.open_opt(Self::place(PAST, "note", &id.to_string()), note.as_deref())?,
                    added_at: from_micros(r.try_get("added_at").map_err(&err)?)?,
                })
            })
            .collect()
    }

    async fn exec(&self, c: &mut PgConnection, sql: &'static str, id: Uuid) -> Result<u64, StoreError> {
        let done = sqlx::query(sql).bind(self.owner).bind(id).execute(c).await.map_err(self.err())?;
        Ok(done.rows_affected())
    }
}

impl People for PgStore {
    fn insert_person<'a>(&'a self, p: &'a Person) -> Fut<'a, bool> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.add_person_row(&mut c, p, false).await
        })
    }

    fn edit_person<'a>(&'a self, id: Uuid, d: &'a PersonDetails, at: OffsetDateTime) -> Fut<'a, bool> {
        Box::pin(async move {
            let mut lease = self.conn().await?;
            let mut tx = lease.begin().await.map_err(self.err())?;
            let Some(old) = self.person_row(&mut tx, id, true).await? else {
                return Ok(false);
            };
            if old.details != *d {
                self.replace_person(&mut tx, &old, d, at).await?;
            }
            tx.commit().await.map_err(self.err())?;
            Ok(true)
        })
    }

    fn set_person_archived<'a>(&'a self, id: Uuid, archived: bool) -> Fut<'a, bool> {
        Box::pin(async move {
            let done = sqlx::query("UPDATE people SET archived = $3 WHERE owner = $1 AND id = $2")
                .bind(self.owner)
                .bind(id)
                .bind(archived)
                .execute(&mut *self.conn().await?)
                .await
                .map_err(self.err())?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn people<'a>(&'a self) -> Fut<'a, Vec<Person>> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.all_people(&mut c).await
        })
    }

    fn delete_person<'a>(&'a self, id: Uuid) -> Fut<'a, bool> {
        Box::pin(async move {
            let mut lease = self.conn().await?;
            let mut tx = lease.begin().await.map_err(self.err())?;
            for sql in [
                "DELETE FROM person_safe_marks WHERE owner = $1 AND person = $2",
                "DELETE FROM person_links WHERE owner = $1 AND person = $2",
                "DELETE FROM person_contacts WHERE owner = $1 AND person = $2",
                "DELETE FROM text_versions WHERE owner = $1 AND item = 'reply' AND item_id IN \
                 (SELECT id::text FROM replies WHERE owner = $1 AND person = $2)",
                "DELETE FROM replies WHERE owner = $1 AND person = $2",
                "DELETE FROM text_versions WHERE owner = $1 AND item = 'past-relationship' AND item_id IN \
                 (SELECT id::text FROM past_relationships WHERE owner = $1 AND person = $2)",
                "DELETE FROM past_relationships WHERE owner = $1 AND person = $2",
                "DELETE FROM text_versions WHERE owner = $1 AND item = 'person' AND item_id = $2::text",
            ] {
                self.exec(&mut tx, sql, id).await?;
            }
            let n = self.exec(&mut tx, "DELETE FROM people WHERE owner = $1 AND id = $2", id).await?;
            tx.commit().await.map_err(self.err())?;
            Ok(n == 1)
        })
    }

    fn put_safe_mark<'a>(&'a self, m: &'a SafeMark) -> Fut<'a, bool> {
        Box::pin(async move {
            let mut lease = self.conn().await?;
            let mut tx = lease.begin().await.map_err(self.err())?;
            if self.person_row(&mut tx, m.person, true).await?.is_none() {
                return Ok(false);
            }
            self.put_mark_row(&mut tx, m).await?;
            tx.commit().await.map_err(self.err())?;
            Ok(true)
        })
    }

    fn safe_marks<'a>(&'a self) -> Fut<'a, Vec<SafeMark>> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.all_marks(&mut c).await
        })
    }

    fn put_link<'a>(&'a self, l: &'a PersonLink) -> Fut<'a, bool> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.put_link_row(&mut c, l).await
        })
    }

    fn delete_link<'a>(&'a self, l: &'a PersonLink) -> Fut<'a, bool> {
        Box::pin(async move {
            let done = sqlx::query("DELETE FROM person_links WHERE owner = $1 AND person = $2 AND kind = $3 AND item = $4")
                .bind(self.owner)
                .bind(l.person)
                .bind(l.kind.id())
                .bind(l.item)
                .execute(&mut *self.conn().await?)
                .await
                .map_err(self.err())?;
            Ok(done.rows_affected() == 1)
        })
    }

    fn person_links<'a>(&'a self) -> Fut<'a, Vec<PersonLink>> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.all_links(&mut c).await
        })
    }

    fn person_facts<'a>(&'a self, person: Option<Uuid>) -> Fut<'a, Vec<(Uuid, LinkedFact)>> {
        Box::pin(async move {
            let rows = sqlx::query(FACTS)
                .bind(self.owner)
                .bind(person)
                .fetch_all(&mut *self.conn().await?)
                .await
                .map_err(self.err())?;
            let err = self.err();
            rows.iter()
                .map(|r| {
                    let kind: String = r.try_get(1).map_err(&err)?;
                    let stage: Option<i16> = r.try_get(4).map_err(&err)?;
                    let outcome: Option<String> = r.try_get(5).map_err(&err)?;
                    Ok((
                        r.try_get(0).map_err(&err)?,
                        LinkedFact {
                            kind: LinkKind::parse(&kind).ok_or_else(|| bad("kind of link", &kind))?,
                            item: r.try_get(2).map_err(&err)?,
                            at: from_micros(r.try_get(3).map_err(&err)?)?,
                            stage: stage.and_then(|s| u8::try_from(s).ok()),
                            outcome: outcome.as_deref().and_then(Outcome::parse),
                            did: r.try_get(6).map_err(&err)?,
                            done: r.try_get(7).map_err(&err)?,
                        },
                    ))
                })
                .collect()
        })
    }

    fn add_contact<'a>(&'a self, k: &'a Contact) -> Fut<'a, ()> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.add_contact_row(&mut c, k, false).await.map(drop)
        })
    }

    fn contacts<'a>(&'a self) -> Fut<'a, Vec<Contact>> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.all_contacts(&mut c).await
        })
    }

    fn insert_reply<'a>(&'a self, x: &'a Reply) -> Fut<'a, ()> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.add_reply_row(&mut c, x, false).await.map(drop)
        })
    }

    fn close_reply<'a>(&'a self, id: Uuid, at: OffsetDateTime, felt: Option<u8>) -> Fut<'a, FollowUp> {
        Box::pin(async move {
            let mut lease = self.conn().await?;
            let mut tx = lease.begin().await.map_err(self.err())?;
            let done: Option<Option<i64>> = sqlx::query_scalar("SELECT replied_at FROM replies WHERE owner = $1 AND id = $2 FOR UPDATE")
                .bind(self.owner)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.err())?;
            let said = match done {
                None => FollowUp::NotFound,
                Some(Some(t)) => FollowUp::AlreadyDone(from_micros(t)?),
                Some(None) => {
                    sqlx::query("UPDATE replies SET replied_at = $3, felt = $4 WHERE owner = $1 AND id = $2")
                        .bind(self.owner)
                        .bind(id)
                        .bind(micros(at))
                        .bind(felt.map(i16::from))
                        .execute(&mut *tx)
                        .await
                        .map_err(self.err())?;
                    FollowUp::Saved
                }
            };
            tx.commit().await.map_err(self.err())?;
            Ok(said)
        })
    }

    fn replies<'a>(&'a self) -> Fut<'a, Vec<Reply>> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.all_replies(&mut c).await
        })
    }

    fn insert_past<'a>(&'a self, p: &'a PastRelationship) -> Fut<'a, ()> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.add_past_row(&mut c, p, false).await.map(drop)
        })
    }

    fn past_relationships<'a>(&'a self) -> Fut<'a, Vec<PastRelationship>> {
        Box::pin(async move {
            let mut c = self.conn().await?;
            self.all_past(&mut c).await
        })
    }

    fn delete_past<'a>(&'a self, id: Uuid) -> Fut<'a, bool> {
        Box::pin(async move {
            let mut lease = self.conn().await?;
            let mut tx = lease.begin().await.map_err(self.err())?;
            self.exec(
                &mut tx,
                "DELETE FROM text_versions WHERE owner = $1 AND item = 'past-relationship' AND item_id = $2::text",
                id,
            )
            .await?;
            let n = self
                .exec(&mut tx, "DELETE FROM past_relationships WHERE owner = $1 AND id = $2", id)
                .await?;
            tx.commit().await.map_err(self.err())?;
            Ok(n == 1)
        })
    }
}
