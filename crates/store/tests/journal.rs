//! The journal's storage contract, on every engine: a second Save adds
//! nothing, an edit keeps the words it replaces, a draft is kept as typed
//! until it is saved or thrown away, a delete takes everything of the entry
//! with it, and entries travel through export and import without loss.

mod engines;

use drawbridge_core::journal::JournalDraft;
use drawbridge_core::versions;
use drawbridge_store::{ExportDoc, JournalFilter};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

fn draft(id: Uuid, body: &str) -> JournalDraft {
    JournalDraft {
        id,
        saved_at: OffsetDateTime::now_utc(),
        title: String::new(),
        body: body.into(),
        tags: "#work, Sam".into(),
        prompt: None,
    }
}

fn bodies(v: &[drawbridge_core::journal::JournalEntry]) -> Vec<&str> {
    v.iter().map(|e| e.text.body.as_str()).collect()
}

#[tokio::test]
async fn saving_twice_keeps_one_entry_and_drops_its_draft() {
    for e in engines::all().await {
        let s = e.open().await;
        let id = Uuid::now_v7();
        s.keep_journal_draft(draft(id, "I wanted to leave the party early"))
            .await
            .expect("draft");
        s.keep_journal_draft(draft(id, "I wanted to leave the party early, and I stayed"))
            .await
            .expect("draft again");
        let kept = s.journal_draft(id).await.expect("read").expect("there");
        assert_eq!(kept.body, "I wanted to leave the party early, and I stayed", "the newer words");
        assert_eq!(s.journal_drafts().await.expect("drafts").len(), 1, "one draft, not two");

        let at = OffsetDateTime::now_utc() - Duration::hours(1);
        let first = engines::journal_text(None, "I wanted to leave the party early, and I stayed", &["party"]);
        let (saved, added) = s.save_journal(id, first.clone(), at).await.expect("save");
        assert!(added);
        assert_eq!(saved.text, first);
        assert!(s.journal_draft(id).await.expect("read").is_none(), "the draft goes with the save");

        // A second click of Save, even with other words, changes nothing.
        let (again, added) = s
            .save_journal(id, engines::journal_text(None, "other words", &[]), OffsetDateTime::now_utc())
            .await
            .expect("again");
        assert!(!added);
        assert_eq!(again, saved);
        let all = s.journal(&JournalFilter::default()).await.expect("list");
        assert_eq!(bodies(&all), vec!["I wanted to leave the party early, and I stayed"]);
        s.close().await;
    }
}

#[tokio::test]
async fn editing_twice_keeps_every_earlier_version_and_delete_takes_them_all() {
    for e in engines::all().await {
        let s = e.open().await;
        let id = Uuid::now_v7();
        let mut t = engines::journal_text(None, "first words", &["sam"]);
        t.title = Some("Tuesday".into());
        s.save_journal(id, t.clone(), OffsetDateTime::now_utc()).await.expect("save");
        s.keep_journal_draft(draft(id, "second words, half typed"))
            .await
            .expect("an edit in progress");
        t.body = "second words".into();
        assert!(s.edit_journal(id, t.clone()).await.expect("edit"));
        assert!(s.journal_draft(id).await.expect("read").is_none(), "the edit's draft goes with it");
        t.body = "third words".into();
        t.title = None;
        t.tags = vec!["Sam".into(), "work".into()];
        assert!(s.edit_journal(id, t.clone()).await.expect("edit again"));
        // The same words again keep no empty or repeated version.
        assert!(s.edit_journal(id, t.clone()).await.expect("same"));
        let back = s.journal_entry(id).await.expect("read").expect("there");
        assert_eq!(back.text, t);
        assert!(back.edited_at.is_some());
        let kept = s.versions(versions::JOURNAL, &id.to_string()).await.expect("versions");
        let kept: Vec<(&str, &str)> = kept.iter().map(|v| (v.field.as_str(), v.text.as_str())).collect();
        for want in [
            ("body", "first words"),
            ("body", "second words"),
            ("title", "Tuesday"),
            ("tags", "sam"),
        ] {
            assert!(kept.contains(&want), "{want:?} in {kept:?}");
        }
        assert_eq!(kept.len(), 4, "{kept:?}");
        assert!(!s.edit_journal(Uuid::now_v7(), t).await.expect("none"));

        assert!(s.delete_journal(id).await.expect("delete"));
        assert!(s.journal_entry(id).await.expect("read").is_none());
        assert!(s.versions(versions::JOURNAL, &id.to_string()).await.expect("versions").is_empty());
        assert!(!s.delete_journal(id).await.expect("twice"), "a second delete finds nothing");
        s.close().await;
    }
}

