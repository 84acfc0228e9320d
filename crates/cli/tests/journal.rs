//! The journal through the real binary, on each engine: write from TEXT and
//! from standard input, list and filter, show with every earlier version,
//! edit twice, delete only when asked, drafts kept when a save fails, and
//! the crisis panel after an entry that calls for it.

mod common;

use common::*;
use serde_json::Value;

fn json(d: &std::path::Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(d, args)).unwrap_or_else(|e| panic!("{args:?} printed no JSON: {e}"))
}

#[test]
fn entries_are_written_listed_shown_edited_and_deleted_with_nothing_lost() {
    for d in engines() {
        let first = json(
            d.path(),
            &[
                "journal",
                "write",
                "--json",
                "--title",
                "On the call",
                "--tag",
                "calm",
                "--tag",
                "#Calm",
                "--prompt",
                "noticing-closeness-possible",
                "I stayed on the call with Sam for ten more minutes.",
            ],
        );
        for key in [
            "id",
            "at",
            "edited_at",
            "title",
            "body",
            "tags",
            "prompt",
            "body_signal",
            "urge",
            "record",
            "reset",
        ] {
            assert!(first.get(key).is_some(), "{key} is always there: {first}");
        }
        assert_eq!(first["tags"], serde_json::json!(["calm"]), "a repeated tag (any case) is one tag");
        assert_eq!(first["prompt"], "noticing-closeness-possible");
        let piped = run_bytes(
            d.path(),
            &["journal", "write", "--tag", "work", "--json"],
            "Written in a pipe.\n\nTwo paragraphs.\n".as_bytes(),
        );
        assert!(piped.status.success(), "{}", stderr(&piped));
        let second: Value = serde_json::from_slice(&piped.stdout).expect("json");
        assert_eq!(second["body"], "Written in a pipe.\n\nTwo paragraphs.");

        let all = json(d.path(), &["journal", "--json"]);
        assert_eq!(all.as_array().map(Vec::len), Some(2));
        assert_eq!(all[0]["id"], second["id"], "newest first");
        let calm = json(d.path(), &["journal", "--tag", "CALM", "--json"]);
        assert_eq!(calm.as_array().map(Vec::len), Some(1));
        assert!(ok(d.path(), &["journal", "--since", "2000-01-01"]).contains("On the call"));
        assert!(ok(d.path(), &["journal", "--until", "2000-01-01"]).contains("No entries match"));

        // Edit twice: both earlier bodies stay readable.
        let id = first["id"].as_str().expect("id");
        let short = &id.replace('-', "")[..12];
        let e1 = run_bytes(d.path(), &["journal", "edit", short], b"Second words.");
        assert!(e1.status.success(), "{}", stderr(&e1));
        ok(d.path(), &["journal", "edit", short, "--title", "Renamed", "Third words."]);
        let shown = json(d.path(), &["journal", "show", short, "--json"]);
        assert_eq!(shown["body"], "Third words.");
        assert_eq!(shown["title"], "Renamed");
        assert!(shown["edited_at"].is_string());
        let kept: Vec<&str> = shown["versions"]
            .as_array()
            .expect("versions")
            .iter()
            .filter_map(|v| v["text"].as_str())
            .collect();
        assert!(kept.contains(&"I stayed on the call with Sam for ten more minutes."), "{kept:?}");
        assert!(kept.contains(&"Second words.") && kept.contains(&"On the call"), "{kept:?}");
        let text = ok(d.path(), &["journal", "show", short]);
        assert!(text.contains("Earlier versions") && text.contains("Second words."), "{text}");
        assert!(ok(d.path(), &["journal", "edit", short, "Third words."]).contains("Nothing changed"));

        // Delete asks; without a terminal it needs --yes and touches nothing.
        let no = run(d.path(), &["journal", "delete", short]);
        assert_eq!(no.status.code(), Some(1));
        assert!(stderr(&no).contains("--yes"), "{}", stderr(&no));
        assert_eq!(json(d.path(), &["journal", "--json"]).as_array().map(Vec::len), Some(2));
        ok(d.path(), &["journal", "delete", short, "--yes"]);
        assert_eq!(json(d.path(), &["journal", "--json"]).as_array().map(Vec::len), Some(1));
        let gone = run(d.path(), &["journal", "show", short]);
        assert!(stderr(&gone).contains("No journal entry"), "{}", stderr(&gone));
    }
}

