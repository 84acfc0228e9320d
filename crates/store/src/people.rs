//! People through the store: adding and changing a person, links from
//! records (by hand, or by a name that matches), contacts, replies owed,
//! past relationships, and the views People and a person's page show:
//! where things stand with everyone (read in five queries, whatever the
//! number of people), and one person's timeline.

use std::collections::HashMap;

use drawbridge_core::journal::JournalEntry;
use drawbridge_core::moment::Reset;
use drawbridge_core::people::{
    self, Contact, Drift, Evidence, LinkKind, LinkedFact, PastRelationship, PeopleText, Person, PersonDetails, PersonLink, Reply, SafeItem,
    SafeMark, SafeView, Standing,
};
use drawbridge_core::practice::Record;
use drawbridge_core::urge::Urge;
use serde::Serialize;
use time::{Date, OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::{FollowUp, Store, StoreError, UrgeFilter, micros_now, truncate_micros};

/// One person as People lists them: who, and where things stand.
#[derive(Debug, Clone, Serialize)]
pub struct PersonRow {
    pub id: Uuid,
    pub name: String,
    pub kind: people::Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Date>,
    /// The highest stage reached with them.
    pub stage: u8,
    pub safe: Vec<SafeView>,
    pub last_contact: Option<Date>,
    pub days_since: i64,
    pub ideal_days: Option<u16>,
    pub max_days: Option<u16>,
    pub drifting: Drift,
    /// Replies owed to them, oldest first.
    pub owed: Vec<Reply>,
    pub archived: bool,
    #[serde(skip)]
    pub person: Person,
}

/// A record on a person's timeline.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", content = "record", rename_all = "kebab-case")]
pub enum Linked {
    Urge(Urge),
    Experiment(Record),
    Journal(JournalEntry),
    Reset(Reset),
    Contact(Contact),
    Reply(Reply),
    Past(PastRelationship),
}

/// One entry on a timeline, with the time it is ordered by.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    #[serde(flatten)]
    pub linked: Linked,
}

/// One person's page: where things stand, the stage over time, and
/// everything linked, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct PersonPage {
    #[serde(flatten)]
    pub row: PersonRow,
    pub notes: Option<String>,
    pub stage_over_time: Vec<(Date, u8)>,
    pub timeline: Vec<TimelineEntry>,
    /// How many entries there are in all (the timeline may show fewer).
    pub timeline_total: usize,
}

/// What to do with the records linked to a person being removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkedRecords {
    /// Keep them, no longer linked.
    Keep,
    /// Remove them too.
    Delete,
}