#[tokio::test]
async fn the_journal_lists_newest_first_by_time_and_tag() {
    for e in engines::all().await {
        let s = e.open().await;
        let now = OffsetDateTime::now_utc();
        for (days, body, tags) in [
            (10, "ten days ago", &["Work"][..]),
            (3, "three days ago", &["sam", "work"][..]),
            (1, "yesterday", &[][..]),
        ] {
            s.save_journal(Uuid::now_v7(), engines::journal_text(None, body, tags), now - Duration::days(days))
                .await
                .expect("save");
        }
        let all = s.journal(&JournalFilter::default()).await.expect("all");
        assert_eq!(bodies(&all), vec!["yesterday", "three days ago", "ten days ago"]);
        let f = JournalFilter {
            since: Some(now - Duration::days(5)),
            ..Default::default()
        };
        assert_eq!(bodies(&s.journal(&f).await.expect("since")), vec!["yesterday", "three days ago"]);
        let f = JournalFilter {
            tag: Some("#WORK".into()),
            ..Default::default()
        };
        assert_eq!(
            bodies(&s.journal(&f).await.expect("tag")),
            vec!["three days ago", "ten days ago"],
            "tags match in any case, with or without #"
        );
        let f = JournalFilter {
            until: Some(now - Duration::days(2)),
            limit: Some(1),
            ..Default::default()
        };
        assert_eq!(bodies(&s.journal(&f).await.expect("until")), vec!["three days ago"]);
        assert!(s.delete_journal_draft(Uuid::now_v7()).await.is_ok_and(|gone| !gone));

        // An entry is found by the first characters of its id, hyphens or not.
        let one = Uuid::parse_str("0193ab00-1111-7000-8000-000000000001").expect("id");
        let two = Uuid::parse_str("0193ab00-2222-7000-8000-000000000002").expect("id");
        for id in [one, two] {
            s.save_journal(id, engines::journal_text(None, "by id", &[]), now)
                .await
                .expect("save");
        }
        let ids = |p: &'static str| {
            let s = &s;
            async move { s.journal_ids_starting_with(p).await.expect("prefix") }
        };
        assert_eq!(ids("0193ab001111").await, vec![one]);
        assert_eq!(ids("0193AB00-2").await, vec![two], "any case, with hyphens");
        assert_eq!(ids("0193ab00").await.len(), 2, "two match: the caller asks for more");
        assert!(ids("ffff").await.is_empty());
        assert!(ids("not hex").await.is_empty());
        s.close().await;
    }
}