#[test]
fn a_failed_save_says_what_to_do_and_keeps_piped_words_as_a_draft() {
    for d in engines() {
        for (args, expected) in [
            (vec!["journal", "write", "--tag", "two words", "x"], "two-words"),
            (vec!["journal", "write", "--prompt", "nope", "x"], "drawbridge prompts"),
            (vec!["journal", "write", "--body-signal", "elbow", "x"], "body signals"),
            (vec!["journal", "write", "   "], "empty"),
            (vec!["journal", "show", "zz"], "not an entry id"),
        ] {
            let out = run(d.path(), &args);
            assert_eq!(out.status.code(), Some(1), "{args:?}");
            assert!(stderr(&out).contains(expected), "{args:?}: {}", stderr(&out));
        }
        let long = "word ".repeat(41_000);
        let out = run_bytes(d.path(), &["journal", "write", "--title", "Long one"], long.as_bytes());
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("kept as a draft"), "{}", stderr(&out));
        let drafts = json(d.path(), &["journal", "drafts", "--json"]);
        assert_eq!(
            drafts[0]["body"].as_str().map(str::len),
            Some(long.len()),
            "every word is in the draft"
        );
        assert_eq!(drafts[0]["title"], "Long one");
        assert!(json(d.path(), &["journal", "--json"]).as_array().is_some_and(Vec::is_empty));
    }
}

#[test]
fn an_entry_with_crisis_words_is_saved_and_brings_the_calm_panel() {
    let d = tempdir();
    let out = run_bytes(d.path(), &["journal", "write", "--json"], b"Some nights I want to die.");
    assert!(out.status.success(), "{}", stderr(&out));
    let saved: Value = serde_json::from_slice(&out.stdout).expect("stdout stays JSON");
    assert_eq!(saved["body"], "Some nights I want to die.");
    assert!(stderr(&out).contains("help-now"), "{}", stderr(&out));
    let calm = ok(d.path(), &["journal", "write", "I'm done with this report, finally."]);
    assert!(!calm.contains("help-now"), "{calm}");
}

#[test]
fn prompts_are_listed_by_theme() {
    let d = tempdir();
    let all = json(d.path(), &["prompts", "--json"]);
    assert!(all.as_array().is_some_and(|a| a.len() >= 40), "{all}");
    let gentle = json(d.path(), &["prompts", "--theme", "gentle", "--json"]);
    assert!(gentle.as_array().expect("array").iter().all(|p| p["theme"] == "gentle"));
    let quiet = json(d.path(), &["today", "--json"]);
    assert_eq!(quiet["journal_prompt"]["reason"], "quiet-day", "{quiet}");
    ok(d.path(), &["urge", "go-quiet"]);
    let after = json(d.path(), &["today", "--json"]);
    assert_eq!(after["journal_prompt"]["reason"], "after-urge", "{after}");
    let id = after["journal_prompt"]["id"].as_str().expect("id");
    assert!(all.as_array().expect("all").iter().any(|p| p["id"] == id && p["theme"] == "parts"));
    let text = ok(d.path(), &["today"]);
    assert!(text.contains(&format!("journal write --prompt {id}")), "{text}");
    let bad = run(d.path(), &["prompts", "--theme", "sad"]);
    assert!(stderr(&bad).contains("noticing"), "{}", stderr(&bad));
}

