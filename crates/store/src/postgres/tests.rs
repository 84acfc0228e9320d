//! The PostgreSQL engine against a real server: each test makes a database
//! of its own on the server `DATABASE_URL` names and drops it after. Without
//! one they say so and pass, unless `DRAWBRIDGE_REQUIRE_POSTGRES=1` (CI).

use drawbridge_core::urge::{Urge, UrgeEntry};
use drawbridge_core::versions;
use time::OffsetDateTime;
use uuid::Uuid;

use super::*;
use crate::backend::{Lifecycle, Upkeep, Urges, Versions};
use crate::testing::{FreshDatabase as Fresh, postgres_server as server_url};
use crate::{FollowUp, RecordEdit, UrgeFilter};

/// Open with a key already unlocked.
async fn open(url: &str, key: &DataKey, workload: Workload) -> Result<PgStore, StoreError> {
    PgStore::open(url, &crate::keys::GivenKey(key), workload).await.map(|(s, _)| s)
}

fn entry(note: &str) -> UrgeEntry {
    UrgeEntry {
        kind: "go-quiet".into(),
        intensity: Some(6),
        body: Some("tight-chest".into()),
        about: Some("Plantedname Quillby".into()),
        did: Some("paused".into()),
        note: Some(note.into()),
    }
}

fn urge(note: &str, at: OffsetDateTime) -> Urge {
    Urge {
        id: Uuid::now_v7(),
        at: crate::truncate_micros(at),
        entry: entry(note),
    }
}

#[tokio::test]
async fn an_unreachable_server_is_one_clear_error_with_a_hint() {
    let key = DataKey::generate().expect("key");
    // Nothing listens on port 1.
    let err = open("postgres://drawbridge@127.0.0.1:1/drawbridge", &key, Workload::Command)
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, StoreError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("127.0.0.1:1/drawbridge") && !err.to_string().contains("password"));
    assert!(err.hint().is_some_and(|h| h.contains("--database-url")));
    let err = open("not a url", &key, Workload::Command).await.err().expect("refused");
    assert!(err.to_string().contains("postgres://"), "{err}");
}

#[tokio::test]
async fn the_schema_and_the_one_owner_are_made_once() {
    let Some(server) = server_url() else { return };
    let db = Fresh::new(&server).await;
    let key = DataKey::generate().expect("key");
    let a = open(&db.url, &key, Workload::Command).await.expect("first open");
    let owner = a.owner();
    a.close().await;
    let b = open(&db.url, &key, Workload::Server).await.expect("second open");
    assert_eq!(b.owner(), owner, "the same owner");
    let owners: i64 = sqlx::query_scalar("SELECT count(*) FROM owners")
        .fetch_one(&mut *b.conn().await.expect("connection"))
        .await
        .expect("count");
    assert_eq!(owners, 1);

    // A schema from a newer drawbridge is refused, and nothing is written.
    sqlx::query("INSERT INTO drawbridge_migrations (version, description, checksum) VALUES (9999, 'from the future', '\\x00')")
        .execute(&mut *b.conn().await.expect("connection"))
        .await
        .expect("pretend");
    b.close().await;
    let err = open(&db.url, &key, Workload::Command).await.err().expect("refused");
    assert!(matches!(err, StoreError::NewerSchema { found: 9999, .. }), "{err}");
    db.drop_it().await;
}

/// The key file makes the key on first open; later opens need that same
/// file: another key, or none, is refused before anything is written.
#[tokio::test]
async fn only_the_key_the_words_were_sealed_with_opens_them() {
    let Some(server) = server_url() else { return };
    let db = Fresh::new(&server).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("drawbridge.key");
    let keys = crate::keys::KeyFileProvider {
        path: &path,
        passphrase: None,
    };
    let (s, made) = PgStore::open(&db.url, &keys, Workload::Command).await.expect("first open");
    assert!(made, "the first open makes the owner");
    assert!(path.exists(), "and the key file");
    s.insert_urge(&urge("kept under the first key", OffsetDateTime::now_utc()))
        .await
        .expect("save");
    s.close().await;
    let (s, made) = PgStore::open(&db.url, &keys, Workload::Command).await.expect("again");
    assert!(!made);
    assert_eq!(
        s.urges(&UrgeFilter::default()).await.expect("read")[0].entry.note.as_deref(),
        Some("kept under the first key")
    );
    s.close().await;

    let other = DataKey::generate().expect("key");
    let err = open(&db.url, &other, Workload::Command).await.err().expect("refused");
    assert!(matches!(err, StoreError::SealedWithAnotherKey { .. }), "{err}");
    assert!(err.is_key_problem() && err.hint().is_some_and(|h| h.contains("--data-dir")));

    std::fs::remove_file(&path).expect("lose the key file");
    let err = PgStore::open(&db.url, &keys, Workload::Command).await.err().expect("refused");
    assert!(matches!(err, StoreError::KeyFileMissing { .. }), "{err}");
    assert!(!path.exists(), "no new key is made for words sealed under an old one");
    db.drop_it().await;
}

