//! A store that is dropped without `close()` still lets go of every
//! connection, so the process can exit without racing SQLCipher's clean-up.
//! One test in its own binary: the connection count is process-wide.

use std::time::{Duration, Instant};

use drawbridge_store::{DataKey, Location, Store, StoreError, UrgeFilter, Workload, open_connections};

async fn settles_at_zero() -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if open_connections() == 0 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    false
}

#[tokio::test]
async fn every_connection_is_counted_until_it_has_really_closed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let loc = Location {
        db: dir.path().join("drawbridge.db"),
        key: dir.path().join("drawbridge.key"),
        database_url: None,
    };

    let (store, _) = Store::open_or_create(&loc, None, Workload::Server).await.expect("open");
    store.urges(&UrgeFilter::default()).await.expect("read");
    assert!(open_connections() >= 1, "an open store is counted");
    store.close().await;
    assert_eq!(open_connections(), 0, "close() returns only after every connection is gone");

    // Dropped without close(), connections idle in the pool: the background
    // close still finishes and is counted down.
    let (store, _) = Store::open_or_create(&loc, None, Workload::Server).await.expect("reopen");
    let all = UrgeFilter::default();
    let (a, b) = tokio::join!(store.urges(&all), store.urges(&all));
    a.expect("read");
    b.expect("read");
    assert!(open_connections() >= 1);
    drop(store);
    assert!(settles_at_zero().await, "a dropped store closes all of its connections");

    // A wrong key: the connection that was refused is closed as well.
    let wrong = DataKey::generate().expect("key");
    let err = Store::open(&loc.db, &wrong, Workload::Command).await.err().expect("must fail");
    assert!(matches!(err, StoreError::WrongKey), "{err}");
    assert!(settles_at_zero().await, "a refused open leaves nothing behind");
}
