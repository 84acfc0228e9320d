//! People's storage contract, on every engine: a name typed before becomes
//! the person with every record that named them; a second add of the same
//! name is refused; edits keep the words they replace; a reply is closed
//! once; the timeline shows everything linked, newest first; removing a
//! person keeps or removes the linked records as asked; and people travel
//! through export and import without loss, even over newer data.

mod engines;

use drawbridge_core::people::{Drift, EndedBy, Kind, LinkKind, PastRelationship, PersonDetails, PersonError, SafeItem, SafeState};
use drawbridge_core::practice::{Outcome, Plan, Result as Outcomes};
use drawbridge_core::urge::UrgeEntry;
use drawbridge_core::versions;
use drawbridge_store::people::{Linked, LinkedRecords, PeopleError};
use drawbridge_store::{ExportDoc, FollowUp, Store};
use time::macros::date;
use time::{Date, Duration, OffsetDateTime, UtcOffset};
use uuid::Uuid;

fn details(name: &str) -> PersonDetails {
    PersonDetails {
        name: name.into(),
        kind: Kind::Friend,
        since: None,
        stage: 0,
        ideal_days: Some(7),
        max_days: Some(21),
        notes: None,
    }
}

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

fn urge(about: Option<&str>, did: &str) -> UrgeEntry {
    UrgeEntry {
        kind: "go-quiet".into(),
        intensity: Some(5),
        body: None,
        about: about.map(String::from),
        did: Some(did.into()),
        note: Some("I wanted to leave the call".into()),
    }
}

async fn experiment(store: &Store, with: &str, stage: u8, outcome: Outcome, done: OffsetDateTime) -> Uuid {
    let plan = Plan {
        experiment: None,
        custom: Some("Tell them about my week".into()),
        stage,
        with_whom: Some(with.into()),
        planned_for: done.date(),
        prediction: "They will look bored".into(),
        belief_before: 70,
        want: 60,
        expect: 40,
    };
    let result = Outcomes {
        what_happened: Some("They asked questions".into()),
        peak: 40,
        after: 10,
        outcome,
        capacity: 60,
        learned: None,
        belief_after: 30,
        flooded: false,
    };
    store.log_experiment(plan, result, done).await.expect("experiment").id
}

fn text() -> &'static drawbridge_core::people::PeopleText {
    engines::catalog().people()
}

#[tokio::test]
async fn a_name_typed_before_becomes_the_person_with_every_record_that_named_them() {
    for e in engines::all().await {
        let store = e.open().await;
        let now = OffsetDateTime::now_utc();
        store
            .add_urge(urge(Some("zoe"), "stayed"), now - Duration::days(3))
            .await
            .expect("urge");
        store.add_urge(urge(Some("Zoe Park"), "acted"), now).await.expect("another name");
        experiment(&store, " Zoe", 3, Outcome::Better, now - Duration::days(2)).await;
        let (zoe, linked) = store.add_person(details("Zoe"), today()).await.expect("add");
        assert_eq!(linked, 2, "on {}: the urge and experiment naming Zoe, any case", e.name);
        match store.add_person(details(" ZOE "), today()).await {
            Err(PeopleError::Person(PersonError::Taken(n))) => assert_eq!(n, "ZOE"),
            other => panic!("on {}: a second Zoe was {other:?}", e.name),
        }
        assert_eq!(store.people().await.expect("people").len(), 1, "on {}", e.name);
        assert_eq!(store.link_by_name(&zoe).await.expect("again"), 0, "linking twice adds nothing");

        let rows = store.people_rows(today(), UtcOffset::UTC, text()).await.expect("rows");
        let row = &rows[0];
        assert_eq!(
            (row.name.as_str(), row.stage),
            ("Zoe", 3),
            "on {}: stage from the experiment",
            e.name
        );
        assert_eq!(row.days_since, 2, "on {}: the experiment two days ago is the last contact", e.name);
        assert_eq!(row.drifting, Drift::None);

        // A new urge about her links by name; a change of name moves it.
        let later = store.add_urge(urge(Some("Zoe"), "paused"), now).await.expect("urge");
        let linked = store
            .relink_by_name(LinkKind::Urge, later.id, None, later.entry.about.as_deref())
            .await
            .expect("link");
        assert_eq!(linked.map(|p| p.id), Some(zoe.id));
        assert_eq!(store.people_linked_to(LinkKind::Urge, later.id).await.expect("linked").len(), 1);
        store
            .relink_by_name(LinkKind::Urge, later.id, Some("Zoe"), Some("Sam"))
            .await
            .expect("relink");
        assert!(
            store.people_linked_to(LinkKind::Urge, later.id).await.expect("linked").is_empty(),
            "on {}",
            e.name
        );
    }
}