#[tokio::test]
async fn urges_keep_every_word_sealed_and_edits_keep_the_earlier_words() {
    let Some(server) = server_url() else { return };
    let db = Fresh::new(&server).await;
    let key = DataKey::generate().expect("key");
    let s = open(&db.url, &key, Workload::Command).await.expect("open");
    assert!(s.quick_check().await.expect("check").is_empty(), "nothing to report in a new store");
    let now = OffsetDateTime::now_utc();
    let first = urge("Plantedword marrowfen: the evening went quiet", now - time::Duration::days(3));
    let second = urge("Second plantedword", now);
    s.insert_urge(&first).await.expect("add");
    s.insert_urge(&second).await.expect("add");
    assert_eq!(s.urge(first.id).await.expect("read"), Some(first.clone()));
    let all = s.urges(&UrgeFilter::default()).await.expect("list");
    assert_eq!(all, vec![second.clone(), first.clone()], "newest first");
    let recent = s
        .urges(&UrgeFilter {
            since: Some(now - time::Duration::days(1)),
            ..Default::default()
        })
        .await
        .expect("since");
    assert_eq!(recent, vec![second.clone()]);
    let counts = s.urge_counts_by_did(now - time::Duration::days(7)).await.expect("counts");
    assert_eq!(counts, vec![(Some("paused".into()), 2)]);

    // Edited twice: both earlier notes are kept, newest first.
    let later = OffsetDateTime::now_utc();
    assert!(s.update_urge(first.id, &entry("Changed once"), later).await.expect("edit"));
    assert!(s.update_urge(first.id, &entry("Changed twice"), later).await.expect("edit"));
    let kept = s.versions(versions::URGE, &first.id.to_string()).await.expect("versions");
    let texts: Vec<&str> = kept.iter().map(|v| v.text.as_str()).collect();
    assert_eq!(texts, vec!["Changed once", "Plantedword marrowfen: the evening went quiet"]);
    assert_eq!(
        s.urge(first.id).await.expect("read").and_then(|u| u.entry.note).as_deref(),
        Some("Changed twice")
    );

    // The stored bytes hold none of the words.
    let mut bytes: Vec<u8> = Vec::new();
    for sql in [
        "SELECT about_sealed FROM urges",
        "SELECT note_sealed FROM urges",
        "SELECT text_sealed FROM text_versions",
    ] {
        let values: Vec<Option<Vec<u8>>> = sqlx::query_scalar(sql)
            .fetch_all(&mut *s.conn().await.expect("connection"))
            .await
            .expect("raw");
        bytes.extend(values.into_iter().flatten().flatten());
    }
    for word in ["Plantedword", "marrowfen", "Plantedname", "Quillby", "Changed"] {
        assert!(!bytes.windows(word.len()).any(|w| w == word.as_bytes()), "{word} in the clear");
    }

    // Earlier words re-pointed at another item do not open there either.
    sqlx::query("UPDATE text_versions SET item_id = $1")
        .bind(second.id.to_string())
        .execute(&mut *s.conn().await.expect("connection"))
        .await
        .expect("re-point");
    assert!(
        s.versions(versions::URGE, &second.id.to_string()).await.is_err(),
        "moved versions are refused"
    );

    // A sealed note moved to another row does not open there.
    sqlx::query("UPDATE urges SET note_sealed = (SELECT note_sealed FROM urges WHERE id = $1) WHERE id = $2")
        .bind(first.id)
        .bind(second.id)
        .execute(&mut *s.conn().await.expect("connection"))
        .await
        .expect("move");
    assert!(s.urge(second.id).await.is_err(), "a moved sealed value is refused, not shown");
    let problems = s.quick_check().await.expect("check");
    assert!(
        problems.iter().any(|p| p.contains(&second.id.to_string()) && p.contains("note")),
        "the check names it: {problems:?}"
    );

    assert!(s.delete_urge(first.id).await.expect("delete"));
    assert!(!s.delete_urge(first.id).await.expect("twice"));
    s.close().await;
    db.drop_it().await;
}

#[tokio::test]
async fn rows_of_another_owner_are_never_seen() {
    let Some(server) = server_url() else { return };
    let db = Fresh::new(&server).await;
    let key = DataKey::generate().expect("key");
    let s = open(&db.url, &key, Workload::Command).await.expect("open");
    let mine = urge("mine", OffsetDateTime::now_utc());
    s.insert_urge(&mine).await.expect("add");
    let them = Uuid::now_v7();
    sqlx::query("INSERT INTO owners (id, created_at) VALUES ($1, 0)")
        .bind(them)
        .execute(&mut *s.conn().await.expect("connection"))
        .await
        .expect("another owner");
    sqlx::query("INSERT INTO urges (owner, id, at, kind) VALUES ($1, $2, 1, 'busy')")
        .bind(them)
        .bind(Uuid::now_v7())
        .execute(&mut *s.conn().await.expect("connection"))
        .await
        .expect("another owner's urge");
    let all = s.urges(&UrgeFilter::default()).await.expect("list");
    assert_eq!(all.iter().map(|u| u.id).collect::<Vec<_>>(), vec![mine.id]);
    assert_eq!(s.urge_counts_by_did(OffsetDateTime::UNIX_EPOCH).await.expect("counts").len(), 1);
    s.close().await;
    db.drop_it().await;
}

