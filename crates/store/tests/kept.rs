//! Nothing a person wrote is lost: a second follow-up never replaces the
//! first, every edit keeps the words it replaces, and an import of an older
//! file never overwrites newer data without saying so. Each test does the
//! thing twice, because the second time is where words used to disappear.

mod engines;

use drawbridge_core::practice::{Outcome, Plan, ProgramEntry, Result as Res};
use drawbridge_core::safety::SafetyPlan;
use drawbridge_core::urge::UrgeEntry;
use drawbridge_core::versions;
use drawbridge_store::{ExportDoc, FollowUp, RecordEdit};
use time::OffsetDateTime;
use time::macros::date;

fn plan() -> Plan {
    Plan {
        experiment: None,
        custom: Some("Tell Ruth I missed her".into()),
        stage: 3,
        with_whom: Some("Ruth".into()),
        planned_for: date!(2026 - 11 - 20),
        prediction: "She will think I am too much".into(),
        belief_before: 70,
        want: 80,
        expect: 50,
    }
}

fn result(happened: Option<&str>, learned: Option<&str>) -> Res {
    Res {
        what_happened: happened.map(String::from),
        peak: 45,
        after: 15,
        outcome: Outcome::Better,
        capacity: 60,
        learned: learned.map(String::from),
        belief_after: 30,
        flooded: false,
    }
}

fn texts(v: &[drawbridge_core::versions::TextVersion]) -> Vec<(&str, &str)> {
    v.iter().map(|v| (v.field.as_str(), v.text.as_str())).collect()
}

#[tokio::test]
async fn a_second_follow_up_is_refused_and_the_first_is_kept() {
    for e in engines::all().await {
        let s = e.open().await;
        let r = s.plan_experiment(plan()).await.expect("plan");
        let first = result(Some("She hugged me and said she missed me too"), Some("Saying it was survivable"));
        assert_eq!(
            s.complete_experiment(r.id, &first, OffsetDateTime::now_utc()).await.expect("first"),
            FollowUp::Saved
        );
        let second = s
            .complete_experiment(r.id, &result(None, None), OffsetDateTime::now_utc())
            .await
            .expect("second");
        assert!(matches!(second, FollowUp::AlreadyDone(_)), "{second:?}");
        let back = s.experiment_record(r.id).await.expect("read").expect("there");
        assert_eq!(back.result, Some(first), "the first follow-up's words are untouched");
        assert_eq!(
            s.complete_experiment(uuid::Uuid::now_v7(), &result(None, None), OffsetDateTime::now_utc())
                .await
                .expect("none"),
            FollowUp::NotFound
        );
        s.close().await;
    }
}

#[tokio::test]
async fn editing_a_record_twice_keeps_both_earlier_versions() {
    for e in engines::all().await {
        let s = e.open().await;
        let r = s.plan_experiment(plan()).await.expect("plan");
        s.complete_experiment(r.id, &result(Some("first words"), Some("first lesson")), OffsetDateTime::now_utc())
            .await
            .expect("done");
        let edit = |happened: &str| RecordEdit {
            what_happened: Some(Some(happened.to_string())),
            ..RecordEdit::default()
        };
        assert!(s.edit_experiment(r.id, &edit("second words")).await.expect("edit"));
        assert!(s.edit_experiment(r.id, &edit("third words")).await.expect("edit again"));
        // Saving the same words again keeps no empty or duplicate version.
        assert!(s.edit_experiment(r.id, &edit("third words")).await.expect("same"));
        let clear = RecordEdit {
            learned: Some(None),
            ..RecordEdit::default()
        };
        assert!(s.edit_experiment(r.id, &clear).await.expect("clear"));
        let back = s.experiment_record(r.id).await.expect("read").expect("there");
        let res = back.result.expect("result");
        assert_eq!(res.what_happened.as_deref(), Some("third words"));
        assert_eq!(res.learned, None);
        let kept = s.versions(versions::EXPERIMENT, &r.id.to_string()).await.expect("versions");
        assert_eq!(
            texts(&kept),
            vec![
                ("what I learned", "first lesson"),
                ("what happened", "second words"),
                ("what happened", "first words")
            ],
            "newest first, nothing lost"
        );
        assert!(!s.edit_experiment(uuid::Uuid::now_v7(), &edit("x")).await.expect("none"));
        s.close().await;
    }
}