#[tokio::test]
async fn an_edit_keeps_the_words_it_replaces_every_time() {
    for e in engines::all().await {
        let store = e.open().await;
        let (p, _) = store
            .add_person(
                PersonDetails {
                    notes: Some("Met at the climbing wall".into()),
                    ..details("Sam")
                },
                today(),
            )
            .await
            .expect("add");
        for (name, notes) in [("Sammy", "Met at the wall, likes tea"), ("Sam R", "Likes tea")] {
            let d = PersonDetails {
                notes: Some(notes.into()),
                ..details(name)
            };
            assert!(store.edit_person(p.id, d, today()).await.expect("edit"), "on {}", e.name);
        }
        let now = store.person(p.id).await.expect("read").expect("there");
        assert_eq!(now.details.name, "Sam R");
        assert!(now.edited_at.is_some());
        let kept = store.versions(versions::PERSON, &p.id.to_string()).await.expect("versions");
        let mut words: Vec<&str> = kept.iter().map(|v| v.text.as_str()).collect();
        words.sort_unstable();
        assert_eq!(
            words,
            vec!["Met at the climbing wall", "Met at the wall, likes tea", "Sam", "Sammy"],
            "on {}: every earlier name and note is kept",
            e.name
        );
        let (other, _) = store.add_person(details("Ola"), today()).await.expect("add");
        assert!(
            matches!(
                store.edit_person(other.id, details("sam r"), today()).await,
                Err(PeopleError::Person(PersonError::Taken(_)))
            ),
            "on {}: an edit cannot take another's name",
            e.name
        );
    }
}

#[tokio::test]
async fn replies_contacts_and_marks_show_where_things_stand() {
    for e in engines::all().await {
        let store = e.open().await;
        let (p, _) = store.add_person(details("Ana"), today()).await.expect("add");
        let owed = store
            .owe_reply(p.id, OffsetDateTime::now_utc() - Duration::days(30), Some("  the party  ".into()))
            .await
            .expect("owe");
        assert_eq!(owed.about.as_deref(), Some("the party"));
        let rows = store.people_rows(today(), UtcOffset::UTC, text()).await.expect("rows");
        assert_eq!(rows[0].owed.len(), 1, "on {}", e.name);
        assert_eq!(store.replied(owed.id, Some(40)).await.expect("reply"), FollowUp::Saved);
        assert!(
            matches!(store.replied(owed.id, Some(90)).await.expect("again"), FollowUp::AlreadyDone(_)),
            "on {}: replying twice changes nothing",
            e.name
        );
        let all = store.replies().await.expect("replies");
        assert_eq!(all[0].felt, Some(40), "on {}: the first answer stays", e.name);
        assert!(matches!(
            store.replied(Uuid::now_v7(), None).await.expect("none"),
            FollowUp::NotFound
        ));

        store.add_contact(p.id, today() - Duration::days(25)).await.expect("contact");
        store.mark_safe(p.id, SafeItem::Private, true).await.expect("mark");
        store.mark_safe(p.id, SafeItem::Private, false).await.expect("mark again");
        assert!(!store.mark_safe(Uuid::now_v7(), SafeItem::Private, true).await.expect("nobody"));
        let rows = store.people_rows(today(), UtcOffset::UTC, text()).await.expect("rows");
        let row = &rows[0];
        assert!(row.owed.is_empty());
        assert_eq!(row.last_contact, Some(today()), "on {}: the reply today is contact", e.name);
        let private = row.safe.iter().find(|s| s.item == SafeItem::Private).expect("private");
        assert_eq!(private.state, SafeState::No, "on {}: the second mark replaces the first", e.name);
        assert_eq!(store.contacts().await.expect("contacts").len(), 1);

        store.replies().await.expect("replies");
        let far = store.owe_reply(p.id, OffsetDateTime::now_utc(), Some("x".repeat(501))).await;
        assert!(matches!(far, Err(PeopleError::AboutTooLong(501))), "on {}", e.name);
    }
}

