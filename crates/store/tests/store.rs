//! The storage suite: run through the public `Store` interface only, so the
//! same tests will hold any backend to the same promises.

mod engines;

use std::path::Path;

use drawbridge_core::urge::UrgeEntry;
use drawbridge_store::{DataKey, ExportDoc, KeyFile, Location, Store, StoreError, UrgeFilter, Workload};
use proptest::prelude::*;
use time::{Duration, OffsetDateTime};

fn loc(dir: &Path) -> Location {
    Location {
        db: dir.join("drawbridge.db"),
        key: dir.join("drawbridge.key"),
        database_url: None,
    }
}

fn entry(kind: &str, did: Option<&str>) -> UrgeEntry {
    UrgeEntry {
        kind: kind.into(),
        intensity: Some(4),
        body: Some("tight-chest".into()),
        about: Some("Sam".into()),
        did: did.map(String::from),
        note: Some("after dinner".into()),
    }
}

async fn fresh(dir: &Path) -> Store {
    Store::open_or_create(&loc(dir), None, Workload::Command).await.expect("create").0
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

#[tokio::test]
async fn first_run_creates_an_encrypted_database_and_a_private_key_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, opened) = Store::open_or_create(&loc(dir.path()), None, Workload::Command)
        .await
        .expect("create");
    assert_eq!(opened, drawbridge_store::Opened::Created);
    store.add_urge(entry("busy", None), OffsetDateTime::now_utc()).await.expect("add");
    store.close().await;
    let bytes = std::fs::read(dir.path().join("drawbridge.db")).expect("db file");
    assert!(
        !bytes.starts_with(b"SQLite format 3"),
        "the database must not be readable as plain SQLite"
    );
    assert!(
        !bytes.windows(12).any(|w| w == b"after dinner"),
        "text must not appear in the clear"
    );
    let (again, opened) = Store::open_or_create(&loc(dir.path()), None, Workload::Command)
        .await
        .expect("reopen");
    assert_eq!(opened, drawbridge_store::Opened::Existing);
    assert_eq!(again.urges(&UrgeFilter::default()).await.expect("list").len(), 1);
}

#[tokio::test]
async fn urges_can_be_added_read_edited_listed_and_deleted() {
    for e in engines::all().await {
        let store = e.open().await;
        let now = OffsetDateTime::now_utc();
        let a = store
            .add_urge(entry("busy", Some("acted")), now - Duration::days(10))
            .await
            .expect("a");
        let b = store
            .add_urge(entry("go-quiet", Some("stayed")), now - Duration::days(2))
            .await
            .expect("b");
        let c = store.add_urge(entry("go-quiet", None), now).await.expect("c");
        assert!(a.id < b.id && b.id < c.id, "UUIDv7 ids sort by creation");

        let all = store.urges(&UrgeFilter::default()).await.expect("all");
        assert_eq!(all.iter().map(|u| u.id).collect::<Vec<_>>(), vec![c.id, b.id, a.id], "newest first");
        assert_eq!(all[2], a, "what comes back is what went in");

        let recent = store
            .urges(&UrgeFilter {
                since: Some(now - Duration::days(7)),
                ..Default::default()
            })
            .await
            .expect("recent");
        assert_eq!(recent.len(), 2);
        let quiet = store
            .urges(&UrgeFilter {
                kind: Some("go-quiet".into()),
                ..Default::default()
            })
            .await
            .expect("kind");
        assert_eq!(quiet.len(), 2);
        let stayed = store
            .urges(&UrgeFilter {
                did: Some("stayed".into()),
                ..Default::default()
            })
            .await
            .expect("did");
        assert_eq!(stayed, vec![b.clone()]);
        let older = store
            .urges(&UrgeFilter {
                until: Some(now - Duration::days(1)),
                limit: Some(1),
                ..Default::default()
            })
            .await
            .expect("until");
        assert_eq!(older, vec![b.clone()]);

        let mut changed = c.entry.clone();
        changed.did = Some("third-way".into());
        changed.note = None;
        assert!(store.update_urge(c.id, changed.clone()).await.expect("update"));
        let c2 = store.urge(c.id).await.expect("get").expect("present");
        assert_eq!(c2.entry, changed);
        assert_eq!(c2.at, c.at, "editing keeps the time");

        let counts = store.urge_counts_by_did(now - Duration::days(7)).await.expect("counts");
        let s = engines::catalog().urges().summarise(counts.iter().map(|(d, n)| (d.as_deref(), *n)));
        assert_eq!((s.total, s.caught), (2, 2));

        assert!(store.delete_urge(a.id).await.expect("delete"));
        assert!(!store.delete_urge(a.id).await.expect("delete twice"));
        assert!(store.urge(a.id).await.expect("get").is_none());
        assert!(!store.update_urge(a.id, changed).await.expect("update gone"));
    }
}

#[tokio::test]
async fn settings_are_kept_and_overwritten() {
    for e in engines::all().await {
        let store = e.open().await;
        assert_eq!(store.setting("region").await.expect("get"), None);
        store.set_setting("region", "UK").await.expect("set");
        store.set_setting("region", "IE").await.expect("set again");
        assert_eq!(store.setting("region").await.expect("get").as_deref(), Some("IE"));
    }
}

#[tokio::test]
async fn a_wrong_key_is_refused_and_the_file_is_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fresh(dir.path()).await;
    store.add_urge(entry("busy", None), OffsetDateTime::now_utc()).await.expect("add");
    store.close().await;
    let db = dir.path().join("drawbridge.db");
    let before = std::fs::read(&db).expect("read");
    let wrong = DataKey::generate().expect("key");
    let err = Store::open(&db, &wrong, Workload::Command).await.err().expect("must fail");
    assert!(matches!(err, StoreError::WrongKey), "{err}");
    assert!(err.is_key_problem());
    assert_eq!(std::fs::read(&db).expect("read"), before, "a failed open writes nothing");
}

#[tokio::test]
async fn a_missing_key_file_is_explained_not_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    fresh(dir.path()).await.close().await;
    std::fs::remove_file(dir.path().join("drawbridge.key")).expect("rm key");
    let err = Store::open_or_create(&loc(dir.path()), None, Workload::Command)
        .await
        .err()
        .expect("must fail");
    assert!(matches!(err, StoreError::KeyFileMissing { .. }), "{err}");
    assert!(
        !dir.path().join("drawbridge.key").exists(),
        "no new key may be made for an existing database"
    );
}

