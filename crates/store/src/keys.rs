//! The data key and the key file.
//!
//! A random 256-bit data key encrypts the database (SQLCipher, raw key, so no
//! per-connection key derivation). The key lives in a small key file kept apart
//! from the database. In key-file mode the file holds the key itself; in
//! passphrase mode it holds the key wrapped (XChaCha20-Poly1305) under a key
//! derived from the passphrase with Argon2id. Changing the passphrase rewrites
//! only this file: the database is never re-encrypted. Every write of the file
//! is atomic (temporary file, fsync, rename), so a crash can never leave a
//! half-written key behind.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::error::StoreError;

/// Argon2id cost: 64 MiB, 3 passes, 1 lane; about a quarter of a second here.
/// Stored in the key file, so it can be raised later without breaking old files.
pub const ARGON2_MEMORY_KIB: u32 = 64 * 1024;
pub const ARGON2_ITERATIONS: u32 = 3;
pub const ARGON2_PARALLELISM: u32 = 1;

/// The 256-bit key that encrypts the database. Wiped from memory when dropped.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    pub fn generate() -> Result<DataKey, StoreError> {
        let mut k = Zeroizing::new([0u8; 32]);
        getrandom::fill(k.as_mut()).map_err(|e| StoreError::Database(format!("no randomness available: {e}")))?;
        Ok(DataKey(k))
    }

    /// The SQLCipher raw-key literal, `"x'<64 hex>'"`.
    pub(crate) fn pragma_value(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("\"x'{}'\"", hex::encode(self.0.as_ref())))
    }

    /// The key's bytes, for deriving a key for another purpose.
    pub(crate) fn bytes(&self) -> &[u8] {
        self.0.as_ref()
    }

    fn from_slice(bytes: &[u8]) -> Option<DataKey> {
        let arr: [u8; 32] = bytes.try_into().ok()?;
        Some(DataKey(Zeroizing::new(arr)))
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

/// What the key file holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "mode", rename_all = "kebab-case", deny_unknown_fields)]
pub enum KeyFile {
    /// The data key in the clear, protected by the file's permissions.
    KeyFile {
        version: u32,
        key: String,
        /// The database's salt (its first 16 bytes), so a database that will
        /// not open can be told apart from a key file that belongs elsewhere.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        db_salt: Option<String>,
    },
    /// The data key wrapped under a passphrase.
    Passphrase {
        version: u32,
        salt: String,
        memory_kib: u32,
        iterations: u32,
        parallelism: u32,
        nonce: String,
        wrapped_key: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        db_salt: Option<String>,
    },
}

/// The salt SQLCipher keeps in a database file's first 16 bytes, in hex;
/// None while the file is shorter (a new database still in its log).
pub fn db_salt_of(db: &Path) -> Option<String> {
    use std::io::Read;
    let mut head = [0u8; 16];
    fs::File::open(db).ok()?.read_exact(&mut head).ok()?;
    (head != [0u8; 16]).then(|| hex::encode(head))
}

impl KeyFile {
    pub fn needs_passphrase(&self) -> bool {
        matches!(self, KeyFile::Passphrase { .. })
    }

    /// The database salt recorded with the key, if any.
    pub fn db_salt(&self) -> Option<&str> {
        match self {
            KeyFile::KeyFile { db_salt, .. } | KeyFile::Passphrase { db_salt, .. } => db_salt.as_deref(),
        }
    }

    /// The same key file, recording `salt` as its database's.
    pub fn with_db_salt(mut self, salt: Option<String>) -> KeyFile {
        match &mut self {
            KeyFile::KeyFile { db_salt, .. } | KeyFile::Passphrase { db_salt, .. } => *db_salt = salt,
        }
        self
    }

    /// A key file in key-file mode for `key`.
    pub fn plain(key: &DataKey) -> KeyFile {
        KeyFile::KeyFile {
            version: 1,
            key: hex::encode(key.0.as_ref()),
            db_salt: None,
        }
    }

    /// Wrap `key` under `passphrase`. Slow on purpose (Argon2id).
    pub fn wrapped(key: &DataKey, passphrase: &str) -> Result<KeyFile, StoreError> {
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut salt)
            .and_then(|_| getrandom::fill(&mut nonce))
            .map_err(|e| StoreError::Database(format!("no randomness available: {e}")))?;
        let kek = derive(passphrase, &salt, ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_PARALLELISM)?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let wrapped = cipher
            .encrypt(XNonce::from_slice(&nonce), &key.0[..])
            .map_err(|_| StoreError::Database("could not wrap the key".into()))?;
        Ok(KeyFile::Passphrase {
            version: 1,
            salt: hex::encode(salt),
            memory_kib: ARGON2_MEMORY_KIB,
            iterations: ARGON2_ITERATIONS,
            parallelism: ARGON2_PARALLELISM,
            nonce: hex::encode(nonce),
            wrapped_key: hex::encode(wrapped),
            db_salt: None,
        })
    }

    /// The data key, using the passphrase when the file needs one.
    pub fn unlock(&self, path: &Path, passphrase: Option<&str>) -> Result<DataKey, StoreError> {
        let invalid = |reason: &str| StoreError::KeyFileInvalid {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        match self {
            KeyFile::KeyFile { key, .. } => {
                let mut bytes = hex::decode(key).map_err(|_| invalid("the key is not hexadecimal"))?;
                let k = DataKey::from_slice(&bytes).ok_or_else(|| invalid("the key is not 64 hexadecimal characters"));
                bytes.zeroize();
                k
            }
            KeyFile::Passphrase {
                salt,
                memory_kib,
                iterations,
                parallelism,
                nonce,
                wrapped_key,
                ..
            } => {
                let passphrase = passphrase.ok_or(StoreError::PassphraseRequired)?;
                let salt = hex::decode(salt).map_err(|_| invalid("the salt is not hexadecimal"))?;
                let nonce = hex::decode(nonce)
                    .ok()
                    .filter(|n| n.len() == 24)
                    .ok_or_else(|| invalid("the nonce is not 48 hexadecimal characters"))?;
                let wrapped = hex::decode(wrapped_key).map_err(|_| invalid("the wrapped key is not hexadecimal"))?;
                let kek = derive(passphrase, &salt, *memory_kib, *iterations, *parallelism)?;
                let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
                let mut plain = cipher
                    .decrypt(XNonce::from_slice(&nonce), wrapped.as_slice())
                    .map_err(|_| StoreError::WrongKey)?;
                let k = DataKey::from_slice(&plain).ok_or_else(|| invalid("the wrapped key has the wrong length"));
                plain.zeroize();
                k
            }
        }
    }

    /// Read a key file; `Ok(None)` when there is none.
    pub fn read(path: &Path) -> Result<Option<KeyFile>, StoreError> {
        let text = match fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(StoreError::Io {
                    path: path.to_path_buf(),
                    source: e,
                });
            }
        };
        toml::from_str(&text).map(Some).map_err(|e| StoreError::KeyFileInvalid {
            path: path.to_path_buf(),
            reason: e.message().trim().to_string(),
        })
    }

    /// Write the key file atomically with owner-only permissions.
    pub fn write(&self, path: &Path) -> Result<(), StoreError> {
        let io = |e: std::io::Error| StoreError::Io {
            path: path.to_path_buf(),
            source: e,
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        crate::create_private_dir(dir).map_err(io)?;
        let body = Zeroizing::new(format!(
            "# drawbridge key file. It unlocks your database; keep it private and keep a copy\n\
             # somewhere safe. Without it (and your passphrase, if you set one) the data\n\
             # cannot be read by anyone, including you.\n{}",
            toml::to_string(self).map_err(|e| StoreError::Database(e.to_string()))?
        ));
        let tmp: PathBuf = dir.join(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("key")));
        {
            let mut opts = fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(&tmp).map_err(io)?;
            f.write_all(body.as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        fs::rename(&tmp, path).map_err(io)?;
        #[cfg(unix)]
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

fn derive(passphrase: &str, salt: &[u8], m: u32, t: u32, p: u32) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    let params = Params::new(m, t, p, Some(32)).map_err(|e| StoreError::Database(format!("bad key-derivation settings: {e}")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, out.as_mut())
        .map_err(|e| StoreError::Database(format!("could not derive the key: {e}")))?;
    Ok(out)
}

/// Where a store's data key comes from: part of the storage seam, so an
/// engine never reads key files itself. Local mode uses the key file
/// ([`KeyFileProvider`]); server mode will unwrap a key per account.
pub trait KeyProvider: Send + Sync {
    /// The key there is, or `None` when none has been made yet.
    fn existing(&self) -> Result<Option<DataKey>, StoreError>;
    /// Make a new key and keep it (called only when there is none).
    fn create(&self) -> Result<DataKey, StoreError>;
    /// Where the key is kept, for messages.
    fn place(&self) -> &Path;
}

/// The key file at `path`, unwrapped with `passphrase` when it needs one.
pub struct KeyFileProvider<'a> {
    pub path: &'a Path,
    pub passphrase: Option<&'a str>,
}

impl KeyProvider for KeyFileProvider<'_> {
    fn existing(&self) -> Result<Option<DataKey>, StoreError> {
        KeyFile::read(self.path)?
            .map(|kf| kf.unlock(self.path, self.passphrase))
            .transpose()
    }

    fn create(&self) -> Result<DataKey, StoreError> {
        let key = DataKey::generate()?;
        KeyFile::plain(&key).write(self.path)?;
        Ok(key)
    }

    fn place(&self) -> &Path {
        self.path
    }
}

/// A key already unlocked, as a provider.
pub(crate) struct GivenKey<'a>(pub &'a DataKey);

