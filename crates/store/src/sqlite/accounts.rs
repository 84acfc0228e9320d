//! Accounts on SQLite (server mode's table, kept the same on both engines).
//! These statements name their owner themselves: an account is found by its
//! name before its owner is known.

use rusqlite::params;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Res, SqliteStore, first, from_micros, micros, rows};
use crate::accounts::{Account, AccountRow, Invitation, Role};
use crate::error::StoreError;
use crate::keys::DataKey;

const COLUMNS: &str = "owner, name, role, key_by_password, key_by_recovery, created_at, last_seen_at, disabled_at";

fn row_of(r: &rusqlite::Row<'_>) -> Res<AccountRow> {
    let owner: Vec<u8> = r.get(0)?;
    let role: String = r.get(2)?;
    let at = |m: Option<i64>| m.map(from_micros).transpose();
    Ok(AccountRow {
        account: Account {
            owner: Uuid::from_slice(&owner).map_err(|_| StoreError::Database("an account's id is not a UUID".into()))?,
            name: r.get(1)?,
            role: Role::parse(&role).ok_or_else(|| StoreError::Database(format!("an account has the unknown role {role:?}")))?,
            created_at: from_micros(r.get(5)?)?,
            last_seen_at: at(r.get(6)?)?,
            disabled_at: at(r.get(7)?)?,
        },
        key_by_password: r.get(3)?,
        key_by_recovery: r.get(4)?,
    })
}

impl SqliteStore {
    pub(crate) fn add_account(&self, row: &AccountRow, name_key: &str, _key: &DataKey, invitation: Option<&str>) -> Result<(), StoreError> {
        self.write(|tx| {
            if let Some(hash) = invitation {
                let n = tx
                    .prepare_cached(
                        "UPDATE invitations SET used_at = ?, used_by = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                    )?
                    .execute(params![
                        micros(row.account.created_at),
                        row.account.owner.into_bytes().to_vec(),
                        hash,
                        micros(row.account.created_at)
                    ])?;
                if n != 1 {
                    return Err(StoreError::InvitationInvalid.into());
                }
            }
            let taken: Option<i64> = first(&mut tx.prepare_cached("SELECT 1 FROM accounts WHERE name_key = ?")?, [name_key], |r| {
                Ok(r.get(0)?)
            })?;
            if taken.is_some() {
                return Err(StoreError::NameTaken(row.account.name.clone()).into());
            }
            let a = &row.account;
            let owner = a.owner.into_bytes().to_vec();
            tx.prepare_cached("INSERT INTO owners (id, created_at) VALUES (?, ?)")?
                .execute(params![owner, micros(a.created_at)])?;
            tx.prepare_cached(
                "INSERT INTO accounts (owner, name, name_key, role, key_by_password, key_by_recovery, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )?
            .execute(params![
                owner,
                a.name,
                name_key,
                a.role.as_str(),
                row.key_by_password,
                row.key_by_recovery,
                micros(a.created_at)
            ])?;
            Ok(())
        })
    }

    pub(crate) fn account_by_name(&self, name_key: &str) -> Result<Option<AccountRow>, StoreError> {
        self.one_account("name_key = ?", rusqlite::types::Value::Text(name_key.to_string()))
    }

    pub(crate) fn account_row(&self, owner: Uuid) -> Result<Option<AccountRow>, StoreError> {
        self.one_account("owner = ?", rusqlite::types::Value::Blob(owner.into_bytes().to_vec()))
    }

    /// The one account `clause` (with one parameter) picks out.
    fn one_account(&self, clause: &'static str, value: rusqlite::types::Value) -> Result<Option<AccountRow>, StoreError> {
        self.with(|c| {
            first(
                &mut c.prepare_cached(&format!("SELECT {COLUMNS} FROM accounts WHERE {clause}"))?,
                [value],
                row_of,
            )
        })
    }

    pub(crate) fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.with(|c| {
            rows(
                &mut c.prepare_cached(&format!("SELECT {COLUMNS} FROM accounts ORDER BY created_at, owner"))?,
                [],
                |r| Ok(row_of(r)?.account),
            )
        })
    }

    pub(crate) fn set_account_key(&self, owner: Uuid, key_by_password: &str) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .prepare_cached("UPDATE accounts SET key_by_password = ? WHERE owner = ?")?
                .execute(params![key_by_password, owner.into_bytes().to_vec()])?;
            Ok(n == 1)
        })
    }

    pub(crate) fn set_account_disabled(&self, owner: Uuid, at: Option<OffsetDateTime>) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .prepare_cached("UPDATE accounts SET disabled_at = ? WHERE owner = ?")?
                .execute(params![at.map(micros), owner.into_bytes().to_vec()])?;
            if at.is_some() {
                tx.prepare_cached("DELETE FROM invitations WHERE created_by = ? AND used_at IS NULL")?
                    .execute([owner.into_bytes().to_vec()])?;
            }
            Ok(n == 1)
        })
    }

    pub(crate) fn touch_account(&self, owner: Uuid, at: OffsetDateTime) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached("UPDATE accounts SET last_seen_at = ? WHERE owner = ?")?
                .execute(params![micros(at), owner.into_bytes().to_vec()])?;
            Ok(())
        })
    }

    pub(crate) fn add_invitation(&self, inv: &Invitation, token_hash: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT INTO invitations (id, token_hash, role, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            )?
            .execute(params![
                inv.id.into_bytes().to_vec(),
                token_hash,
                inv.role.as_str(),
                inv.created_by.map(|u| u.into_bytes().to_vec()),
                micros(inv.created_at),
                micros(inv.expires_at)
            ])?;
            Ok(())
        })
    }

    pub(crate) fn invitation_by_hash(&self, token_hash: &str) -> Result<Option<Invitation>, StoreError> {
        self.with(|c| {
            first(
                &mut c.prepare_cached(&format!("SELECT {INVITATION} FROM invitations WHERE token_hash = ?"))?,
                [token_hash],
                invitation_of,
            )
        })
    }

    pub(crate) fn invitations(&self) -> Result<Vec<Invitation>, StoreError> {
        self.with(|c| {
            rows(
                &mut c.prepare_cached(&format!("SELECT {INVITATION} FROM invitations ORDER BY created_at DESC, id DESC"))?,
                [],
                invitation_of,
            )
        })
    }

    pub(crate) fn delete_invitation(&self, id: Uuid) -> Result<bool, StoreError> {
        self.write(|tx| {
            let n = tx
                .prepare_cached("DELETE FROM invitations WHERE id = ? AND used_at IS NULL")?
                .execute([id.into_bytes().to_vec()])?;
            Ok(n == 1)
        })
    }
}

const INVITATION: &str = "id, role, created_by, created_at, expires_at, used_at, used_by";

fn invitation_of(r: &rusqlite::Row<'_>) -> Res<Invitation> {
    let uuid = |b: Vec<u8>| Uuid::from_slice(&b).map_err(|_| StoreError::Database("an invitation holds an id that is not a UUID".into()));
    let role: String = r.get(1)?;
    let at = |m: Option<i64>| m.map(from_micros).transpose();
    Ok(Invitation {
        id: uuid(r.get(0)?)?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Database(format!("an invitation has the unknown role {role:?}")))?,
        created_by: r.get::<_, Option<Vec<u8>>>(2)?.map(uuid).transpose()?,
        created_at: from_micros(r.get(3)?)?,
        expires_at: from_micros(r.get(4)?)?,
        used_at: at(r.get(5)?)?,
        used_by: r.get::<_, Option<Vec<u8>>>(6)?.map(uuid).transpose()?,
    })
}