#[tokio::test]
async fn settings_and_added_questionnaires_are_kept_sealed() {
    use crate::backend::Settings;
    let Some(server) = server_url() else { return };
    let db = Fresh::new(&server).await;
    let key = DataKey::generate().expect("key");
    let s = open(&db.url, &key, Workload::Command).await.expect("open");
    assert_eq!(s.setting("calendar.token").await.expect("none"), None);
    s.set_setting("calendar.token", "secrettokenzebra").await.expect("set");
    s.set_setting("calendar.token", "secrettokenokapi").await.expect("set again");
    assert_eq!(s.setting("calendar.token").await.expect("get").as_deref(), Some("secrettokenokapi"));
    let i = crate::StoredInstrument {
        id: "fixture-quiz".into(),
        source: "title = \"Plantedquiz wording\"".into(),
        added_at: crate::truncate_micros(OffsetDateTime::now_utc()),
    };
    s.put_instrument(&i).await.expect("add");
    s.put_instrument(&i).await.expect("replace");
    assert_eq!(s.stored_instruments().await.expect("list"), vec![i.clone()]);
    let mut bytes: Vec<u8> = Vec::new();
    for sql in ["SELECT value_sealed FROM settings", "SELECT source_sealed FROM instruments"] {
        let values: Vec<Vec<u8>> = sqlx::query_scalar(sql)
            .fetch_all(&mut *s.conn().await.expect("connection"))
            .await
            .expect("raw");
        bytes.extend(values.into_iter().flatten());
    }
    for word in ["secrettoken", "zebra", "okapi", "Plantedquiz"] {
        assert!(!bytes.windows(word.len()).any(|w| w == word.as_bytes()), "{word} in the clear");
    }
    assert!(s.remove_instrument("fixture-quiz").await.expect("remove"));
    assert!(s.stored_instruments().await.expect("list").is_empty());
    s.close().await;
    db.drop_it().await;
}

#[tokio::test]
async fn a_browser_session_is_kept_by_its_hash_until_it_expires_or_ends() {
    use crate::backend::Sessions;
    let Some(server) = server_url() else { return };
    let db = Fresh::new(&server).await;
    let key = DataKey::generate().expect("key");
    let s = open(&db.url, &key, Workload::Server).await.expect("open");
    let now = OffsetDateTime::now_utc();
    s.keep_web_session("session-one", "csrf-1", now, now + time::Duration::hours(1))
        .await
        .expect("keep");
    s.keep_web_session("session-two", "csrf-2", now, now + time::Duration::minutes(1))
        .await
        .expect("keep");
    assert_eq!(s.web_session("session-one", now).await.expect("find").as_deref(), Some("csrf-1"));
    let stored: Vec<String> = sqlx::query_scalar("SELECT id_hash FROM web_sessions")
        .fetch_all(&mut *s.conn().await.expect("connection"))
        .await
        .expect("raw");
    assert!(stored.iter().all(|h| !h.contains("session")), "only hashes are stored");
    assert_eq!(
        s.web_session("session-two", now + time::Duration::minutes(2))
            .await
            .expect("expired"),
        None
    );
    assert_eq!(s.end_web_sessions(Some("session-one")).await.expect("end"), 1);
    assert_eq!(s.web_session("session-one", now).await.expect("ended"), None);
    assert_eq!(s.end_web_sessions(None).await.expect("none left"), 0);
    s.close().await;
    db.drop_it().await;
}

