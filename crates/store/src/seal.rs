//! Sealed text, for an engine whose files are not encrypted as a whole (the
//! PostgreSQL engine): every free-text field a person writes is stored as
//! XChaCha20-Poly1305 ciphertext under a key derived from their data key.
//!
//! A sealed value is `[version = 1] || nonce (24 bytes, random) || ciphertext
//! and tag`. Its associated data names the table, the field and the row's id,
//! so a sealed value copied to another row, field or table does not open:
//! it fails as tampered, and nothing is shown in its place.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::StoreError;
use crate::keys::DataKey;

const VERSION: u8 = 1;
const NONCE: usize = 24;
/// What the sealing key is derived for, so the data key itself is never
/// used twice for two ciphers.
const PURPOSE: &[u8] = b"drawbridge/seal/v1";

/// Where a sealed value belongs: its table, its field and its row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place<'a> {
    pub table: &'a str,
    pub field: &'a str,
    pub row: &'a str,
}

impl Place<'_> {
    fn aad(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.table.len() + self.field.len() + self.row.len() + 2);
        for (i, part) in [self.table, self.field, self.row].into_iter().enumerate() {
            if i > 0 {
                out.push(0);
            }
            out.extend_from_slice(part.as_bytes());
        }
        out
    }
}

/// Seals and opens one owner's text.
pub(crate) struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    pub(crate) fn new(key: &DataKey) -> Sealer {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.bytes()).expect("HMAC takes a key of any length");
        mac.update(PURPOSE);
        let derived = Zeroizing::new(<[u8; 32]>::from(mac.finalize().into_bytes()));
        Sealer {
            cipher: XChaCha20Poly1305::new(derived.as_ref().into()),
        }
    }

    pub(crate) fn seal(&self, place: Place<'_>, text: &str) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; NONCE];
        getrandom::fill(&mut nonce).map_err(|e| StoreError::Database(format!("no randomness available: {e}")))?;
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: text.as_bytes(),
                    aad: &place.aad(),
                },
            )
            .map_err(|_| StoreError::Database("a text could not be sealed".into()))?;
        let mut out = Vec::with_capacity(1 + NONCE + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub(crate) fn open(&self, place: Place<'_>, sealed: &[u8]) -> Result<String, StoreError> {
        let tampered = || {
            StoreError::Database(format!(
                "a sealed text ({} {}) does not open with this key: it was changed, moved, or sealed with another key",
                place.table, place.field
            ))
        };
        let (version, rest) = sealed.split_first().ok_or_else(tampered)?;
        if *version != VERSION || rest.len() < NONCE {
            return Err(tampered());
        }
        let (nonce, body) = rest.split_at(NONCE);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: &place.aad(),
                },
            )
            .map_err(|_| tampered())?;
        String::from_utf8(plain).map_err(|_| tampered())
    }

    /// Seal an optional text: nothing stays nothing.
    pub(crate) fn seal_opt(&self, place: Place<'_>, text: Option<&str>) -> Result<Option<Vec<u8>>, StoreError> {
        text.map(|t| self.seal(place, t)).transpose()
    }

    pub(crate) fn open_opt(&self, place: Place<'_>, sealed: Option<&[u8]>) -> Result<Option<String>, StoreError> {
        sealed.map(|s| self.open(place, s)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(table: &'a str, field: &'a str, row: &'a str) -> Place<'a> {
        Place { table, field, row }
    }

    #[test]
    fn a_sealed_text_opens_only_in_its_own_place_with_its_own_key() {
        let key = DataKey::generate().expect("key");
        let s = Sealer::new(&key);
        let here = at("urges", "note", "01a2");
        let sealed = s.seal(here, "a hard evening, and I stayed").expect("seal");
        assert!(!sealed.windows(4).any(|w| w == b"hard"), "no words in the clear");
        assert_eq!(s.open(here, &sealed).expect("open"), "a hard evening, and I stayed");
        for elsewhere in [
            at("urges", "about", "01a2"),
            at("urges", "note", "01a3"),
            at("resets", "note", "01a2"),
        ] {
            assert!(s.open(elsewhere, &sealed).is_err(), "{elsewhere:?}");
        }
        let other = Sealer::new(&DataKey::generate().expect("key"));
        assert!(other.open(here, &sealed).is_err(), "another owner's key");
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(s.open(here, &flipped).is_err(), "a changed byte");
        assert!(s.open(here, &[]).is_err() && s.open(here, &[1, 2, 3]).is_err(), "too short");
    }

    #[test]
    fn the_same_words_seal_differently_each_time() {
        let s = Sealer::new(&DataKey::generate().expect("key"));
        let here = at("urges", "note", "r");
        assert_ne!(s.seal(here, "same").expect("a"), s.seal(here, "same").expect("b"));
        assert_eq!(s.seal_opt(here, None).expect("none"), None);
        let sealed = s.seal_opt(here, Some("")).expect("empty").expect("some");
        assert_eq!(
            s.open_opt(here, Some(&sealed)).expect("open"),
            Some(String::new()),
            "an empty text stays empty, not missing"
        );
    }
}