#[tokio::test]
async fn the_timeline_shows_everything_linked_newest_first() {
    for e in engines::all().await {
        let store = e.open().await;
        let now = drawbridge_store::truncate_micros(OffsetDateTime::now_utc());
        let (p, _) = store.add_person(details("Kim"), today()).await.expect("add");
        let u = store
            .add_urge(urge(Some("Kim"), "stayed"), now - Duration::days(10))
            .await
            .expect("urge");
        store.link(p.id, LinkKind::Urge, u.id).await.expect("link");
        let rec = experiment(&store, "Kim", 2, Outcome::Better, now - Duration::days(5)).await;
        store.link(p.id, LinkKind::Experiment, rec).await.expect("link");
        let (entry, _) = store
            .save_journal(
                Uuid::now_v7(),
                engines::journal_text(None, "Coffee with Kim", &[]),
                now - Duration::days(1),
            )
            .await
            .expect("journal");
        assert!(store.link(p.id, LinkKind::Journal, entry.id).await.expect("link"));
        assert!(
            !store.link(p.id, LinkKind::Journal, entry.id).await.expect("twice"),
            "on {}",
            e.name
        );
        assert!(
            !store.link(p.id, LinkKind::Reset, Uuid::now_v7()).await.expect("nothing"),
            "no such reset"
        );
        store.add_contact(p.id, today() - Duration::days(3)).await.expect("contact");
        let page = store
            .person_page(p.id, today(), UtcOffset::UTC, text(), 50)
            .await
            .expect("page")
            .expect("there");
        let kinds: Vec<&str> = page
            .timeline
            .iter()
            .map(|t| match &t.linked {
                Linked::Urge(_) => "urge",
                Linked::Experiment(_) => "experiment",
                Linked::Journal(_) => "journal",
                Linked::Reset(_) => "reset",
                Linked::Contact(_) => "contact",
                Linked::Reply(_) => "reply",
                Linked::Past(_) => "past",
            })
            .collect();
        assert_eq!(kinds, vec!["journal", "contact", "experiment", "urge"], "on {}", e.name);
        assert_eq!(page.stage_over_time.len(), 1);
        let short = store
            .person_page(p.id, today(), UtcOffset::UTC, text(), 2)
            .await
            .expect("page")
            .expect("there");
        assert_eq!((short.timeline.len(), short.timeline_total), (2, 4));

        // A record removed leaves the timeline, and nothing else.
        assert!(store.delete_journal(entry.id).await.expect("delete"));
        let page = store
            .person_page(p.id, today(), UtcOffset::UTC, text(), 50)
            .await
            .expect("page")
            .expect("there");
        assert_eq!(page.timeline_total, 3, "on {}", e.name);
    }
}

#[tokio::test]
async fn removing_a_person_keeps_or_removes_the_linked_records_as_asked() {
    for e in engines::all().await {
        let store = e.open().await;
        let now = OffsetDateTime::now_utc();
        for (name, records) in [("Keep", LinkedRecords::Keep), ("Drop", LinkedRecords::Delete)] {
            let u = store.add_urge(urge(Some(name), "stayed"), now).await.expect("urge");
            let (p, linked) = store.add_person(details(name), today()).await.expect("add");
            assert_eq!(linked, 1);
            store.owe_reply(p.id, now, None).await.expect("owe");
            store.mark_safe(p.id, SafeItem::Kind, true).await.expect("mark");
            assert!(store.delete_person(p.id, records).await.expect("delete"), "on {}", e.name);
            assert!(store.person(p.id).await.expect("read").is_none());
            let kept = store.urge(u.id).await.expect("read").is_some();
            assert_eq!(kept, records == LinkedRecords::Keep, "on {}: {name}", e.name);
        }
        let doc = store.export().await.expect("export");
        assert!(doc.people.is_empty() && doc.replies.is_empty() && doc.safe_marks.is_empty() && doc.person_links.is_empty());
        assert_eq!(doc.urges.len(), 1, "on {}: the kept urge, unlinked", e.name);
    }
}