#[tokio::test]
async fn pauses_resets_and_the_safety_plan_keep_their_words_sealed() {
    use crate::backend::Moments;
    use drawbridge_core::moment::{PauseRecord, Reset, ResetEntry};
    use drawbridge_core::safety::SafetyPlan;
    let Some(server) = server_url() else { return };
    let db = Fresh::new(&server).await;
    let key = DataKey::generate().expect("key");
    let s = open(&db.url, &key, Workload::Command).await.expect("open");
    let now = crate::truncate_micros(OffsetDateTime::now_utc());
    let pause = PauseRecord {
        id: Uuid::now_v7(),
        at: now,
        protocol: "pause".into(),
        seconds: 300,
        completed: true,
    };
    s.add_pause(&pause).await.expect("pause");
    assert_eq!(s.pauses(10).await.expect("pauses"), vec![pause]);

    let record = Uuid::now_v7();
    let reset = Reset {
        id: Uuid::now_v7(),
        at: now,
        entry: ResetEntry {
            record: Some(record),
            capacity: Some(40),
            happened: Some("Plantedhappened heronwick".into()),
            felt: Some("Plantedfelt".into()),
            truth: None,
            thought: drawbridge_core::moment::ThoughtRecord {
                feelings: vec![drawbridge_core::moment::Feeling {
                    name: "Plantedfeeling".into(),
                    strength: 70,
                }],
                hot_thought: Some("Plantedhot thought".into()),
                belief: Some(90),
                ..Default::default()
            },
        },
    };
    s.add_reset(&reset).await.expect("reset");
    assert_eq!(s.reset(reset.id).await.expect("one"), Some(reset.clone()));
    assert_eq!(s.resets(10).await.expect("all"), vec![reset.clone()]);
    assert_eq!(s.resets_for_record(record).await.expect("for record"), vec![reset.clone()]);
    assert!(s.resets_for_record(Uuid::now_v7()).await.expect("none").is_empty());

    let mut plan = SafetyPlan::default();
    plan.sections.insert("warning-signs".into(), "Plantedplan I stop answering".into());
    plan.sections.insert("ask-for-help".into(), "Plantedplan call my sister".into());
    s.set_safety_plan(&plan, now).await.expect("plan");
    plan.sections.insert("warning-signs".into(), "Plantedplan, edited".into());
    plan.sections.remove("ask-for-help");
    s.set_safety_plan(&plan, now).await.expect("plan again");
    let back = s.safety_plan().await.expect("read");
    assert_eq!(back.sections, plan.sections);
    assert!(back.updated_at.is_some());
    let kept = s.versions_of_kind(versions::SAFETY_PLAN).await.expect("kept");
    let mut texts: Vec<&str> = kept.iter().map(|v| v.text.as_str()).collect();
    texts.sort_unstable();
    assert_eq!(
        texts,
        vec!["Plantedplan I stop answering", "Plantedplan call my sister"],
        "both replaced sections kept"
    );

    let mut bytes: Vec<u8> = Vec::new();
    for sql in [
        "SELECT happened_sealed FROM resets",
        "SELECT felt_sealed FROM resets",
        "SELECT text_sealed FROM safety_plan",
        "SELECT text_sealed FROM text_versions",
    ] {
        let values: Vec<Option<Vec<u8>>> = sqlx::query_scalar(sql)
            .fetch_all(&mut *s.conn().await.expect("connection"))
            .await
            .expect("raw");
        bytes.extend(values.into_iter().flatten().flatten());
    }
    for word in ["Planted", "heronwick", "sister"] {
        assert!(!bytes.windows(word.len()).any(|w| w == word.as_bytes()), "{word} in the clear");
    }
    s.close().await;
    db.drop_it().await;
}

#[tokio::test]
async fn a_quiz_attempt_is_saved_resumed_finished_and_its_label_sealed() {
    use crate::backend::Quiz;
    use drawbridge_core::assess::QuizResult;
    let Some(server) = server_url() else { return };
    let db = Fresh::new(&server).await;
    let key = DataKey::generate().expect("key");
    let s = open(&db.url, &key, Workload::Command).await.expect("open");
    let quiz = drawbridge_core::Catalog::embedded()
        .instruments()
        .iter()
        .find(|i| i.id == "patterns")
        .expect("the patterns quiz")
        .clone();
    let now = crate::truncate_micros(OffsetDateTime::now_utc());
    let mut attempt = QuizResult::start(&quiz, Some("Plantedlabel with Wrenna".into()), now);
    assert!(s.insert_quiz(&attempt, false).await.expect("start"));
    assert!(
        !s.insert_quiz(&attempt, true).await.expect("again"),
        "the same attempt is not added twice"
    );
    assert_eq!(s.quiz_in_progress("patterns").await.expect("resume"), Some(attempt.clone()));
    attempt.answers.insert(quiz.items[0].id.clone(), 3);
    assert!(s.save_quiz_answers(attempt.id, &attempt.answers, now).await.expect("answers"));
    let scores = quiz.score(&attempt.answers);
    assert!(s.finish_quiz(attempt.id, &scores, now).await.expect("finish"));
    assert!(
        !s.finish_quiz(attempt.id, &scores, now).await.expect("twice"),
        "a finished attempt stays as it was"
    );
    assert!(
        !s.save_quiz_answers(attempt.id, &attempt.answers, now).await.expect("after"),
        "its answers too"
    );
    assert_eq!(s.quiz_in_progress("patterns").await.expect("none"), None);
    let done = s.quiz_results(Some("patterns")).await.expect("results");
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].scores.as_ref(), Some(&scores));
    assert_eq!(done[0].label.as_deref(), Some("Plantedlabel with Wrenna"));
    assert_eq!(s.quiz_results(None).await.expect("all").len(), 1);
    let labels: Vec<Option<Vec<u8>>> = sqlx::query_scalar("SELECT label_sealed FROM quiz_results")
        .fetch_all(&mut *s.conn().await.expect("connection"))
        .await
        .expect("raw");
    let bytes: Vec<u8> = labels.into_iter().flatten().flatten().collect();
    assert!(!bytes.windows(7).any(|w| w == b"Planted") && !bytes.windows(6).any(|w| w == b"Wrenna"));
    assert!(s.delete_quiz(attempt.id).await.expect("delete"));
    assert_eq!(s.quiz(attempt.id).await.expect("gone"), None);
    s.close().await;
    db.drop_it().await;
}

