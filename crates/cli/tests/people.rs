//! People through the real binary, on every engine: a name typed before
//! becomes a person, `people --json` has the fields scripts rely on, a reply
//! is owed and replied once, past relationships make a pattern only from
//! two, and mistakes say what to do and save nothing.

mod common;

use common::*;
use serde_json::Value;

fn json(dir: &std::path::Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(dir, args)).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

#[test]
fn people_owe_reply_and_the_pattern_work_from_the_terminal() {
    for d in engines() {
        let p = d.path();
        ok(p, &["urge", "go-quiet", "--about", "zoe", "--did", "stayed"]);
        let added = ok(
            p,
            &[
                "person",
                "add",
                "Zoe",
                "--kind",
                "friend",
                "--since",
                "2026-01-10",
                "--ideal",
                "7",
                "--max",
                "21",
            ],
        );
        assert!(added.contains("One earlier record that named them is linked"), "{added}");
        let again = run(p, &["person", "add", "ZOE", "--kind", "friend"]);
        assert!(!again.status.success());
        assert!(stderr(&again).contains("already someone called"), "{}", stderr(&again));

        // A new urge about her links by name.
        ok(p, &["urge", "busy", "--about", "Zoe"]);
        ok(p, &["owe", "Zoe", "--about", "the photos"]);
        let people = json(p, &["people", "--json"]);
        let zoe = &people[0];
        for field in [
            "id",
            "name",
            "kind",
            "stage",
            "safe",
            "last_contact",
            "ideal_days",
            "max_days",
            "drifting",
            "owed",
        ] {
            assert!(zoe.get(field).is_some(), "people --json has {field}: {zoe}");
        }
        assert_eq!(zoe["owed"].as_array().map(Vec::len), Some(1));
        assert_eq!(zoe["owed"][0]["about"], "the photos");
        assert_eq!(zoe["safe"].as_array().map(Vec::len), Some(5));
        assert!(zoe["safe"][0]["rests_on"][0].as_str().is_some_and(|s| !s.is_empty()));

        let replied = ok(p, &["replied", "Zoe", "--felt", "30"]);
        assert!(replied.starts_with("Replied to Zoe"), "{replied}");
        let twice = run(p, &["replied", "Zoe"]);
        assert!(!twice.status.success(), "nothing left to reply to");
        assert!(stderr(&twice).contains("no reply owed"), "{}", stderr(&twice));

        ok(p, &["person", "safe", "Zoe", "private"]);
        let shown = json(p, &["person", "show", "Zoe", "--json"]);
        let private = shown["person"]["safe"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["item"] == "private"))
            .expect("private");
        assert_eq!(private["state"], "yes");
        let kinds: Vec<&str> = shown["person"]["timeline"]
            .as_array()
            .expect("timeline")
            .iter()
            .filter_map(|t| t["kind"].as_str())
            .collect();
        assert_eq!(kinds.iter().filter(|k| **k == "urge").count(), 2, "{kinds:?}");
        assert!(kinds.contains(&"reply"), "{kinds:?}");

        ok(p, &["person", "edit", "Zoe", "--notes", "climbing buddy"]);
        ok(p, &["person", "edit", "Zoe", "--notes", "climbing buddy, likes tea"]);
        let shown = json(p, &["person", "show", "Zoe", "--json"]);
        assert_eq!(shown["earlier_versions"][0]["text"], "climbing buddy", "the first notes are kept");

        // The pattern says nothing from one relationship.
        ok(
            p,
            &[
                "past",
                "add",
                "Rae",
                "--began",
                "2023-01-01",
                "--ended",
                "2023-04-10",
                "--ended-by",
                "me",
                "--stage",
                "3",
                "--urges",
                "go-quiet",
            ],
        );
        let one = json(p, &["pattern", "--json"]);
        assert_eq!(one["pattern"]["found"], "too-few", "{one}");
        ok(
            p,
            &[
                "past",
                "add",
                "Mo",
                "--began",
                "2024-02-01",
                "--ended",
                "2024-05-20",
                "--ended-by",
                "drifted",
                "--urges",
                "go-quiet",
                "--kind",
                "friend",
            ],
        );
        let two = json(p, &["pattern", "--json"]);
        assert_eq!(two["pattern"]["found"], "found", "{two}");
        assert_eq!(two["pattern"]["counted"], 2);
        assert!(
            two["said"][0].as_str().is_some_and(|s| s.starts_with("Across two relationships")),
            "{two}"
        );
        let archived = json(p, &["people", "--json"]);
        assert_eq!(archived.as_array().map(Vec::len), Some(1), "archived people stay off the list");

        // Bad values are named and nothing is saved.
        for (args, says) in [
            (vec!["person", "add", "Ana"], "kind of person"),
            (vec!["person", "add", "Ana", "--kind", "pal"], "not a kind of person"),
            (
                vec!["person", "add", "Ana", "--kind", "friend", "--ideal", "30", "--max", "7"],
                "at least as long",
            ),
            (vec!["person", "safe", "Zoe", "nice"], "not one of the signs"),
            (vec!["owe", "Nobody"], "no one called"),
            (
                vec![
                    "past",
                    "add",
                    "Kit",
                    "--began",
                    "2024-05-01",
                    "--ended",
                    "2024-01-01",
                    "--ended-by",
                    "me",
                ],
                "before it began",
            ),
        ] {
            let out = run(p, &args);
            assert!(!out.status.success(), "{args:?}");
            assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        }
        let all = json(p, &["people", "--json", "--archived"]);
        let names: Vec<&str> = all.as_array().expect("array").iter().filter_map(|p| p["name"].as_str()).collect();
        assert_eq!(names, vec!["Mo", "Rae", "Zoe"], "nothing was added by a mistake");

        // Removing someone keeps their records unless asked.
        ok(p, &["person", "delete", "Zoe", "--keep-records"]);
        let urges = json(p, &["urges", "--json"]);
        assert_eq!(urges.as_array().map(Vec::len), Some(2), "the urges about Zoe are kept");
    }
}
