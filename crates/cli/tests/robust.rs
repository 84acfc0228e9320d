//! Files and input that are not what drawbridge expects: a damaged database,
//! a damaged key file, text in another encoding. Each gets words that say
//! what happened and what to do, the right exit code, and loses nothing.

mod common;

use common::*;

fn with_urges(n: usize) -> tempfile::TempDir {
    let d = tempdir();
    for i in 0..n {
        ok(
            d.path(),
            &[
                "urge",
                "busy",
                "--note",
                &format!("note {i}, with enough words to fill a few pages of the database"),
            ],
        );
    }
    d
}

#[test]
fn a_damaged_database_is_named_as_damaged_and_points_to_the_last_export() {
    let d = with_urges(40);
    // Damage inside the first page, after the salt: the key file is right.
    let db = db_path(d.path());
    let mut bytes = std::fs::read(&db).expect("read");
    bytes[200..264].fill(0);
    std::fs::write(&db, &bytes).expect("write");
    let out = run(d.path(), &["urges"]);
    assert_eq!(out.status.code(), Some(1), "damage is not a key problem");
    let err = stderr(&out);
    assert!(err.contains("is damaged"), "{err}");
    assert!(!err.contains("passphrase or key"), "{err}");
    assert!(err.contains("last export") && err.contains("drawbridge import"), "{err}");
    assert_eq!(std::fs::read(&db).expect("read"), bytes, "nothing written");
}

#[test]
fn damage_later_in_the_file_is_found_by_export_and_doctor() {
    let d = with_urges(60);
    let doctor = ok(d.path(), &["doctor"]);
    assert!(doctor.contains("no damage found"), "{doctor}");
    let sets = format!(
        "Built-in content: all {} sets read and checked.",
        drawbridge_core::content::SETS.len()
    );
    assert!(doctor.contains(&sets), "{doctor}");
    let db = db_path(d.path());
    let mut bytes = std::fs::read(&db).expect("read");
    let at = bytes.len() - 3000;
    bytes[at..at + 100].fill(0xff);
    std::fs::write(&db, &bytes).expect("write");
    let out = run(d.path(), &["export"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is damaged"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("SQL logic error"), "{}", stderr(&out));
    let out = run(d.path(), &["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is damaged"), "{}", stderr(&out));
}

#[test]
fn a_garbage_or_empty_key_file_is_a_key_problem() {
    for content in [
        "",
        "this is not a key file at all",
        "mode = \"key-file\"\nversion = 1\nkey = \"zz\"\n",
    ] {
        let d = with_urges(1);
        std::fs::write(d.path().join("drawbridge.key"), content).expect("write");
        let out = run(d.path(), &["urges"]);
        assert_eq!(out.status.code(), Some(2), "{content:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("key file"), "{}", stderr(&out));
    }
}

#[test]
fn text_in_utf16_is_read_and_other_encodings_get_a_plain_message() {
    let d = tempdir();
    let mut le = vec![0xFF, 0xFE];
    le.extend("Call Zoë on Sunday".encode_utf16().flat_map(u16::to_le_bytes));
    let out = run_bytes(d.path(), &["safety-plan", "set", "ask-for-help"], &le);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(ok(d.path(), &["safety-plan", "show"]).contains("Call Zoë on Sunday"));
    let out = run_bytes(d.path(), &["safety-plan", "set", "on-my-own"], b"caf\xE9 and a walk");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not UTF-8"), "{}", stderr(&out));
    assert!(!ok(d.path(), &["safety-plan", "show"]).contains("walk"), "nothing saved");
    let mut be = vec![0xFE, 0xFF];
    be.extend("this deadline is killing me".encode_utf16().flat_map(u16::to_be_bytes));
    let out = run_bytes(d.path(), &["scan"], &be);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("would not show"));
}

/// A command as a user that file permissions apply to: the test's own user
/// when it is not root, else `nobody` through runuser (root ignores them).
fn as_plain_user(dir: &std::path::Path, args: &[&str]) -> Option<std::process::Output> {
    let root = std::fs::read_to_string("/proc/self/status")
        .map(|s| s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false);
    let mut c = if root {
        let runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())?;
        let mut c = std::process::Command::new(runuser);
        c.args(["-u", "nobody", "--", bin()]);
        c
    } else {
        std::process::Command::new(bin())
    };
    c.arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env("HOME", dir)
        .stdin(std::process::Stdio::null());
    for (k, _) in std::env::vars() {
        if k.starts_with("DRAWBRIDGE_") {
            c.env_remove(k);
        }
    }
    Some(c.output().expect("run"))
}

#[test]
fn a_read_only_data_folder_still_reads_and_exports() {
    use std::os::unix::fs::PermissionsExt;
    let top = tempdir();
    let d = top.path().join("data");
    std::fs::create_dir(&d).expect("mkdir");
    // The folder belongs to whoever will run the commands.
    let Some(made) = as_plain_user(top.path(), &["--version"]) else {
        eprintln!("skipping: running as root without runuser, so permissions cannot be tested");
        return;
    };
    assert!(made.status.success());
    let _ = std::process::Command::new("chown")
        .args(["nobody", d.to_str().expect("utf-8")])
        .status();
    std::fs::set_permissions(top.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod top");
    let out = as_plain_user(&d, &["urge", "busy", "--note", "kept through a read-only folder"]).expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let list = as_plain_user(&d, &["urges"]).expect("run");
    assert!(list.status.success(), "{}", stderr(&list));
    assert!(String::from_utf8_lossy(&list.stdout).contains("kept through a read-only folder"));
    let export = as_plain_user(&d, &["export"]).expect("run");
    assert!(export.status.success(), "{}", stderr(&export));
    assert!(String::from_utf8_lossy(&export.stdout).contains("kept through a read-only folder"));
    // The database and its log files are still writable, so a new urge is
    // saved even though the folder is not: nothing needs creating.
    let saved = as_plain_user(&d, &["urge", "fight", "--note", "saved beside a read-only folder"]).expect("run");
    assert!(saved.status.success(), "{}", stderr(&saved));
    let list = as_plain_user(&d, &["urges"]).expect("run");
    assert!(String::from_utf8_lossy(&list.stdout).contains("saved beside a read-only folder"));
    // Files that cannot be written either (read-only media, a restored
    // copy): reading and export still work, and a write says why it failed.
    for f in std::fs::read_dir(&d).expect("list") {
        let f = f.expect("entry").path();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o444)).expect("chmod file");
    }
    let list = as_plain_user(&d, &["urges"]).expect("run");
    assert!(list.status.success(), "{}", stderr(&list));
    assert!(String::from_utf8_lossy(&list.stdout).contains("saved beside a read-only folder"));
    let export = as_plain_user(&d, &["export"]).expect("run");
    assert!(export.status.success(), "{}", stderr(&export));
    assert!(String::from_utf8_lossy(&export.stdout).contains("kept through a read-only folder"));
    let write = as_plain_user(&d, &["urge", "numb"]).expect("run");
    assert_eq!(write.status.code(), Some(1), "{}", stderr(&write));
    assert!(stderr(&write).contains("read-only"), "{}", stderr(&write));
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).expect("chmod back");
}
