//! Count SQLite connections from open to close, for tests that check a
//! dropped store really lets go of its database.
//!
//! Every connection is counted from the moment SQLite opens it (an auto
//! extension runs inside `sqlite3_open`) until SQLite has torn it down (a
//! function destructor runs after the pager, and with it SQLCipher's codec,
//! is freed).

use std::ffi::{c_char, c_int, c_void};
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use rusqlite::ffi;

static OPEN: AtomicUsize = AtomicUsize::new(0);
static INSTALL: Once = Once::new();

/// Set up the counting; call before the first open.
pub(crate) fn install() {
    INSTALL.call_once(|| {
        // Keep the cipher provider that SQLCipher calls by name in the link.
        std::hint::black_box(crate::cipher::drawbridge_sqlcipher_setup as unsafe extern "C" fn(*mut crate::cipher::Provider) -> c_int);
        // SAFETY: a plain call into the bundled SQLite with a valid callback.
        unsafe {
            ffi::sqlite3_auto_extension(Some(count_connection));
        }
    });
}

/// Connections SQLite has opened and not yet finished closing.
pub(crate) fn open_connections() -> usize {
    OPEN.load(Ordering::SeqCst)
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
