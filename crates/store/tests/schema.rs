//! docs/export.schema.json documents the export format. These tests keep the
//! document and the code in step: the same fields, the same required set, the
//! same allowed values as the content catalog.

use std::collections::BTreeSet;
use std::path::Path;

use drawbridge_core::Catalog;
use drawbridge_core::urge::UrgeEntry;
use drawbridge_store::{Location, Store, Workload};
use serde_json::Value;

fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/export.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("schema file")).expect("schema is JSON")
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_schema_names_exactly_the_fields_an_export_has() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loc = Location {
        db: dir.path().join("drawbridge.db"),
        key: dir.path().join("drawbridge.key"),
        database_url: None,
    };
    let (store, _) = Store::open_or_create(&loc, None, Workload::Command).await.expect("store");
    let entry = UrgeEntry {
        kind: "busy".into(),
        intensity: Some(3),
        body: None,
        about: Some("Alex".into()),
        did: Some("paused".into()),
        note: None,
    };
    store.add_urge(entry, time::OffsetDateTime::now_utc()).await.expect("add");
    store.set_setting("region", "UK").await.expect("setting");
    let catalog = Catalog::embedded();
    let patterns = catalog.instrument("patterns").expect("patterns");
    let attempt = store.start_quiz(patterns, None).await.expect("start");
    store
        .finish_quiz(attempt.id, &patterns.score(&Default::default()))
        .await
        .expect("finish");
    store.put_instrument("tiny", "id = \"tiny\"").await.expect("instrument");
    let plan = drawbridge_core::practice::Plan {
        experiment: Some(catalog.experiments()[0].id.clone()),
        custom: None,
        stage: 1,
        with_whom: Some("Sam".into()),
        planned_for: time::macros::date!(2026 - 11 - 21),
        prediction: "They will sigh".into(),
        belief_before: 70,
        want: 60,
        expect: 30,
    };
    let result = drawbridge_core::practice::Result {
        what_happened: None,
        peak: 40,
        after: 10,
        outcome: drawbridge_core::practice::Outcome::Better,
        capacity: 60,
        learned: Some("It was fine".into()),
        belief_after: 30,
        flooded: false,
    };
    store
        .log_experiment(plan, result, time::OffsetDateTime::now_utc())
        .await
        .expect("record");
    store.set_stage(1).await.expect("stage");
    let mut run = store
        .start_program("connection-7", time::macros::date!(2026 - 11 - 21))
        .await
        .expect("run");
    run.entries.push(drawbridge_core::practice::ProgramEntry {
        day: 1,
        done_at: time::OffsetDateTime::now_utc(),
        reflection: None,
    });
    run.stopped_on = Some(time::macros::date!(2026 - 11 - 22));
    store.save_program_run(&run).await.expect("save");
    store.add_pause("short", 80, true).await.expect("pause");
    let rec_id = store.export().await.expect("records").experiment_records[0].id;
    let thought = drawbridge_core::moment::ThoughtRecord::check(drawbridge_core::moment::ThoughtInput {
        feelings: vec![("sad", "60")],
        hot_thought: Some("d"),
        belief: Some("80"),
        evidence: Some("e"),
        another_view: Some("f"),
        rerated: Some("50"),
        now_or_then: Some("both"),
        then_note: Some("g"),
    })
    .expect("thought");
    let reset =
        drawbridge_core::moment::ResetEntry::with_thought(Some(rec_id), Some(60), Some("a"), Some("b"), Some("c"), thought).expect("reset");
    store.add_reset(reset).await.expect("add reset");
    let mut plan = drawbridge_core::safety::SafetyPlan::default();
    plan.set("warning-signs", "I stop answering").expect("plan");
    store.set_safety_plan(&plan).await.expect("save plan");
    plan.set("warning-signs", "I stop answering my sister").expect("plan");
    store.set_safety_plan(&plan).await.expect("edit plan");
    let so_far = store.export().await.expect("so far");
    let text = drawbridge_core::journal::JournalText {
        title: Some("Tuesday".into()),
        body: "I nearly cancelled, and then I went.".into(),
        tags: vec!["work".into()],
        prompt: Some("noticing-closeness-possible".into()),
        body_signal: Some("tight-chest".into()),
        urge: Some(so_far.urges[0].id),
        record: Some(rec_id),
        reset: Some(so_far.resets[0].id),
    };
    let id = uuid::Uuid::now_v7();
    store
        .save_journal(id, text.clone(), time::OffsetDateTime::now_utc())
        .await
        .expect("journal");
    let edited = drawbridge_core::journal::JournalText {
        body: "I nearly cancelled, and then I went. It was good.".into(),
        ..text
    };
    store.edit_journal(id, edited).await.expect("edit journal");
    let draft = drawbridge_core::journal::JournalDraft {
        id: uuid::Uuid::now_v7(),
        saved_at: time::OffsetDateTime::now_utc(),
        title: "Half".into(),
        body: "Half a".into(),
        tags: "#work".into(),
        prompt: Some("noticing-closeness-possible".into()),
    };
    store.keep_journal_draft(draft).await.expect("draft");
    let today = time::macros::date!(2026 - 12 - 01);
    let details = drawbridge_core::people::PersonDetails {
        name: "Alex".into(),
        kind: drawbridge_core::people::Kind::Friend,
        since: Some(time::macros::date!(2025 - 03 - 01)),
        stage: 2,
        ideal_days: Some(7),
        max_days: Some(21),
        notes: Some("Met at the choir".into()),
    };
    let (alex, linked) = store.add_person(details.clone(), today).await.expect("person");
    assert_eq!(linked, 1, "the urge about Alex is linked by name");
    store
        .edit_person(
            alex.id,
            drawbridge_core::people::PersonDetails {
                notes: Some("Met at the choir, sings alto".into()),
                ..details
            },
            today,
        )
        .await
        .expect("edit person");
    store
        .mark_safe(alex.id, drawbridge_core::people::SafeItem::Kind, true)
        .await
        .expect("mark");
    store.add_contact(alex.id, today).await.expect("contact");
    let owed = store
        .owe_reply(alex.id, time::OffsetDateTime::now_utc(), Some("the choir dates".into()))
        .await
        .expect("owe");
    store.replied(owed.id, Some(30)).await.expect("replied");
    let sam = store
        .archived_person("Sam", drawbridge_core::people::Kind::Partner, today)
        .await
        .expect("archived");
    let past = drawbridge_core::people::PastRelationship {
        id: uuid::Uuid::now_v7(),
        person: sam.id,
        began: time::macros::date!(2024 - 01 - 01),
        ended: time::macros::date!(2024 - 04 - 01),
        ended_by: drawbridge_core::people::EndedBy::Me,
        stage: Some(3),
        urges: vec!["go-quiet".into()],
        note: Some("I stopped answering".into()),
        added_at: time::OffsetDateTime::now_utc(),
    };
    store.add_past(past, today, &["go-quiet"]).await.expect("past");
    let export: Value = serde_json::to_value(store.export().await.expect("export")).expect("json");

    let s = schema();
    assert_eq!(keys(&export), keys(&s["properties"]), "top-level fields");
    assert_eq!(keys(&export), strings(&s["required"]), "all top-level fields are required");
    let urge = &s["$defs"]["urge"];
    assert_eq!(keys(&export["urges"][0]), keys(&urge["properties"]), "urge fields");
    assert_eq!(
        keys(&export["urges"][0]),
        strings(&urge["required"]),
        "all urge fields are required"
    );
    assert_eq!(
        keys(&export["quiz_results"][0]),
        keys(&s["$defs"]["quizResult"]["properties"]),
        "quiz result fields"
    );
    assert_eq!(keys(&export["quiz_results"][0]), strings(&s["$defs"]["quizResult"]["required"]));
    assert_eq!(
        keys(&export["instruments"][0]),
        keys(&s["$defs"]["instrument"]["properties"]),
        "instrument fields"
    );
    let score = export["quiz_results"][0]["scores"]["avoidance"].clone();
    assert_eq!(score["status"], "not-enough-answers");
    for k in keys(&score) {
        assert!(keys(&s["$defs"]["scaleScore"]["properties"]).contains(&k), "scale score field {k}");
    }
    let rec = &export["experiment_records"][0];
    assert_eq!(rec["plan"]["planned_for"], "2026-11-21", "dates are written as YYYY-MM-DD");
    assert_eq!(export["program_runs"][0]["started_on"], "2026-11-21");
    let def = &s["$defs"]["experimentRecord"];
    assert_eq!(keys(rec), keys(&def["properties"]), "experiment record fields");
    assert_eq!(keys(&rec["plan"]), keys(&def["properties"]["plan"]["properties"]), "plan fields");
    assert_eq!(
        keys(&rec["result"]),
        keys(&def["properties"]["result"]["oneOf"][1]["properties"]),
        "result fields"
    );
    assert_eq!(keys(&export["stage_changes"][0]), keys(&s["$defs"]["stageChange"]["properties"]));
    assert_eq!(keys(&export["program_runs"][0]), keys(&s["$defs"]["programRun"]["properties"]));
    assert_eq!(
        keys(&export["program_runs"][0]["entries"][0]),
        keys(&s["$defs"]["programRun"]["properties"]["entries"]["items"]["properties"])
    );
    assert_eq!(keys(&export["pauses"][0]), keys(&s["$defs"]["pause"]["properties"]), "pause fields");
    assert_eq!(keys(&export["pauses"][0]), strings(&s["$defs"]["pause"]["required"]));
    assert_eq!(keys(&export["resets"][0]), keys(&s["$defs"]["reset"]["properties"]), "reset fields");
    assert_eq!(
        keys(&export["journal"][0]),
        keys(&s["$defs"]["journalEntry"]["properties"]),
        "journal fields"
    );
    assert_eq!(
        keys(&export["journal_drafts"][0]),
        keys(&s["$defs"]["journalDraft"]["properties"]),
        "draft fields"
    );
    assert_eq!(
        keys(&export["safety_plan"]),
        keys(&s["$defs"]["safetyPlan"]["properties"]),
        "plan fields"
    );
    assert_eq!(
        keys(&export["text_versions"][0]),
        keys(&s["$defs"]["textVersion"]["properties"]),
        "earlier version fields"
    );
    assert_eq!(keys(&export["text_versions"][0]), strings(&s["$defs"]["textVersion"]["required"]));
    let alex = export["people"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["name"] == "Alex"))
        .expect("Alex exported");
    assert_eq!(keys(alex), keys(&s["$defs"]["person"]["properties"]), "person fields");
    for (field, def) in [
        ("safe_marks", "safeMark"),
        ("person_links", "personLink"),
        ("contacts", "contact"),
        ("replies", "reply"),
        ("past_relationships", "pastRelationship"),
    ] {
        assert_eq!(keys(&export[field][0]), keys(&s["$defs"][def]["properties"]), "{field} fields");
    }
    let items: BTreeSet<String> = drawbridge_core::versions::ITEMS.iter().map(|i| i.to_string()).collect();
    assert_eq!(strings(&s["$defs"]["textVersion"]["properties"]["item"]["enum"]), items);
    assert_eq!(export["format"], s["properties"]["format"]["const"]);
    assert_eq!(export["version"], s["properties"]["version"]["const"]);
}

#[test]
fn the_schema_allows_exactly_the_values_the_catalog_knows() {
    let c = &Catalog::embedded().urges();
    let urge = &schema()["$defs"]["urge"]["properties"];
    let kinds: BTreeSet<String> = c.kinds.iter().map(|k| k.id.clone()).collect();
    assert_eq!(strings(&urge["kind"]["enum"]), kinds);
    let body: BTreeSet<String> = c.body.iter().map(|b| b.id.clone()).collect();
    assert_eq!(strings(&urge["body"]["oneOf"][1]["enum"]), body);
    let did: BTreeSet<String> = c.did.iter().map(|d| d.id.clone()).collect();
    assert_eq!(strings(&urge["did"]["oneOf"][1]["enum"]), did);
    let all = Catalog::embedded();
    let protocols: BTreeSet<String> = all.protocols().iter().map(|p| p.id.clone()).collect();
    assert_eq!(strings(&schema()["$defs"]["pause"]["properties"]["protocol"]["enum"]), protocols);
    let sections: BTreeSet<String> = all.safety().sections.iter().map(|s| s.id.clone()).collect();
    assert_eq!(
        strings(&schema()["$defs"]["safetyPlan"]["properties"]["sections"]["propertyNames"]["enum"]),
        sections
    );
}