#[test]
fn the_journal_goes_out_as_markdown_files_and_words_already_there_are_never_overwritten() {
    let d = tempdir();
    let first: Value = serde_json::from_str(&ok(
        d.path(),
        &[
            "journal",
            "write",
            "--title",
            "A \"quiet\" day: mostly",
            "--tag",
            "calm",
            "--tag",
            "work",
            "--prompt",
            "noticing-closeness-possible",
            "Line one.\n\n- a list\n- of things",
            "--json",
        ],
    ))
    .expect("json");
    ok(d.path(), &["journal", "write", "Second entry, no title."]);
    let out = d.path().join("md");
    let r = run(d.path(), &["export", "--journal-markdown", out.to_str().expect("utf-8")]);
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(stderr(&r).contains("Wrote 2 entries"), "{}", stderr(&r));
    let mut files: Vec<_> = std::fs::read_dir(&out).expect("dir").map(|e| e.expect("entry").path()).collect();
    files.sort();
    assert_eq!(files.len(), 2);
    let id = first["id"].as_str().expect("id");
    let path = files
        .iter()
        .find(|p| p.to_string_lossy().contains(&id.replace('-', "")))
        .expect("a file named by the entry's id");
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.starts_with("---\nid: "), "{text}");
    assert!(text.contains("title: \"A \\\"quiet\\\" day: mostly\"\n"), "{text}");
    assert!(text.contains("tags: [\"calm\", \"work\"]\n"), "{text}");
    assert!(text.contains("prompt: \""), "{text}");
    assert!(text.ends_with("---\n\nLine one.\n\n- a list\n- of things\n"), "{text}");

    // Again: nothing changes. A file edited elsewhere is left as it is.
    std::fs::write(path, "my own edits in another tool").expect("edit");
    let again = run(d.path(), &["export", "--journal-markdown", out.to_str().expect("utf-8")]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stderr(&again).contains("1 entry already there, unchanged"), "{}", stderr(&again));
    assert!(stderr(&again).contains("left as they are"), "{}", stderr(&again));
    assert_eq!(std::fs::read_to_string(path).expect("read"), "my own edits in another tool");

    let file = d.path().join("a-file");
    std::fs::write(&file, "x").expect("file");
    let bad = run(d.path(), &["export", "--journal-markdown", file.to_str().expect("utf-8")]);
    assert!(!bad.status.success() && stderr(&bad).contains("not a folder"), "{}", stderr(&bad));
}

/// A story card comes with the save, in the content's words; the JSON, the
/// filter, the Markdown export and `scan --json` name it; "not this time"
/// is kept once and counted; a story that is not one is refused with the
/// list. A reset shows its card too.
#[test]
fn a_story_card_comes_with_the_save_and_stays_away_once_put_away() {
    let c = drawbridge_core::Catalog::embedded();
    let need_space = c.stories().story("need-space").expect("content");
    for d in engines() {
        let saved = ok(
            d.path(),
            &["journal", "write", "I told Sam I need space and I'm not saying for how long."],
        );
        assert!(saved.contains(&need_space.name) && saved.contains(&need_space.question), "{saved}");
        assert!(saved.contains("drawbridge stories put-away"), "{saved}");
        ok(d.path(), &["journal", "write", "Lunch with Ana. We laughed a lot."]);
        let all = json(d.path(), &["journal", "--json"]);
        let told = all
            .as_array()
            .expect("array")
            .iter()
            .find(|e| e["stories"] == serde_json::json!(["need-space"]))
            .expect("the story entry");
        // The id as the card shows it: its first 12 characters.
        let id = told["id"].as_str().expect("id").replace('-', "")[..12].to_string();
        assert!(
            all.as_array().expect("array").iter().any(|e| e["stories"] == serde_json::json!([])),
            "a plain entry names none"
        );
        let only = json(d.path(), &["journal", "--story", "need-space", "--json"]);
        assert_eq!(only.as_array().map(Vec::len), Some(1), "{only}");

        let dir = d.path().join("md");
        ok(d.path(), &["export", "--journal-markdown", dir.to_str().expect("utf-8")]);
        let files: Vec<String> = std::fs::read_dir(&dir)
            .expect("folder")
            .map(|f| std::fs::read_to_string(f.expect("file").path()).expect("read"))
            .collect();
        assert!(files.iter().any(|f| f.contains("stories: [\"need-space\"]")), "{files:?}");
        assert!(files.iter().any(|f| f.contains("stories: []")), "{files:?}");

        let first = ok(d.path(), &["stories", "put-away", &id, "need-space"]);
        assert!(first.contains(&c.stories().labels.dismissed), "{first}");
        let again = ok(d.path(), &["stories", "put-away", &id, "need-space"]);
        assert!(again.contains("already"), "{again}");
        let summary = json(d.path(), &["stories", "--json"]);
        assert_eq!(
            (summary["cards"].as_u64(), summary["put_away"].as_u64()),
            (Some(0), Some(1)),
            "{summary}"
        );
        let shown = ok(d.path(), &["journal", "show", &id]);
        assert!(!shown.contains(&need_space.question), "the card stays away: {shown}");
        assert!(
            json(d.path(), &["journal", "--story", "need-space", "--json"])
                .as_array()
                .is_some_and(Vec::is_empty)
        );

        for (args, says) in [
            (vec!["journal", "--story", "need-room"], "not one of the stories"),
            (vec!["stories", "put-away", &id, "need-room"], "not one of the stories"),
            (vec!["stories", "put-away", &id, "dont-care"], "no \"dont-care\" card"),
        ] {
            let out = run(d.path(), &args);
            assert!(!out.status.success() && stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        }

        let reset = ok(
            d.path(),
            &[
                "reset",
                "--happened",
                "He went quiet at dinner",
                "--felt",
                "They don't really care, they're just being polite",
            ],
        );
        assert!(
            reset.contains(&c.stories().story("dont-care").expect("content").question),
            "{reset}"
        );
    }
}

#[test]
fn scan_names_the_stories_a_card_would_show() {
    let d = tempdir();
    let out = run_bytes(d.path(), &["scan", "--json"], b"Honestly I'm better off on my own.");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["stories"], serde_json::json!(["prefer-alone"]));
    assert_eq!(v["show_panel"], false);
    let out = run_bytes(d.path(), &["scan", "--json"], b"Lunch with Ana, we laughed a lot.");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["stories"], serde_json::json!([]));
}

