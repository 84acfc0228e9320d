//! A database made by an earlier release upgrades in place and keeps every
//! word: `tests/data/schema-6` was written through the CLI at schema 6 (see
//! its README), and each later migration runs over a copy of it here.

use std::path::Path;

use drawbridge_core::Catalog;
use drawbridge_core::urge::UrgeDraft;
use drawbridge_store::{Location, Store, UrgeFilter, Workload};
use serde_json::Value;
use time::OffsetDateTime;

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/schema-6")
}

/// A copy, so the test never changes the file in the repository.
fn copy_of_schema_6_database(dir: &Path) -> Location {
    for f in ["drawbridge.db", "drawbridge.key"] {
        std::fs::copy(fixture().join(f), dir.join(f)).expect("copy the fixture");
    }
    Location {
        db: dir.join("drawbridge.db"),
        key: dir.join("drawbridge.key"),
        database_url: None,
    }
}

/// An export without the moment it was made.
/// The records alone: not when the file was made or which format version
/// wrote it, and no sections that came after schema 6 while they are empty
/// (a section with anything in it stays, and fails the comparison).
fn comparable(mut v: Value) -> Value {
    let o = v.as_object_mut().expect("an object");
    o.remove("exported_at");
    o.remove("version");
    for later in [
        "journal",
        "journal_drafts",
        "story_answers",
        "people",
        "safe_marks",
        "person_links",
        "contacts",
        "replies",
        "past_relationships",
    ] {
        if o.get(later).and_then(Value::as_array).is_some_and(Vec::is_empty) {
            o.remove(later);
        }
    }
    v
}

#[tokio::test]
async fn a_schema_6_database_upgrades_in_place_and_keeps_every_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loc = copy_of_schema_6_database(dir.path());
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(fixture().join("export.json")).expect("read")).expect("json");
    for section in [
        "urges",
        "experiment_records",
        "program_runs",
        "resets",
        "safety_plan",
        "text_versions",
        "pauses",
    ] {
        assert!(
            expected[section]
                .as_array()
                .map(Vec::len)
                .or(expected[section].as_object().map(|o| o.len()))
                > Some(0),
            "the fixture has {section}"
        );
    }

    let (store, _) = Store::open_or_create(&loc, None, Workload::Command)
        .await
        .expect("opens and upgrades");
    assert!(store.check().await.expect("check").is_empty(), "every page reads");
    let owner = store.owner();
    assert!(!owner.is_nil(), "the upgrade made the database's one owner");
    let doc = serde_json::to_value(store.export().await.expect("export")).expect("json");
    assert_eq!(comparable(doc), comparable(expected.clone()), "every record, as it was");

    // The ledger's sums and Today's counts come from the same records.
    let stages = store.ledger_counts().await.expect("ledger");
    assert_eq!(stages.iter().map(|s| s.done).sum::<u32>(), 2);
    let urges = store.urges(&UrgeFilter::default()).await.expect("urges");
    assert!(
        urges
            .iter()
            .any(|u| u.entry.note.as_deref() == Some("Fixture note: the evening went quiet"))
    );

    // New words go in, and everything reads back after a reopen, twice.
    let entry = Catalog::embedded()
        .urges()
        .check(UrgeDraft {
            kind: "busy".into(),
            intensity: Some(3),
            body: None,
            about: None,
            did: None,
            note: Some("Written after the upgrade".into()),
        })
        .expect("valid");
    store.add_urge(entry, OffsetDateTime::now_utc()).await.expect("saved");
    store.close().await;
    for _ in 0..2 {
        let (store, _) = Store::open_or_create(&loc, None, Workload::Command).await.expect("reopens");
        assert_eq!(store.owner(), owner, "the same owner after a reopen");
        let urges = store.urges(&UrgeFilter::default()).await.expect("urges");
        assert_eq!(urges.len(), 3);
        let doc = comparable(serde_json::to_value(store.export().await.expect("export")).expect("json"));
        assert_eq!(doc["experiment_records"], expected["experiment_records"]);
        assert_eq!(doc["text_versions"], expected["text_versions"]);
        store.close().await;
    }
}
