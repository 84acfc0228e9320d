//! Let connections finish closing before SQLCipher's exit handler runs.
//!
//! sqlx runs each SQLite connection on a worker thread and, when the last
//! handle to a connection is dropped without an explicit close, closes it in
//! the background on that thread. SQLCipher registers an `atexit` handler that
//! frees its private heap. If the process exits while a worker is still
//! closing a connection, the worker walks freed memory and the process dies
//! with SIGSEGV after all of its work is done (seen in the test suite, where
//! stores are dropped at the end of each test).
//!
//! So every connection is counted from the moment SQLite opens it (an auto
//! extension runs inside `sqlite3_open` on the opening thread) until SQLite
//! has torn it down (a function destructor runs after the pager, and with it
//! SQLCipher's codec, is freed). An exit handler registered after SQLCipher's
//! own, and so run before it, waits a bounded time for the count to reach
//! zero. A connection that is simply left open and idle is not touched by
//! SQLCipher's clean-up, so the bound only matters for a worker mid-close.

use std::ffi::{c_char, c_int, c_void};
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use libsqlite3_sys as ffi;

static OPEN: AtomicUsize = AtomicUsize::new(0);
static INSTALL: Once = Once::new();

/// How long exit waits for connections that are still closing.
const EXIT_WAIT: Duration = Duration::from_secs(3);

unsafe extern "C" {
    fn atexit(callback: extern "C" fn()) -> c_int;
}

/// Set up the counting and the exit handler; call before the first open.
pub(crate) fn install() {
    INSTALL.call_once(|| {
        // Keep the cipher provider that SQLCipher calls by name in the link.
        std::hint::black_box(crate::cipher::drawbridge_sqlcipher_setup as unsafe extern "C" fn(*mut crate::cipher::Provider) -> c_int);
        // SAFETY: plain calls into the bundled SQLite with valid arguments.
        // `sqlite3_initialize` runs SQLCipher's own set-up, which registers its
        // exit handler, so ours (registered next) runs before it.
        unsafe {
            ffi::sqlite3_initialize();
            ffi::sqlite3_auto_extension(Some(count_connection));
            atexit(wait_for_closing_connections);
        }
    });
}

/// Connections SQLite has opened and not yet finished closing.
pub(crate) fn open_connections() -> usize {
    OPEN.load(Ordering::SeqCst)
}

extern "C" fn wait_for_closing_connections() {
    let deadline = Instant::now() + EXIT_WAIT;
    while OPEN.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Runs inside `sqlite3_open` for every new connection.
unsafe extern "C" fn count_connection(db: *mut ffi::sqlite3, _err: *mut *mut c_char, _api: *const ffi::sqlite3_api_routines) -> c_int {
    OPEN.fetch_add(1, Ordering::SeqCst);
    // SAFETY: `db` is the connection being opened. SQLite calls the
    // destructor when the connection is torn down, or at once if registering
    // fails, so every increment is matched by exactly one decrement.
    unsafe {
        ffi::sqlite3_create_function_v2(
            db,
            c"drawbridge_open_marker".as_ptr(),
            0,
            ffi::SQLITE_UTF8,
            std::ptr::null_mut(),
            Some(marker),
            None,
            None,
            Some(connection_closed),
        );
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn marker(ctx: *mut ffi::sqlite3_context, _argc: c_int, _argv: *mut *mut ffi::sqlite3_value) {
    // SAFETY: `ctx` is the live context SQLite passed in.
    unsafe { ffi::sqlite3_result_null(ctx) }
}

unsafe extern "C" fn connection_closed(_app: *mut c_void) {
    OPEN.fetch_sub(1, Ordering::SeqCst);
}