#[tokio::test]
async fn experiments_the_ledger_and_program_runs_keep_every_word_sealed() {
    use crate::backend::Practice;
    use drawbridge_core::practice::{self, Outcome, Plan, ProgramEntry, ProgramRun, Record, Result as Res, StageChange};
    let Some(server) = server_url() else { return };
    let db = Fresh::new(&server).await;
    let key = DataKey::generate().expect("key");
    let s = open(&db.url, &key, Workload::Command).await.expect("open");
    let now = crate::truncate_micros(OffsetDateTime::now_utc());
    let today = now.date();
    let plan = |stage: u8, day: time::Date, words: &str| Plan {
        experiment: None,
        custom: Some(format!("Plantedcustom {words}")),
        stage,
        with_whom: Some("Plantedwith Ottoline".into()),
        planned_for: day,
        prediction: format!("Plantedprediction {words}"),
        belief_before: 80,
        want: 60,
        expect: 40,
    };
    let res = |peak: u8, outcome: Outcome, learned: &str| Res {
        what_happened: Some("Plantedhappened".into()),
        peak,
        after: 10,
        outcome,
        capacity: 50,
        learned: Some(learned.into()),
        belief_after: 30,
        flooded: peak > 85,
    };
    let record = |p: Plan, r: Option<Res>| Record {
        id: Uuid::now_v7(),
        created_at: now,
        plan: p,
        done_at: r.as_ref().map(|_| now),
        result: r,
    };
    let done = record(
        plan(1, today - time::Duration::days(40), "one"),
        Some(res(90, Outcome::Better, "Plantedlearned one")),
    );
    let open = record(plan(2, today - time::Duration::days(1), "two"), None);
    let later = record(plan(2, today + time::Duration::days(3), "three"), None);
    for r in [&done, &open, &later] {
        s.insert_record(r).await.expect("add");
    }
    assert_eq!(s.record(done.id).await.expect("read"), Some(done.clone()));
    assert_eq!(
        s.follow_ups(today).await.expect("due").iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![open.id]
    );
    let pacing = s.pacing_records(today - time::Duration::days(7)).await.expect("pacing");
    assert!(
        pacing.iter().any(|r| r.id == done.id),
        "the latest finished one, planned before the window, too"
    );

    // Followed up once; a second follow-up is refused and changes nothing.
    let first = res(40, Outcome::AsFeared, "Plantedlearned two");
    assert_eq!(s.complete_record(open.id, &first, now).await.expect("follow up"), FollowUp::Saved);
    let second = res(20, Outcome::Better, "a second try");
    assert_eq!(
        s.complete_record(open.id, &second, now).await.expect("again"),
        FollowUp::AlreadyDone(now)
    );
    assert_eq!(s.record(open.id).await.expect("read").and_then(|r| r.result), Some(first.clone()));
    assert_eq!(
        s.complete_record(Uuid::now_v7(), &second, now).await.expect("none"),
        FollowUp::NotFound
    );

    // The ledger's sums are the ledger rules' counts.
    let all = s.records(None, 100).await.expect("all");
    assert_eq!(all.len(), 3);
    let rules = practice::ledger(&all, time::UtcOffset::UTC);
    assert_eq!(s.ledger_counts().await.expect("ledger"), rules.stages);
    let months = s.belief_by_month().await.expect("months");
    assert_eq!(months.iter().map(|m| m.count as usize).sum::<usize>(), rules.belief.len());
    assert_eq!(s.learned(10).await.expect("learned").len(), 2);
    assert_eq!(s.flood_peaks().await.expect("floods"), (1, Some(90)));

    // An edit keeps the words it replaces; the ledger does not count it twice.
    let edit = RecordEdit {
        prediction: Some("Changed prediction".into()),
        learned: Some(None),
        ..Default::default()
    };
    assert!(s.edit_record(done.id, &edit, now).await.expect("edit"));
    let kept = s.versions(versions::EXPERIMENT, &done.id.to_string()).await.expect("kept");
    let mut texts: Vec<&str> = kept.iter().map(|v| v.text.as_str()).collect();
    texts.sort_unstable();
    assert_eq!(texts, vec!["Plantedlearned one", "Plantedprediction one"]);
    assert_eq!(s.ledger_counts().await.expect("ledger"), rules.stages);
    let simple = done.id.simple().to_string();
    assert_eq!(
        s.record_ids_with_prefix(&done.id.to_string()[..32], 5).await.expect("prefix"),
        vec![done.id]
    );
    assert!(s.record_ids_with_prefix(&simple[..30], 5).await.expect("prefix").contains(&done.id));
    assert!(s.record_ids_with_prefix("zz", 5).await.expect("not hex").is_empty());
    assert!(s.delete_record(later.id).await.expect("delete"));
    assert_eq!(
        s.ledger_counts().await.expect("ledger"),
        rules.stages,
        "an open record was never counted"
    );
    assert!(s.delete_record(done.id).await.expect("delete"));
    assert_eq!(s.ledger_counts().await.expect("ledger").iter().map(|t| t.done).sum::<u32>(), 1);

    s.add_stage_change(&StageChange { at: now, from: 1, to: 2 }).await.expect("stage");
    assert_eq!(
        s.stage_changes().await.expect("changes"),
        vec![StageChange { at: now, from: 1, to: 2 }]
    );

    let mut run = ProgramRun {
        id: Uuid::now_v7(),
        program: "connection-7".into(),
        started_on: today,
        entries: vec![ProgramEntry {
            day: 1,
            done_at: now,
            reflection: Some("Plantedreflection it felt odd".into()),
        }],
        stopped_on: None,
    };
    s.put_program_run(&run).await.expect("run");
    run.entries[0].reflection = Some("Plantedreflection, changed".into());
    s.put_program_run(&run).await.expect("changed");
    assert_eq!(s.program_runs().await.expect("runs"), vec![run.clone()]);
    let kept = s.versions(versions::PROGRAM_RUN, &run.id.to_string()).await.expect("kept");
    assert_eq!(
        kept.iter().map(|v| v.text.as_str()).collect::<Vec<_>>(),
        vec!["Plantedreflection it felt odd"]
    );

    let mut bytes: Vec<u8> = Vec::new();
    for sql in [
        "SELECT custom_sealed FROM experiment_records",
        "SELECT with_whom_sealed FROM experiment_records",
        "SELECT prediction_sealed FROM experiment_records",
        "SELECT what_happened_sealed FROM experiment_records",
        "SELECT learned_sealed FROM experiment_records",
        "SELECT entries_sealed FROM program_runs",
        "SELECT text_sealed FROM text_versions",
    ] {
        let values: Vec<Option<Vec<u8>>> = sqlx::query_scalar(sql)
            .fetch_all(&mut *s.conn().await.expect("connection"))
            .await
            .expect("raw");
        bytes.extend(values.into_iter().flatten().flatten());
    }
    for word in ["Planted", "Ottoline", "odd", "Changed"] {
        assert!(!bytes.windows(word.len()).any(|w| w == word.as_bytes()), "{word} in the clear");
    }
    s.close().await;
    db.drop_it().await;
}

