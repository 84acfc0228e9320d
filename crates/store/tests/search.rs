//! Search's storage contract, on every engine: the same records, written
//! the same way, give the same hits for the same query, and what a person
//! changes or deletes is found (or not) at once.

mod engines;

use drawbridge_core::Catalog;
use drawbridge_core::moment::{ResetEntry, ThoughtInput, ThoughtRecord};
use drawbridge_core::practice::{Outcome, Plan, Result as Res};
use drawbridge_core::search::{Kind, Order, Query};
use drawbridge_core::urge::UrgeEntry;
use drawbridge_store::Store;
use time::{Duration, OffsetDateTime, UtcOffset};
use uuid::Uuid;

/// What each record is called in the expectations below.
struct Written {
    names: Vec<(Uuid, &'static str)>,
}

impl Written {
    fn name(&self, id: Uuid) -> &'static str {
        self.names.iter().find(|(i, _)| *i == id).map_or("?", |(_, n)| n)
    }
}

async fn write_everything(s: &Store) -> Written {
    let base = OffsetDateTime::now_utc() - Duration::days(30);
    let mut names = Vec::new();
    let j = |n: i64| base + Duration::days(n);
    for (name, day, title, body, tags) in [
        (
            "call",
            1,
            Some("The call"),
            "I stayed on the call with Sam though I wanted to hang up.",
            &["Work-Life"][..],
        ),
        (
            "cafe",
            2,
            None,
            "Met Zoë at the café. Staying felt possible today.",
            &["friends"][..],
        ),
        ("alone", 3, None, "Honestly I'm better off alone. Less to lose.", &[][..]),
        (
            "report",
            4,
            Some("Office"),
            "I'm done with this report and the whole week.",
            &["work-life"][..],
        ),
    ] {
        let (e, _) = s
            .save_journal(Uuid::now_v7(), engines::journal_text(title, body, tags), j(day))
            .await
            .expect("save");
        names.push((e.id, name));
    }
    let thought = ThoughtRecord::check(ThoughtInput {
        feelings: vec![("ashamed", "80")],
        hot_thought: Some("They are done with me"),
        belief: Some("90"),
        evidence: Some("She texted the next morning"),
        another_view: Some("She was tired"),
        rerated: Some("40"),
        now_or_then: Some("then"),
        then_note: None,
    })
    .expect("thought");
    let reset = ResetEntry::with_thought(None, None, Some("I went quiet at dinner"), None, None, thought).expect("reset");
    let r = s.add_reset(reset).await.expect("reset");
    names.push((r.id, "reset"));
    let u = s
        .add_urge(
            UrgeEntry {
                kind: "go-quiet".into(),
                intensity: Some(6),
                body: None,
                about: Some("Sam".into()),
                did: Some("stayed".into()),
                note: Some("Wanted to stop texting back; I stayed in the chat".into()),
            },
            j(5),
        )
        .await
        .expect("urge");
    names.push((u.id, "urge"));
    let plan = Plan {
        experiment: None,
        custom: Some("Ask Ruth for a walk".into()),
        stage: 2,
        with_whom: Some("Ruth".into()),
        planned_for: j(6).date(),
        prediction: "She will say she is busy".into(),
        belief_before: 75,
        want: 70,
        expect: 55,
    };
    let done = Res {
        what_happened: Some("She said yes at once and we walked by the river".into()),
        peak: 40,
        after: 10,
        outcome: Outcome::Better,
        capacity: 60,
        learned: Some("Asking was the hard part".into()),
        belief_after: 30,
        flooded: false,
    };
    let rec = s.log_experiment(plan, done, j(6)).await.expect("experiment");
    names.push((rec.id, "walk"));
    Written { names }
}

async fn names(s: &Store, w: &Written, q: &str, order: Order) -> (usize, Vec<&'static str>) {
    let query = Query::parse(q, &drawbridge_core::stories::STORIES, UtcOffset::UTC).expect("query");
    let found = s.search(&query, order, 50, Catalog::embedded()).await.expect("search");
    (found.total, found.hits.iter().map(|h| w.name(h.id)).collect())
}