#[tokio::test]
async fn files_that_are_not_drawbridge_databases_are_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("drawbridge.db");
    // An ordinary SQLite file.
    let mut plain = b"SQLite format 3\0".to_vec();
    plain.resize(4096, 0);
    std::fs::write(&db, &plain).expect("write");
    let err = Store::open_or_create(&loc(dir.path()), None, Workload::Command)
        .await
        .err()
        .expect("must fail");
    assert!(
        matches!(err, StoreError::KeyFileMissing { .. } | StoreError::NotDrawbridge { .. }),
        "{err}"
    );
    KeyFile::plain(&DataKey::generate().expect("key"))
        .write(&dir.path().join("drawbridge.key"))
        .expect("key file");
    let err = Store::open_or_create(&loc(dir.path()), None, Workload::Command)
        .await
        .err()
        .expect("must fail");
    assert!(matches!(err, StoreError::NotDrawbridge { .. }), "{err}");
    assert_eq!(std::fs::read(&db).expect("read"), plain);
    // A text file.
    std::fs::write(&db, "shopping list\n").expect("write");
    let err = Store::open_or_create(&loc(dir.path()), None, Workload::Command)
        .await
        .err()
        .expect("must fail");
    assert!(matches!(err, StoreError::NotDrawbridge { .. }), "{err}");
    assert_eq!(std::fs::read_to_string(&db).expect("read"), "shopping list\n");
}

#[tokio::test]
async fn passphrase_mode_opens_with_the_passphrase_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let l = loc(dir.path());
    fresh(dir.path()).await.close().await;
    let key = KeyFile::read(&l.key)
        .expect("read")
        .expect("present")
        .unlock(&l.key, None)
        .expect("plain key");
    KeyFile::wrapped(&key, "a long passphrase")
        .expect("wrap")
        .write(&l.key)
        .expect("write");
    assert!(matches!(
        Store::open_or_create(&l, None, Workload::Command).await.err(),
        Some(StoreError::PassphraseRequired)
    ));
    assert!(matches!(
        Store::open_or_create(&l, Some("nope"), Workload::Command).await.err(),
        Some(StoreError::WrongKey)
    ));
    Store::open_or_create(&l, Some("a long passphrase"), Workload::Command)
        .await
        .expect("opens");
}