/// Distinctive words in every text field the engine keeps, then a dump of
/// the whole database: none of the words is in it.
#[tokio::test]
async fn a_dump_of_the_database_shows_none_of_the_words() {
    use crate::backend::{Moments, Practice, Quiz, Settings};
    use drawbridge_core::assess::QuizResult;
    use drawbridge_core::moment::{Reset, ResetEntry};
    use drawbridge_core::practice::{Plan, ProgramEntry, ProgramRun, Record, Result as Res};
    use drawbridge_core::safety::SafetyPlan;
    let Some(server) = server_url() else { return };
    let Some(dump) = crate::testing::pg_dump() else {
        assert!(
            std::env::var("DRAWBRIDGE_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "DRAWBRIDGE_REQUIRE_POSTGRES=1 but pg_dump was not found"
        );
        eprintln!("skipped: pg_dump was not found");
        return;
    };
    let db = Fresh::new(&server).await;
    let key = DataKey::generate().expect("key");
    let s = open(&db.url, &key, Workload::Command).await.expect("open");
    let now = crate::truncate_micros(OffsetDateTime::now_utc());
    let w = |n: u32| format!("Sealword{n}quokka");
    let mut u = urge(&w(1), now);
    u.entry.about = Some(w(2));
    s.insert_urge(&u).await.expect("urge");
    s.update_urge(u.id, &entry(&w(3)), now).await.expect("edit, keeping the note");
    s.set_setting("calendar.token", &w(4)).await.expect("setting");
    s.put_instrument(&crate::StoredInstrument {
        id: "fixture-quiz".into(),
        source: w(5),
        added_at: now,
    })
    .await
    .expect("instrument");
    let quiz = drawbridge_core::Catalog::embedded().instruments()[0].clone();
    s.insert_quiz(&QuizResult::start(&quiz, Some(w(6)), now), false)
        .await
        .expect("quiz");
    let rec = Record {
        id: Uuid::now_v7(),
        created_at: now,
        plan: Plan {
            experiment: None,
            custom: Some(w(7)),
            stage: 1,
            with_whom: Some(w(8)),
            planned_for: now.date(),
            prediction: w(9),
            belief_before: 70,
            want: 60,
            expect: 50,
        },
        done_at: Some(now),
        result: Some(Res {
            what_happened: Some(w(10)),
            peak: 40,
            after: 20,
            outcome: drawbridge_core::practice::Outcome::Better,
            capacity: 50,
            learned: Some(w(11)),
            belief_after: 30,
            flooded: false,
        }),
    };
    s.insert_record(&rec).await.expect("record");
    s.put_program_run(&ProgramRun {
        id: Uuid::now_v7(),
        program: "connection-7".into(),
        started_on: now.date(),
        entries: vec![ProgramEntry {
            day: 1,
            done_at: now,
            reflection: Some(w(12)),
        }],
        stopped_on: None,
    })
    .await
    .expect("run");
    s.add_reset(&Reset {
        id: Uuid::now_v7(),
        at: now,
        entry: ResetEntry {
            record: Some(rec.id),
            capacity: Some(30),
            happened: Some(w(13)),
            felt: Some(w(14)),
            truth: Some(w(15)),
            thought: drawbridge_core::moment::ThoughtRecord {
                hot_thought: Some(w(18)),
                evidence: Some(w(19)),
                feelings: vec![drawbridge_core::moment::Feeling { name: w(20), strength: 55 }],
                ..Default::default()
            },
        },
    })
    .await
    .expect("reset");
    let mut plan = SafetyPlan::default();
    plan.sections.insert("warning-signs".into(), w(16));
    s.set_safety_plan(&plan, now).await.expect("plan");
    plan.sections.insert("warning-signs".into(), w(17));
    s.set_safety_plan(&plan, now).await.expect("plan, keeping the first words");
    {
        use crate::backend::People;
        use drawbridge_core::people::{EndedBy, Kind, PastRelationship, Person, PersonDetails, Reply};
        let details = |name: String, notes: String| PersonDetails {
            name,
            kind: Kind::Friend,
            since: None,
            stage: 1,
            ideal_days: None,
            max_days: None,
            notes: Some(notes),
        };
        let p = Person {
            id: Uuid::now_v7(),
            added_at: now,
            edited_at: None,
            details: details(w(21), w(22)),
            archived: false,
        };
        s.insert_person(&p).await.expect("person");
        s.edit_person(p.id, &details(w(23), w(24)), now)
            .await
            .expect("edit, keeping the first name");
        s.insert_reply(&Reply {
            id: Uuid::now_v7(),
            person: p.id,
            since: now,
            about: Some(w(25)),
            replied_at: None,
            felt: None,
        })
        .await
        .expect("reply");
        s.insert_past(&PastRelationship {
            id: Uuid::now_v7(),
            person: p.id,
            began: now.date(),
            ended: now.date(),
            ended_by: EndedBy::Drifted,
            stage: None,
            urges: vec!["go-quiet".into()],
            note: Some(w(26)),
            added_at: now,
        })
        .await
        .expect("past");
    }
    s.close().await;

    let out = std::process::Command::new(&dump)
        .arg("--dbname")
        .arg(&db.url)
        .output()
        .expect("pg_dump runs");
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("COPY public.urges"), "the dump holds the data");
    assert!(
        text.contains("connection-7") && text.contains("go-quiet"),
        "plain columns show, so words would too"
    );
    assert!(text.contains("COPY public.people"), "the dump holds the people");
    for n in 1..=26 {
        assert!(!text.contains(&w(n)), "{} is in the dump", w(n));
    }
    assert!(!text.contains("quokka"), "no part of any word");
    db.drop_it().await;
}