#[tokio::test]
async fn people_travel_through_export_and_an_older_file_loses_nothing_newer() {
    for e in engines::all().await {
        let store = e.open().await;
        let now = OffsetDateTime::now_utc();
        let catalog = engines::catalog();
        let u = store.add_urge(urge(Some("Lee"), "stayed"), now).await.expect("urge");
        let (lee, _) = store
            .add_person(
                PersonDetails {
                    notes: Some("first notes".into()),
                    since: Some(date!(2024 - 05 - 01)),
                    ..details("Lee")
                },
                today(),
            )
            .await
            .expect("add");
        store.owe_reply(lee.id, now, Some("the trip".into())).await.expect("owe");
        store.add_contact(lee.id, today()).await.expect("contact");
        store.mark_safe(lee.id, SafeItem::Consistent, true).await.expect("mark");
        let old = store.archived_person("Rae", Kind::Partner, today()).await.expect("archived");
        assert!(old.archived);
        let past = PastRelationship {
            id: Uuid::now_v7(),
            person: old.id,
            began: date!(2022 - 01 - 01),
            ended: date!(2022 - 06 - 01),
            ended_by: EndedBy::Me,
            stage: Some(3),
            urges: vec!["find-flaw".into()],
            note: Some("I found reasons".into()),
            added_at: now,
        };
        store.add_past(past, today(), &["find-flaw"]).await.expect("past");
        let older = store.export().await.expect("export");
        assert_eq!(older.version, drawbridge_store::export::VERSION);
        let json = serde_json::to_string(&older).expect("json");
        let parsed = ExportDoc::parse(&json, catalog).expect("parse");

        // Into an empty store: everything arrives.
        let other = e.another().await;
        let fresh = other.open().await;
        let report = fresh.import(&parsed, false, catalog).await.expect("import");
        assert!(report.conflicts.is_empty(), "on {}: {:?}", e.name, report.conflicts);
        let back = fresh.export().await.expect("export");
        assert_eq!(back.people, older.people, "on {}", e.name);
        assert_eq!(back.person_links, older.person_links);
        assert_eq!(back.replies, older.replies);
        assert_eq!(back.contacts, older.contacts);
        assert_eq!(back.safe_marks, older.safe_marks);
        assert_eq!(back.past_relationships, older.past_relationships);

        // Newer words here, then the older file over them: kept, and said.
        store
            .edit_person(
                lee.id,
                PersonDetails {
                    notes: Some("newer notes".into()),
                    since: Some(date!(2024 - 05 - 01)),
                    ..details("Lee")
                },
                today(),
            )
            .await
            .expect("edit");
        let report = store.import(&parsed, false, catalog).await.expect("import older");
        assert_eq!(report.conflicts.len(), 1, "on {}: {:?}", e.name, report.conflicts);
        assert!(report.conflicts[0].contains("\"Lee\""), "{:?}", report.conflicts);
        let now_lee = store.person(lee.id).await.expect("read").expect("there");
        assert_eq!(
            now_lee.details.notes.as_deref(),
            Some("newer notes"),
            "on {}: yours are kept",
            e.name
        );
        // Taking the file's keeps the newer words as a version.
        store.import(&parsed, true, catalog).await.expect("prefer file");
        let now_lee = store.person(lee.id).await.expect("read").expect("there");
        assert_eq!(now_lee.details.notes.as_deref(), Some("first notes"));
        let kept: Vec<String> = store
            .versions(versions::PERSON, &lee.id.to_string())
            .await
            .expect("versions")
            .into_iter()
            .map(|v| v.text)
            .collect();
        assert!(kept.contains(&"newer notes".to_string()), "on {}: {kept:?}", e.name);

        // A record the import writes over keeps its link.
        let mut changed = parsed.clone();
        changed.urges[0].note = Some("changed in the file".into());
        store.import(&changed, true, catalog).await.expect("replace the urge");
        let linked = store.people_linked_to(LinkKind::Urge, u.id).await.expect("linked");
        assert_eq!(linked.len(), 1, "on {}: the urge written over is still Lee's", e.name);

        // A file's person with a name taken here arrives under another.
        let third = e.another().await;
        let elsewhere = third.open().await;
        elsewhere.add_person(details("lee"), today()).await.expect("another Lee");
        let report = elsewhere.import(&parsed, false, catalog).await.expect("import");
        assert!(
            report.conflicts.iter().any(|c| c.contains("\"Lee (2)\"")),
            "on {}: {:?}",
            e.name,
            report.conflicts
        );
        let names: Vec<String> = elsewhere
            .people()
            .await
            .expect("people")
            .into_iter()
            .map(|p| p.details.name)
            .collect();
        assert_eq!(names, vec!["lee", "Lee (2)", "Rae"]);
    }
}