impl KeyProvider for GivenKey<'_> {
    fn existing(&self) -> Result<Option<DataKey>, StoreError> {
        Ok(Some(self.0.clone()))
    }

    fn create(&self) -> Result<DataKey, StoreError> {
        Ok(self.0.clone())
    }

    fn place(&self) -> &Path {
        Path::new("the key given")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_round_trips_and_a_wrong_passphrase_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("drawbridge.key");
        let key = DataKey::generate().expect("key");
        KeyFile::wrapped(&key, "correct horse").expect("wrap").write(&path).expect("write");
        let kf = KeyFile::read(&path).expect("read").expect("present");
        assert!(kf.needs_passphrase());
        let back = kf.unlock(&path, Some("correct horse")).expect("unlock");
        assert_eq!(back.0.as_ref(), key.0.as_ref());
        assert!(matches!(kf.unlock(&path, Some("wrong")), Err(StoreError::WrongKey)));
        assert!(matches!(kf.unlock(&path, None), Err(StoreError::PassphraseRequired)));
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("k");
        KeyFile::plain(&DataKey::generate().expect("key")).write(&path).expect("write");
        let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_damaged_key_file_says_so() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("k");
        fs::write(&path, "mode = \"key-file\"\nversion = 1\nkey = \"abc\"\n").expect("write");
        let kf = KeyFile::read(&path).expect("read").expect("present");
        assert!(matches!(kf.unlock(&path, None), Err(StoreError::KeyFileInvalid { .. })));
        fs::write(&path, "not toml at all [").expect("write");
        assert!(matches!(KeyFile::read(&path), Err(StoreError::KeyFileInvalid { .. })));
    }
}