/// The export reads every table in one snapshot: a write that lands after
/// the snapshot was taken shows in none of the tables.
#[tokio::test]
async fn an_export_is_one_snapshot() {
    use crate::backend::Practice;
    use sqlx::Connection;
    let Some(server) = server_url() else { return };
    let db = Fresh::new(&server).await;
    let key = DataKey::generate().expect("key");
    let s = open(&db.url, &key, Workload::Server).await.expect("open");
    let now = OffsetDateTime::now_utc();
    let before = urge("before the export", now);
    s.insert_urge(&before).await.expect("add");
    let all = s.export_all().await.expect("export");
    assert_eq!(all.urges, vec![before.clone()]);

    let mut c = s.conn().await.expect("connection");
    let mut tx = c.begin().await.expect("begin");
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await
        .expect("iso");
    // The snapshot is taken by the first read.
    let _: i64 = sqlx::query_scalar("SELECT count(*) FROM owners")
        .fetch_one(&mut *tx)
        .await
        .expect("first read");
    s.insert_urge(&urge("during the export", now))
        .await
        .expect("a write from elsewhere");
    let rec = drawbridge_core::practice::Record {
        id: Uuid::now_v7(),
        created_at: crate::truncate_micros(now),
        plan: drawbridge_core::practice::Plan {
            experiment: None,
            custom: Some("during".into()),
            stage: 1,
            with_whom: None,
            planned_for: now.date(),
            prediction: "during".into(),
            belief_before: 50,
            want: 50,
            expect: 50,
        },
        done_at: None,
        result: None,
    };
    s.insert_record(&rec).await.expect("another table");
    let seen = s.read_all(&mut tx).await.expect("read");
    assert_eq!(seen.urges, vec![before], "the urge written during it is not there");
    assert!(seen.experiment_records.is_empty(), "nor the record, in a later table");
    tx.commit().await.expect("end");
    drop(c);
    assert_eq!(s.export_all().await.expect("export").urges.len(), 2, "the next export has both");
    s.close().await;
    db.drop_it().await;
}

/// With `sslmode=require` the connection is encrypted (CI runs a server with
/// TLS on and names it in `DRAWBRIDGE_TEST_TLS_URL`), and a certificate that
/// cannot be checked is refused in words when the URL asks for a check.
#[tokio::test]
async fn a_tls_url_connects_encrypted_and_an_unchecked_certificate_is_named() {
    let Ok(url) = std::env::var("DRAWBRIDGE_TEST_TLS_URL") else {
        assert!(
            std::env::var("DRAWBRIDGE_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "DRAWBRIDGE_REQUIRE_POSTGRES=1 but DRAWBRIDGE_TEST_TLS_URL is not set"
        );
        eprintln!("skipped: set DRAWBRIDGE_TEST_TLS_URL to a PostgreSQL URL with sslmode=require to test TLS");
        return;
    };
    let db = Fresh::new(&url).await;
    let key = DataKey::generate().expect("key");
    let s = open(&db.url, &key, Workload::Command).await.expect("open over TLS");
    let ssl: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut *s.conn().await.expect("connection"))
        .await
        .expect("ask");
    assert!(ssl, "the connection is encrypted");
    s.close().await;
    let strict = db.url.replace("sslmode=require", "sslmode=verify-full");
    let err = open(&strict, &key, Workload::Command)
        .await
        .err()
        .expect("a self-made certificate is not trusted");
    assert!(
        matches!(err, StoreError::Unreachable { .. }) && err.to_string().contains("sslrootcert"),
        "{err}"
    );
    db.drop_it().await;
}

