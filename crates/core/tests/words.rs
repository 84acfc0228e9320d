//! Every word the app shows, in content files and templates, is checked for
//! shaming or diagnosing language. A failure names the file and the word.

use std::path::{Path, PathBuf};

use drawbridge_core::content;
use drawbridge_core::words::shaming_words;

fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, exts, out);
        } else if p.extension().and_then(|x| x.to_str()).is_some_and(|x| exts.contains(&x)) {
            out.push(p);
        }
    }
}

#[test]
fn no_shaming_or_diagnosing_words_in_anything_the_person_reads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut all = Vec::new();
    files(&root.join("content"), &["toml"], &mut all);
    files(&root.join("crates/web/templates"), &["html"], &mut all);
    assert!(all.len() >= 10, "found the content and templates ({})", all.len());
    // The story detector's rules are the words people write ("I don't do
    // clingy"), matched and never shown as the app's own.
    all.retain(|f| !f.ends_with("content/story-rules.toml"));
    let mut problems = Vec::new();
    for f in &all {
        let text = std::fs::read_to_string(f).expect("readable");
        // Comments in content files are notes for editors, not for the person.
        let shown: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        for w in shaming_words(&shown) {
            problems.push(format!("{}: \"{w}\"", f.strip_prefix(&root).unwrap_or(f).display()));
        }
    }
    assert!(problems.is_empty(), "shaming or diagnosing words found:\n{}", problems.join("\n"));
}

#[test]
fn the_word_check_would_catch_a_slip() {
    assert_eq!(
        shaming_words("You are not broken, and this is not a disorder."),
        vec!["broken", "disorder"]
    );
}

#[test]
fn every_content_file_is_compiled_in_and_belongs_to_a_set() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    let mut on_disk = Vec::new();
    files(&root, &["toml", "txt"], &mut on_disk);
    assert!(on_disk.len() >= 30, "found the content files ({})", on_disk.len());
    for f in on_disk {
        let rel = f.strip_prefix(&root).expect("under content").to_string_lossy().replace('\\', "/");
        if content::COMPILED.contains(&rel.as_str()) {
            continue;
        }
        assert!(
            content::EMBEDDED.iter().any(|(p, _)| *p == rel),
            "content/{rel} exists but is not in content::EMBEDDED: build.rs should have listed it"
        );
        if let Err(e) = content::set_of(&rel) {
            panic!("{e}: add it to content_sets! in crates/core/src/content.rs");
        }
    }
}