#[tokio::test]
async fn an_urge_edit_keeps_its_earlier_note_and_about() {
    for e in engines::all().await {
        let s = e.open().await;
        let mut e = UrgeEntry {
            kind: "go-quiet".into(),
            intensity: Some(5),
            body: None,
            about: Some("Sam".into()),
            did: None,
            note: Some("he asked about my week".into()),
        };
        let u = s.add_urge(e.clone(), OffsetDateTime::now_utc()).await.expect("add");
        e.note = Some("he asked about my week and I froze".into());
        assert!(s.update_urge(u.id, e.clone()).await.expect("edit"));
        e.about = None;
        e.note = None;
        assert!(s.update_urge(u.id, e).await.expect("edit again"));
        let kept = s.versions(versions::URGE, &u.id.to_string()).await.expect("versions");
        let mut got = texts(&kept);
        got.sort();
        assert_eq!(
            got,
            vec![
                ("about", "Sam"),
                ("note", "he asked about my week"),
                ("note", "he asked about my week and I froze")
            ]
        );
        s.close().await;
    }
}

#[tokio::test]
async fn the_safety_plan_and_program_reflections_keep_their_earlier_words() {
    for e in engines::all().await {
        let s = e.open().await;
        let mut plan = SafetyPlan::default();
        plan.set("warning-signs", "I stop eating").expect("set");
        s.set_safety_plan(&plan).await.expect("save");
        plan.set("warning-signs", "I stop answering my sister").expect("set");
        s.set_safety_plan(&plan).await.expect("save twice");
        s.set_safety_plan(&plan).await.expect("save the same");
        let kept = s.versions(versions::SAFETY_PLAN, "warning-signs").await.expect("versions");
        assert_eq!(texts(&kept), vec![("warning-signs", "I stop eating")]);

        let mut run = s.start_program("connection-7", date!(2026 - 11 - 20)).await.expect("start");
        run.entries.push(ProgramEntry {
            day: 1,
            done_at: drawbridge_store::truncate_micros(OffsetDateTime::now_utc()),
            reflection: Some("It felt strange to say it".into()),
        });
        s.save_program_run(&run).await.expect("check off");
        assert!(run.set_reflection(1, Some("Strange, then warm".into())));
        s.save_program_run(&run).await.expect("change");
        let kept = s.versions(versions::PROGRAM_RUN, &run.id.to_string()).await.expect("versions");
        assert_eq!(texts(&kept), vec![("day 1 reflection", "It felt strange to say it")]);
        let runs = s.program_runs().await.expect("runs");
        assert_eq!(runs[0].entries[0].reflection.as_deref(), Some("Strange, then warm"));

        // Stopping a run keeps it and its words, and it counts as finished.
        run.stopped_on = Some(date!(2026 - 11 - 21));
        s.save_program_run(&run).await.expect("stop");
        let runs = s.program_runs().await.expect("runs");
        assert_eq!(runs, vec![run.clone()]);
        let p = engines::catalog().program("connection-7").expect("program");
        assert!(runs[0].finished(p, date!(2026 - 11 - 21)));
        s.close().await;
    }
}