/// Why something about a person could not be done, in words.
#[derive(Debug, thiserror::Error)]
pub enum PeopleError {
    #[error(transparent)]
    Person(#[from] people::PersonError),
    #[error(transparent)]
    Past(#[from] people::PastError),
    #[error("What the reply is about is {0} characters; it can hold up to {max}. A few words are enough to remind you.", max = people::ABOUT_MAX)]
    AboutTooLong(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    /// Every person, archived ones too, sorted by name (any case).
    pub async fn people(&self) -> Result<Vec<Person>, StoreError> {
        let mut all = self.backend.people().await?;
        all.sort_by_cached_key(|p| (p.details.name.to_lowercase(), p.id));
        Ok(all)
    }

    pub async fn person(&self, id: Uuid) -> Result<Option<Person>, StoreError> {
        Ok(self.backend.people().await?.into_iter().find(|p| p.id == id))
    }

    /// The person with this name (any case, surrounding space ignored).
    pub async fn person_named(&self, name: &str) -> Result<Option<Person>, StoreError> {
        Ok(self
            .backend
            .people()
            .await?
            .into_iter()
            .find(|p| people::same_name(&p.details.name, name)))
    }

    /// Add someone. Their details are checked (`today` is the person's local
    /// date) and their name must be new; every earlier urge about them and
    /// experiment with them by that exact name is linked to them.
    pub async fn add_person(&self, details: PersonDetails, today: Date) -> Result<(Person, usize), PeopleError> {
        let details = details.checked(today)?;
        if self.person_named(&details.name).await?.is_some() {
            return Err(people::PersonError::Taken(details.name).into());
        }
        let p = Person {
            id: Uuid::now_v7(),
            added_at: micros_now(),
            edited_at: None,
            details,
            archived: false,
        };
        self.backend.insert_person(&p).await?;
        let linked = self.link_by_name(&p).await?;
        Ok((p, linked))
    }

    /// An archived person for a past relationship, found by name or added.
    pub async fn archived_person(&self, name: &str, kind: people::Kind, today: Date) -> Result<Person, PeopleError> {
        if let Some(p) = self.person_named(name).await? {
            return Ok(p);
        }
        let details = PersonDetails {
            name: name.into(),
            kind,
            since: None,
            stage: 0,
            ideal_days: None,
            max_days: None,
            notes: None,
        };
        let (mut p, _) = self.add_person(details, today).await?;
        self.backend.set_person_archived(p.id, true).await?;
        p.archived = true;
        Ok(p)
    }

    /// Change someone's details, keeping the name and notes they replace.
    /// False when they are gone.
    pub async fn edit_person(&self, id: Uuid, details: PersonDetails, today: Date) -> Result<bool, PeopleError> {
        let details = details.checked(today)?;
        if let Some(other) = self.person_named(&details.name).await?
            && other.id != id
        {
            return Err(people::PersonError::Taken(details.name).into());
        }
        Ok(self.backend.edit_person(id, &details, micros_now()).await?)
    }

    pub async fn archive_person(&self, id: Uuid, archived: bool) -> Result<bool, StoreError> {
        self.backend.set_person_archived(id, archived).await
    }

    /// Remove someone: their details, marks, contacts, replies and past
    /// relationships. Linked records stay (unlinked) or go too.
    pub async fn delete_person(&self, id: Uuid, records: LinkedRecords) -> Result<bool, StoreError> {
        if records == LinkedRecords::Delete {
            for (_, f) in self.backend.person_facts(Some(id)).await? {
                match f.kind {
                    LinkKind::Urge => self.backend.delete_urge(f.item).await?,
                    LinkKind::Experiment => self.backend.delete_record(f.item).await?,
                    LinkKind::Journal => self.backend.delete_journal(f.item).await?,
                    LinkKind::Reset => self.backend.delete_reset(f.item).await?,
                };
            }
        }
        self.backend.delete_person(id).await
    }

    /// Link every urge about this person and experiment with them, by their
    /// exact name (any case): how a name typed before becomes the person.
    /// Returns how many records were newly linked.
    pub async fn link_by_name(&self, p: &Person) -> Result<usize, StoreError> {
        let name = &p.details.name;
        let mut n = 0;
        for u in self.backend.urges(&UrgeFilter::default()).await? {
            if u.entry.about.as_deref().is_some_and(|a| people::same_name(a, name)) && self.link(p.id, LinkKind::Urge, u.id).await? {
                n += 1;
            }
        }
        for r in self.backend.records(None, u32::MAX).await? {
            if r.plan.with_whom.as_deref().is_some_and(|w| people::same_name(w, name))
                && self.link(p.id, LinkKind::Experiment, r.id).await?
            {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Link a record to a person; false when linked already, or when either
    /// is not here.
    pub async fn link(&self, person: Uuid, kind: LinkKind, item: Uuid) -> Result<bool, StoreError> {
        self.backend.put_link(&PersonLink { person, kind, item }).await
    }

    pub async fn unlink(&self, person: Uuid, kind: LinkKind, item: Uuid) -> Result<bool, StoreError> {
        self.backend.delete_link(&PersonLink { person, kind, item }).await
    }

    /// After a record's free-text name changed from `old` to `new`: the link
    /// to the person named `old` goes, and one to the person named `new`
    /// (if there is one) comes. Returns the person now linked by name.
    pub async fn relink_by_name(
        &self,
        kind: LinkKind,
        item: Uuid,
        old: Option<&str>,
        new: Option<&str>,
    ) -> Result<Option<Person>, StoreError> {
        let everyone = self.backend.people().await?;
        let named = |n: Option<&str>| n.and_then(|n| everyone.iter().find(|p| people::same_name(&p.details.name, n)));
        let (was, now) = (named(old), named(new));
        if let Some(was) = was
            && now.is_none_or(|n| n.id != was.id)
        {
            self.unlink(was.id, kind, item).await?;
        }
        if let Some(now) = now {
            self.link(now.id, kind, item).await?;
        }
        Ok(now.cloned())
    }

    /// The people a record is linked to.
    pub async fn people_linked_to(&self, kind: LinkKind, item: Uuid) -> Result<Vec<Person>, StoreError> {
        let links = self.backend.person_links().await?;
        let ids: Vec<Uuid> = links
            .iter()
            .filter(|l| l.kind == kind && l.item == item)
            .map(|l| l.person)
            .collect();
        Ok(self.people().await?.into_iter().filter(|p| ids.contains(&p.id)).collect())
    }

    /// Mark a checklist item for someone. False when they are gone.
    pub async fn mark_safe(&self, person: Uuid, item: SafeItem, yes: bool) -> Result<bool, StoreError> {
        let m = SafeMark {
            person,
            item,
            yes,
            at: micros_now(),
        };
        self.backend.put_safe_mark(&m).await
    }

    /// A plain "we were in touch" on `on`.
    pub async fn add_contact(&self, person: Uuid, on: Date) -> Result<Contact, StoreError> {
        let c = Contact {
            id: Uuid::now_v7(),
            person,
            on,
            logged_at: micros_now(),
        };
        self.backend.add_contact(&c).await?;
        Ok(c)
    }

    /// "I owe them a reply", since `since`, optionally about something.
    pub async fn owe_reply(&self, person: Uuid, since: OffsetDateTime, about: Option<String>) -> Result<Reply, PeopleError> {
        let about = about.map(|a| a.trim().to_string()).filter(|a| !a.is_empty());
        if let Some(a) = &about
            && a.chars().count() > people::ABOUT_MAX
        {
            return Err(PeopleError::AboutTooLong(a.chars().count()));
        }
        let r = Reply {
            id: Uuid::now_v7(),
            person,
            since: truncate_micros(since),
            about,
            replied_at: None,
            felt: None,
        };
        self.backend.insert_reply(&r).await?;
        Ok(r)
    }

    /// Close a reply owed as replied, now; one replied already is left.
    pub async fn replied(&self, id: Uuid, felt: Option<u8>) -> Result<FollowUp, StoreError> {
        self.backend.close_reply(id, micros_now(), felt).await
    }

    /// Every reply, owed and replied, oldest first.
    pub async fn replies(&self) -> Result<Vec<Reply>, StoreError> {
        self.backend.replies().await
    }

    pub async fn contacts(&self) -> Result<Vec<Contact>, StoreError> {
        self.backend.contacts().await
    }

    /// Add a past relationship, checked (`kinds`: the urge kinds there are).
    pub async fn add_past(&self, past: PastRelationship, today: Date, kinds: &[&str]) -> Result<PastRelationship, PeopleError> {
        let mut past = past.checked(today, kinds)?;
        past.added_at = truncate_micros(past.added_at);
        self.backend.insert_past(&past).await?;
        Ok(past)
    }

    pub async fn past_relationships(&self) -> Result<Vec<PastRelationship>, StoreError> {
        self.backend.past_relationships().await
    }

    pub async fn delete_past(&self, id: Uuid) -> Result<bool, StoreError> {
        self.backend.delete_past(id).await
    }

    /// Where things stand with everyone, sorted by name: five reads, the
    /// rest worked out here.
    pub async fn people_rows(&self, today: Date, offset: UtcOffset, text: &PeopleText) -> Result<Vec<PersonRow>, StoreError> {
        let everyone = self.people().await?;
        let facts = self.backend.person_facts(None).await?;
        let contacts = self.backend.contacts().await?;
        let replies = self.backend.replies().await?;
        let marks = self.backend.safe_marks().await?;
        let mut evidence: HashMap<Uuid, Evidence<'_>> = HashMap::with_capacity(everyone.len());
        for (p, f) in &facts {
            evidence.entry(*p).or_default().facts.push(f);
        }
        for c in &contacts {
            evidence.entry(c.person).or_default().contacts.push(c);
        }
        for r in &replies {
            evidence.entry(r.person).or_default().replies.push(r);
        }
        for m in &marks {
            evidence.entry(m.person).or_default().marks.push(m);
        }
        let none = Evidence::default();
        Ok(everyone
            .into_iter()
            .map(|p| {
                let e = evidence.get(&p.id).unwrap_or(&none);
                let s = people::standing(&p, e, today, offset, text);
                row(p, s, e)
            })
            .collect())
    }

    /// One person's page, with the newest `limit` entries of the timeline.
    pub async fn person_page(
        &self,
        id: Uuid,
        today: Date,
        offset: UtcOffset,
        text: &PeopleText,
        limit: usize,
    ) -> Result<Option<PersonPage>, StoreError> {
        let Some(p) = self.person(id).await? else {
            return Ok(None);
        };
        let facts: Vec<LinkedFact> = self.backend.person_facts(Some(id)).await?.into_iter().map(|(_, f)| f).collect();
        let contacts: Vec<Contact> = self.backend.contacts().await?.into_iter().filter(|c| c.person == id).collect();
        let replies: Vec<Reply> = self.backend.replies().await?.into_iter().filter(|r| r.person == id).collect();
        let marks: Vec<SafeMark> = self.backend.safe_marks().await?.into_iter().filter(|m| m.person == id).collect();
        let past: Vec<PastRelationship> = self
            .backend
            .past_relationships()
            .await?
            .into_iter()
            .filter(|x| x.person == id)
            .collect();
        let e = Evidence {
            facts: facts.iter().collect(),
            contacts: contacts.iter().collect(),
            replies: replies.iter().collect(),
            marks: marks.iter().collect(),
        };
        let standing = people::standing(&p, &e, today, offset, text);
        let stage_over_time = people::stage_over_time(&e, offset);

        // Everything with its time, newest first; only the newest `limit`
        // records are read whole.
        enum Ref<'a> {
            Fact(&'a LinkedFact),
            Contact(&'a Contact),
            Reply(&'a Reply),
            Past(&'a PastRelationship),
        }
        let noon = |d: Date| d.with_hms(12, 0, 0).map_or(OffsetDateTime::UNIX_EPOCH, |t| t.assume_offset(offset));
        let mut all: Vec<(OffsetDateTime, Ref<'_>)> = Vec::new();
        all.extend(facts.iter().map(|f| (f.at, Ref::Fact(f))));
        all.extend(contacts.iter().map(|c| (noon(c.on), Ref::Contact(c))));
        all.extend(replies.iter().map(|r| (r.replied_at.unwrap_or(r.since), Ref::Reply(r))));
        all.extend(past.iter().map(|x| (noon(x.ended), Ref::Past(x))));
        all.sort_by_key(|e| std::cmp::Reverse(e.0));
        let total = all.len();
        let mut timeline = Vec::with_capacity(limit.min(total));
        for (at, r) in all.into_iter().take(limit) {
            let linked = match r {
                Ref::Fact(f) => match f.kind {
                    LinkKind::Urge => self.backend.urge(f.item).await?.map(Linked::Urge),
                    LinkKind::Experiment => self.backend.record(f.item).await?.map(Linked::Experiment),
                    LinkKind::Journal => self.backend.journal_entry(f.item).await?.map(Linked::Journal),
                    LinkKind::Reset => self.backend.reset(f.item).await?.map(Linked::Reset),
                },
                Ref::Contact(c) => Some(Linked::Contact(c.clone())),
                Ref::Reply(x) => Some(Linked::Reply(x.clone())),
                Ref::Past(x) => Some(Linked::Past(x.clone())),
            };
            if let Some(linked) = linked {
                timeline.push(TimelineEntry { at, linked });
            }
        }
        let notes = p.details.notes.clone();
        Ok(Some(PersonPage {
            row: row(p, standing, &e),
            notes,
            stage_over_time,
            timeline,
            timeline_total: total,
        }))
    }
}

fn row(p: Person, s: Standing, e: &Evidence<'_>) -> PersonRow {
    let mut owed: Vec<Reply> = e.replies.iter().filter(|r| r.replied_at.is_none()).map(|r| (*r).clone()).collect();
    owed.sort_by_key(|r| r.since);
    PersonRow {
        id: p.id,
        name: p.details.name.clone(),
        kind: p.details.kind,
        since: p.details.since,
        stage: s.stage,
        safe: s.safe,
        last_contact: s.last_contact,
        days_since: s.days_since,
        ideal_days: p.details.ideal_days,
        max_days: p.details.max_days,
        drifting: s.drifting,
        owed,
        archived: p.archived,
        person: p,
    }
}
