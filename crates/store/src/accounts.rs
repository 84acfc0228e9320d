//! Accounts, for server mode: each is an owner in the one database, with a
//! data key of its own that seals its words (on PostgreSQL). The key is
//! never stored in the clear: it is wrapped (Argon2id, XChaCha20-Poly1305,
//! as a passphrase key file) under the password, and again under a
//! recovery key the person is shown once. Signing in unwraps it with the
//! password, which is also the password's check: there is no separate
//! password hash to steal. Without the password or the recovery key the
//! words cannot be read, by anyone.

use drawbridge_core::account::name_key;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Store;
use crate::error::StoreError;
use crate::keys::{DataKey, KeyFile};

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Uses drawbridge for themselves.
    Person,
    /// Also invites people and manages accounts (never reads them).
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Person => "person",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "person" => Some(Role::Person),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// An account as the admin pages show it: nothing the person wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The account's owner id: every row of theirs carries it.
    pub owner: Uuid,
    /// The name they sign in with (as typed, trimmed).
    pub name: String,
    pub role: Role,
    pub created_at: OffsetDateTime,
    pub last_seen_at: Option<OffsetDateTime>,
    pub disabled_at: Option<OffsetDateTime>,
}

/// An account as stored: with its data key, wrapped twice.
#[derive(Debug, Clone)]
pub(crate) struct AccountRow {
    pub account: Account,
    pub key_by_password: String,
    pub key_by_recovery: String,
}

/// How signing in went.
pub enum SignIn {
    /// The account, and a store that reads and writes only its rows.
    In(Account, Store),
    /// No such name, or not its password: the same answer for both.
    Refused,
    /// The right password, but an admin has disabled the account.
    Disabled,
}

/// A one-time link that lets one person make an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: Uuid,
    /// What the account it makes may do.
    pub role: Role,
    /// The admin account that made it; None when made from the terminal.
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
    /// The account it became.
    pub used_by: Option<Uuid>,
}

impl Invitation {
    /// Whether it can still make an account at `now`.
    pub fn is_open(&self, now: OffsetDateTime) -> bool {
        self.used_at.is_none() && self.expires_at > now
    }
}

/// What is kept of an invitation's token: its hash, so a copy of the
/// database signs no one up.
fn token_hash(token: &str) -> String {
    crate::session_hash(token)
}

/// How names were compared before they were normalised (trimmed, lower
/// case only): an account made then, whose key is that, is still found.
fn earlier_name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Argon2id is slow on purpose (a fifth of a second, 64 MiB): it runs on
/// the blocking pool, so a server's other requests are not held up by a
/// log-in, and no more run at once than there are cores, so a burst of
/// log-ins waits its turn instead of taking all the memory and time.
async fn slow<T: Send + 'static>(work: impl FnOnce() -> Result<T, StoreError> + Send + 'static) -> Result<T, StoreError> {
    static TURNS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let turns = TURNS.get_or_init(|| tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(1, |n| n.get())));
    let _turn = turns
        .acquire()
        .await
        .map_err(|e| StoreError::Database(format!("a key derivation could not start: {e}")))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Database(format!("a key derivation stopped: {e}")))?
}

async fn wrap(key: &DataKey, secret: &str) -> Result<String, StoreError> {
    let (key, secret) = (key.clone(), zeroize::Zeroizing::new(secret.to_string()));
    slow(move || serde_json::to_string(&KeyFile::wrapped(&key, &secret)?).map_err(|e| StoreError::Database(e.to_string()))).await
}

async fn unwrap(wrapped: &str, secret: &str) -> Result<DataKey, StoreError> {
    let file: KeyFile =
        serde_json::from_str(wrapped).map_err(|e| StoreError::Database(format!("an account's wrapped key cannot be read: {e}")))?;
    let secret = zeroize::Zeroizing::new(secret.to_string());
    slow(move || file.unlock(std::path::Path::new("the account's wrapped key"), Some(&secret))).await
}

/// As slow as a real check, for a name that has no account, so the answer
/// does not say whether the name exists.
async fn pretend(secret: &str) -> Result<(), StoreError> {
    wrap(&DataKey::generate()?, secret).await.map(drop)
}

impl Store {
    /// Make an account: a new owner with a new data key, wrapped under
    /// `password` and under `recovery`. A name already in use (compared
    /// without regard to case) is refused, and nothing is made.
    pub async fn create_account(&self, name: &str, role: Role, password: &str, recovery: &str) -> Result<(Account, Store), StoreError> {
        let now = crate::truncate_micros(OffsetDateTime::now_utc());
        self.make_account(name, role, password, recovery, now, None).await
    }

