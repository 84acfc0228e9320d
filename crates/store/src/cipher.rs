//! SQLCipher's ciphers, from RustCrypto instead of OpenSSL.
//!
//! SQLCipher asks a "crypto provider" for five things: random bytes,
//! HMAC (SHA-1, SHA-256 or SHA-512), PBKDF2 over the same digests, AES-256-CBC
//! without padding, and the sizes of each. By default that provider is
//! OpenSSL, and OpenSSL 3 builds a registry of every algorithm it has the first
//! time any one of them is used: for a one-shot command such as
//! `drawbridge urge go-quiet`, most of the cost of opening the database. This
//! provider does the same five things with the `aes`, `cbc`, `hmac`, `sha1`,
//! `sha2` and `pbkdf2` crates and the operating system's random source, so a
//! command pays only for the pages it reads and writes.
//!
//! SQLCipher is compiled to call [`drawbridge_sqlcipher_setup`] for its
//! provider by `LIBSQLITE3_FLAGS` in `.cargo/config.toml`. The file format is
//! unchanged (SQLCipher 4: AES-256-CBC pages, HMAC-SHA512, PBKDF2-HMAC-SHA512
//! for the HMAC key): a database written with OpenSSL opens with this and
//! back again, which `tests/cipher.rs` checks on a database made before the
//! change, and the unit tests below check each primitive against published
//! test vectors.
//!
//! Every function here is called from C: none may panic or unwind, and each
//! checks its pointers and sizes and answers `SQLITE_ERROR` when they are
//! wrong.

use std::ffi::{c_char, c_int, c_void};

use aes::Aes256;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::{Hmac, Mac};

const SQLITE_OK: c_int = 0;
const SQLITE_ERROR: c_int = 1;

const HMAC_SHA1: c_int = 0;
const HMAC_SHA256: c_int = 1;
const HMAC_SHA512: c_int = 2;
const CIPHER_ENCRYPT: c_int = 1;
const CIPHER_DECRYPT: c_int = 0;

const KEY_SIZE: usize = 32;
const BLOCK_SIZE: usize = 16;

/// SQLCipher's `struct sqlcipher_provider`, field for field.
#[repr(C)]
pub struct Provider {
    init: Option<unsafe extern "C" fn() -> c_int>,
    shutdown: Option<unsafe extern "C" fn()>,
    get_provider_name: Option<unsafe extern "C" fn(*mut c_void) -> *const c_char>,
    add_random: Option<unsafe extern "C" fn(*mut c_void, *const c_void, c_int) -> c_int>,
    random: Option<unsafe extern "C" fn(*mut c_void, *mut c_void, c_int) -> c_int>,
    #[allow(clippy::type_complexity)]
    hmac: Option<unsafe extern "C" fn(*mut c_void, c_int, *const u8, c_int, *const u8, c_int, *const u8, c_int, *mut u8) -> c_int>,
    #[allow(clippy::type_complexity)]
    kdf: Option<unsafe extern "C" fn(*mut c_void, c_int, *const u8, c_int, *const u8, c_int, c_int, c_int, *mut u8) -> c_int>,
    #[allow(clippy::type_complexity)]
    cipher: Option<unsafe extern "C" fn(*mut c_void, c_int, *const u8, c_int, *const u8, *const u8, c_int, *mut u8) -> c_int>,
    get_cipher: Option<unsafe extern "C" fn(*mut c_void) -> *const c_char>,
    get_key_sz: Option<unsafe extern "C" fn(*mut c_void) -> c_int>,
    get_iv_sz: Option<unsafe extern "C" fn(*mut c_void) -> c_int>,
    get_block_sz: Option<unsafe extern "C" fn(*mut c_void) -> c_int>,
    get_hmac_sz: Option<unsafe extern "C" fn(*mut c_void, c_int) -> c_int>,
    ctx_init: Option<unsafe extern "C" fn(*mut *mut c_void) -> c_int>,
    ctx_free: Option<unsafe extern "C" fn(*mut *mut c_void) -> c_int>,
    fips_status: Option<unsafe extern "C" fn(*mut c_void) -> c_int>,
    get_provider_version: Option<unsafe extern "C" fn(*mut c_void) -> *const c_char>,
    next: *mut Provider,
}

/// What `PRAGMA cipher_provider` answers.
pub const PROVIDER_NAME: &str = "rustcrypto";

