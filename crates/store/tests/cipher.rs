//! SQLCipher's ciphers come from RustCrypto (`drawbridge_store::cipher`), no
//! longer from OpenSSL. A database a person made before that change must open
//! and keep every word, and take new ones.

use std::path::Path;

use drawbridge_core::Catalog;
use drawbridge_core::urge::UrgeDraft;
use drawbridge_store::{Location, Store, UrgeFilter, Workload};
use time::OffsetDateTime;

/// A copy of the database made with OpenSSL's ciphers (two urges, one with
/// a note), so the test never changes the file in the repository.
fn copy_of_openssl_era_database(dir: &Path) -> Location {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/openssl-era");
    for f in ["drawbridge.db", "drawbridge.key"] {
        std::fs::copy(src.join(f), dir.join(f)).expect("copy the fixture");
    }
    Location {
        db: dir.join("drawbridge.db"),
        key: dir.join("drawbridge.key"),
        database_url: None,
    }
}

#[tokio::test]
async fn a_database_written_with_openssl_opens_and_keeps_its_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loc = copy_of_openssl_era_database(dir.path());
    let (store, _) = Store::open_or_create(&loc, None, Workload::Command).await.expect("opens");
    assert_eq!(
        store.cipher_provider().await.expect("provider"),
        drawbridge_store::cipher::PROVIDER_NAME
    );
    assert!(store.check().await.expect("check").is_empty(), "every page reads");
    let urges = store.urges(&UrgeFilter::default()).await.expect("urges");
    assert_eq!(urges.len(), 2);
    let note = urges.iter().find_map(|u| u.entry.note.clone()).expect("the note");
    assert_eq!(note, "Wrote before the cipher change: the evening went quiet");
    assert!(urges.iter().any(|u| u.entry.about.as_deref() == Some("Sam")));

    // New words go in with the new ciphers, and everything reads back after
    // a reopen, twice.
    let entry = Catalog::embedded()
        .urges()
        .check(UrgeDraft {
            kind: "busy".into(),
            intensity: Some(3),
            body: None,
            about: None,
            did: None,
            note: Some("Written after the change".into()),
        })
        .expect("valid");
    store.add_urge(entry, OffsetDateTime::now_utc()).await.expect("saved");
    store.close().await;
    for _ in 0..2 {
        let (store, _) = Store::open_or_create(&loc, None, Workload::Command).await.expect("reopens");
        let urges = store.urges(&UrgeFilter::default()).await.expect("urges");
        assert_eq!(urges.len(), 3);
        assert!(urges.iter().any(|u| u.entry.note.as_deref() == Some("Written after the change")));
        assert!(store.check().await.expect("check").is_empty());
        store.close().await;
    }
}

#[tokio::test]
async fn the_file_on_disk_is_still_ciphertext() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loc = copy_of_openssl_era_database(dir.path());
    let (store, _) = Store::open_or_create(&loc, None, Workload::Command).await.expect("opens");
    store.close().await;
    let bytes = std::fs::read(&loc.db).expect("read");
    assert!(!bytes.starts_with(b"SQLite format 3"), "no plain SQLite header");
    // Only phrases long enough that random ciphertext cannot hold them by
    // chance: a three-letter name turns up in a few hundred kilobytes of
    // random bytes about once in a hundred runs, and each open writes fresh
    // page IVs.
    let text = String::from_utf8_lossy(&bytes);
    for words in ["evening went quiet", "Wrote before the cipher change"] {
        assert!(!text.contains(words), "no words in the clear: {words}");
    }
}