#[tokio::test]
async fn a_read_only_database_says_so_on_write() {
    use std::os::unix::fs::PermissionsExt;
    if unsafe_is_root() {
        return; // root ignores file permissions; nothing to prove here
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fresh(dir.path()).await;
    store.close().await;
    let db = dir.path().join("drawbridge.db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o400)).expect("chmod");
    let result = async {
        let (s, _) = Store::open_or_create(&loc(dir.path()), None, Workload::Command).await?;
        s.add_urge(entry("busy", None), OffsetDateTime::now_utc()).await
    }
    .await;
    assert!(
        matches!(result, Err(StoreError::ReadOnly(_)) | Err(StoreError::Io { .. })),
        "{result:?}"
    );
}

fn unsafe_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

#[tokio::test]
async fn import_checks_everything_first_and_names_the_bad_field() {
    for e in engines::all().await {
        let store = e.open().await;
        let good = r#"{"id":"01936d3e-8f00-7000-8000-000000000001","at":"2026-01-02T03:04:05.123456Z","kind":"busy","intensity":3,"body":null,"about":null,"did":"paused","note":null}"#;
        let bad = r#"{"id":"01936d3e-8f00-7000-8000-000000000002","at":"2026-01-02T03:04:05Z","kind":"fly","intensity":null,"body":null,"about":null,"did":null,"note":null}"#;
        let doc = format!(
            r#"{{"format":"drawbridge-export","version":1,"exported_at":"2026-01-03T00:00:00Z","settings":{{}},"urges":[{good},{bad}]}}"#
        );
        let err = ExportDoc::parse(&doc, engines::catalog()).expect_err("must fail");
        assert!(err.to_string().contains("urges[1].kind"), "{err}");
        assert!(err.to_string().contains("\"fly\""), "{err}");

        let wrong_type = doc.replace(r#""intensity":3"#, r#""intensity":"high""#);
        let err = ExportDoc::parse(&wrong_type, engines::catalog()).expect_err("must fail");
        assert!(err.to_string().contains("urges[0].intensity"), "{err}");

        let ok = format!(
            r#"{{"format":"drawbridge-export","version":1,"exported_at":"2026-01-03T00:00:00Z","settings":{{"region":"UK"}},"urges":[{good}]}}"#
        );
        let parsed = ExportDoc::parse(&ok, engines::catalog()).expect("valid");
        let first = store.import(&parsed, false, engines::catalog()).await.expect("import");
        assert_eq!((first.added, first.already_present), (2, 0), "the urge and the region");
        let second = store.import(&parsed, false, engines::catalog()).await.expect("import again");
        assert_eq!((second.added, second.already_present), (0, 2), "importing twice adds nothing");
        assert!(second.conflicts.is_empty());
        assert_eq!(store.urges(&UrgeFilter::default()).await.expect("list").len(), 1);
        assert_eq!(store.setting("region").await.expect("get").as_deref(), Some("UK"));
    }
}

fn arb_entry() -> impl Strategy<Value = UrgeEntry> {
    let kinds = drawbridge_core::urge::REQUIRED_KINDS;
    let bodies = drawbridge_core::urge::REQUIRED_BODY;
    let dids = drawbridge_core::urge::REQUIRED_DID;
    let text = "[a-zA-Z0-9 ,.'\u{e9}\u{1f331}]{0,40}".prop_map(|s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty()));
    (
        0..kinds.len(),
        proptest::option::of(0u8..=10),
        proptest::option::of(0..bodies.len()),
        text.clone(),
        proptest::option::of(0..dids.len()),
        text,
    )
        .prop_map(move |(k, intensity, b, about, d, note)| UrgeEntry {
            kind: kinds[k].into(),
            intensity,
            body: b.map(|i| bodies[i].to_string()),
            about,
            did: d.map(|i| dids[i].to_string()),
            note,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn export_then_import_into_an_empty_database_gives_back_identical_data(
        entries in proptest::collection::vec((arb_entry(), 0i64..400_000_000), 0..25),
        region in proptest::option::of("[A-Z]{2}"),
    ) {
        rt().block_on(async {
            for e in engines::all().await {
            let a = e.open().await;
            let base = OffsetDateTime::from_unix_timestamp(1_600_000_000).expect("base");
            for (e, secs) in &entries {
                a.add_urge(e.clone(), base + Duration::seconds(*secs) + Duration::nanoseconds(123_456_789)).await.expect("add");
            }
            if let Some(r) = &region {
                a.set_setting("region", r).await.expect("setting");
            }
            let exported = a.export().await.expect("export");
            let json = serde_json::to_string(&exported).expect("json");
            let parsed = ExportDoc::parse(&json, engines::catalog()).expect("own export parses");
            let e2 = e.another().await;
            let b = e2.open().await;
            let report = b.import(&parsed, false, engines::catalog()).await.expect("import");
            prop_assert_eq!(report.added as usize, entries.len() + exported.settings.len());
            prop_assert!(report.conflicts.is_empty());
            let again = b.export().await.expect("export b");
            prop_assert_eq!(&again.urges, &exported.urges);
            prop_assert_eq!(&again.settings, &exported.settings);
            let twice = b.import(&parsed, false, engines::catalog()).await.expect("import twice");
            prop_assert_eq!(twice.added, 0);
            a.close().await;
            b.close().await;
            }
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn a_quiz_attempt_saves_as_it_goes_resumes_and_finishes_once() {
    for e in engines::all().await {
        let store = e.open().await;
        let patterns = engines::catalog().instrument("patterns").expect("patterns");
        assert!(store.quiz_in_progress("patterns").await.expect("none").is_none());
        let attempt = store.start_quiz(patterns, None).await.expect("start");
        let mut answers = drawbridge_core::assess::Answers::new();
        answers.insert("av1".into(), 6);
        assert!(store.save_quiz_answers(attempt.id, &answers).await.expect("save"));
        let resumed = store.quiz_in_progress("patterns").await.expect("lookup").expect("in progress");
        assert_eq!(resumed.id, attempt.id);
        assert_eq!(resumed.answers, answers);
        assert!(
            store.quiz_results(None).await.expect("results").is_empty(),
            "unfinished attempts are not results"
        );

        let scores = patterns.score(&answers);
        assert!(store.finish_quiz(attempt.id, &scores).await.expect("finish"));
        assert!(
            !store.finish_quiz(attempt.id, &scores).await.expect("again"),
            "finishing twice does nothing"
        );
        assert!(
            !store.save_quiz_answers(attempt.id, &answers).await.expect("late"),
            "a finished result is not changed"
        );
        let results = store.quiz_results(Some("patterns")).await.expect("results");
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].scores.as_ref(), Some(&scores));
        assert!(results[0].finished_at.is_some());
        assert!(store.quiz_in_progress("patterns").await.expect("lookup").is_none());
    }
}

#[tokio::test]
async fn a_stored_instrument_takes_the_place_of_the_bundled_key_with_the_same_id() {
    for e in engines::all().await {
        let store = e.open().await;
        let key = include_str!("../../../content/instruments/ecr-rs.key.toml");
        let worded = key
            .replace("text = \"Item 1\"", "text = \"Licensed wording one\"")
            .replace("needs_wording = true", "needs_wording = false");
        store.put_instrument("ecr-rs", &worded).await.expect("put");
        let inst = store
            .instrument(engines::catalog(), "ecr-rs")
            .await
            .expect("lookup")
            .expect("present");
        assert!(!inst.needs_wording);
        assert_eq!(inst.items[0].text, "Licensed wording one");
        assert_eq!(
            store.instruments(engines::catalog()).await.expect("all").len(),
            engines::catalog().instruments().len()
        );
        assert!(store.remove_instrument("ecr-rs").await.expect("remove"));
        assert!(
            store
                .instrument(engines::catalog(), "ecr-rs")
                .await
                .expect("lookup")
                .expect("bundled")
                .needs_wording
        );
    }
}

#[tokio::test]
async fn quiz_results_and_instruments_survive_export_and_import() {
    for e in engines::all().await {
        let a = e.open().await;
        let patterns = engines::catalog().instrument("patterns").expect("patterns");
        let answers: drawbridge_core::assess::Answers = patterns.items.iter().map(|i| (i.id.clone(), 5)).collect();
        let done = a.start_quiz(patterns, None).await.expect("start");
        a.save_quiz_answers(done.id, &answers).await.expect("save");
        a.finish_quiz(done.id, &patterns.score(&answers)).await.expect("finish");
        a.start_quiz(patterns, Some("partner".into())).await.expect("in progress");
        let tiny = "id = \"tiny\"\ntitle = \"Tiny\"\nversion = 1\nabout = \"x\"\nresponse = { min = 0, max = 4 }\n[[items]]\nid = \"a\"\ntext = \"A\"\n[[scales]]\nid = \"s\"\ntitle = \"S\"\nitems = [\"a\"]\nmethod = \"sum\"\n";
        a.put_instrument("tiny", tiny).await.expect("instrument");
        let exported = a.export().await.expect("export");
        let json = serde_json::to_string(&exported).expect("json");
        let doc = ExportDoc::parse(&json, engines::catalog()).expect("parses");
        let e2 = e.another().await;
        let b = e2.open().await;
        b.import(&doc, false, engines::catalog()).await.expect("import");
        let again = b.export().await.expect("export");
        assert_eq!(again.quiz_results, exported.quiz_results);
        assert_eq!(again.instruments, exported.instruments);
        assert_eq!(b.import(&doc, false, engines::catalog()).await.expect("twice").added, 0);

        let mut bad: serde_json::Value = serde_json::from_str(&json).expect("json");
        bad["quiz_results"][0]["answers"]["av1"] = serde_json::Value::from(9);
        let err = ExportDoc::parse(&bad.to_string(), engines::catalog()).expect_err("out of range");
        assert!(err.to_string().contains("quiz_results[0].answers"), "{err}");
        assert!(err.to_string().contains("from 1 to 7"), "{err}");
    }
}

mod practice_store {
    use super::*;
    use drawbridge_core::practice::{self, Outcome, Plan, Result as Res};
    use time::macros::date;

    fn plan(stage: u8, day: time::Date) -> Plan {
        Plan {
            experiment: Some(
                engines::catalog()
                    .experiments()
                    .iter()
                    .find(|e| e.stage == stage)
                    .expect("one")
                    .id
                    .clone(),
            ),
            custom: None,
            stage,
            with_whom: None,
            planned_for: day,
            prediction: "They will think less of me".into(),
            belief_before: 80,
            want: 60,
            expect: 40,
        }
    }

    fn result(peak: u8, outcome: Outcome, learned: Option<&str>) -> Res {
        Res {
            what_happened: None,
            peak,
            after: 10,
            outcome,
            capacity: 50,
            learned: learned.map(String::from),
            belief_after: 30,
            flooded: peak > 85,
        }
    }

    #[tokio::test]
    async fn the_prompt_of_the_day_follows_what_happened_lately() {
        use drawbridge_core::prompts::Reason;
        for e in engines::all().await {
            let s = e.open().await;
            let now = OffsetDateTime::now_utc();
            let today = now.date();
            let reason = |l: &drawbridge_core::prompts::Lately| engines::catalog().prompts().for_day(today, l, 0).reason;
            let quiet = drawbridge_store::today::lately(&s, now, time::UtcOffset::UTC)
                .await
                .expect("lately");
            assert_eq!(quiet, Default::default(), "nothing happened yet");
            assert_eq!(reason(&quiet), Reason::QuietDay);
            // Long ago counts for nothing.
            let old = today - time::Duration::days(10);
            s.log_experiment(plan(1, old), result(95, Outcome::Worse, None), now - time::Duration::days(10))
                .await
                .expect("old");
            assert_eq!(
                drawbridge_store::today::lately(&s, now, time::UtcOffset::UTC)
                    .await
                    .expect("lately"),
                Default::default()
            );
            let yesterday = today - time::Duration::days(1);
            s.log_experiment(plan(1, yesterday), result(40, Outcome::Better, None), now - time::Duration::days(1))
                .await
                .expect("good");
            let good = drawbridge_store::today::lately(&s, now, time::UtcOffset::UTC)
                .await
                .expect("lately");
            assert_eq!(good.good_experiment, Some(yesterday));
            assert_eq!(reason(&good), Reason::AfterGoodExperiment);
            s.add_urge(entry("go-quiet", None), now).await.expect("urge");
            let urged = drawbridge_store::today::lately(&s, now, time::UtcOffset::UTC)
                .await
                .expect("lately");
            assert_eq!(urged.urge, Some(today));
            s.log_experiment(plan(1, today), result(95, Outcome::AsFeared, None), now)
                .await
                .expect("flood");
            let flooded = drawbridge_store::today::lately(&s, now, time::UtcOffset::UTC)
                .await
                .expect("lately");
            assert_eq!((flooded.flood, flooded.hard_experiment), (Some(today), Some(today)));
            assert_eq!(reason(&flooded), Reason::AfterFlood, "after a flood, a gentle question comes first");
            assert_eq!(engines::catalog().prompts().for_day(today, &flooded, 0).prompt.theme, "gentle");
        }
    }

    #[tokio::test]
    async fn plans_follow_ups_stages_and_the_window_are_kept() {
        for e in engines::all().await {
            let s = e.open().await;
            assert_eq!(s.pacing().await.expect("pacing"), None, "not calibrated yet");
            s.set_stage(2).await.expect("stage");
            s.set_window(65).await.expect("window");
            assert_eq!(s.pacing().await.expect("pacing"), Some(practice::Pacing { stage: 2, window: 65 }));
            s.set_stage(3).await.expect("up");
            let changes = s.stage_changes().await.expect("changes");
            assert_eq!(changes.iter().map(|c| (c.from, c.to)).collect::<Vec<_>>(), vec![(0, 2), (2, 3)]);

            let today = date!(2026 - 11 - 21);
            let due = s.plan_experiment(plan(2, today - time::Duration::days(1))).await.expect("plan");
            let later = s
                .plan_experiment(plan(2, today + time::Duration::days(2)))
                .await
                .expect("plan later");
            let follow = s.follow_ups(today).await.expect("follow-ups");
            assert_eq!(follow.iter().map(|r| r.id).collect::<Vec<_>>(), vec![due.id], "only what is due");
            assert_eq!(
                s.complete_experiment(
                    due.id,
                    &result(50, Outcome::Better, Some("Nobody minded")),
                    OffsetDateTime::now_utc()
                )
                .await
                .expect("done"),
                drawbridge_store::FollowUp::Saved
            );
            assert!(s.follow_ups(today).await.expect("none").is_empty());
            let back = s.experiment_record(due.id).await.expect("get").expect("present");
            assert_eq!(back.result.as_ref().map(|r| r.outcome), Some(Outcome::Better));
            assert_eq!(s.learned(10).await.expect("learned").len(), 1);
            assert!(s.delete_experiment_record(later.id).await.expect("delete"));

            let mut run = s.start_program("connection-7", today).await.expect("start");
            run.entries.push(practice::ProgramEntry {
                day: 1,
                done_at: drawbridge_store::truncate_micros(OffsetDateTime::now_utc()),
                reflection: Some("It felt odd, then fine".into()),
            });
            s.save_program_run(&run).await.expect("check off");
            assert_eq!(s.program_runs().await.expect("runs"), vec![run]);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(8))]
        #[test]
        fn the_ledger_from_sql_matches_the_ledger_rules(items in proptest::collection::vec((1u8..=4, 0i64..400, 0u8..=100, 0usize..4, any::<bool>(), 0u8..4), 1..40)) {
            rt().block_on(async {
                for e in engines::all().await {
                let s = e.open().await;
                let base = date!(2025 - 01 - 01);
                // The sums the ledger reads are kept as records are logged,
                // planned and followed up, edited and deleted.
                for (stage, day, peak, o, learned, how) in &items {
                    let d = base + time::Duration::days(*day);
                    let at = d.with_hms(12, 0, 0).expect("time").assume_utc();
                    let r = result(*peak, Outcome::ALL[*o], learned.then_some("a line"));
                    match how {
                        0 => {
                            s.log_experiment(plan(*stage, d), r, at).await.expect("log");
                        }
                        1 => {
                            let planned = s.plan_experiment(plan(*stage, d)).await.expect("plan");
                            if *learned {
                                s.complete_experiment(planned.id, &r, at).await.expect("follow up");
                            }
                        }
                        2 => {
                            let rec = s.log_experiment(plan(*stage, d), r, at).await.expect("log");
                            assert!(s.delete_experiment_record(rec.id).await.expect("delete"));
                        }
                        _ => {
                            let rec = s.log_experiment(plan(*stage, d), r, at).await.expect("log");
                            let edit = drawbridge_store::RecordEdit { prediction: Some("changed".into()), ..Default::default() };
                            assert!(s.edit_experiment(rec.id, &edit).await.expect("edit"));
                        }
                    }
                }
                let all = s.experiment_records(None, 10_000).await.expect("all");
                let rules = practice::ledger(&all, time::UtcOffset::UTC);
                let sql = s.ledger_counts().await.expect("counts");
                prop_assert_eq!(&sql, &rules.stages);
                let months = s.belief_by_month().await.expect("months");
                prop_assert_eq!(months.iter().map(|m| m.count as usize).sum::<usize>(), rules.belief.len());
                for m in &months {
                    let points: Vec<_> = rules.belief.iter().filter(|b| b.day.to_string().starts_with(&m.month)).collect();
                    let n = points.len() as f64;
                    let before = points.iter().map(|b| f64::from(b.before)).sum::<f64>() / n;
                    let after = points.iter().map(|b| f64::from(b.after)).sum::<f64>() / n;
                    prop_assert_eq!(m.count as usize, points.len());
                    prop_assert!((m.before - before).abs() < 1e-9 && (m.after - after).abs() < 1e-9);
                }
                // An import of the store's own export over it changes no sum.
                let doc = s.export().await.expect("export");
                s.import(&doc, true, engines::catalog()).await.expect("import");
                prop_assert_eq!(&s.ledger_counts().await.expect("counts"), &rules.stages);
                prop_assert_eq!(&s.belief_by_month().await.expect("months"), &months);
                prop_assert_eq!(s.learned(1000).await.expect("learned").len(), rules.learned.len());
                let (floods, lowest) = s.flood_peaks().await.expect("floods");
                prop_assert_eq!(floods as usize, all.iter().filter(|r| r.result.as_ref().is_some_and(|x| x.flooded)).count().min(2));
                if floods >= 2 {
                    prop_assert_eq!(lowest, practice::proposed_window(&all));
                }
                s.close().await;
                }
                Ok(())
            })?;
        }
    }
}

#[tokio::test]
async fn a_record_is_found_by_the_start_of_its_id_with_or_without_hyphens() {
    for e in engines::all().await {
        let s = e.open().await;
        let plan = drawbridge_core::practice::Plan {
            experiment: None,
            custom: Some("Call Ruth".into()),
            stage: 1,
            with_whom: None,
            planned_for: time::macros::date!(2026 - 11 - 21),
            prediction: "p".into(),
            belief_before: 50,
            want: 50,
            expect: 50,
        };
        let a = s.plan_experiment(plan.clone()).await.expect("a");
        let b = s.plan_experiment(plan).await.expect("b");
        let simple = a.id.simple().to_string();
        // Two ids made in the same millisecond share their leading digits, so a
        // short prefix may match both; a long one matches exactly one.
        assert_eq!(
            s.experiment_ids_starting_with(&simple[..28]).await.expect("plain"),
            vec![a.id],
            "hex without hyphens"
        );
        assert_eq!(
            s.experiment_ids_starting_with(&a.id.to_string()[..32]).await.expect("hyphenated"),
            vec![a.id]
        );
        assert_eq!(
            s.experiment_ids_starting_with(&simple.to_uppercase()[..28]).await.expect("upper"),
            vec![a.id]
        );
        let short = s.experiment_ids_starting_with(&simple[..12]).await.expect("short");
        assert!(short.contains(&a.id) && short.len() <= 2, "across the first hyphen: {short:?}");
        assert_eq!(
            s.experiment_ids_starting_with(&simple[..4]).await.expect("short").len(),
            2,
            "both share a time prefix"
        );
        assert!(s.experiment_ids_starting_with("ffffffff").await.expect("none").is_empty());
        assert!(
            s.experiment_ids_starting_with(&b.id.simple().to_string())
                .await
                .expect("b")
                .contains(&b.id)
        );
    }
}

#[tokio::test]
async fn pauses_resets_and_the_safety_plan_are_kept_and_travel_through_export() {
    for e in engines::all().await {
        use drawbridge_core::moment::ResetEntry;
        use drawbridge_core::safety::SafetyPlan;
        let a = e.open().await;
        let p = a.add_pause("short", 95, true).await.expect("pause");
        a.add_pause("pause", 99_999, false).await.expect("long pause");
        let pauses = a.pauses(10).await.expect("pauses");
        assert_eq!(pauses.len(), 2);
        assert_eq!(pauses[1], p, "newest first");
        assert_eq!(pauses[0].seconds, 3600, "a pause left open is capped at an hour");
        assert!(!pauses[0].completed);

        let entry = ResetEntry::new(
            None,
            Some(70),
            Some("I went quiet at dinner"),
            Some("Hot face, heavy"),
            Some("She asked because she cares"),
        )
        .expect("reset");
        let r = a.add_reset(entry.clone()).await.expect("add reset");
        assert_eq!(a.resets(5).await.expect("resets"), vec![r.clone()]);
        // The fuller reset: every part of its thought record comes back.
        let thought = drawbridge_core::moment::ThoughtRecord::check(drawbridge_core::moment::ThoughtInput {
            feelings: vec![("ashamed", "80"), ("lonely", "45")],
            hot_thought: Some("They are done with me"),
            belief: Some("90"),
            evidence: Some("She texted the next morning"),
            another_view: Some("She was tired, not finished with me"),
            rerated: Some("40"),
            now_or_then: Some("then"),
            then_note: Some("Like when Dad stopped calling"),
        })
        .expect("thought");
        let fuller = ResetEntry::with_thought(None, None, None, None, None, thought).expect("a thought alone");
        let f = a.add_reset(fuller.clone()).await.expect("add fuller");
        assert_eq!(a.reset(f.id).await.expect("one"), Some(f.clone()));
        assert_eq!(f.entry, fuller);
        assert_eq!(a.resets(5).await.expect("resets").len(), 2);

        assert!(a.safety_plan().await.expect("plan").is_empty());
        let mut plan = SafetyPlan::default();
        plan.set("warning-signs", "I stop answering anyone").expect("set");
        plan.set("ask-for-help", "Sam, 07700 900123").expect("set");
        let saved = a.set_safety_plan(&plan).await.expect("save plan");
        assert_eq!(saved.sections, plan.sections);
        assert!(saved.updated_at.is_some());
        plan.set("ask-for-help", "").expect("clear");
        assert_eq!(
            a.set_safety_plan(&plan).await.expect("save again").sections.len(),
            1,
            "a cleared section is gone"
        );

        let exported = a.export().await.expect("export");
        let json = serde_json::to_string(&exported).expect("json");
        let parsed = ExportDoc::parse(&json, engines::catalog()).expect("parses");
        let e2 = e.another().await;
        let b = e2.open().await;
        b.import(&parsed, false, engines::catalog()).await.expect("import");
        let again = b.export().await.expect("export b");
        assert_eq!(again.pauses, exported.pauses);
        assert_eq!(again.resets, exported.resets);
        assert_eq!(again.safety_plan, exported.safety_plan);
        assert_eq!(
            b.import(&parsed, false, engines::catalog()).await.expect("twice").added,
            0,
            "importing twice adds nothing"
        );

        let bad = json.replace("\"protocol\":\"short\"", "\"protocol\":\"nap\"");
        let err = ExportDoc::parse(&bad, engines::catalog()).expect_err("unknown protocol");
        assert!(
            err.to_string().contains("pauses[0].protocol") || err.to_string().contains("pauses[1].protocol"),
            "{err}"
        );
        let bad = json.replace("\"warning-signs\"", "\"hobbies\"");
        let err = ExportDoc::parse(&bad, engines::catalog()).expect_err("unknown section");
        assert!(err.to_string().contains("safety_plan.sections"), "{err}");
        a.close().await;
        b.close().await;
    }
}

/// Everything a person can keep, a little of each, with an edit or two so
/// earlier versions exist too.
async fn a_full_store(s: &Store) {
    use drawbridge_core::moment::ResetEntry;
    use drawbridge_core::practice::{Outcome, Plan, ProgramEntry, Result as Res};
    use drawbridge_core::safety::SafetyPlan;
    let now = OffsetDateTime::now_utc();
    let u = s
        .add_urge(entry("go-quiet", Some("paused")), now - Duration::days(3))
        .await
        .expect("urge");
    let mut changed = u.entry.clone();
    changed.note = Some("after dinner, then a walk".into());
    s.update_urge(u.id, changed).await.expect("edit urge");
    s.add_urge(entry("busy", None), now).await.expect("urge");
    s.set_setting("region", "UK").await.expect("region");
    s.set_stage(2).await.expect("stage");
    s.set_window(70).await.expect("window");
    let patterns = engines::catalog().instrument("patterns").expect("patterns");
    let answers: drawbridge_core::assess::Answers = patterns.items.iter().map(|i| (i.id.clone(), 4)).collect();
    let q = s.start_quiz(patterns, Some("me, now".into())).await.expect("quiz");
    s.save_quiz_answers(q.id, &answers).await.expect("answers");
    s.finish_quiz(q.id, &patterns.score(&answers)).await.expect("finish");
    let plan = Plan {
        experiment: None,
        custom: Some("Ask Ruth for a walk".into()),
        stage: 2,
        with_whom: Some("Ruth".into()),
        planned_for: time::macros::date!(2026 - 11 - 20),
        prediction: "She will say she is busy".into(),
        belief_before: 75,
        want: 70,
        expect: 55,
    };
    let r = s.plan_experiment(plan.clone()).await.expect("plan");
    let done = Res {
        what_happened: Some("She said yes at once".into()),
        peak: 40,
        after: 10,
        outcome: Outcome::Better,
        capacity: 60,
        learned: Some("Asking was the hard part".into()),
        belief_after: 30,
        flooded: false,
    };
    s.complete_experiment(r.id, &done, now).await.expect("follow up");
    let edit = drawbridge_store::RecordEdit {
        learned: Some(Some("Asking was the only hard part".into())),
        ..Default::default()
    };
    s.edit_experiment(r.id, &edit).await.expect("edit record");
    s.plan_experiment(plan).await.expect("a planned one");
    let mut run = s
        .start_program("connection-7", time::macros::date!(2026 - 11 - 18))
        .await
        .expect("program");
    run.entries.push(ProgramEntry {
        day: 1,
        done_at: drawbridge_store::truncate_micros(now),
        reflection: Some("Odd, then fine".into()),
    });
    s.save_program_run(&run).await.expect("day one");
    s.add_pause("short", 90, true).await.expect("pause");
    let reset = ResetEntry::new(
        Some(r.id),
        Some(50),
        Some("I went quiet"),
        Some("Hot face"),
        Some("She was tired, not cross"),
    )
    .expect("reset");
    s.add_reset(reset).await.expect("add reset");
    let mut safety = SafetyPlan::default();
    safety.set("warning-signs", "I stop answering anyone").expect("set");
    s.set_safety_plan(&safety).await.expect("plan");
    safety.set("warning-signs", "I stop answering anyone for a day").expect("set");
    s.set_safety_plan(&safety).await.expect("plan again");
    let tiny = "id = \"tiny\"\ntitle = \"Tiny\"\nversion = 1\nabout = \"x\"\nresponse = { min = 0, max = 4 }\n[[items]]\nid = \"a\"\ntext = \"A\"\n[[scales]]\nid = \"s\"\ntitle = \"S\"\nitems = [\"a\"]\nmethod = \"sum\"\n";
    s.put_instrument("tiny", tiny).await.expect("instrument");
    let words = drawbridge_core::journal::JournalText {
        title: Some("After the walk".into()),
        body: "I nearly said no. **I went.**".into(),
        tags: vec!["Ruth".into(), "walks".into()],
        prompt: Some("after-experiment-predicted".into()),
        body_signal: Some("tight-chest".into()),
        urge: Some(u.id),
        record: Some(r.id),
        reset: None,
    };
    let j = uuid::Uuid::now_v7();
    s.save_journal(j, words.clone(), now - Duration::days(1)).await.expect("journal");
    let edited = drawbridge_core::journal::JournalText {
        body: "I nearly said no. **I went**, and it was good.".into(),
        ..words
    };
    s.edit_journal(j, edited).await.expect("edit journal");
    s.keep_journal_draft(drawbridge_core::journal::JournalDraft {
        id: uuid::Uuid::now_v7(),
        saved_at: now,
        title: String::new(),
        body: "Not finished".into(),
        tags: "#ruth".into(),
        prompt: None,
    })
    .await
    .expect("draft");
}

/// Moving between engines gives back the same data: SQLite to PostgreSQL
/// and back, and the export files compare equal apart from when they were
/// made.
#[tokio::test]
async fn moving_from_sqlite_to_postgresql_and_back_keeps_everything() {
    let Some(server) = drawbridge_store::testing::postgres_server() else {
        return;
    };
    let (here, there, back) = (
        engines::Engine::sqlite(),
        engines::Engine::postgres(&server).await,
        engines::Engine::sqlite(),
    );
    let a = here.open().await;
    a_full_store(&a).await;
    let first = a.export().await.expect("export from SQLite");
    let pg = there.open().await;
    let json = serde_json::to_string(&first).expect("json");
    let report = pg
        .import(
            &ExportDoc::parse(&json, engines::catalog()).expect("parses"),
            false,
            engines::catalog(),
        )
        .await
        .expect("import");
    assert!(report.conflicts.is_empty() && report.added > 10, "{report:?}");
    let second = pg.export().await.expect("export from PostgreSQL");
    let c = back.open().await;
    let json = serde_json::to_string(&second).expect("json");
    c.import(
        &ExportDoc::parse(&json, engines::catalog()).expect("parses"),
        false,
        engines::catalog(),
    )
    .await
    .expect("import back");
    let third = c.export().await.expect("export again");
    let same = |d: &ExportDoc| ExportDoc {
        exported_at: OffsetDateTime::UNIX_EPOCH,
        ..d.clone()
    };
    assert!(!first.text_versions.is_empty() && !first.program_runs.is_empty() && !first.resets.is_empty());
    assert!(!first.journal.is_empty() && !first.journal_drafts.is_empty());
    assert_eq!(same(&second), same(&first), "SQLite to PostgreSQL");
    assert_eq!(same(&third), same(&first), "and back");
    let again = pg
        .import(
            &ExportDoc::parse(&json, engines::catalog()).expect("parses"),
            false,
            engines::catalog(),
        )
        .await
        .expect("twice");
    assert_eq!(again.added, 0, "importing the same file twice adds nothing");
    for s in [a, pg, c] {
        s.close().await;
    }
}

/// A passphrase-wrapped key file seals PostgreSQL too: without the
/// passphrase the database is not opened.
#[tokio::test]
async fn a_passphrase_key_file_guards_a_postgresql_database() {
    let Some(server) = drawbridge_store::testing::postgres_server() else {
        return;
    };
    let e = engines::Engine::postgres(&server).await;
    let loc = e.location();
    let key = DataKey::generate().expect("key");
    KeyFile::wrapped(&key, "a long passphrase")
        .expect("wrap")
        .write(&loc.key)
        .expect("write");
    let err = Store::open_or_create(&loc, None, Workload::Command).await.err().expect("needs it");
    assert!(matches!(err, StoreError::PassphraseRequired), "{err}");
    let err = Store::open_or_create(&loc, Some("not it"), Workload::Command)
        .await
        .err()
        .expect("wrong");
    assert!(matches!(err, StoreError::WrongKey), "{err}");
    let (s, _) = Store::open_or_create(&loc, Some("a long passphrase"), Workload::Command)
        .await
        .expect("opens");
    s.set_setting("region", "IE").await.expect("write");
    s.close().await;
    let (s, opened) = Store::open_or_create(&loc, Some("a long passphrase"), Workload::Command)
        .await
        .expect("again");
    assert_eq!(opened, drawbridge_store::Opened::Existing);
    assert_eq!(s.setting("region").await.expect("read").as_deref(), Some("IE"));
    s.close().await;
}

/// Two people in one database, as server mode keeps its accounts: each
/// store reads, counts and exports only its own owner's rows (the same ids
/// may be in both), and deleting one person removes everything of theirs in
/// one go and nothing of the other's.
#[tokio::test]
async fn owners_in_one_database_see_only_their_own_and_deleting_one_leaves_the_other_whole() {
    let json = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/schema-6/export.json")).expect("fixture");
    // Every kind of record: settings, urges, questionnaires, results,
    // experiments, stage changes, a program, pauses, a reset, a safety plan
    // and earlier words.
    let fixture = ExportDoc::parse(&json, engines::catalog()).expect("parse");
    let empty = |d: &ExportDoc| {
        d.settings.is_empty()
            && d.urges.is_empty()
            && d.instruments.is_empty()
            && d.quiz_results.is_empty()
            && d.experiment_records.is_empty()
            && d.stage_changes.is_empty()
            && d.program_runs.is_empty()
            && d.pauses.is_empty()
            && d.resets.is_empty()
            && d.text_versions.is_empty()
            && d.journal.is_empty()
            && d.journal_drafts.is_empty()
    };
    for e in engines::all().await {
        let local = e.open().await;
        local.import(&fixture, false, engines::catalog()).await.expect("import");
        let mine = local.export().await.expect("export");

        let key = DataKey::generate().expect("key");
        let other = local.new_owner(&key).await.expect("another owner");
        assert_ne!(other.owner(), local.owner());
        assert!(empty(&other.export().await.expect("export")), "a new owner starts with nothing");
        let added = other
            .import(&fixture, false, engines::catalog())
            .await
            .expect("the same records, theirs");
        assert_eq!(added.conflicts.len(), 0, "{:?}", added.conflicts);
        assert!(
            added.added > 0 && added.already_present == 0,
            "{}: my records with the same ids are not theirs: {added:?}",
            e.name
        );
        let theirs = other
            .add_urge(entry("busy", Some("stayed")), OffsetDateTime::now_utc())
            .await
            .expect("add");

        let words = drawbridge_core::journal::JournalText {
            body: "Their own words".into(),
            ..Default::default()
        };
        let shared_id = uuid::Uuid::now_v7();
        local
            .save_journal(shared_id, words.clone(), OffsetDateTime::now_utc())
            .await
            .expect("mine");
        let (_, added) = other
            .save_journal(shared_id, words.clone(), OffsetDateTime::now_utc())
            .await
            .expect("theirs");
        assert!(added, "{}: the same id is a new entry for another owner", e.name);
        other
            .keep_journal_draft(drawbridge_core::journal::JournalDraft {
                id: uuid::Uuid::now_v7(),
                saved_at: OffsetDateTime::now_utc(),
                title: String::new(),
                body: "half of theirs".into(),
                tags: String::new(),
                prompt: None,
            })
            .await
            .expect("their draft");
        assert!(local.journal_drafts().await.expect("mine").is_empty(), "{}", e.name);
        assert!(local.delete_journal(shared_id).await.expect("delete mine"));
        assert!(
            other.journal_entry(shared_id).await.expect("theirs").is_some(),
            "{}: mine went, theirs stays",
            e.name
        );

        let mine_now = local.urges(&UrgeFilter::default()).await.expect("list");
        assert_eq!(mine_now.len(), fixture.urges.len(), "{}: not one of theirs in my list", e.name);
        assert!(!mine_now.iter().any(|u| u.id == theirs.id));
        assert_eq!(
            other.urges(&UrgeFilter::default()).await.expect("list").len(),
            fixture.urges.len() + 1
        );
        assert_eq!(
            local.ledger_counts().await.expect("mine"),
            other.ledger_counts().await.expect("theirs")
        );

        other.delete_owner_and_everything().await.expect("delete");
        // A request of theirs still under way when they were deleted
        // cannot write a row of theirs back.
        assert!(
            matches!(
                other.add_urge(entry("busy", Some("late")), OffsetDateTime::now_utc()).await,
                Err(StoreError::OwnerGone)
            ),
            "{}",
            e.name
        );
        assert!(matches!(other.set_setting("region", "IE").await, Err(StoreError::OwnerGone)));
        assert!(matches!(
            other.save_journal(uuid::Uuid::now_v7(), words, OffsetDateTime::now_utc()).await,
            Err(StoreError::OwnerGone)
        ));
        let gone = local.for_owner(other.owner(), &key).export().await.expect("export");
        assert!(empty(&gone), "{}: nothing of theirs is left: {gone:?}", e.name);
        let mut after = local.export().await.expect("export");
        after.exported_at = mine.exported_at;
        assert_eq!(after, mine, "{}: nothing of mine went with theirs", e.name);
        local.close().await;
    }
}

/// An account (server mode) opens only with its password: an unknown name
/// and a wrong password get the same answer; a new password, or the
/// recovery key, wraps the same key again, so every word is still there;
/// a disabled account cannot sign in; deleting it removes it.
#[tokio::test]
async fn an_account_signs_in_with_its_password_only_and_keeps_its_words_through_a_new_one() {
    use drawbridge_store::accounts::{Role, SignIn};
    let signed_in = |s: SignIn| match s {
        SignIn::In(a, st) => (a, st),
        SignIn::Refused => panic!("refused"),
        SignIn::Disabled => panic!("disabled"),
    };
    for e in engines::all().await {
        let store = e.open().await;
        let (sam, theirs) = store
            .create_account(" Sam ", Role::Person, "correct horse battery", "RECOVERY-7Q4M-2KXP")
            .await
            .expect("create");
        assert_eq!(sam.name, "Sam");
        let mut note = entry("go-quiet", Some("stayed"));
        note.note = Some("only Sam wrote this".into());
        theirs.add_urge(note, OffsetDateTime::now_utc()).await.expect("add");
        assert!(
            matches!(
                store.create_account("sam", Role::Admin, "another password", "R").await,
                Err(StoreError::NameTaken(_))
            ),
            "{}: a name is one account, whatever its case",
            e.name
        );

        assert!(matches!(
            store.sign_in("Sam", "wrong horse battery").await.expect("sign in"),
            SignIn::Refused
        ));
        assert!(matches!(
            store.sign_in("Nobody", "correct horse battery").await.expect("sign in"),
            SignIn::Refused
        ));
        let (again, st) = signed_in(store.sign_in("SAM", "correct horse battery").await.expect("sign in"));
        assert_eq!(again.owner, sam.owner);
        assert!(again.last_seen_at.is_some());
        let words = st.urges(&UrgeFilter::default()).await.expect("list");
        assert_eq!(words.len(), 1);
        assert_eq!(words[0].entry.note.as_deref(), Some("only Sam wrote this"));

        assert!(
            !store
                .change_password(sam.owner, "not it", "a new long password")
                .await
                .expect("change")
        );
        assert!(
            store
                .change_password(sam.owner, "correct horse battery", "a new long password")
                .await
                .expect("change")
        );
        assert!(matches!(
            store.sign_in("Sam", "correct horse battery").await.expect("old"),
            SignIn::Refused
        ));
        let (_, st) = signed_in(store.sign_in("Sam", "a new long password").await.expect("new"));
        assert_eq!(
            st.urges(&UrgeFilter::default()).await.expect("list").len(),
            1,
            "the words came through"
        );

        assert_eq!(
            store
                .recover_account("Sam", "RECOVERY-WRONG", "after recovery")
                .await
                .expect("recover"),
            None
        );
        assert_eq!(
            store
                .recover_account("sam", "RECOVERY-7Q4M-2KXP", "after recovery")
                .await
                .expect("recover"),
            Some(sam.owner)
        );
        assert!(store.verify_password(sam.owner, "after recovery").await.expect("verify"));
        assert!(!store.verify_password(sam.owner, "a new long password").await.expect("verify"));
        let (_, st) = signed_in(store.sign_in("Sam", "after recovery").await.expect("recovered"));
        assert_eq!(
            st.urges(&UrgeFilter::default()).await.expect("list").len(),
            1,
            "the words came through"
        );

        assert!(store.set_account_disabled(sam.owner, true).await.expect("disable"));
        assert!(matches!(
            store.sign_in("Sam", "after recovery").await.expect("sign in"),
            SignIn::Disabled
        ));
        assert!(store.set_account_disabled(sam.owner, false).await.expect("enable"));
        let (_, st) = signed_in(store.sign_in("Sam", "after recovery").await.expect("enabled"));

        let listed = store.accounts().await.expect("accounts");
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].name.as_str(), listed[0].role), ("Sam", Role::Person));
        st.delete_owner_and_everything().await.expect("delete");
        assert!(store.accounts().await.expect("accounts").is_empty(), "{}", e.name);
        assert!(matches!(
            store.sign_in("Sam", "after recovery").await.expect("sign in"),
            SignIn::Refused
        ));
        store.close().await;
    }
}

/// An invitation makes one account, with its role: used once, it makes no
/// second; an expired or withdrawn one makes none; a name already taken
/// leaves it open for another try. Only its token's hash is kept. An admin
/// deleting an account removes it and everything it wrote.
#[tokio::test]
async fn an_invitation_makes_one_account_and_only_while_it_is_open() {
    use drawbridge_store::accounts::{Role, SignIn};
    for e in engines::all().await {
        let store = e.open().await;
        let week = OffsetDateTime::now_utc() + time::Duration::days(7);
        let (token, inv) = store.invite(Role::Admin, week, None).await.expect("invite");
        assert_eq!(token.len(), 64);
        assert!(inv.is_open(OffsetDateTime::now_utc()));
        assert_eq!(store.invitation(&token).await.expect("find").map(|i| i.id), Some(inv.id));
        assert_eq!(store.invitation("not-a-token").await.expect("find"), None);

        store
            .create_account("Robin", Role::Person, "robin's long password", "R1")
            .await
            .expect("robin");
        assert!(
            matches!(
                store.accept_invitation(&token, "robin", "another long password", "R2").await,
                Err(StoreError::NameTaken(_))
            ),
            "{}",
            e.name
        );
        assert!(
            store
                .invitation(&token)
                .await
                .expect("find")
                .expect("kept")
                .is_open(OffsetDateTime::now_utc())
        );

        let (ada, mine) = store
            .accept_invitation(&token, "Ada", "ada's long password", "R3")
            .await
            .expect("accept");
        assert_eq!(ada.role, Role::Admin, "{}: the invitation's role", e.name);
        mine.add_urge(entry("go-quiet", Some("stayed")), OffsetDateTime::now_utc())
            .await
            .expect("add");
        let used = store.invitation(&token).await.expect("find").expect("kept");
        assert_eq!(used.used_by, Some(ada.owner));
        assert!(matches!(
            store.accept_invitation(&token, "Bea", "bea's long password", "R4").await,
            Err(StoreError::InvitationInvalid)
        ));
        assert!(
            !store.withdraw_invitation(inv.id).await.expect("withdraw"),
            "a used one stays on record"
        );

        let (expired, _) = store
            .invite(
                Role::Person,
                OffsetDateTime::now_utc() - time::Duration::seconds(1),
                Some(ada.owner),
            )
            .await
            .expect("invite");
        assert!(matches!(
            store.accept_invitation(&expired, "Cai", "cai's long password", "R5").await,
            Err(StoreError::InvitationInvalid)
        ));
        let (withdrawn, w) = store.invite(Role::Person, week, Some(ada.owner)).await.expect("invite");
        assert!(store.withdraw_invitation(w.id).await.expect("withdraw"));
        assert!(matches!(
            store.accept_invitation(&withdrawn, "Dee", "dee's long password", "R6").await,
            Err(StoreError::InvitationInvalid)
        ));
        assert_eq!(
            store.invitations().await.expect("list").len(),
            2,
            "{}: the used and the expired",
            e.name
        );
        let names: Vec<String> = store.accounts().await.expect("accounts").into_iter().map(|a| a.name).collect();
        assert_eq!(names, ["Robin", "Ada"], "{}", e.name);

        // A link from an admin who is paused or gone lets no one in.
        let (eli, _) = store
            .create_account("Eli", Role::Admin, "eli's long password", "R7")
            .await
            .expect("eli");
        let (from_eli, _) = store.invite(Role::Person, week, Some(eli.owner)).await.expect("invite");
        assert!(store.set_account_disabled(eli.owner, true).await.expect("pause"));
        assert!(store.set_account_disabled(eli.owner, false).await.expect("resume"));
        assert!(
            matches!(
                store.accept_invitation(&from_eli, "Fen", "fen's long password", "R8").await,
                Err(StoreError::InvitationInvalid)
            ),
            "{}: withdrawn when Eli was paused, and not back with Eli",
            e.name
        );
        let (from_ada, _) = store.invite(Role::Person, week, Some(ada.owner)).await.expect("invite");
        assert!(store.delete_account(ada.owner).await.expect("delete"));
        assert!(matches!(
            store.accept_invitation(&from_ada, "Gus", "gus's long password", "R9").await,
            Err(StoreError::InvitationInvalid)
        ));
        let left: Vec<_> = store.invitations().await.expect("list").into_iter().map(|i| i.id).collect();
        assert_eq!(left, [inv.id], "{}: only the used one, still on record", e.name);
        assert!(!store.delete_account(ada.owner).await.expect("again"));
        assert!(matches!(
            store.sign_in("Ada", "ada's long password").await.expect("sign in"),
            SignIn::Refused
        ));
        assert_eq!(store.account(ada.owner).await.expect("account"), None);
        store.close().await;
    }
}