#[tokio::test]
async fn the_same_query_finds_the_same_records_on_every_engine() {
    let cases: &[(&str, &[&str])] = &[
        ("stay", &["urge", "cafe", "call"]),
        ("staying sam", &["urge", "call"]),
        ("\"stayed on the call\"", &["call"]),
        ("\"call stayed\"", &[]),
        ("CAFE zoe", &["cafe"]),
        ("alon*", &["alone"]),
        ("tag:work-life", &["report", "call"]),
        ("tag:work-life -report", &["call"]),
        ("kind:reset", &["reset"]),
        ("texted", &["reset", "urge"]),
        ("kind:experiment busy", &["walk"]),
        ("\"hard part\" kind:experiment,journal", &["walk"]),
        ("walked river", &["walk"]),
        ("done -report", &["reset"]),
        ("story:prefer-alone", &["alone"]),
    ];
    let mut seen: Vec<Vec<(usize, Vec<&str>)>> = Vec::new();
    for e in engines::all().await {
        let s = e.open().await;
        let w = write_everything(&s).await;
        let mut got = Vec::new();
        for (q, want) in cases {
            let (total, hits) = names(&s, &w, q, Order::Newest).await;
            assert_eq!(hits, *want, "{} {q}", e.name);
            assert_eq!(total, want.len(), "{} {q}", e.name);
            got.push((total, hits));
        }
        // Best first: the denser match comes first, on every engine alike.
        let (_, best) = names(&s, &w, "alone", Order::Best).await;
        assert_eq!(best, ["alone"]);
        let (_, best) = names(&s, &w, "stay", Order::Best).await;
        got.push((0, best));
        seen.push(got);
        s.close().await;
    }
    if let [a, b] = seen.as_slice() {
        assert_eq!(a, b, "SQLite and PostgreSQL found the same, in the same order");
    }
}

#[tokio::test]
async fn an_edit_or_a_delete_is_found_at_once_and_snippets_mark_the_words() {
    for e in engines::all().await {
        let s = e.open().await;
        let (entry, _) = s
            .save_journal(
                Uuid::now_v7(),
                engines::journal_text(None, "We argued about the trip.", &[]),
                OffsetDateTime::now_utc(),
            )
            .await
            .expect("save");
        let q = |t: &str| Query::parse(t, &drawbridge_core::stories::STORIES, UtcOffset::UTC).expect("query");
        let found = s.search(&q("argue"), Order::Newest, 10, Catalog::embedded()).await.expect("search");
        assert_eq!(found.total, 1, "{}", e.name);
        let h = &found.hits[0];
        assert_eq!((h.kind, h.id, h.at), (Kind::Journal, entry.id, entry.at));
        let marked: Vec<&str> = h.snippet.marks.iter().map(|(a, b)| &h.snippet.text[*a..*b]).collect();
        assert_eq!(marked, ["argued"]);
        s.edit_journal(entry.id, engines::journal_text(None, "We talked about the trip.", &[]))
            .await
            .expect("edit");
        let after = s.search(&q("argue"), Order::Newest, 10, Catalog::embedded()).await.expect("search");
        assert_eq!(after.total, 0, "{}: the new words replace the old in search", e.name);
        assert_eq!(
            s.search(&q("talking"), Order::Newest, 10, Catalog::embedded())
                .await
                .expect("search")
                .total,
            1
        );
        assert!(s.delete_journal(entry.id).await.expect("delete"));
        assert_eq!(
            s.search(&q("talking"), Order::Newest, 10, Catalog::embedded())
                .await
                .expect("search")
                .total,
            0
        );
        s.close().await;
    }
}

#[tokio::test]
async fn an_urge_found_once_it_has_words_and_not_after_they_go_and_many_new_entries_at_once() {
    for e in engines::all().await {
        let s = e.open().await;
        let q = |t: &str| Query::parse(t, &drawbridge_core::stories::STORIES, UtcOffset::UTC).expect("query");
        let count = async |t: &str| s.search(&q(t), Order::Newest, 10, Catalog::embedded()).await.expect("search").total;
        let quiet = |note: Option<&str>| UrgeEntry {
            kind: "go-quiet".into(),
            intensity: Some(5),
            body: None,
            about: None,
            did: None,
            note: note.map(String::from),
        };
        let u = s.add_urge(quiet(None), OffsetDateTime::now_utc()).await.expect("urge");
        assert_eq!(count("kind:urge").await, 0, "{}: an urge with no words is not a hit", e.name);
        assert!(
            s.update_urge(u.id, quiet(Some("wanted to leave the party early")))
                .await
                .expect("edit")
        );
        assert_eq!(count("party").await, 1, "{}: a note added later is found", e.name);
        assert!(s.update_urge(u.id, quiet(None)).await.expect("edit"));
        assert_eq!(count("party").await, 0, "{}: a note taken away is not found", e.name);
        // More than a batch of new entries before one search: every one found.
        let base = OffsetDateTime::now_utc() - Duration::days(400);
        for n in 0..260 {
            let body = format!("Entry {n}: walked by the river with Ada.");
            s.save_journal(Uuid::now_v7(), engines::journal_text(None, &body, &[]), base + Duration::days(n))
                .await
                .expect("save");
        }
        assert_eq!(count("river").await, 260, "{}", e.name);
        assert_eq!(count("\"walked by the river\" -ada").await, 0, "{}", e.name);
        s.close().await;
    }
}