/// Called by SQLCipher, once, to fill in its provider (which it allocated
/// and will free).
///
/// # Safety
/// `p` must point to a writable `sqlcipher_provider`, as SQLCipher's
/// `sqlcipher_extra_init` passes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn drawbridge_sqlcipher_setup(p: *mut Provider) -> c_int {
    if p.is_null() {
        return SQLITE_ERROR;
    }
    let next = unsafe { (*p).next };
    let provider = Provider {
        init: None,
        shutdown: None,
        get_provider_name: Some(provider_name),
        add_random: Some(add_random),
        random: Some(random),
        hmac: Some(hmac),
        kdf: Some(kdf),
        cipher: Some(cipher),
        get_cipher: Some(cipher_name),
        get_key_sz: Some(key_size),
        get_iv_sz: Some(block_size),
        get_block_sz: Some(block_size),
        get_hmac_sz: Some(hmac_size),
        ctx_init: Some(ctx_init),
        ctx_free: Some(ctx_free),
        fips_status: Some(fips_status),
        get_provider_version: Some(provider_version),
        next,
    };
    // SAFETY: `p` is non-null and, per the contract, writable.
    unsafe { p.write(provider) };
    SQLITE_OK
}

/// A C buffer as a slice: empty when its size is 0, None when the pointer is
/// null or the size negative.
///
/// # Safety
/// A non-null `ptr` must be valid for `len` bytes for the slice's lifetime.
unsafe fn bytes<'a>(ptr: *const u8, len: c_int) -> Option<&'a [u8]> {
    let len = usize::try_from(len).ok()?;
    if len == 0 {
        return Some(&[]);
    }
    if ptr.is_null() {
        return None;
    }
    // SAFETY: checked non-null; the caller vouches for the length.
    Some(unsafe { std::slice::from_raw_parts(ptr, len) })
}

unsafe extern "C" fn provider_name(_: *mut c_void) -> *const c_char {
    c"rustcrypto".as_ptr()
}

unsafe extern "C" fn provider_version(_: *mut c_void) -> *const c_char {
    // No version numbers here: they would drift from Cargo.toml unseen.
    c"RustCrypto: aes, cbc, hmac, sha1, sha2, pbkdf2".as_ptr()
}

unsafe extern "C" fn cipher_name(_: *mut c_void) -> *const c_char {
    c"AES-256-CBC".as_ptr()
}

/// The operating system's random source is the only one: nothing to add.
unsafe extern "C" fn add_random(_: *mut c_void, _: *const c_void, _: c_int) -> c_int {
    SQLITE_OK
}

unsafe extern "C" fn random(_: *mut c_void, buffer: *mut c_void, length: c_int) -> c_int {
    let Ok(len) = usize::try_from(length) else {
        return SQLITE_ERROR;
    };
    if len == 0 {
        return SQLITE_OK;
    }
    if buffer.is_null() {
        return SQLITE_ERROR;
    }
    // SAFETY: non-null, and SQLCipher passes a buffer of `length` bytes.
    let out = unsafe { std::slice::from_raw_parts_mut(buffer.cast::<u8>(), len) };
    match getrandom::fill(out) {
        Ok(()) => SQLITE_OK,
        Err(_) => SQLITE_ERROR,
    }
}

fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], a: &[u8], b: Option<&[u8]>, out: *mut u8) -> c_int {
    let Ok(mut m) = <M as hmac::digest::KeyInit>::new_from_slice(key) else {
        return SQLITE_ERROR;
    };
    m.update(a);
    if let Some(b) = b {
        m.update(b);
    }
    let tag = m.finalize().into_bytes();
    // SAFETY: SQLCipher's output buffer holds `get_hmac_sz` bytes, the tag's size.
    unsafe { std::ptr::copy_nonoverlapping(tag.as_ptr(), out, tag.len()) };
    SQLITE_OK
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn hmac(
    _: *mut c_void,
    algorithm: c_int,
    key: *const u8,
    key_sz: c_int,
    input: *const u8,
    in_sz: c_int,
    input2: *const u8,
    in2_sz: c_int,
    out: *mut u8,
) -> c_int {
    if input.is_null() || out.is_null() {
        return SQLITE_ERROR;
    }
    // SAFETY: SQLCipher passes buffers of the sizes it names.
    let (Some(key), Some(a)) = (unsafe { bytes(key, key_sz) }, unsafe { bytes(input, in_sz) }) else {
        return SQLITE_ERROR;
    };
    let b = if input2.is_null() {
        None
    } else {
        // SAFETY: as above.
        match unsafe { bytes(input2, in2_sz) } {
            Some(b) => Some(b),
            None => return SQLITE_ERROR,
        }
    };
    match algorithm {
        HMAC_SHA1 => mac::<Hmac<sha1::Sha1>>(key, a, b, out),
        HMAC_SHA256 => mac::<Hmac<sha2::Sha256>>(key, a, b, out),
        HMAC_SHA512 => mac::<Hmac<sha2::Sha512>>(key, a, b, out),
        _ => SQLITE_ERROR,
    }
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn kdf(
    _: *mut c_void,
    algorithm: c_int,
    pass: *const u8,
    pass_sz: c_int,
    salt: *const u8,
    salt_sz: c_int,
    workfactor: c_int,
    key_sz: c_int,
    key: *mut u8,
) -> c_int {
    // SAFETY: SQLCipher passes buffers of the sizes it names.
    let (Some(pass), Some(salt)) = (unsafe { bytes(pass, pass_sz) }, unsafe { bytes(salt, salt_sz) }) else {
        return SQLITE_ERROR;
    };
    let (Ok(rounds), Ok(len)) = (u32::try_from(workfactor), usize::try_from(key_sz)) else {
        return SQLITE_ERROR;
    };
    if rounds == 0 || len == 0 || key.is_null() {
        return SQLITE_ERROR;
    }
    // SAFETY: non-null, and SQLCipher's key buffer holds `key_sz` bytes.
    let out = unsafe { std::slice::from_raw_parts_mut(key, len) };
    match algorithm {
        HMAC_SHA1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(pass, salt, rounds, out),
        HMAC_SHA256 => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pass, salt, rounds, out),
        HMAC_SHA512 => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(pass, salt, rounds, out),
        _ => return SQLITE_ERROR,
    }
    SQLITE_OK
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn cipher(
    _: *mut c_void,
    mode: c_int,
    key: *const u8,
    key_sz: c_int,
    iv: *const u8,
    input: *const u8,
    in_sz: c_int,
    out: *mut u8,
) -> c_int {
    let Ok(len) = usize::try_from(in_sz) else {
        return SQLITE_ERROR;
    };
    if key_sz as usize != KEY_SIZE || key.is_null() || iv.is_null() || input.is_null() || out.is_null() || len % BLOCK_SIZE != 0 {
        return SQLITE_ERROR;
    }
    // SAFETY: SQLCipher passes a 32-byte key and a 16-byte IV.
    let key: [u8; KEY_SIZE] = unsafe { std::ptr::read(key.cast()) };
    let iv: [u8; BLOCK_SIZE] = unsafe { std::ptr::read(iv.cast()) };
    // Work in place on the output, so input and output may be the same buffer.
    // SAFETY: both buffers hold `in_sz` bytes; `copy` allows overlap.
    let buf = unsafe {
        std::ptr::copy(input, out, len);
        std::slice::from_raw_parts_mut(out, len)
    };
    let done = match mode {
        CIPHER_ENCRYPT => cbc::Encryptor::<Aes256>::new(&key.into(), &iv.into())
            .encrypt_padded_mut::<NoPadding>(buf, len)
            .is_ok(),
        CIPHER_DECRYPT => cbc::Decryptor::<Aes256>::new(&key.into(), &iv.into())
            .decrypt_padded_mut::<NoPadding>(buf)
            .is_ok(),
        _ => false,
    };
    if done { SQLITE_OK } else { SQLITE_ERROR }
}

unsafe extern "C" fn key_size(_: *mut c_void) -> c_int {
    KEY_SIZE as c_int
}

unsafe extern "C" fn block_size(_: *mut c_void) -> c_int {
    BLOCK_SIZE as c_int
}

unsafe extern "C" fn hmac_size(_: *mut c_void, algorithm: c_int) -> c_int {
    match algorithm {
        HMAC_SHA1 => 20,
        HMAC_SHA256 => 32,
        HMAC_SHA512 => 64,
        _ => 0,
    }
}

/// No per-connection state: every call stands alone.
unsafe extern "C" fn ctx_init(_: *mut *mut c_void) -> c_int {
    SQLITE_OK
}

unsafe extern "C" fn ctx_free(_: *mut *mut c_void) -> c_int {
    SQLITE_OK
}

unsafe extern "C" fn fips_status(_: *mut c_void) -> c_int {
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s.replace([' ', '\n'], "")).expect("hex")
    }

    /// AES-256-CBC through the provider, as SQLCipher calls it.
    fn run_cipher(mode: c_int, key: &[u8], iv: &[u8], input: *const u8, len: c_int, out: *mut u8) -> c_int {
        // SAFETY: the buffers are the sizes passed (or the call is refused).
        unsafe { cipher(std::ptr::null_mut(), mode, key.as_ptr(), 32, iv.as_ptr(), input, len, out) }
    }

    /// NIST SP 800-38A, F.2.5 and F.2.6: CBC-AES256.
    #[test]
    fn aes_256_cbc_matches_nist() {
        let key = unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
        let iv = unhex("000102030405060708090a0b0c0d0e0f");
        let plain = unhex(
            "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
             30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710",
        );
        let expect = unhex(
            "f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d
             39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b",
        );
        let mut out = vec![0u8; plain.len()];
        let rc = run_cipher(CIPHER_ENCRYPT, &key, &iv, plain.as_ptr(), 64, out.as_mut_ptr());
        assert_eq!((rc, &out), (SQLITE_OK, &expect));
        // In place, as SQLCipher may call it.
        let buf = out.as_mut_ptr();
        let rc = run_cipher(CIPHER_DECRYPT, &key, &iv, buf, 64, buf);
        assert_eq!((rc, &out), (SQLITE_OK, &plain));
        let rc = run_cipher(CIPHER_ENCRYPT, &key, &iv, plain.as_ptr(), 60, out.as_mut_ptr());
        assert_eq!(rc, SQLITE_ERROR, "not a whole number of blocks");
    }

    /// RFC 4231, test case 2, with the message split in two as SQLCipher
    /// splits a page from its number.
    #[test]
    fn hmac_sha512_matches_rfc_4231() {
        let key = b"Jefe";
        let (a, b) = (b"what do ya want ", b"for nothing?");
        let mut out = [0u8; 64];
        let rc = unsafe {
            hmac(
                std::ptr::null_mut(),
                HMAC_SHA512,
                key.as_ptr(),
                4,
                a.as_ptr(),
                16,
                b.as_ptr(),
                12,
                out.as_mut_ptr(),
            )
        };
        assert_eq!(rc, SQLITE_OK);
        assert_eq!(
            out.to_vec(),
            unhex(
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554
                 9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
            )
        );
        assert_eq!(unsafe { hmac_size(std::ptr::null_mut(), HMAC_SHA512) }, 64);
    }

    /// RFC 6070's first PBKDF2-HMAC-SHA1 vector, and the SHA-256 one widely
    /// published with it.
    #[test]
    fn pbkdf2_matches_published_vectors() {
        /// PBKDF2 of "password" with salt "salt", through the provider.
        fn derive(algorithm: c_int, rounds: c_int, out: &mut [u8]) -> c_int {
            let (pass, salt) = (b"password", b"salt");
            let len = out.len() as c_int;
            // SAFETY: the buffers are the sizes passed.
            unsafe {
                kdf(
                    std::ptr::null_mut(),
                    algorithm,
                    pass.as_ptr(),
                    8,
                    salt.as_ptr(),
                    4,
                    rounds,
                    len,
                    out.as_mut_ptr(),
                )
            }
        }
        let mut out = [0u8; 20];
        let rc = derive(HMAC_SHA1, 1, &mut out);
        assert_eq!((rc, out.to_vec()), (SQLITE_OK, unhex("0c60c80f961f0e71f3a9b524af6012062fe037a6")));
        let mut out = [0u8; 32];
        let rc = derive(HMAC_SHA256, 2, &mut out);
        assert_eq!(
            (rc, out.to_vec()),
            (SQLITE_OK, unhex("ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"))
        );
        let rc = derive(HMAC_SHA512, 0, &mut out);
        assert_eq!(rc, SQLITE_ERROR, "no rounds");
    }

    #[test]
    fn random_fills_and_refuses_bad_buffers() {
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        unsafe {
            assert_eq!(random(std::ptr::null_mut(), a.as_mut_ptr().cast(), 32), SQLITE_OK);
            assert_eq!(random(std::ptr::null_mut(), b.as_mut_ptr().cast(), 32), SQLITE_OK);
            assert_eq!(random(std::ptr::null_mut(), std::ptr::null_mut(), 8), SQLITE_ERROR);
            assert_eq!(random(std::ptr::null_mut(), a.as_mut_ptr().cast(), -1), SQLITE_ERROR);
        }
        assert_ne!(a, b);
    }
}