#[test]
fn search_finds_words_in_any_form_across_records_and_names_a_bad_query() {
    for d in engines() {
        let call = json(
            d.path(),
            &[
                "journal",
                "write",
                "--json",
                "--tag",
                "Sam",
                "I stayed on the call with Sam though I wanted to hang up.",
            ],
        );
        json(d.path(), &["journal", "write", "--json", "A quiet café morning, alone and fine."]);
        let found = json(d.path(), &["search", "staying", "--json"]);
        assert_eq!(found["total"], 1, "{found}");
        let hit = &found["hits"][0];
        for key in ["kind", "id", "at", "snippet", "field", "marks"] {
            assert!(hit.get(key).is_some(), "{key} in every hit: {hit}");
        }
        assert_eq!(hit["kind"], "journal");
        assert_eq!(hit["id"], call["id"]);
        assert_eq!(hit["at"], call["at"]);
        assert_eq!(hit["marks"], serde_json::json!([[2, 8]]), "\"stayed\" is marked");
        assert_eq!(json(d.path(), &["search", "CAFE", "--kind", "journal", "--json"])["total"], 1);
        assert_eq!(json(d.path(), &["search", "tag:sam -hang", "--json"])["total"], 0);
        assert_eq!(
            json(d.path(), &["search", "\"hang up\"", "--from", "2000-01-01", "--json"])["total"],
            1
        );
        assert_eq!(json(d.path(), &["search", "alon*", "--to", "2000-01-01", "--json"])["total"], 0);
        let text = ok(d.path(), &["search", "stay"]);
        assert!(
            text.contains("1 record matches") && text.contains("drawbridge journal show"),
            "{text}"
        );
        for (args, expected) in [
            (vec!["search", "kind:diary"], "not a kind of record"),
            (vec!["search", "stay", "--from", "March"], "needs a date"),
            (vec!["search", "stay", "--order", "sideways"], "--order newest"),
            (vec!["search", "\"open"], "not closed"),
        ] {
            let out = run(d.path(), &args);
            assert_eq!(out.status.code(), Some(1), "{args:?}");
            assert!(stderr(&out).contains(expected), "{args:?}: {}", stderr(&out));
        }
    }
}