/// Deleting an owner leaves no row of theirs in any table (sessions and the
/// ledger's kept sums too), and every row of the other owner; the other
/// owner's words stay sealed with their own key.
#[tokio::test]
async fn deleting_an_owner_leaves_no_row_of_theirs_anywhere() {
    use crate::backend::{Sessions, Settings};
    let Some(server) = server_url() else { return };
    let db = Fresh::new(&server).await;
    let key = DataKey::generate().expect("key");
    let s = open(&db.url, &key, Workload::Command).await.expect("open");
    s.insert_urge(&urge("mine", OffsetDateTime::now_utc())).await.expect("mine");
    let them = Uuid::now_v7();
    let their_key = DataKey::generate().expect("their key");
    s.add_owner(them, OffsetDateTime::now_utc(), &their_key)
        .await
        .expect("another owner");
    let other = s.for_owner(them, &their_key);
    other.insert_urge(&urge("theirs", OffsetDateTime::now_utc())).await.expect("theirs");
    let now = OffsetDateTime::now_utc();
    other
        .keep_web_session("a-session", "a-token", now, now + time::Duration::days(1))
        .await
        .expect("session");
    other.set_setting("region", "UK").await.expect("setting");
    // Their words are sealed with their key: my key cannot open them.
    let (id, sealed): (Uuid, Vec<u8>) = sqlx::query_as("SELECT id, note_sealed FROM urges WHERE owner = $1")
        .bind(them)
        .fetch_one(&mut *s.conn().await.expect("connection"))
        .await
        .expect("raw");
    let row = id.to_string();
    let place = Place {
        table: "urges",
        field: "note",
        row: &row,
    };
    assert_eq!(other.seal.open(place, &sealed).expect("their key opens it"), "theirs");
    assert!(s.seal.open(place, &sealed).is_err(), "my key does not");
    other.delete_owner().await.expect("delete");
    let tables = owner_tables(&mut s.conn().await.expect("connection")).await.expect("tables");
    assert!(tables.len() > 10, "{tables:?}");
    for t in tables.iter().map(String::as_str).chain(["owners"]) {
        let column = if t == "owners" { "id" } else { "owner" };
        let sql = format!("SELECT count(*) FROM \"{t}\" WHERE {column} = $1");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(them)
            .fetch_one(&mut *s.conn().await.expect("connection"))
            .await
            .expect("count");
        assert_eq!(n, 0, "{t} still holds their rows");
    }
    assert_eq!(s.urges(&UrgeFilter::default()).await.expect("mine").len(), 1);
    // A write that was on its way when they were deleted is refused.
    assert!(matches!(
        other.insert_urge(&urge("late", OffsetDateTime::now_utc())).await,
        Err(StoreError::OwnerGone)
    ));
    assert!(matches!(other.set_setting("region", "IE").await, Err(StoreError::OwnerGone)));
    s.close().await;
    db.drop_it().await;
}

/// Every table with an owner column has a key to `owners` that deletes
/// with it, a table added later too: without one, a deletion could leave
/// that table's rows behind.
#[tokio::test]
async fn every_owned_table_is_keyed_to_its_owner() {
    let Some(server) = server_url() else { return };
    let db = Fresh::new(&server).await;
    let s = open(&db.url, &DataKey::generate().expect("key"), Workload::Command)
        .await
        .expect("open");
    let mut c = s.conn().await.expect("connection");
    let tables = owner_tables(&mut c).await.expect("tables");
    let keyed: Vec<String> = sqlx::query_scalar(
        "SELECT c.conrelid::regclass::text FROM pg_constraint c \
         WHERE c.contype = 'f' AND c.confrelid = 'owners'::regclass AND c.confdeltype = 'c' \
         AND c.conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = c.conrelid AND attname = 'owner')] \
         ORDER BY 1",
    )
    .fetch_all(&mut *c)
    .await
    .expect("keys");
    assert_eq!(keyed, tables, "every owned table, and only those, has the key");
    drop(c);
    s.close().await;
    db.drop_it().await;
}

/// A database that holds several people (a server's) is not opened as one
/// person's by a local command, and nothing in it is changed.
#[tokio::test]
async fn a_database_of_several_people_is_not_opened_as_one_persons() {
    let Some(server) = server_url() else { return };
    let db = Fresh::new(&server).await;
    let key = DataKey::generate().expect("key");
    let s = open(&db.url, &key, Workload::Command).await.expect("open");
    let them = Uuid::now_v7();
    s.add_owner(them, OffsetDateTime::now_utc(), &DataKey::generate().expect("key"))
        .await
        .expect("another owner");
    s.close().await;
    let err = open(&db.url, &key, Workload::Command).await.err().expect("refused");
    let said = err.to_string();
    assert!(said.contains("several people") && said.contains("Nothing was changed"), "{said}");
    db.drop_it().await;
}