    /// A new owner, its key and its account row, wrapped both ways, added in
    /// one transaction (using `invitation`, its token's hash, in the same).
    async fn make_account(
        &self,
        name: &str,
        role: Role,
        password: &str,
        recovery: &str,
        now: OffsetDateTime,
        invitation: Option<&str>,
    ) -> Result<(Account, Store), StoreError> {
        let key = DataKey::generate()?;
        let account = Account {
            owner: Uuid::now_v7(),
            name: name.trim().to_string(),
            role,
            created_at: now,
            last_seen_at: None,
            disabled_at: None,
        };
        let (key_by_password, key_by_recovery) = tokio::try_join!(wrap(&key, password), wrap(&key, recovery))?;
        let row = AccountRow {
            account: account.clone(),
            key_by_password,
            key_by_recovery,
        };
        let earlier = earlier_name_key(name);
        if earlier != name_key(name) && self.backend.account_by_name(&earlier).await?.is_some() {
            return Err(StoreError::NameTaken(account.name));
        }
        self.backend.add_account(&row, &name_key(name), &key, invitation).await?;
        let store = self.for_owner(account.owner, &key);
        Ok((account, store))
    }

    /// Make an invitation for one account with `role`, open until
    /// `expires_at`. Returns the token for its link (shown once: only its
    /// hash is kept) and the invitation.
    pub async fn invite(
        &self,
        role: Role,
        expires_at: OffsetDateTime,
        created_by: Option<Uuid>,
    ) -> Result<(String, Invitation), StoreError> {
        let mut raw = [0u8; 32];
        getrandom::fill(&mut raw).map_err(|e| StoreError::Database(format!("no randomness for an invitation: {e}")))?;
        let token = hex::encode(raw);
        let inv = Invitation {
            id: Uuid::now_v7(),
            role,
            created_by,
            created_at: crate::truncate_micros(OffsetDateTime::now_utc()),
            expires_at: crate::truncate_micros(expires_at),
            used_at: None,
            used_by: None,
        };
        self.backend.add_invitation(&inv, &token_hash(&token)).await?;
        Ok((token, inv))
    }

    /// The invitation a link's token names, used or not.
    pub async fn invitation(&self, token: &str) -> Result<Option<Invitation>, StoreError> {
        self.backend.invitation_by_hash(&token_hash(token)).await
    }

    /// Every invitation, newest first.
    pub async fn invitations(&self) -> Result<Vec<Invitation>, StoreError> {
        self.backend.invitations().await
    }

    /// Withdraw an invitation not yet used. False when there is no such
    /// open invitation.
    pub async fn withdraw_invitation(&self, id: Uuid) -> Result<bool, StoreError> {
        self.backend.delete_invitation(id).await
    }

    /// Make an account with an invitation's link: its role is the
    /// invitation's, and the invitation is used in the same transaction, so
    /// one link makes one account. `InvitationInvalid` when it is used,
    /// expired or unknown; `NameTaken` leaves the invitation open.
    pub async fn accept_invitation(&self, token: &str, name: &str, password: &str, recovery: &str) -> Result<(Account, Store), StoreError> {
        let now = crate::truncate_micros(OffsetDateTime::now_utc());
        let hash = token_hash(token);
        let inv = self.backend.invitation_by_hash(&hash).await?.filter(|i| i.is_open(now));
        let Some(inv) = inv else {
            return Err(StoreError::InvitationInvalid);
        };
        self.make_account(name, inv.role, password, recovery, now, Some(&hash)).await
    }

    /// The account a name names, by its key (or, for an account made
    /// before names were normalised, by the key it was made with).
    async fn account_named(&self, name: &str) -> Result<Option<AccountRow>, StoreError> {
        let key = name_key(name);
        if let Some(row) = self.backend.account_by_name(&key).await? {
            return Ok(Some(row));
        }
        let earlier = earlier_name_key(name);
        if earlier == key {
            return Ok(None);
        }
        self.backend.account_by_name(&earlier).await
    }

    /// The account whose owner is `owner`.
    pub async fn account(&self, owner: Uuid) -> Result<Option<Account>, StoreError> {
        Ok(self.backend.account_row(owner).await?.map(|r| r.account))
    }

    /// Delete an account and every row it owns, in one transaction (what an
    /// admin does; the person does it from Settings with their own store).
    /// False when there is no such account.
    pub async fn delete_account(&self, owner: Uuid) -> Result<bool, StoreError> {
        if self.backend.account_row(owner).await?.is_none() {
            return Ok(false);
        }
        // Deleting reads no words, so any key will do for the handle.
        self.for_owner(owner, &DataKey::generate()?).delete_owner_and_everything().await?;
        Ok(true)
    }