#[tokio::test]
async fn entries_and_drafts_travel_through_export_and_an_older_file_keeps_newer_words() {
    for e in engines::all().await {
        let s = e.open().await;
        let id = Uuid::now_v7();
        let pending = Uuid::now_v7();
        s.save_journal(
            id,
            engines::journal_text(None, "what I wrote first", &["sam"]),
            OffsetDateTime::now_utc(),
        )
        .await
        .expect("save");
        s.keep_journal_draft(draft(pending, "half a thought")).await.expect("draft");
        let older = s.export().await.expect("export");
        let json = serde_json::to_string(&older).expect("json");
        let older = ExportDoc::parse(&json, engines::catalog()).expect("parses");
        assert_eq!(older.journal.len(), 1);
        assert_eq!(older.journal_drafts.len(), 1);

        // Into an empty store: everything, once.
        let e2 = e.another().await;
        let b = e2.open().await;
        let rep = b.import(&older, false, engines::catalog()).await.expect("import");
        assert!(rep.conflicts.is_empty(), "{rep:?}");
        let again = b.import(&older, false, engines::catalog()).await.expect("twice");
        assert_eq!((again.added, again.conflicts.len()), (0, 0), "{again:?}");
        let moved = b.export().await.expect("export b");
        assert_eq!(moved.journal, older.journal);
        assert_eq!(moved.journal_drafts, older.journal_drafts);
        b.close().await;

        // Newer words, then the older file over them, twice: yours are kept.
        assert!(
            s.edit_journal(id, engines::journal_text(None, "what I wrote later", &["sam"]))
                .await
                .expect("edit")
        );
        s.keep_journal_draft(draft(pending, "half a thought, and the rest of it"))
            .await
            .expect("draft grows");
        for _ in 0..2 {
            let rep = s.import(&older, false, engines::catalog()).await.expect("older");
            let all = rep.conflicts.join("\n");
            assert!(all.contains("the journal entry of"), "{all}");
            assert!(all.contains("the journal draft of"), "{all}");
            assert_eq!(
                s.journal_entry(id).await.expect("read").expect("there").text.body,
                "what I wrote later"
            );
            assert_eq!(
                s.journal_draft(pending).await.expect("read").expect("there").body,
                "half a thought, and the rest of it"
            );
        }
        // Asked for, the file's words are taken, and yours kept as versions.
        s.import(&older, true, engines::catalog()).await.expect("prefer the file");
        assert_eq!(
            s.journal_entry(id).await.expect("read").expect("there").text.body,
            "what I wrote first"
        );
        let kept = s.versions(versions::JOURNAL, &id.to_string()).await.expect("versions");
        assert!(kept.iter().any(|v| v.text == "what I wrote later"), "{kept:?}");
        let kept = s.versions(versions::JOURNAL, &pending.to_string()).await.expect("versions");
        assert!(kept.iter().any(|v| v.text == "half a thought, and the rest of it"), "{kept:?}");
        s.close().await;
    }
}

/// "Not this time" beside a story card: said twice it is kept once, it is
/// the person's own (another owner sees none of it), and it travels through
/// export and import without adding a second copy.
#[tokio::test]
async fn a_story_put_away_is_kept_once_and_travels() {
    use drawbridge_core::stories::{ITEM_JOURNAL, ITEM_RESET};
    for e in engines::all().await {
        let s = e.open().await;
        let id = Uuid::now_v7();
        let reset = Uuid::now_v7();
        assert!(
            s.put_story_away(ITEM_JOURNAL, id, "need-space").await.expect("put away"),
            "{}",
            e.name
        );
        assert!(
            !s.put_story_away(ITEM_JOURNAL, id, "need-space").await.expect("again"),
            "{}: the second time adds nothing",
            e.name
        );
        assert!(s.put_story_away(ITEM_RESET, reset, "dont-care").await.expect("a reset's"));
        let answers = s.story_answers().await.expect("answers");
        assert_eq!(answers.len(), 2, "{}: {answers:?}", e.name);
        assert!(
            answers
                .iter()
                .any(|a| a.item == "journal" && a.item_id == id && a.story == "need-space")
        );
        assert_eq!(s.export().await.expect("export").story_answers, answers, "{}", e.name);

        let e2 = e.another().await;
        let b = e2.open().await;
        assert!(
            b.story_answers().await.expect("theirs").is_empty(),
            "{}: another person's store holds none",
            e.name
        );
        let doc = s.export().await.expect("export");
        let json = serde_json::to_string(&doc).expect("json");
        let doc = ExportDoc::parse(&json, engines::catalog()).expect("parses");
        for round in 0..2 {
            let rep = b.import(&doc, false, engines::catalog()).await.expect("import");
            assert_eq!(rep.added, if round == 0 { 2 } else { 0 }, "{}: {rep:?}", e.name);
        }
        assert_eq!(b.story_answers().await.expect("moved"), answers, "{}", e.name);
        b.close().await;

        let bad = json.replace("\"need-space\"", "\"need-room\"");
        let err = ExportDoc::parse(&bad, engines::catalog()).expect_err("an unknown story");
        assert!(
            err.to_string().contains("story_answers[") && err.to_string().contains("need-room"),
            "{err}"
        );
        s.close().await;
    }
}