#[tokio::test]
async fn importing_an_older_export_keeps_newer_data_and_names_every_conflict() {
    for e in engines::all().await {
        let s = e.open().await;
        // The older state, exported.
        s.set_stage(1).await.expect("stage");
        s.set_setting("region", "UK").await.expect("region");
        let mut plan = SafetyPlan::default();
        plan.set("warning-signs", "I stop sleeping").expect("set");
        s.set_safety_plan(&plan).await.expect("plan");
        let u = s
            .add_urge(
                UrgeEntry {
                    kind: "busy".into(),
                    intensity: None,
                    body: None,
                    about: None,
                    did: None,
                    note: Some("old note".into()),
                },
                OffsetDateTime::now_utc(),
            )
            .await
            .expect("urge");
        let older = s.export().await.expect("export");
        let older = ExportDoc::parse(&serde_json::to_string(&older).expect("json"), engines::catalog()).expect("parse");

        // Newer words written since.
        s.set_stage(3).await.expect("stage up");
        s.set_setting("region", "IE").await.expect("region");
        plan.set("warning-signs", "I stop answering anyone").expect("set");
        s.set_safety_plan(&plan).await.expect("plan");
        let mut e = s.urge(u.id).await.expect("read").expect("there").entry;
        e.note = Some("newer note".into());
        s.update_urge(u.id, e).await.expect("edit");
        let before = s.export().await.expect("before");

        // Import the older file twice: yours are kept both times, and said.
        for _ in 0..2 {
            let rep = s.import(&older, false, engines::catalog()).await.expect("import");
            assert_eq!(rep.added, 0, "{rep:?}");
            assert_eq!(rep.replaced, 0);
            let all = rep.conflicts.join("\n");
            assert!(
                all.contains("your practice stage (3, the file says 1) differs from the file's: kept yours"),
                "{all}"
            );
            assert!(all.contains("your region (IE, the file says UK)"), "{all}");
            assert!(
                all.contains("your safety plan's \"Signs a hard time is coming\" differs from the file's: kept yours"),
                "{all}"
            );
            assert!(all.contains("the urge of"), "{all}");
            assert!(all.contains("your history of stage changes"), "{all}");
            let after = s.export().await.expect("after");
            assert_eq!(after.settings, before.settings);
            assert_eq!(after.safety_plan.sections, before.safety_plan.sections);
            assert_eq!(after.urges, before.urges);
        }

        // Asked for explicitly, the file's values are taken and the words they
        // replace are kept as earlier versions.
        let rep = s.import(&older, true, engines::catalog()).await.expect("prefer the file");
        assert_eq!(rep.replaced as usize, rep.conflicts.len());
        assert!(rep.conflicts.iter().all(|c| c.contains("took the file's")), "{:?}", rep.conflicts);
        assert_eq!(s.setting("region").await.expect("region").as_deref(), Some("UK"));
        assert_eq!(s.pacing().await.expect("pacing").map(|p| p.stage), Some(1));
        let kept = s.versions(versions::SAFETY_PLAN, "warning-signs").await.expect("versions");
        assert!(texts(&kept).contains(&("warning-signs", "I stop answering anyone")), "{kept:?}");
        let kept = s.versions(versions::URGE, &u.id.to_string()).await.expect("versions");
        assert!(texts(&kept).contains(&("note", "newer note")), "{kept:?}");
        s.close().await;
    }
}

#[tokio::test]
async fn earlier_versions_travel_through_export_and_import() {
    for e in engines::all().await {
        let a = e.open().await;
        let r = a.plan_experiment(plan()).await.expect("plan");
        let edit = RecordEdit {
            prediction: Some("She will laugh at me".into()),
            ..RecordEdit::default()
        };
        a.edit_experiment(r.id, &edit).await.expect("edit");
        let doc = a.export().await.expect("export");
        assert_eq!(doc.text_versions.len(), 1);
        let json = serde_json::to_string(&doc).expect("json");
        let parsed = ExportDoc::parse(&json, engines::catalog()).expect("parse");
        let e2 = e.another().await;
        let b = e2.open().await;
        let rep = b.import(&parsed, false, engines::catalog()).await.expect("import");
        assert!(rep.conflicts.is_empty(), "{rep:?}");
        assert_eq!(b.export().await.expect("export b").text_versions, doc.text_versions);
        let twice = b.import(&parsed, false, engines::catalog()).await.expect("twice");
        assert_eq!((twice.added, twice.conflicts.len()), (0, 0));

        // A file from a newer drawbridge says so, in words, and nothing is read.
        let newer = json.replacen(&format!("\"version\":{}", drawbridge_store::export::VERSION), "\"version\":99", 1);
        let err = ExportDoc::parse(&newer, engines::catalog()).expect_err("newer");
        assert!(err.to_string().contains("newer version of drawbridge"), "{err}");
        assert!(err.hint().unwrap_or_default().contains("Update drawbridge"), "{err:?}");
        // A file that is not an export at all, or a number that is text.
        let err = ExportDoc::parse("[1, 2]", engines::catalog()).expect_err("not an export");
        assert!(err.to_string().contains("not a drawbridge export"), "{err}");
        assert!(!err.to_string().contains("struct"), "{err}");
        let err = ExportDoc::parse(
            &json.replacen("\"belief_before\":70", "\"belief_before\":\"lots\"", 1),
            engines::catalog(),
        )
        .expect_err("text for a number");
        assert!(err.to_string().contains("should be a whole number"), "{err}");
        assert!(!err.to_string().contains("u8"), "{err}");
        a.close().await;
        b.close().await;
    }
}