    /// Sign in: the account named `name`, if `password` unwraps its key.
    /// A wrong name costs the same time as a wrong password, and gets the
    /// same answer.
    pub async fn sign_in(&self, name: &str, password: &str) -> Result<SignIn, StoreError> {
        let Some(row) = self.account_named(name).await? else {
            pretend(password).await?;
            return Ok(SignIn::Refused);
        };
        let key = match unwrap(&row.key_by_password, password).await {
            Ok(k) => k,
            Err(StoreError::WrongKey) => return Ok(SignIn::Refused),
            Err(e) => return Err(e),
        };
        if row.account.disabled_at.is_some() {
            return Ok(SignIn::Disabled);
        }
        let now = crate::truncate_micros(OffsetDateTime::now_utc());
        self.backend.touch_account(row.account.owner, now).await?;
        let store = self.for_owner(row.account.owner, &key);
        let mut account = row.account;
        account.last_seen_at = Some(now);
        Ok(SignIn::In(account, store))
    }

    /// A new password, with the old one: the key is wrapped again; the
    /// words are not touched. False when `old` is not the password.
    pub async fn change_password(&self, owner: Uuid, old: &str, new: &str) -> Result<bool, StoreError> {
        let Some(row) = self.backend.account_row(owner).await? else {
            return Ok(false);
        };
        let key = match unwrap(&row.key_by_password, old).await {
            Ok(k) => k,
            Err(StoreError::WrongKey) => return Ok(false),
            Err(e) => return Err(e),
        };
        self.backend.set_account_key(owner, &wrap(&key, new).await?).await
    }

    /// Whether `password` is the password of the account `owner` (asked
    /// again before an account is deleted).
    pub async fn verify_password(&self, owner: Uuid, password: &str) -> Result<bool, StoreError> {
        let Some(row) = self.backend.account_row(owner).await? else {
            return Ok(false);
        };
        match unwrap(&row.key_by_password, password).await {
            Ok(_) => Ok(true),
            Err(StoreError::WrongKey) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A forgotten password, with the recovery key: a new password wraps the
    /// same key, so every word is still there. The account's owner, or
    /// None when the name or the recovery key is wrong.
    pub async fn recover_account(&self, name: &str, recovery: &str, new_password: &str) -> Result<Option<Uuid>, StoreError> {
        let Some(row) = self.account_named(name).await? else {
            pretend(recovery).await?;
            return Ok(None);
        };
        let key = match unwrap(&row.key_by_recovery, recovery).await {
            Ok(k) => k,
            Err(StoreError::WrongKey) => return Ok(None),
            Err(e) => return Err(e),
        };
        let owner = row.account.owner;
        Ok(self
            .backend
            .set_account_key(owner, &wrap(&key, new_password).await?)
            .await?
            .then_some(owner))
    }

    /// Every account, oldest first, as an admin sees them.
    pub async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.backend.accounts().await
    }

    /// Disable an account (it cannot sign in) or enable it again. False when
    /// there is no such account. Disabling withdraws the invitations it
    /// made that nobody has used (enabling it does not bring them back),
    /// as deleting it does.
    pub async fn set_account_disabled(&self, owner: Uuid, disabled: bool) -> Result<bool, StoreError> {
        let at = disabled.then(|| crate::truncate_micros(OffsetDateTime::now_utc()));
        self.backend.set_account_disabled(owner, at).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteStore;
    use std::sync::Arc;

    /// An account made before names were normalised keeps the key it was
    /// made with (trimmed, lower case): it still signs in by that name, and
    /// nobody can take a name that is that key.
    #[tokio::test]
    async fn an_account_made_before_names_were_normalised_is_still_found() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sqlite = SqliteStore::open(&dir.path().join("drawbridge.db"), &DataKey::generate().expect("key"), true)
            .await
            .expect("create");
        let store = Store {
            backend: Arc::new(sqlite.clone()),
        };
        let (sam, _) = store
            .create_account("Sam  Lee", Role::Person, "kettle on the sill", "R1")
            .await
            .expect("create");
        sqlite
            .with(|c| {
                c.execute("UPDATE accounts SET name_key = 'sam  lee'", [])?;
                Ok(())
            })
            .expect("as an earlier version kept it");
        match store.sign_in("SAM  LEE", "kettle on the sill").await.expect("sign in") {
            SignIn::In(a, _) => assert_eq!(a.owner, sam.owner),
            _ => panic!("not found by the name it was made with"),
        }
        assert_eq!(
            store
                .recover_account("sam  lee", "R1", "a new long password")
                .await
                .expect("recover"),
            Some(sam.owner)
        );
        assert!(matches!(
            store.create_account("Sam  LEE", Role::Person, "another long one", "R2").await,
            Err(StoreError::NameTaken(_))
        ));
    }
}
